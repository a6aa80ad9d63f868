import {appendFileSync, mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {RatchetError} from '../../src/core/errors.js'
import {writeTimeline, type TimelineOptions} from '../../src/timeline/write.js'
import {buildFixtureCase, FORMULAS, HOSTILE_SCRIPT, MULTILINE, type FixtureCase} from '../report/fixture-case.js'
import {parseCsv, records} from './csv-read.js'

let root: string
let fx: FixtureCase
let n = 0
const out = (ext: string): string => join(root, `out-${++n}${ext}`)
const run = (o: Partial<TimelineOptions> & Pick<TimelineOptions, 'format'>) => writeTimeline({caseDir: fx.dir, ...o})

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'ratchet-timeline-'))
  fx = buildFixtureCase(join(root, 'case'))
})
afterAll(() => rmSync(root, {recursive: true, force: true}))

describe('timeline csv', () => {
  it('writes every event in events.jsonl order, one physical line per row', async () => {
    const r = await run({format: 'csv', out: out('.csv')})
    expect(r.events_written).toBe(fx.events.length)
    expect(r.bad_lines).toBe(0)
    const text = readFileSync(r.file, 'utf8')
    expect(text.split('\n').filter(Boolean)).toHaveLength(fx.events.length + 1)
    const rows = records(text)
    expect(rows.map((x) => x.event_id)).toEqual(fx.events.map((e) => e.id))
    const times = rows.map((x) => x.datetime)
    expect([...times].sort()).toEqual(times)
    expect(parseCsv(text)[0]!.slice(0, 5)).toEqual(['datetime', 'timestamp', 'timestamp_desc', 'event_type', 'message'])
  })

  it('neutralises formula cells and never lets a value span lines', async () => {
    const r = await run({format: 'csv', out: out('.csv')})
    const text = readFileSync(r.file, 'utf8')
    const rows = records(text)
    const users = rows.map((x) => x.user)
    for (const f of FORMULAS.slice(0, 4)) {
      expect(users).toContain(`'${f}`)
      expect(users).not.toContain(f)
    }
    // a leading tab is prefixed; a leading CR is already harmless because it becomes the two characters \r
    expect(users).toContain(`'\tTAB-LEADING`)
    expect(users).toContain('\\rCR-LEADING')
    // no raw CR anywhere and the multi-line message is flattened
    expect(text.includes('\r')).toBe(false)
    expect(rows.map((x) => x.message)).toContain(MULTILINE.replace(/\r\n/g, '\\r\\n').replace(/\n/g, '\\n'))
    // negative numbers are numbers, not formulas; hostile HTML stays verbatim (CSV is not HTML)
    expect(rows.map((x) => x.file_name)).toContain(HOSTILE_SCRIPT)
    for (const row of rows) for (const v of Object.values(row)) expect(/^[=+\-@\t\r]/.test(v)).toBe(false)
  })

  it('is byte-identical across reruns', async () => {
    const a = await run({format: 'csv', out: out('.csv'), tz: 'America/Chicago'})
    const b = await run({format: 'csv', out: out('.csv'), tz: 'America/Chicago'})
    expect(a.sha256).toBe(b.sha256)
    expect(readFileSync(a.file)).toEqual(readFileSync(b.file))
  })
})

describe('timesketch formats', () => {
  it('timesketch-csv puts the mandatory columns first with ISO datetime and µs timestamp', async () => {
    const r = await run({format: 'timesketch-csv', out: out('.csv')})
    const text = readFileSync(r.file, 'utf8')
    expect(parseCsv(text)[0]!.slice(0, 4)).toEqual(['message', 'datetime', 'timestamp_desc', 'timestamp'])
    const rows = records(text)
    expect(rows).toHaveLength(fx.events.length)
    const start = rows.find((x) => x.event_id === fx.byKey.scStart!.id)!
    expect(start.datetime).toBe('2023-10-28T14:02:11.123456+00:00')
    expect(start.timestamp).toBe(String(Date.UTC(2023, 9, 28, 14, 2, 11) * 1000 + 123456))
    expect(start.timestamp_desc).toBe('Event Logged')
    expect(start.tool).toBe('ScreenConnect')
    expect(start.evidence_member).toBe(fx.byKey.scStart!.evidence.member)
    for (const row of rows) {
      expect(row.message).not.toBe(undefined)
      expect(row.datetime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}\+00:00$/)
      expect(row.timestamp).toMatch(/^\d+$/)
    }
  })

  it('timesketch-jsonl: one flat JSON object per line, attributes as attr_* scalars', async () => {
    const r = await run({format: 'timesketch-jsonl', out: out('.jsonl')})
    const lines = readFileSync(r.file, 'utf8').split('\n')
    expect(lines.pop()).toBe('')
    expect(lines).toHaveLength(fx.events.length)
    const objs = lines.map((l) => JSON.parse(l) as Record<string, unknown>)
    for (const o of objs) {
      expect(Object.keys(o).slice(0, 4)).toEqual(['message', 'datetime', 'timestamp_desc', 'timestamp'])
      for (const v of Object.values(o)) expect(typeof v === 'object' && v !== null).toBe(false)
    }
    const inst = objs.find((o) => o.event_id === fx.byKey.scInstall!.id)!
    expect(inst.attr_relay_host).toBe('rs.tdsclinical.com')
    expect(inst.attr_relay_port).toBe(8041)
    // a hostile "__proto__" attribute key stays data
    const polluted = objs.find((o) => typeof o.attr___proto__ === 'string')
    expect(polluted?.attr___proto__).toBe('{"polluted":true}')
    expect(({} as Record<string, unknown>).polluted).toBe(undefined)
  })

  it('jsonl is the events themselves', async () => {
    const r = await run({format: 'jsonl', out: out('.jsonl')})
    const lines = readFileSync(r.file, 'utf8').trimEnd().split('\n')
    expect(lines).toEqual(readFileSync(join(fx.dir, 'events.jsonl'), 'utf8').trimEnd().split('\n'))
  })
})

