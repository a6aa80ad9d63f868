import {filetimeToIso} from '../../core/time.js'
import {i32, u16, u32} from '../../binary/le.js'
import {latin1Trim, utf16Trim} from './utf16.js'

/**
 * BinXML value types (libfwevt "value types"). Rendering follows Windows' own XML rendering
 * (EvtRender): GUIDs upper case in braces, hex integers as `0x` + lower-case digits without padding,
 * FILETIME/SYSTEMTIME as ISO-8601 UTC, binary as upper-case hex.
 */
export const VT = {
  Null: 0x00,
  String: 0x01,
  AnsiString: 0x02,
  Int8: 0x03,
  UInt8: 0x04,
  Int16: 0x05,
  UInt16: 0x06,
  Int32: 0x07,
  UInt32: 0x08,
  Int64: 0x09,
  UInt64: 0x0a,
  Real32: 0x0b,
  Real64: 0x0c,
  Bool: 0x0d,
  Binary: 0x0e,
  Guid: 0x0f,
  SizeT: 0x10,
  FileTime: 0x11,
  SysTime: 0x12,
  Sid: 0x13,
  HexInt32: 0x14,
  HexInt64: 0x15,
  EvtHandle: 0x20,
  BinXml: 0x21,
  EvtXml: 0x23,
  ArrayFlag: 0x80,
} as const

const HEX: string[] = []
for (let i = 0; i < 256; i++) HEX.push(i.toString(16).padStart(2, '0'))
const HEXU = HEX.map((h) => h.toUpperCase())

function i64(b: Uint8Array, p: number): bigint {
  return (BigInt(i32(b, p + 4)) << 32n) | BigInt(u32(b, p))
}

function u64str(b: Uint8Array, p: number): string {
  const hi = u32(b, p + 4)
  const lo = u32(b, p)
  if (hi < 0x200000) return String(hi * 0x100000000 + lo)
  return ((BigInt(hi) << 32n) | BigInt(lo)).toString()
}

function hexLE(b: Uint8Array, p: number, n: number): string {
  // Little-endian integer of n (4 or 8) bytes → `0x` + minimal lower-case hex, as Windows prints it.
  const lo = u32(b, p)
  const hi = n === 8 ? u32(b, p + 4) : 0
  return hi === 0 ? '0x' + lo.toString(16) : '0x' + hi.toString(16) + lo.toString(16).padStart(8, '0')
}

export function guidString(b: Uint8Array, p: number): string {
  const h = HEXU
  return (
    '{' + h[b[p + 3]!] + h[b[p + 2]!] + h[b[p + 1]!] + h[b[p]!] + '-' + h[b[p + 5]!] + h[b[p + 4]!] + '-' +
    h[b[p + 7]!] + h[b[p + 6]!] + '-' + h[b[p + 8]!] + h[b[p + 9]!] + '-' + h[b[p + 10]!] + h[b[p + 11]!] +
    h[b[p + 12]!] + h[b[p + 13]!] + h[b[p + 14]!] + h[b[p + 15]!] + '}'
  )
}

/** SID: revision, sub-authority count, 48-bit big-endian authority, 32-bit LE sub-authorities. */
export function sidString(b: Uint8Array, p: number, size: number): string | undefined {
  if (size < 8) return undefined
  const count = b[p + 1]!
  if (8 + count * 4 > size) return undefined
  let auth = 0
  for (let i = 2; i < 8; i++) auth = auth * 256 + b[p + i]!
  let s = 'S-' + b[p]! + '-' + auth
  for (let i = 0; i < count; i++) s += '-' + u32(b, p + 8 + i * 4)
  return s
}

const pad2 = (n: number): string => (n < 10 ? '0' + n : String(n))

function systemTime(b: Uint8Array, p: number): string {
  const y = u16(b, p)
  const mo = u16(b, p + 2)
  const d = u16(b, p + 6)
  const h = u16(b, p + 8)
  const mi = u16(b, p + 10)
  const s = u16(b, p + 12)
  const ms = u16(b, p + 14)
  return `${String(y).padStart(4, '0')}-${pad2(mo)}-${pad2(d)}T${pad2(h)}:${pad2(mi)}:${pad2(s)}.${String(ms).padStart(3, '0')}0000Z`
}

/** Seconds between 1601-01-01 and 1970-01-01. */
const EPOCH_DIFF_SECS = 11_644_473_600
let lastDay = NaN
let lastDayText = ''

/**
 * FILETIME → `YYYY-MM-DDTHH:MM:SS.fffffffZ`, exact to 100 ns. Event times cluster on few days, so the
 * date part is cached; the arithmetic stays in exact doubles (hi < 2^30 keeps every product < 2^53),
 * falling back to bigint for far-future values.
 */
