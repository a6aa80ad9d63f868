import {isUtf8} from 'node:buffer'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {redactEvent} from '../../src/core/redact.js'
import {csvRecord} from '../../src/timeline/columns.js'
import {directCsvRecord, directRoom} from '../../src/timeline/csv-direct.js'
import {parseEventLine} from '../../src/timeline/read-events.js'
import {writeTimeline} from '../../src/timeline/write.js'
import {buildFixtureCase} from '../report/fixture-case.js'

/**
 * The direct path (CSV records from the bytes of events.jsonl lines) against the general one (JSON.parse,
 * shape check, redaction, csvRecord): whenever the direct path writes a record it must be the general path's
 * record byte for byte, and it must have refused every line the general path rejects. Lines come from a
 * seeded generator of events and of the JSON spellings analyze never writes but a damaged or hand-made
 * events.jsonl can hold.
 */
const general = (text: string, f: 'csv' | 'timesketch-csv'): {record: string; datetime: string} | undefined => {
  const item = parseEventLine(text, 1, 'events.jsonl')
  if ('diagnostic' in item) return undefined
  const e = redactEvent(item.event)
  return {record: csvRecord(e, f), datetime: e.datetime}
}

let seed = 7
const rnd = (n: number): number => {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
  return seed % n
}
const pick = <T>(xs: readonly T[]): T => xs[rnd(xs.length)]!
const CHARS = ['a', 'Z', '0', ',', '"', '\\', '/', '\n', '\r', '\t', '\b', '\f', '\u0001', '\u001f', '\u007f', '\u0085', '\u2028', '\u2029', '=', '+', '-', '@', ' ', "'", '\uFF1D', '\uFF0B', '\uFF0D', '\uFF20', 'é', 'Â', '€', '😀', '\u00a0']
const text = (max = 8): string => Array.from({length: rnd(max)}, () => pick(CHARS)).join('')
function value(depth = 0): unknown {
  switch (rnd(depth > 2 ? 7 : 9)) {
    case 0:
      return null
    case 1:
      return pick([0, 7, -3, 2 ** 53 - 1, 1.5, -0.25, 1e21])
    case 2:
      return rnd(2) === 1
    case 3:
    case 4:
    case 5:
    case 6:
      return text()
    case 7:
      return Array.from({length: rnd(3)}, () => value(depth + 1))
    default:
      return Object.fromEntries(Array.from({length: rnd(3)}, () => [pick(['k', 'tool', 'x y', '7', text(4)]), value(depth + 1)]))
  }
}
const TYPES = ['evtx.record', 'account.created', 'remote_access.command', 'process.created', 'logon.success', '=cmd']
function event(): Record<string, unknown> {
  const e: Record<string, unknown> = {
    id: rnd(20) ? `ev${rnd(1e6)}` : value(),
    datetime: rnd(15) ? `2023-${String(1 + rnd(12)).padStart(2, '0')}-1${rnd(10)}T0${rnd(10)}:1${rnd(10)}:2${rnd(10)}.${String(rnd(1e7)).padStart(7, '0')}Z` : pick(['2023-10-28T14:00:00Z', '2023-13-45T99:00:00.0000000Z', 'yesterday', '2023-10-28T14:00:00.1234567+01:00']),
    timestamp: rnd(20) ? rnd(2 ** 30) * 1e6 + rnd(1e6) : value(),
    timestamp_desc: rnd(5) ? 'Event Logged' : value(),
    message: rnd(10) ? `${pick(['', '=', '-', '\t', '\n'])}${text(30)}` : value(),
    source: rnd(6) ? 'EVTX' : value(),
    artefact: 'windows.eventlogs.all',
    event_type: rnd(20) ? pick(TYPES) : value(),
    evidence: rnd(20) ? {member: rnd(10) ? `files/C/${text(6)}.evtx` : value(), sha256: 'ab'.repeat(32), offset: rnd(3) ? rnd(1e7) : value(), record: rnd(3) ? rnd(1e5) : value(), ...(rnd(4) ? {} : {line: value()})} : value(),
    attributes: rnd(20) ? Object.fromEntries(Array.from({length: rnd(4)}, () => [pick(['tool', 'CommandLine', 'event_id', 'x', '__proto__', text(5)]), rnd(3) ? text() : value()])) : value(),
  }
  for (const p of ['host', 'user', 'src_ip', 'src_port', 'dst_ip', 'dst_port', 'remote_id', 'process', 'command_line', 'file_name']) if (rnd(3) === 0) e[p] = rnd(12) ? text(12) : value()
  if (rnd(8) === 0) e.unverified = value()
  return e
}

