/**
 * `npm run bench:analyze`: analyze throughput and memory.
 *
 * 1. EVTX: `ratchet analyze` on a folder holding one replicated Security log (≈ --evtx-mb MB, built from the
 *    largest shared sample like bench:evtx does) against `ratchet evtx dump --threads 1` on the same file
 *    (analyze parses EVTX in one thread; dump with its default threads is shown too).
 *    Goal: analyze ≥ 80 % of dump's records/s (mapping must be cheap).
 * 2. A generated case with ≥ --events events (default 1,000,000): that EVTX plus an AnyDesk trace of
 *    generated session lines. Reports events/s and peak RSS (goal < 1 GB: events are spilled in sorted runs).
 *
 * Runs the built CLI (`npm run build` first) under GNU time. Not a test: timings vary by host.
 */
import {execFileSync, spawnSync} from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {crc32} from '../src/parsers/evtx/crc32.js'
import {sharedEvtxDir} from '../test/parsers/evtx/shared.js'

const argv = process.argv.slice(2)
const opt = (name: string, def: number): number => {
  const i = argv.indexOf(`--${name}`)
  return i >= 0 ? Number(argv[i + 1]) : def
}
const evtxMb = opt('evtx-mb', 100)
const wantEvents = opt('events', 1_000_000)
const repo = path.resolve(new URL('..', import.meta.url).pathname)
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ratchet-analyze-bench-'))

const dir = sharedEvtxDir()
if (!dir) {
  console.error('shared EVTX samples not found (set RATCHET_SHARED)')
  process.exit(2)
}
const sample = path.join(dir, 'museum_RathbunVM_W11_Security.evtx')

function buildEvtx(out: string, mb: number): void {
  const src = new Uint8Array(fs.readFileSync(sample))
  const chunks: Uint8Array[] = []
  for (let off = 4096; off + 65536 <= src.length; off += 65536) {
    const c = src.subarray(off, off + 65536)
    if (Buffer.from(c.subarray(0, 8)).toString('latin1') === 'ElfChnk\0') chunks.push(c)
  }
  const count = Math.ceil((mb * 1e6 - 4096) / 65536)
  const header = src.slice(0, 4096)
  const dv = new DataView(header.buffer)
  dv.setBigUint64(8, 0n, true)
  dv.setBigUint64(16, BigInt(count - 1), true)
  dv.setUint16(42, Math.min(count, 0xffff), true)
  dv.setUint32(120, dv.getUint32(120, true) & ~1, true)
  dv.setUint32(124, crc32(header.subarray(0, 120)), true)
  fs.mkdirSync(path.dirname(out), {recursive: true})
  const fd = fs.openSync(out, 'w')
  fs.writeSync(fd, header)
  for (let i = 0; i < count; i++) fs.writeSync(fd, chunks[i % chunks.length]!)
  fs.closeSync(fd)
}

/** AnyDesk trace lines that each yield one event (a session's worth, repeated with advancing time). */
function buildTrace(out: string, events: number): void {
  const msgs = [
    'anynet.any_socket - Logged in from 203.0.113.9:59562 on relay 80e496c0.',
    'anynet.any_socket - Client-ID: 442226597 (FPR: 8e28a2a25b30).',
    'app.backend_session - Incoming session request: Bench User (221436813)',
    'app.backend_session - Authenticated by password',
    'app.backend_session - Session stopped.',
  ]
  fs.mkdirSync(path.dirname(out), {recursive: true})
  const fd = fs.openSync(out, 'w')
  let t = Date.UTC(2023, 9, 28)
  let buf = ''
  for (let i = 0; i < events; i++) {
    t += 37
    const ts = new Date(t).toISOString().replace('T', ' ').slice(0, 23)
    buf += `   info ${ts}       lsvc   6572   5380   25   ${msgs[i % msgs.length]}\n`
    if (buf.length > 1 << 20) {
      fs.writeSync(fd, buf)
      buf = ''
    }
  }
  fs.writeSync(fd, buf)
  fs.closeSync(fd)
}

/** Wall seconds, CPU seconds (user+sys: fairer than wall on a shared host) and peak RSS, via GNU time. */
function timed(cmd: string[], stdoutTo?: string): {secs: number; cpu: number; rssMb: number; status: number | null; stdout: string} {
  const out = stdoutTo ? fs.openSync(stdoutTo, 'w') : 'pipe'
  const res = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', ...cmd], {stdio: ['ignore', out, 'pipe'], encoding: 'utf8', maxBuffer: 1 << 26})
  if (typeof out === 'number') fs.closeSync(out)
  const m = /([\d.]+) ([\d.]+) ([\d.]+) (\d+)\s*$/.exec(res.stderr.trim())
  return {secs: m ? Number(m[1]) : NaN, cpu: m ? Number(m[2]) + Number(m[3]) : NaN, rssMb: m ? Number(m[4]) / 1024 : NaN, status: res.status, stdout: res.stdout ?? ''}
}

