import type {Indicator} from '../types.js'
import {iocParseError} from './errors.js'
import {parseOne} from './parse-text.js'

/** RFC 4180 records (quoted fields, doubled quotes, CRLF) with the 1-based line each record starts on. */
export function csvRecords(text: string, file: string): {line: number; cells: string[]}[] {
  const out: {line: number; cells: string[]}[] = []
  const s = text.replace(/^\uFEFF/, '')
  let line = 1
  let start = 1
  let cells: string[] = []
  let cell = ''
  let quoted = false
  let wasQuoted = false
  for (let i = 0; i < s.length; i++) {
    const c = s[i]
    if (quoted) {
      if (c === '"') {
        if (s[i + 1] === '"') {
          cell += '"'
          i++
        } else quoted = false
      } else {
        if (c === '\n') line++
        cell += c
      }
      continue
    }
    if (c === '"') {
      if (cell.trim() !== '') throw iocParseError(file, line, 'a quote inside an unquoted CSV field')
      cell = ''
      quoted = true
      wasQuoted = true
    } else if (c === ',') {
      cells.push(wasQuoted ? cell : cell.trim())
      cell = ''
      wasQuoted = false
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && s[i + 1] === '\n') i++
      cells.push(wasQuoted ? cell : cell.trim())
      if (cells.length > 1 || cells[0] !== '') out.push({line: start, cells})
      cells = []
      cell = ''
      wasQuoted = false
      line++
      start = line
    } else cell += c
  }
  if (quoted) throw iocParseError(file, start, 'unterminated quoted CSV field')
  cells.push(wasQuoted ? cell : cell.trim())
  if (cells.length > 1 || cells[0] !== '') out.push({line: start, cells})
  return out
}

const HEADER_NAMES: Record<string, 'type' | 'value' | 'description' | 'source'> = {
  type: 'type', indicator_type: 'type', ioc_type: 'type', kind: 'type',
  value: 'value', indicator: 'value', ioc: 'value', observable: 'value',
  description: 'description', comment: 'description', comments: 'description', note: 'description',
  source: 'source', reference: 'source', origin: 'source',
}

/**
 * CSV IOC lists: `type,value[,description,source]`, with or without a header naming those columns (in any
 * order). Lines starting with `#` are comments. Every row must have a type and a value.
 */
export function parseCsvIocs(text: string, file: string): Indicator[] {
  const records = csvRecords(text, file).filter((r) => !r.cells[0].startsWith('#'))
  if (records.length === 0) return []
  let cols = {type: 0, value: 1, description: 2, source: 3}
  const first = records[0].cells.map((c) => c.toLowerCase())
  const isHeader = first.some((h) => HEADER_NAMES[h] === 'type') && first.every((h) => h === '' || HEADER_NAMES[h] !== undefined)
  if (isHeader) {
    const map: Partial<Record<'type' | 'value' | 'description' | 'source', number>> = {}
    first.forEach((h, i) => {
      const k = HEADER_NAMES[h]
      if (k !== undefined && map[k] === undefined) map[k] = i
    })
    if (map.type === undefined || map.value === undefined) throw iocParseError(file, records[0].line, 'CSV header must name a "type" and a "value" column')
    cols = {type: map.type, value: map.value, description: map.description ?? -1, source: map.source ?? -1}
    records.shift()
  }
  const out: Indicator[] = []
  for (const r of records) {
    const type = r.cells[cols.type]?.trim() ?? ''
    const value = r.cells[cols.value]?.trim() ?? ''
    if (type === '' || value === '') throw iocParseError(file, r.line, 'CSV row needs a type and a value (type,value[,description,source])', r.cells.join(','))
    const description = cols.description >= 0 ? r.cells[cols.description]?.trim() || undefined : undefined
    const src = cols.source >= 0 ? r.cells[cols.source]?.trim() || undefined : undefined
    out.push(parseOne(value, file, r.line, description, type, src ? `${src} (${file}:${r.line})` : undefined))
  }
  return out
}