/** Spellings JSON.parse accepts (or rejects) that JSON.stringify never writes. */
const MUTATIONS: ((s: string) => string)[] = [
  (s) => s.replace(':', ' : '),
  (s) => ` ${s}`,
  (s) => `${s} `,
  (s) => s.replace('"id":', '"\\u0069d":'),
  (s) => s.replace(/"id":"[^"]*",/, (m) => `${m}${m}`),
  (s) => s.replace(/"member":"[^"]*",/, (m) => `${m}${m}`),
  (s) => s.replace('"attributes":{', '"attributes":{"k":1,"k":2,'),
  (s) => s.replace('"attributes":{', '"attributes":{"b":1,"2":3,'),
  (s) => s.replace('"attributes":{', '"attributes":{"n":{"a":1,"a":2},'),
  (s) => s.replace('"attributes":{', '"attributes":{"f":1.0,'),
  (s) => s.replace('"attributes":{', '"attributes":{"big":9007199254740993,'),
  (s) => s.replace('"attributes":{', '"attributes":{"z":-0,'),
  (s) => s.replace('"attributes":{', '"attributes":{"e":1e2,'),
  (s) => s.replace('"attributes":{', '"attributes":{"s":"\\u0041\\/",'),
  (s) => s.replace('"attributes":{', '"attributes":{"c":"\\u001F\\u0008",'),
  (s) => s.replace('"message":"', '"message":"\\u0041\\u001F\\u000a\\u0009\\u2028\\/'),
  (s) => s.replace(/"timestamp":\d+/, '"timestamp":1e400'),
  (s) => s.replace(/"timestamp":\d+/, '"timestamp":01'),
  (s) => s.replace(/"offset":\d+/, '"offset":9007199254740993'),
  (s) => s.replace(/"offset":\d+/, '"offset":-0'),
  (s) => s.slice(0, Math.max(1, s.length - 1 - rnd(20))),
  (s) => `${s},`,
  (s) => s.replace('"evidence":{', '"evidence":{"x":[1,{"y":[]}],'),
  (s) => s.replace('}', ',"extra":{"deep":[[[[[[]]]]]]}}'),
  (s) => `\uFEFF${s}`,
  (s) => s.replace('"', "'"),
  (s) => s.replace(/"message":"[^"]*"/, '"message":"a\u0001b"'),
]

function check(line: string, counts: {direct: number; general: number}): void {
  const bytes = Buffer.from(line, 'utf8')
  if (!isUtf8(bytes)) return
  for (const f of ['csv', 'timesketch-csv'] as const) {
    const want = general(line, f)
    const out = Buffer.alloc(directRoom(bytes.length) + 16)
    out.fill(0x21) // bytes past the record must not matter
    const r = directCsvRecord(bytes, 0, bytes.length, f, out, 8)
    if (!r) {
      counts.general++
      continue
    }
    counts.direct++
    expect(want, `the general path rejects ${line}`).toBeDefined()
    expect(out.toString('utf8', 8, r.end), line).toBe(want!.record)
    expect(r.datetime).toBe(want!.datetime)
  }
}

const made: string[] = []
afterAll(() => {
  for (const d of made) rmSync(d, {recursive: true, force: true})
})

describe('directCsvRecord', () => {
  it('writes exactly the general path record, or refuses, on 16 000 generated lines and their mutations', () => {
    const counts = {direct: 0, general: 0}
    for (let i = 0; i < 8_000; i++) {
      const line = JSON.stringify(event())
      check(line, counts)
      check(pick(MUTATIONS)(line), counts)
    }
    console.log(`direct path: ${counts.direct} records, general path: ${counts.general}`)
    // both paths are taken often, so the comparison above means something
    expect(counts.direct).toBeGreaterThan(2_500)
    expect(counts.general).toBeGreaterThan(2_500)
  })

  it('each kind of unusual spelling is either refused or written as the general path writes it', () => {
    const counts = {direct: 0, general: 0}
    const base = JSON.stringify({id: 'a', datetime: '2023-10-28T14:00:00.1234567Z', timestamp: 1698501600123456, timestamp_desc: 'Event Logged', message: 'm', event_type: 'evtx.record', evidence: {member: 'files/x.evtx', sha256: 'ab', offset: 5, record: 1}, attributes: {tool: 'psexec', n: 2}})
    check(base, counts)
    expect(counts.direct).toBe(2)
    for (const m of MUTATIONS) check(m(base), counts)
  })

  it('a whole timeline: the direct path gives the bytes the general path gives (forced by a type filter that keeps all)', async () => {
    const root = mkdtempSync(join(tmpdir(), 'ratchet-direct-'))
    made.push(root)
    const dir = join(root, 'case')
    buildFixtureCase(dir, {noise: 3000})
    for (const format of ['csv', 'timesketch-csv'] as const) {
      const direct = await writeTimeline({caseDir: dir, format, out: join(root, `d-${format}.csv`)})
      const generalOnly = await writeTimeline({caseDir: dir, format, out: join(root, `g-${format}.csv`), types: ['*']})
      expect(readFileSync(direct.file).equals(readFileSync(generalOnly.file))).toBe(true)
      expect({...direct, file: '', diagnostics: []}).toEqual({...generalOnly, file: '', diagnostics: []})
    }
  })
})
