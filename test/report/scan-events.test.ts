import {createReadStream, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {createInterface} from 'node:readline'
import {tmpdir} from 'node:os'
import {dirname, join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'
import {afterAll, describe, expect, it, vi} from 'vitest'
import {CaseFiles} from '../../src/core/case-layout.js'
import {diag, type Diagnostic} from '../../src/core/diagnostics.js'
import {redactEvent} from '../../src/core/redact.js'
import {foldHostNames} from '../../src/events/host-names.js'
import {newScannedEvent, scanEventLine, type ScannedEvent} from '../../src/events/line-scan.js'
import type {NormalizedEvent} from '../../src/events/types.js'
import type {EventScan} from '../../src/report/case-data.js'
import {KEY_LIMITS, scanEvents} from '../../src/report/scan-events.js'
import {MAX_EVENT_LINE_CHARS, parseEventLine, type EventLine} from '../../src/timeline/read-events.js'
import {buildFixtureCase} from './fixture-case.js'
import {baseEvent, edgeLines, hostileLine, Rng} from './hostile-lines.js'

const dir = mkdtempSync(join(tmpdir(), 'ratchet-scan-'))
afterAll(() => rmSync(dir, {recursive: true, force: true}))

/**
 * The report's event scan as it was before the fast path: every line (split by node:readline, the splitter
 * events.jsonl's readers agree with) decoded and through parseEventLine (JSON.parse, shape check), every event
 * redacted. The fast scan must return exactly this.
 */
async function* readEventLines(path: string, file: string): AsyncGenerator<EventLine> {
  let n = 0
  for await (const text of createInterface({input: createReadStream(path, {encoding: 'utf8'}), crlfDelay: Infinity})) {
    n++
    if (text.trim() !== '') yield parseEventLine(text, n, file)
  }
}

async function referenceScan(path: string, cited: ReadonlySet<string>): Promise<EventScan> {
  const N = KEY_LIMITS.neighbours
  const scan: EventScan = {total: 0, bad_lines: 0, out_of_order: 0, first: null, last: null, hosts: [], by_type: [], hours: [], key: [], cited: [], truncated: false, unverified_events: 0, diagnostics: []}
  const hosts = new Set<string>()
  const types = new Map<string, number>()
  const hours = new Map<string, {count: number; key: number}>()
  const all: NormalizedEvent[] = []
  const key: NormalizedEvent[] = []
  const keyIds = new Set<string>()
  const citedSeen = new Set<string>()
  let ring: NormalizedEvent[] = []
  let after = 0
  const note = (d: Diagnostic): void => {
    if (scan.diagnostics.length < KEY_LIMITS.maxDiagnostics) scan.diagnostics.push(d)
  }
  const addKey = (e: NormalizedEvent, force: boolean): void => {
    if (keyIds.has(e.id)) return
    if (key.length >= KEY_LIMITS.maxRows && !force) {
      scan.truncated = true
      return
    }
    keyIds.add(e.id)
    key.push(e)
  }
  for await (const item of readEventLines(path, CaseFiles.events)) {
    if ('diagnostic' in item) {
      scan.bad_lines++
      note(item.diagnostic)
      continue
    }
    const e = redactEvent(item.event)
    scan.total++
    if (scan.last !== null && e.datetime < scan.last) {
      scan.out_of_order++
      note(diag('REPORT_EVENTS_OUT_OF_ORDER', 'warning', `event ${e.id} is earlier than the one before it`, {file: CaseFiles.events, line: item.line}))
    }
    if (scan.first === null || e.datetime < scan.first) scan.first = e.datetime
    if (scan.last === null || e.datetime > scan.last) scan.last = e.datetime
    // the one change: a host that is not a string (hostile input) used to crash the report in foldHostNames
    if (typeof e.host === 'string' && e.host && hosts.size < 200) hosts.add(e.host)
    if (e.unverified) scan.unverified_events++
    types.set(e.event_type, (types.get(e.event_type) ?? 0) + 1)
    const isCited = cited.has(e.id)
    if (isCited || e.source !== 'Registry') {
      const h = hours.get(e.datetime.slice(0, 13)) ?? {count: 0, key: 0}
      h.count++
      if (isCited) h.key++
      hours.set(e.datetime.slice(0, 13), h)
    }
    if (all.length <= KEY_LIMITS.inlineAll) all.push(e)
    if (isCited) {
      citedSeen.add(e.id)
      for (const p of ring) addKey(p, false)
      addKey(e, key.length < KEY_LIMITS.maxRows * 10)
      after = N
    } else if (after > 0) {
      addKey(e, false)
      after--
    }
    ring.push(e)
    if (ring.length > N) ring = ring.slice(ring.length - N)
  }
  scan.hosts = foldHostNames(hosts).sort()
  scan.by_type = [...types.entries()].map(([type, count]) => ({type, count})).sort((a, b) => b.count - a.count || (a.type < b.type ? -1 : 1))
  scan.hours = [...hours.entries()].map(([hour, v]) => ({hour, ...v})).sort((a, b) => (a.hour < b.hour ? -1 : a.hour > b.hour ? 1 : 0))
  scan.key = scan.total <= KEY_LIMITS.inlineAll ? all : key
  if (scan.total <= KEY_LIMITS.inlineAll) scan.truncated = false
  scan.cited = [...citedSeen].sort()
  return scan
}

/** Every id-looking string in a file (valid or not), so cited sets also name ids of refused lines. */
function idsIn(bytes: Buffer): string[] {
  return [...bytes.toString('utf8').matchAll(/"id":"([^"\\]*)"/g)].map((m) => m[1]!)
}

async function expectSameScan(path: string, cited: ReadonlySet<string>, blockSizes: number[] = [1 << 20]): Promise<EventScan> {
  const want = await referenceScan(path, cited)
  for (const bs of blockSizes) expect(await scanEvents(path, cited, bs), `block size ${bs}`).toEqual(want)
  return want
}

describe('scanEventLine (the fast path) against parseEventLine (the general path)', () => {
  it('accepts only lines the general path accepts, with the same field values, on generated hostile lines', () => {
    const r = new Rng(20261207)
    const out = newScannedEvent()
    const str = (b: Buffer, s: number, e: number): string => b.toString('utf8', s, e)
    const fields = (b: Buffer, o: ScannedEvent): Record<string, unknown> => ({
      id: str(b, o.idStart, o.idEnd),
      datetime: str(b, o.dtStart, o.dtEnd),
      event_type: str(b, o.typeStart, o.typeEnd),
      host: o.hostStart >= 0 ? str(b, o.hostStart, o.hostEnd) : undefined,
      source: o.sourceStart >= 0 ? str(b, o.sourceStart, o.sourceEnd) : undefined,
      unverified: o.unverified,
    })
    let accepted = 0
    let refusedGood = 0
    let bad = 0
    const edges = edgeLines().map((l) => Buffer.from(l, 'utf8'))
    for (let i = 0; i < 10_000 + edges.length; i++) {
      const line = i < edges.length ? edges[i]! : hostileLine(r, i)
      const ok = scanEventLine(line, 0, line.length, out, MAX_EVENT_LINE_CHARS)
      // the same line inside a block (a line end after it, more bytes beyond) decides the same
      const pre = Buffer.from('{"id":"x"}\n')
      const block = Buffer.concat([pre, line, Buffer.from(r.pick(['\n{"id":"y",', '\r\n"', '\r}']))])
      const inBlock = newScannedEvent()
      expect(scanEventLine(block, pre.length, pre.length + line.length, inBlock, MAX_EVENT_LINE_CHARS), line.toString('latin1')).toBe(ok)
      const ref = parseEventLine(line.toString('utf8'), 1, 'events.jsonl')
      if (!('event' in ref)) bad++
      if (!ok) {
        if ('event' in ref) refusedGood++
        continue
      }
      accepted++
      expect(ref, line.toString('latin1')).toHaveProperty('event')
      const e = (ref as {event: NormalizedEvent}).event
      const got = fields(line, out)
      expect(got, line.toString('latin1')).toEqual({id: e.id, datetime: e.datetime, event_type: e.event_type, host: e.host, source: e.source, unverified: e.unverified === true})
      expect([undefined, true, false]).toContain(e.unverified)
      expect(fields(block, inBlock)).toEqual(got)
    }
    // the generator must exercise both paths and both verdicts
    expect(accepted).toBeGreaterThan(2500)
    expect(bad).toBeGreaterThan(2500)
    expect(refusedGood).toBeGreaterThan(250)
  })

  it('refuses a line that does not end at a line end, or is longer than its byte bound', () => {
    const line = Buffer.from(JSON.stringify({id: 'a', datetime: '2020-01-01T00:00:00Z', timestamp: 1, event_type: 't', evidence: {member: 'm', sha256: 's'}}))
    const out = newScannedEvent()
    expect(scanEventLine(line, 0, line.length, out, 1000)).toBe(true)
    expect(scanEventLine(Buffer.concat([line, Buffer.from('\n')]), 0, line.length, out, 1000)).toBe(true)
    expect(scanEventLine(Buffer.concat([line, Buffer.from(' ')]), 0, line.length, out, 1000)).toBe(false)
    expect(scanEventLine(line, 0, line.length, out, line.length - 1)).toBe(false)
  })
})

describe('scanEvents: fast path and general path give the report the same facts', () => {
  it('on files of generated hostile lines (blank lines, CR/CRLF ends, cited ids of good and bad lines)', async () => {
    const r = new Rng(4242)
    for (const [t, count] of [[0, 40], [1, 61], [2, 3000], [3, 3000]] as const) {
      // the first file starts with the hand-picked lines (but the 200,000-deep one: toEqual would recurse into it)
      const parts: Buffer[] = t === 0 ? edgeLines().filter((l) => l.length < 10_000).map((l) => Buffer.from(`${l}\n`, 'utf8')) : []
      for (let i = 0; i < count; i++) {
        parts.push(hostileLine(r, i))
        parts.push(Buffer.from(r.pick(['\n', '\n', '\n', '\r\n', '\r', '\n\n', '\n  \n', '\n\t\r\n'])))
      }
      const bytes = Buffer.concat(parts)
      const path = join(dir, `hostile-${t}.jsonl`)
      writeFileSync(path, bytes)
      const ids = idsIn(bytes)
      // case 3 cites a tenth of the ids: more key rows than the cap, so truncation and forced rows count
      const cited = new Set(ids.filter((_, i) => i % (t === 3 ? 10 : 40) === 3))
      cited.add('not-in-the-file')
      const want = await expectSameScan(path, cited, count < 100 ? [1 << 20, 5, 333] : [1 << 20, 4093])
      expect(want.bad_lines).toBeGreaterThan(count / 4)
      expect(want.total).toBeGreaterThan(count / 4)
      if (t === 3) expect(want.truncated).toBe(true)
    }
  })

  it('builds only the events it shows: the first inlineAll+1, cited ones and their neighbours', async () => {
    const r = new Rng(5)
    const lines: string[] = []
    for (let i = 0; i < 2000; i++) {
      const e = baseEvent(r, i)
      e.datetime = `2020-01-01T00:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}Z`
      lines.push(JSON.stringify(e))
    }
    const path = join(dir, 'lazy.jsonl')
    writeFileSync(path, `${lines.join('\n')}\n`)
    const cited = new Set([1000, 1500].map((i) => (JSON.parse(lines[i]!) as {id: string}).id))
    const parse = vi.spyOn(JSON, 'parse')
    try {
      const got = await scanEvents(path, cited)
      expect(got.total).toBe(2000)
      expect(got.key).toHaveLength(10)
      expect(parse.mock.calls.length).toBe(KEY_LIMITS.inlineAll + 1 + 10)
    } finally {
      parse.mockRestore()
    }
    await expectSameScan(path, cited)
  })

  it('on a line longer than the general path takes (reported there) and an out-of-order file', async () => {
    const ev = (id: string, dt: string, extra: Record<string, unknown> = {}): string => JSON.stringify({id, datetime: dt, timestamp: 1, event_type: 'process.created', source: 'EVTX', host: 'H', evidence: {member: 'm', sha256: 's'}, ...extra})
    const path = join(dir, 'long.jsonl')
    const long = ev('long', '2020-01-01T00:00:02Z', {message: 'x'.repeat(MAX_EVENT_LINE_CHARS)})
    writeFileSync(path, [ev('a', '2020-01-01T00:00:03Z'), long, ev('b', '2020-01-01T00:00:01Z', {message: 'net user bob Secr3t! /add'}), ''].join('\n'))
    const want = await expectSameScan(path, new Set(['b', 'long']))
    expect(want.diagnostics.map((d) => d.code)).toEqual(['TIMELINE_LINE_TOO_LONG', 'REPORT_EVENTS_OUT_OF_ORDER'])
    // a cited event is redacted on either path
    expect(JSON.stringify(want.key)).not.toContain('Secr3t!')
  })

  it('on the hand-made case (hostile strings, __proto__ keys, multi-line messages)', async () => {
    const fx = buildFixtureCase(join(dir, 'fixture'), {noise: 400})
    const path = join(fx.dir, CaseFiles.events)
    const cited = new Set(fx.findings.findings.flatMap((f) => f.event_ids ?? []))
    await expectSameScan(path, cited, [1 << 20, 97])
    await expectSameScan(path, new Set(fx.events.filter((_, i) => i % 3 === 0).map((e) => e.id)))
  })

  const demo = resolve(dirname(fileURLToPath(import.meta.url)), '../../demo-case', CaseFiles.events)
  if (!existsSync(demo)) console.warn(`demo case not found at ${demo} (npm run demo writes it; CI runs it before the tests): skipped`)
  it.skipIf(!existsSync(demo))('on the demo case (npm run demo), cited as findings cite it and with every 7th event cited', async () => {
    const findings = JSON.parse(readFileSync(join(dirname(demo), CaseFiles.findings), 'utf8')) as {findings: {event_ids?: string[]}[]}
    await expectSameScan(demo, new Set(findings.findings.flatMap((f) => f.event_ids ?? [])))
    await expectSameScan(demo, new Set(idsIn(readFileSync(demo)).filter((_, i) => i % 7 === 0)))
  })
})
