import {createWriteStream, mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {SerializedBuilder} from '../../src/analyze/serialized.js'
import {ExternalSorter} from '../../src/analyze/sort.js'
import {compareEvents} from '../../src/events/order.js'
import type {NormalizedEvent} from '../../src/events/types.js'

const dir = mkdtempSync(join(tmpdir(), 'ratchet-sort-test-'))
afterAll(() => rmSync(dir, {recursive: true, force: true}))

function event(i: number): NormalizedEvent {
  // Non-ASCII text (2-, 3- and 4-byte UTF-8, an escaped lone surrogate) and, now and then, a line longer
  // than the writer's and the arena's 1 MiB blocks. Mostly 3-byte text makes a batch outgrow its first buffer.
  const big = i % 97 === 5 ? 'x'.repeat(1_200_000 + i) : ''
  return {
    id: (i * 2654435761 >>> 0).toString(16).padStart(16, '0'),
    datetime: `2024-01-0${1 + (i % 3)}T00:00:${String(i % 60).padStart(2, '0')}.0000000Z`,
    timestamp: i,
    timestamp_desc: 'Event Logged',
    message: `évènement ${i} — 日本 😀 \ud800 ${'語'.repeat(i % 11 ? 400 : 0)}${big}`,
    source: 'EVTX',
    artefact: 'a',
    event_type: i % 2 ? 'b' : 'a',
    evidence: {member: `m${i % 4}`, sha256: 's', offset: i % 7 ? i * 10 : undefined, record: i % 5 ? i : `r${i}`, line: i % 3 ? undefined : i},
    attributes: {i},
  }
}

async function sorted(events: NormalizedEvent[], runSize: number, serialized: boolean): Promise<string> {
  const s = new ExternalSorter(dir, runSize, 4 * 1024 * 1024)
  for (let i = 0; i < events.length; i += 13) {
    const part = events.slice(i, i + 13)
    if (serialized && (i / 13) % 2) {
      const b = new SerializedBuilder()
      for (const ev of part) b.push(ev)
      await s.addSerialized(b.finish())
    } else for (const ev of part) await s.add(ev)
  }
  const path = join(dir, `out-${runSize}-${serialized}.jsonl`)
  await s.writeTo(createWriteStream(path))
  return readFileSync(path, 'utf8')
}

describe('ExternalSorter', () => {
  it('writes the total order as UTF-8 JSONL, the same in memory, spilled, and from pre-serialized batches', async () => {
    const events = Array.from({length: 600}, (_, i) => event(i))
    const want = [...events].sort(compareEvents).map((e) => `${JSON.stringify(e)}\n`).join('')
    expect(await sorted(events, 10_000, false)).toBe(want)
    expect(await sorted(events, 37, false)).toBe(want)
    expect(await sorted(events, 37, true)).toBe(want)
    expect(await sorted(events, 10_000, true)).toBe(want)
  }, 60_000)
})

describe('ExternalSorter output errors', () => {
  it('a stream that fails (disk full) rejects writeTo, spilled or not, instead of hanging or crashing', async () => {
    const {Writable} = await import('node:stream')
    for (const runSize of [10_000, 37]) {
      const s = new ExternalSorter(dir, runSize, 4 * 1024 * 1024)
      for (let i = 0; i < 600; i++) await s.add(event(i))
      let written = 0
      const full = new Writable({
        write(chunk: Buffer, _enc, cb) {
          written += chunk.length
          cb(written > 3 * 1024 * 1024 ? Object.assign(new Error('ENOSPC: no space left on device'), {code: 'ENOSPC'}) : null)
        },
      })
      await expect(s.writeTo(full)).rejects.toThrow(/ENOSPC/)
    }
  }, 60_000)
})