export function fileTimeText(lo: number, hi: number): string | undefined {
  if (hi >= 0x40000000) return filetimeToIso((BigInt(hi) << 32n) | BigInt(lo))
  // 2^32 = 429 × 10^7 + 4967296
  const rest = hi * 4967296 + lo
  const secs = hi * 429 + Math.floor(rest / 10_000_000) - EPOCH_DIFF_SECS
  const frac = rest % 10_000_000
  const day = Math.floor(secs / 86400)
  if (day !== lastDay) {
    const d = new Date(day * 86_400_000)
    const y = d.getUTCFullYear()
    if (!(y >= 1 && y <= 9999)) return filetimeToIso((BigInt(hi) << 32n) | BigInt(lo))
    lastDay = day
    lastDayText = `${String(y).padStart(4, '0')}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}T`
  }
  const tod = secs - day * 86400
  const h = Math.floor(tod / 3600)
  const m = Math.floor((tod % 3600) / 60)
  return lastDayText + pad2(h) + ':' + pad2(m) + ':' + pad2(tod % 60) + '.' + String(frac).padStart(7, '0') + 'Z'
}

function fileTime(b: Uint8Array, p: number): string {
  return fileTimeText(u32(b, p), u32(b, p + 4)) ?? hexLE(b, p, 8)
}

/** Size in bytes of one element of a fixed-size type; 0 for variable-size types. */
export function fixedSize(type: number, size: number): number {
  switch (type) {
    case VT.Int8: case VT.UInt8: return 1
    case VT.Int16: case VT.UInt16: return 2
    case VT.Int32: case VT.UInt32: case VT.Real32: case VT.Bool: case VT.HexInt32: return 4
    case VT.Int64: case VT.UInt64: case VT.Real64: case VT.FileTime: case VT.HexInt64: return 8
    case VT.Guid: case VT.SysTime: return 16
    case VT.SizeT: case VT.EvtHandle: return size === 4 || size === 8 ? size : 8
    default: return 0
  }
}

/**
 * Renders one scalar value of `type` occupying [p, p+size) as text. Returns undefined when the size does
 * not fit the type (the caller records a diagnostic and renders the raw bytes instead).
 */
export function scalarText(b: Uint8Array, type: number, p: number, size: number): string | undefined {
  switch (type) {
    case VT.Null:
      return ''
    case VT.String:
      return utf16Trim(b, p, size >>> 1)
    case VT.AnsiString:
      return latin1Trim(b, p, size)
    case VT.Binary:
    case VT.EvtXml: {
      let s = ''
      for (let i = 0; i < size; i++) s += HEXU[b[p + i]!]
      return s
    }
    case VT.Sid:
      return sidString(b, p, size)
  }
  const need = fixedSize(type, size)
  if (need === 0 || size < need) return undefined
  switch (type) {
    case VT.Int8: return String((b[p]! << 24) >> 24)
    case VT.UInt8: return String(b[p]!)
    case VT.Int16: return String((u16(b, p) << 16) >> 16)
    case VT.UInt16: return String(u16(b, p))
    case VT.Int32: return String(i32(b, p))
    case VT.UInt32: return String(u32(b, p))
    case VT.Int64: return i64(b, p).toString()
    case VT.UInt64: return u64str(b, p)
    case VT.Real32: return String(new DataView(b.buffer, b.byteOffset + p, 4).getFloat32(0, true))
    case VT.Real64: return String(new DataView(b.buffer, b.byteOffset + p, 8).getFloat64(0, true))
    // Windows treats any non-zero BOOL as true (samples carry values other than 0/1).
    case VT.Bool: return u32(b, p) !== 0 ? 'true' : 'false'
    case VT.Guid: return guidString(b, p)
    case VT.SizeT: case VT.HexInt32: case VT.HexInt64: return hexLE(b, p, need)
    case VT.FileTime: return fileTime(b, p)
    case VT.SysTime: return systemTime(b, p)
    case VT.EvtHandle: return need === 4 ? String(u32(b, p)) : u64str(b, p)
  }
  return undefined
}

/** Splits an array value (type | 0x80) into its rendered items. */
export function arrayItems(b: Uint8Array, baseType: number, p: number, size: number): string[] | undefined {
  const items: string[] = []
  if (baseType === VT.String) {
    // NUL-separated UTF-16 strings.
    let start = p
    const end = p + (size & ~1)
    for (let i = p; i < end; i += 2) {
      if (b[i] === 0 && b[i + 1] === 0) {
        items.push(utf16Trim(b, start, (i - start) >>> 1))
        start = i + 2
      }
    }
    if (start < end) items.push(utf16Trim(b, start, (end - start) >>> 1))
    return items
  }
  if (baseType === VT.AnsiString) {
    let start = p
    for (let i = p; i < p + size; i++) {
      if (b[i] === 0) {
        items.push(latin1Trim(b, start, i - start))
        start = i + 1
      }
    }
    if (start < p + size) items.push(latin1Trim(b, start, p + size - start))
    return items
  }
  const el = fixedSize(baseType, baseType === VT.SizeT || baseType === VT.EvtHandle ? 8 : 0)
  if (el === 0 || size % el !== 0) return undefined
  for (let q = p; q < p + size; q += el) {
    const t = scalarText(b, baseType, q, el)
    if (t === undefined) return undefined
    items.push(t)
  }
  return items
}
