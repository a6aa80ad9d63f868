import {dateToIso7, normaliseIso} from '../../core/time.js'

/**
 * Shared helpers for command output: decoding, CSV, PowerShell JSON quirks, numbers. Pure.
 */

/**
 * Decodes captured bytes. Windows console tools print in the OEM code page, PowerShell (as we launch it) in
 * UTF-8, a few tools in UTF-16LE. UTF-16 is recognised by its BOM or by NULs in every other byte; invalid
 * UTF-8 falls back to latin1 so that no byte is lost (the raw bytes are in the archive anyway).
 */
export function decodeOutput(buf: Buffer): {text: string; encoding: 'utf-8' | 'utf-16le' | 'latin1'} {
  if (buf.length >= 2 && buf[0] === 0xff && buf[1] === 0xfe) return {text: buf.subarray(2).toString('utf16le'), encoding: 'utf-16le'}
  if (looksUtf16le(buf)) return {text: buf.toString('utf16le'), encoding: 'utf-16le'}
  const start = buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0
  try {
    return {text: new TextDecoder('utf-8', {fatal: true}).decode(buf.subarray(start)), encoding: 'utf-8'}
  } catch {
    return {text: buf.toString('latin1'), encoding: 'latin1'}
  }
}

function looksUtf16le(buf: Buffer): boolean {
  const n = Math.min(buf.length, 512) & ~1
  if (n < 4) return false
  let zeros = 0
  for (let i = 1; i < n; i += 2) if (buf[i] === 0) zeros++
  return zeros >= (n / 2) * 0.9
}

export function splitLines(text: string): string[] {
  return text.replace(/^\uFEFF/, '').split(/\r?\n|\r/)
}

/**
 * RFC 4180 CSV (quoted fields, doubled quotes, CRLF/LF) as printed by `tasklist /fo csv` and `schtasks /fo csv`.
 * Returns rows with their 1-based starting line numbers.
 */
export function parseCsv(text: string): {fields: string[]; line: number}[] {
  const rows: {fields: string[]; line: number}[] = []
  const s = text.replace(/^\uFEFF/, '')
  let field = ''
  let fields: string[] = []
  let inQuotes = false
  let line = 1
  let rowLine = 1
  let sawAny = false
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!
    if (inQuotes) {
      if (c === '"') {
        if (s[i + 1] === '"') {
          field += '"'
          i++
        } else inQuotes = false
      } else {
        if (c === '\n') line++
        field += c
      }
      continue
    }
    if (c === '"') {
      inQuotes = true
      sawAny = true
    } else if (c === ',') {
      fields.push(field)
      field = ''
      sawAny = true
    } else if (c === '\r' || c === '\n') {
      if (c === '\r' && s[i + 1] === '\n') i++
      if (sawAny || field !== '') rows.push({fields: [...fields, field], line: rowLine})
      fields = []
      field = ''
      sawAny = false
      line++
      rowLine = line
    } else {
      field += c
      sawAny = true
    }
  }
  if (sawAny || field !== '') rows.push({fields: [...fields, field], line: rowLine})
  return rows
}

/**
 * PowerShell's ConvertTo-Json quirks: a pipeline of one object serialises as that object (not an array),
 * an empty pipeline prints nothing, and Windows PowerShell 5.1 sometimes wraps arrays as
 * `{"value":[…],"Count":n}`. This returns the list of objects in every case.
 */
export function psJsonArray(text: string): Record<string, unknown>[] {
  const t = text.replace(/^\uFEFF/, '').trim()
  if (t === '') return []
  const v: unknown = JSON.parse(t)
  const list = unwrap(v)
  return list.filter((x): x is Record<string, unknown> => x !== null && typeof x === 'object' && !Array.isArray(x))
}

function unwrap(v: unknown): unknown[] {
  if (Array.isArray(v)) return v
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>
    if (Array.isArray(o.value) && 'Count' in o) return o.value
    return [o]
  }
  return []
}

/**
 * Reads a date as PowerShell serialises it: ISO-8601 with offset or `Z` (PowerShell 7, or our scripts'
 * `.ToString('o')`), `\/Date(1699000000000)\/` (5.1's JavaScriptSerializer, milliseconds since the epoch,
 * UTC, an optional `+0100` suffix being display-only), or 5.1's `{value, DisplayHint, DateTime}` wrapper.
 * An ISO string without offset is host-local and is NOT converted (returns undefined).
 */
export function psDate(v: unknown): string | undefined {
  if (v === null || v === undefined) return undefined
  if (typeof v === 'object' && !Array.isArray(v) && 'value' in (v as Record<string, unknown>)) {
    return psDate((v as Record<string, unknown>).value)
  }
  if (typeof v !== 'string') return undefined
  const m = /^\\?\/Date\((-?\d+)(?:[+-]\d{4})?\)\\?\/$/.exec(v)
  if (m) {
    const ms = Number(m[1])
    // DateTime.MinValue (year 1) and similar sentinels mean "never".
    if (!Number.isFinite(ms) || ms <= -62135596800000 + 86400000) return undefined
    return dateToIso7(new Date(ms))
  }
  if (/(Z|[+-]\d{2}:?\d{2})$/.test(v)) {
    const iso = normaliseIso(v)
    if (iso && iso.startsWith('0001-')) return undefined
    return iso
  }
  return undefined
}

export function str(v: unknown): string | undefined {
  if (v === null || v === undefined) return undefined
  if (typeof v === 'string') return v === '' ? undefined : v
  if (typeof v === 'number' || typeof v === 'boolean') return String(v)
  if (typeof v === 'object' && 'Value' in (v as Record<string, unknown>)) return str((v as Record<string, unknown>).Value)
  return undefined
}

export function int(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isInteger(v)) return v
  if (typeof v === 'string' && /^-?\d+$/.test(v.trim())) {
    const n = Number(v.trim())
    return Number.isSafeInteger(n) ? n : undefined
  }
  return undefined
}

export function bool(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v
  if (v === 'True' || v === 'true') return true
  if (v === 'False' || v === 'false') return false
  return undefined
}

/** Splits `addr:port`, `[v6]:port`, `*:*`, and netstat's `[::]:135`. */
export function splitHostPort(s: string): {address: string; port?: number} {
  const t = s.trim()
  const b = /^\[(.*)\]:(\d+|\*)$/.exec(t)
  if (b) return {address: b[1]!, port: b[2] === '*' ? undefined : Number(b[2])}
  const i = t.lastIndexOf(':')
  if (i <= 0) return {address: t}
  const port = t.slice(i + 1)
  return {address: t.slice(0, i), port: /^\d+$/.test(port) ? Number(port) : undefined}
}
