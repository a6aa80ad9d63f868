/**
 * Streams a 1-million-event case through `writeTimeline` and reports time and peak memory, to show the
 * timeline never holds all events (peak RSS stays flat while the file grows to hundreds of MB).
 * Run: npm run bench:timeline [-- <events>]   (writes under the OS temp dir and removes it)
 */
import {createWriteStream, mkdtempSync, rmSync, statSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {once} from 'node:events'
import {makeEventId, type NormalizedEvent} from '../src/events/types.js'
import {formatUnix100ns} from '../src/core/time.js'
import {writeTimeline} from '../src/timeline/write.js'
import type {TimelineFormat} from '../src/timeline/columns.js'

const N = Number(process.argv[2] ?? 1_000_000)
const dir = mkdtempSync(join(tmpdir(), 'ratchet-bench-timeline-'))

async function makeEvents(): Promise<void> {
  const out = createWriteStream(join(dir, 'events.jsonl'))
  const start = 16_983_936_000_000_000n // 2023-10-28 in 100 ns units
  for (let i = 0; i < N; i++) {
    const datetime = formatUnix100ns(start + BigInt(i) * 1_234_567n)!
    const evidence = {member: 'files/C/Windows/System32/winevt/Logs/Security.evtx', sha256: 'a'.repeat(64), record: i + 1, offset: 4096 + i * 600}
    const e: NormalizedEvent = {
      id: makeEventId(evidence, 'logon.success', datetime),
      datetime,
      timestamp: Number((start + BigInt(i) * 1_234_567n) / 10n),
      timestamp_desc: 'Event Logged',
      message: `Successful logon svc_${i % 50} from 10.0.${(i >> 8) & 255}.${i & 255}`,
      source: 'EVTX',
      artefact: 'windows.eventlogs',
      event_type: i % 10 === 0 ? 'remote_access.session_start' : 'logon.success',
      host: 'PHARM-SRV01',
      user: i % 97 === 0 ? '=cmd|calc' : `svc_${i % 50}`,
      src_ip: `10.0.${(i >> 8) & 255}.${i & 255}`,
      evidence,
      attributes: {event_id: 4624, logon_type: 3, logon_type_name: 'Network', channel: 'Security'},
    }
    if (!out.write(JSON.stringify(e) + '\n')) await once(out, 'drain')
  }
  out.end()
  await once(out, 'finish')
}

let peak = 0
const timer = setInterval(() => {
  peak = Math.max(peak, process.memoryUsage().rss)
}, 20)

await makeEvents()
const inSize = statSync(join(dir, 'events.jsonl')).size
console.log(`events.jsonl: ${N.toLocaleString()} events, ${(inSize / 2 ** 20).toFixed(0)} MiB`)
for (const format of ['csv', 'timesketch-csv', 'timesketch-jsonl'] as TimelineFormat[]) {
  peak = process.memoryUsage().rss
  const t0 = performance.now()
  const r = await writeTimeline({caseDir: dir, format, tz: 'America/Chicago', out: join(dir, `t.${format}${format.endsWith('csv') ? '.csv' : '.jsonl'}`)})
  const s = (performance.now() - t0) / 1000
  console.log(`${format.padEnd(17)} ${r.events_written.toLocaleString()} rows, ${(r.bytes / 2 ** 20).toFixed(0)} MiB in ${s.toFixed(1)} s (${Math.round(r.events_written / s).toLocaleString()} events/s), peak RSS ${(peak / 2 ** 20).toFixed(0)} MiB`)
}
clearInterval(timer)
rmSync(dir, {recursive: true, force: true})
