import {dateToIso7, normaliseIso} from '../../core/time.js'

/**
 * Shared helpers for command output: decoding, CSV, PowerShell JSON quirks, numbers. Pure.
 */

/**
 * Upper half of code page 850, the OEM code page of Western European Windows consoles. Its letters sit where
 * code page 437 (US English) has them too, so it decodes `net`, `schtasks` and `netstat` output of English,
 * German, French, Spanish… hosts correctly.
 */
const CP850_HIGH = "\u00c7\u00fc\u00e9\u00e2\u00e4\u00e0\u00e5\u00e7\u00ea\u00eb\u00e8\u00ef\u00ee\u00ec\u00c4\u00c5\u00c9\u00e6\u00c6\u00f4\u00f6\u00f2\u00fb\u00f9\u00ff\u00d6\u00dc\u00f8\u00a3\u00d8\u00d7\u0192\u00e1\u00ed\u00f3\u00fa\u00f1\u00d1\u00aa\u00ba\u00bf\u00ae\u00ac\u00bd\u00bc\u00a1\u00ab\u00bb\u2591\u2592\u2593\u2502\u2524\u00c1\u00c2\u00c0\u00a9\u2563\u2551\u2557\u255d\u00a2\u00a5\u2510\u2514\u2534\u252c\u251c\u2500\u253c\u00e3\u00c3\u255a\u2554\u2569\u2566\u2560\u2550\u256c\u00a4\u00f0\u00d0\u00ca\u00cb\u00c8\u0131\u00cd\u00ce\u00cf\u2518\u250c\u2588\u2584\u00a6\u00cc\u2580\u00d3\u00df\u00d4\u00d2\u00f5\u00d5\u00b5\u00fe\u00de\u00da\u00db\u00d9\u00fd\u00dd\u00af\u00b4\u00ad\u00b1\u2017\u00be\u00b6\u00a7\u00f7\u00b8\u00b0\u00a8\u00b7\u00b9\u00b3\u00b2\u25a0\u00a0"

/**
 * Decodes captured bytes. Windows console tools print in the OEM code page, PowerShell (as we launch it) in
 * UTF-8, a few tools in UTF-16LE. UTF-16 is recognised by its BOM or by NULs in every other byte. Output that
 * is not valid UTF-8 is decoded with `fallback`: CP850 for Windows tools, latin1 otherwise (no byte is lost
 * either way, and the raw bytes are in the archive).
 */
export function decodeOutput(buf: Buffer, fallback: 'latin1' | 'cp850' = 'latin1'): {text: string; encoding: 'utf-8' | 'utf-16le' | 'latin1' | 'cp850'} {
  if (buf.length >= 2 && buf[0] === 0xff && buf[1] === 0xfe) return {text: buf.subarray(2).toString('utf16le'), encoding: 'utf-16le'}
  if (looksUtf16le(buf)) return {text: buf.toString('utf16le'), encoding: 'utf-16le'}
  const start = buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0
  try {
    return {text: new TextDecoder('utf-8', {fatal: true}).decode(buf.subarray(start)), encoding: 'utf-8'}
  } catch {
    if (fallback === 'latin1') return {text: buf.toString('latin1'), encoding: 'latin1'}
    let text = ''
    for (const b of buf) text += b < 0x80 ? String.fromCharCode(b) : CP850_HIGH[b - 0x80]
    return {text, encoding: 'cp850'}
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