const run = path.join(repo, 'bin/run.js')
console.log('building ratchet (npm run build)…')
execFileSync('npm', ['run', '-s', 'build'], {cwd: repo, stdio: 'inherit'})
console.log(`host: ${os.cpus()[0]?.model ?? 'cpu'} × ${os.cpus().length}, node ${process.version}`)

const evtxImage = path.join(work, 'evtx-image')
const evtxFile = path.join(evtxImage, 'Windows/System32/winevt/Logs/Security.evtx')
buildEvtx(evtxFile, evtxMb)
const size = fs.statSync(evtxFile).size
const dumpOut = path.join(work, 'dump.jsonl')
const dump1 = timed(['node', run, 'evtx', 'dump', evtxFile, '--threads', '1'], dumpOut)
const dump = timed(['node', run, 'evtx', 'dump', evtxFile], dumpOut)
let records = 0
for (const b of fs.readFileSync(dumpOut)) if (b === 10) records++
fs.rmSync(dumpOut)
const an = timed(['node', run, 'analyze', evtxImage, '--out', path.join(work, 'case-evtx'), '--json'])
const anEvents = (JSON.parse(an.stdout) as {totals: {events: number}}).totals.events
console.log(`\n## EVTX: ${(size / 1e6).toFixed(1)} MB, ${records} records\n`)
console.log('| run | wall s | CPU s | records/s (wall) | MB/s (wall) | peak RSS MB |')
console.log('|---|---|---|---|---|---|')
console.log(`| ratchet evtx dump --threads 1 | ${dump1.secs.toFixed(2)} | ${dump1.cpu.toFixed(2)} | ${Math.round(records / dump1.secs).toLocaleString('en-US')} | ${(size / 1e6 / dump1.secs).toFixed(1)} | ${dump1.rssMb.toFixed(0)} |`)
console.log(`| ratchet evtx dump (default: ${os.availableParallelism()} threads) | ${dump.secs.toFixed(2)} | ${dump.cpu.toFixed(2)} | ${Math.round(records / dump.secs).toLocaleString('en-US')} | ${(size / 1e6 / dump.secs).toFixed(1)} | ${dump.rssMb.toFixed(0)} |`)
console.log(`| ratchet analyze (${anEvents} events) | ${an.secs.toFixed(2)} | ${an.cpu.toFixed(2)} | ${Math.round(records / an.secs).toLocaleString('en-US')} | ${(size / 1e6 / an.secs).toFixed(1)} | ${an.rssMb.toFixed(0)} |`)
console.log(`\nanalyze / dump --threads 1 (analyze parses in one thread): ${((dump1.secs / an.secs) * 100).toFixed(0)} % by wall time, ${((dump1.cpu / an.cpu) * 100).toFixed(0)} % by CPU time (goal ≥ 80 %)`)
console.log(`analyze / dump default threads: ${((dump.secs / an.secs) * 100).toFixed(0)} % by wall time, ${((dump.cpu / an.cpu) * 100).toFixed(0)} % by CPU time`)
fs.rmSync(path.join(work, 'case-evtx'), {recursive: true, force: true})

// The ≥ 1M-event case: the same EVTX plus a generated AnyDesk trace.
const bigImage = path.join(work, 'big-image')
fs.mkdirSync(path.dirname(path.join(bigImage, 'Windows/System32/winevt/Logs/Security.evtx')), {recursive: true})
fs.linkSync(evtxFile, path.join(bigImage, 'Windows/System32/winevt/Logs/Security.evtx'))
buildTrace(path.join(bigImage, 'ProgramData/AnyDesk/ad_svc.trace'), Math.max(0, wantEvents - records))
const big = timed(['node', run, 'analyze', bigImage, '--out', path.join(work, 'case-big'), '--json'])
const bigEvents = (JSON.parse(big.stdout) as {totals: {events: number}}).totals.events
const outMb = fs.statSync(path.join(work, 'case-big', 'events.jsonl')).size / 1e6
console.log(`\n## generated case: ${bigEvents.toLocaleString('en-US')} events\n`)
console.log('| run | wall s | CPU s | events/s (wall) | events.jsonl MB | peak RSS MB |')
console.log('|---|---|---|---|---|---|')
console.log(`| ratchet analyze | ${big.secs.toFixed(2)} | ${big.cpu.toFixed(2)} | ${Math.round(bigEvents / big.secs).toLocaleString('en-US')} | ${outMb.toFixed(0)} | ${big.rssMb.toFixed(0)} |`)
fs.rmSync(work, {recursive: true, force: true})
