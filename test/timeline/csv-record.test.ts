import {stringify} from 'csv-stringify/sync'
import {describe, expect, it} from 'vitest'
import type {NormalizedEvent} from '../../src/events/types.js'
import {csvColumns, csvRecord, micros, timesketchDatetime} from '../../src/timeline/columns.js'
import {mayNeedOneLine, oneLine} from '../../src/timeline/csv.js'

/**
 * csvRecord builds a row as one string for speed; the oracle is the plain definition: each column's value by
 * name, flattened to one line (flatCell), through csv-stringify with formula escaping. Events come from a
 * seeded generator of hostile values, including the wrong JSON types a damaged events.jsonl can hold.
 */
/** A value as one cell's content, never spanning lines: objects as compact JSON, then oneLine. */
function flatCell(v: unknown): string | number | undefined {
  if (v === undefined || v === null) return undefined
  if (typeof v === 'number') return Number.isFinite(v) ? v : String(v)
  return oneLine(typeof v === 'string' ? v : typeof v === 'boolean' ? String(v) : JSON.stringify(v))
}

function oracle(e: NormalizedEvent, f: 'csv' | 'timesketch-csv', lt?: string): string {
  const ev = e.evidence
  const tool = e.attributes?.tool
  const value = (col: string): unknown => {
    switch (col) {
      case 'datetime':
        return f === 'csv' ? e.datetime : timesketchDatetime(e.datetime)
      case 'local_time':
        return lt
      case 'timestamp':
        return f === 'csv' ? e.timestamp : micros(e)
      case 'tool':
        return typeof tool === 'string' ? tool : undefined
      case 'event_id':
        return e.id
      case 'unverified':
        return e.unverified ? true : undefined
      case 'attributes':
        return Object.keys(e.attributes ?? {}).length ? JSON.stringify(e.attributes) : undefined
      default:
        if (col.startsWith('evidence_')) return (ev as unknown as Record<string, unknown>)[col.slice('evidence_'.length)]
        return (e as unknown as Record<string, unknown>)[col]
    }
  }
  const row = csvColumns(f, lt !== undefined).map((c) => flatCell(value(c)))
  return stringify([row], {escape_formulas: true, record_delimiter: 'unix', eof: true})
}

let seed = 20261207
const rnd = (n: number): number => {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
  return seed % n
}
const ALPHABET = ['a', 'Z', '0', ',', '"', '\n', '\r', '\r\n', '\t', '=', '+', '-', '@', ' ', "'", '\uFF1D', '\uFF0B', '\uFF0D', '\uFF20', 'é', '😀', '\u0000', '\u001f', '\u007f', '\u0085', '\u2028', '\u2029', ';', '\\']
/** Half the events use only characters oneLine leaves alone (quotes, commas, backslashes, formulas stay). */
const TAME = ALPHABET.filter((c) => oneLine(c) === c)
let tame = false
const text = (): string => {
  const from = tame ? TAME : ALPHABET
  return Array.from({length: rnd(9)}, () => from[rnd(from.length)]).join('')
}
/** Mostly text, sometimes a number (negative, fractional), absent, null, a boolean or an object. */
function anyValue(): unknown {
  switch (rnd(12)) {
    case 0:
      return undefined
    case 1:
      return null
    case 2:
      return rnd(2) ? -rnd(1000) : rnd(1e6) / 7
    case 3:
      return rnd(2) === 1
    case 4:
      return {k: text(), n: rnd(5), nested: [text(), null]}
    default:
      return text()
  }
}

function hostileEvent(): NormalizedEvent {
  const e: Record<string, unknown> = {
    id: text() || 'id',
    datetime: rnd(4) ? `2023-10-28T14:0${rnd(10)}:11.${String(rnd(1e7)).padStart(7, '0')}Z` : `2023-10-28T14:00:00${rnd(2) ? '.5' : ''}Z`,
    timestamp: rnd(2) ? rnd(1e9) : -rnd(5),
    timestamp_desc: anyValue(),
    event_type: text(),
    message: anyValue(),
    source: anyValue(),
    artefact: anyValue(),
    evidence: {member: text(), sha256: text(), offset: anyValue(), record: anyValue(), line: anyValue()},
    attributes: rnd(3) ? {tool: anyValue(), x: anyValue(), [text()]: anyValue()} : {},
  }
  for (const p of ['host', 'user', 'src_ip', 'src_port', 'dst_ip', 'dst_port', 'remote_id', 'process', 'command_line', 'file_name']) if (rnd(3)) e[p] = anyValue()
  if (rnd(3) === 0) e.unverified = anyValue()
  // as events.jsonl holds it: what JSON can say (undefined members drop out)
  return JSON.parse(JSON.stringify(e)) as NormalizedEvent
}

describe('csvRecord', () => {
  it('equals the column-by-column definition through csv-stringify on 10 000 hostile events', () => {
    let skipped = 0
    for (let i = 0; i < 10_000; i++) {
      tame = i % 2 === 1
      const e = hostileEvent()
      const lt = rnd(3) === 0 ? text() : undefined
      const line = JSON.stringify(e)
      // the line-level shortcut: a line that cannot need oneLine gives the same record without it
      const safe = !mayNeedOneLine(line)
      if (safe) skipped++
      for (const f of ['csv', 'timesketch-csv'] as const) {
        const want = oracle(e, f, lt)
        expect(csvRecord(e, f, lt), line).toBe(want)
        if (safe) expect(csvRecord(e, f, lt, true), line).toBe(want)
      }
    }
    // both paths were taken often
    expect(skipped).toBeGreaterThan(1000)
    expect(skipped).toBeLessThan(9000)
  })

  it('mayNeedOneLine never misses a value oneLine would change (escapes, raw separators, keys too)', () => {
    for (const v of ['a\nb', 'x\u0001', '\u007f', '\u0085', '\u2028', '\u2029', 'tab\tok but \r no', '\b', '\f']) {
      expect(oneLine(v)).not.toBe(v)
      expect(mayNeedOneLine(JSON.stringify({message: v})), JSON.stringify(v)).toBe(true)
      expect(mayNeedOneLine(JSON.stringify({attributes: {[v]: 1}}))).toBe(true)
    }
    expect(mayNeedOneLine(JSON.stringify({message: 'C:\\Windows\\Temp, "quoted" =1+2 é 😀 \t'}))).toBe(false)
  })
})