describe('filters and zones', () => {
  it('--from/--to are inclusive, a bare --to date covers the whole day', async () => {
    const r = await run({format: 'jsonl', out: out('.jsonl'), from: '2023-10-28T14:02:11.1234567Z', to: '2023-10-28'})
    const got = readFileSync(r.file, 'utf8').trimEnd().split('\n').map((l) => (JSON.parse(l) as {datetime: string}).datetime)
    const want = fx.events.filter((e) => e.datetime >= '2023-10-28T14:02:11.1234567Z' && e.datetime < '2023-10-29').map((e) => e.datetime)
    expect(got).toEqual(want)
    expect(got[0]).toBe('2023-10-28T14:02:11.1234567Z')
    expect(r.filtered_out).toBe(fx.events.length - want.length)
  })

  it('--type globs select event types (any glob may match)', async () => {
    const r = await run({format: 'csv', out: out('.csv'), types: ['remote_access.*', 'account.created']})
    const rows = records(readFileSync(r.file, 'utf8'))
    expect(rows.length).toBe(fx.events.filter((e) => e.event_type.startsWith('remote_access.') || e.event_type === 'account.created').length)
    expect(new Set(rows.map((x) => x.event_type))).toEqual(new Set(['remote_access.session_start', 'remote_access.session_end', 'remote_access.file_transfer', 'remote_access.command', 'account.created']))
    const none = await run({format: 'csv', out: out('.csv'), types: ['account.?']})
    expect(none.events_written).toBe(0)
    expect(readFileSync(none.file, 'utf8').split('\n').filter(Boolean)).toHaveLength(1)
  })

  it('--tz adds local_time with the offset in force (DST ends 5 Nov 2023 in Chicago)', async () => {
    const r = await run({format: 'csv', out: out('.csv'), tz: 'America/Chicago'})
    const rows = records(readFileSync(r.file, 'utf8'))
    expect(parseCsv(readFileSync(r.file, 'utf8'))[0]![1]).toBe('local_time')
    const at = (id: string) => rows.find((x) => x.event_id === id)!
    expect(at(fx.byKey.scStart!.id).local_time).toBe('2023-10-28T09:02:11.1234567-05:00')
    expect(at(fx.byKey.logCleared!.id).local_time).toBe('2023-11-08T10:00:00.0000000-06:00')
    expect(at(fx.byKey.scStart!.id).datetime).toBe('2023-10-28T14:02:11.1234567Z')
  })

  it('rejects bad flags with E_USAGE', async () => {
    await expect(run({format: 'csv', tz: 'Mars/Olympus'})).rejects.toMatchObject({code: 'E_USAGE'})
    await expect(run({format: 'csv', from: 'yesterday'})).rejects.toMatchObject({code: 'E_USAGE'})
    await expect(run({format: 'csv', from: '2023-11-02', to: '2023-11-01'})).rejects.toMatchObject({code: 'E_USAGE'})
    await expect(run({format: 'timesketch-csv', out: out('.txt')})).rejects.toBeInstanceOf(RatchetError)
    await expect(run({format: 'jsonl', out: out('.csv')})).rejects.toMatchObject({code: 'E_USAGE'})
    await expect(writeTimeline({caseDir: root, format: 'csv'})).rejects.toMatchObject({code: 'E_CASE_MISSING'})
  })
})

describe('damaged input', () => {
  it('reports unreadable and out-of-order lines and keeps going', async () => {
    const dir = join(root, 'damaged')
    const c = buildFixtureCase(dir, {noise: 10})
    appendFileSync(join(dir, 'events.jsonl'), '{"not": "an event"}\nnot json at all\n' + JSON.stringify(c.events[0]) + '\n')
    const r = await writeTimeline({caseDir: dir, format: 'csv'})
    expect(r.file).toBe(join(dir, 'timeline.ratchet.csv'))
    expect(r.bad_lines).toBe(2)
    expect(r.out_of_order).toBe(1)
    expect(r.events_written).toBe(c.events.length + 1)
    expect(r.diagnostics.map((d) => d.code).sort()).toEqual(['TIMELINE_BAD_EVENT', 'TIMELINE_BAD_JSON', 'TIMELINE_OUT_OF_ORDER'])
    expect(r.diagnostics.find((d) => d.code === 'TIMELINE_BAD_JSON')?.line).toBe(c.events.length + 2)
  })
})
