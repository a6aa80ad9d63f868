import {FILETIME_UNIX_EPOCH, isoToUnix100ns} from '../../core/time.js'
/**
 * Typed substitution values of a BinXML template instance (value types as listed in the libevtx format
 * notes, §Value types). Each value knows its type byte and its encoded bytes; the descriptor array of a
 * template instance carries (size, type) per value.
 */

export const ValueType = {
  Null: 0x00,
  String: 0x01,
  UInt8: 0x04,
  UInt16: 0x06,
  Int32: 0x07,
  UInt32: 0x08,
  UInt64: 0x0a,
  Bool: 0x0d,
  Binary: 0x0e,
  Guid: 0x0f,
  FileTime: 0x11,
  SysTime: 0x12,
  Sid: 0x13,
  HexInt32: 0x14,
  HexInt64: 0x15,
  BinXml: 0x21,
  StringArray: 0x81,
} as const

export type EvtxValue =
  | {type: 'null'}
  | {type: 'string'; value: string}
  | {type: 'uint8' | 'uint16' | 'uint32' | 'int32' | 'hexint32'; value: number}
  | {type: 'uint64' | 'hexint64' | 'filetime'; value: bigint}
  /** SYSTEMTIME, UTC. */
  | {type: 'systemtime'; value: Date}
  /** `S-1-5-21-…` */
  | {type: 'sid'; value: string}
  /** `{xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}` or without braces */
  | {type: 'guid'; value: string}
  | {type: 'bool'; value: boolean}
  | {type: 'binary'; value: Uint8Array}
  /** Array of strings (0x81): each UTF-16 with its terminator; the element holding it repeats per item. */
  | {type: 'strings'; value: string[]}

/** Value constructors, so event builders read like the XML they produce. */
export const v = {
  null: (): EvtxValue => ({type: 'null'}),
  str: (value: string): EvtxValue => ({type: 'string', value}),
  u8: (value: number): EvtxValue => ({type: 'uint8', value}),
  u16: (value: number): EvtxValue => ({type: 'uint16', value}),
  u32: (value: number): EvtxValue => ({type: 'uint32', value}),
  i32: (value: number): EvtxValue => ({type: 'int32', value}),
  hex32: (value: number): EvtxValue => ({type: 'hexint32', value}),
  u64: (value: bigint): EvtxValue => ({type: 'uint64', value}),
  hex64: (value: bigint): EvtxValue => ({type: 'hexint64', value}),
  filetime: (value: bigint): EvtxValue => ({type: 'filetime', value}),
  systemtime: (value: Date): EvtxValue => ({type: 'systemtime', value}),
  sid: (value: string): EvtxValue => ({type: 'sid', value}),
  guid: (value: string): EvtxValue => ({type: 'guid', value}),
  bool: (value: boolean): EvtxValue => ({type: 'bool', value}),
  binary: (value: Uint8Array): EvtxValue => ({type: 'binary', value}),
  strings: (value: string[]): EvtxValue => ({type: 'strings', value}),
}

export function valueTypeByte(val: EvtxValue): number {
  switch (val.type) {
    case 'null':
      return ValueType.Null
    case 'string':
      return ValueType.String
    case 'uint8':
      return ValueType.UInt8
    case 'uint16':
      return ValueType.UInt16
    case 'int32':
      return ValueType.Int32
    case 'uint32':
      return ValueType.UInt32
    case 'hexint32':
      return ValueType.HexInt32
    case 'uint64':
      return ValueType.UInt64
    case 'hexint64':
      return ValueType.HexInt64
    case 'filetime':
      return ValueType.FileTime
    case 'systemtime':
      return ValueType.SysTime
    case 'sid':
      return ValueType.Sid
    case 'guid':
      return ValueType.Guid
    case 'bool':
      return ValueType.Bool
    case 'binary':
      return ValueType.Binary
    case 'strings':
      return ValueType.StringArray
  }
}

/** GUID text → 16 bytes in Windows layout (Data1..Data3 little-endian, Data4 as written). */
export function encodeGuid(text: string): Buffer {
  const hex = text.replace(/[{}-]/g, '')
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new RangeError(`not a GUID: ${text}`)
  const out = Buffer.alloc(16)
  out.writeUInt32LE(parseInt(hex.slice(0, 8), 16), 0)
  out.writeUInt16LE(parseInt(hex.slice(8, 12), 16), 4)
  out.writeUInt16LE(parseInt(hex.slice(12, 16), 16), 6)
  Buffer.from(hex.slice(16), 'hex').copy(out, 8)
  return out
}

/** SID text → binary SID (revision, sub-authority count, 48-bit big-endian authority, LE sub-authorities). */
export function encodeSid(text: string): Buffer {
  const m = /^S-(\d+)-(\d+)((?:-\d+)*)$/i.exec(text)
  if (!m) throw new RangeError(`not a SID: ${text}`)
  const subs = m[3] ? m[3].slice(1).split('-').map(Number) : []
  if (subs.length > 15) throw new RangeError(`too many sub-authorities: ${text}`)
  const out = Buffer.alloc(8 + subs.length * 4)
  out.writeUInt8(Number(m[1]), 0)
  out.writeUInt8(subs.length, 1)
  out.writeUIntBE(Number(m[2]), 2, 6)
  subs.forEach((s, i) => out.writeUInt32LE(s, 8 + i * 4))
  return out
}

function encodeSystemTime(d: Date): Buffer {
  const out = Buffer.alloc(16)
  out.writeUInt16LE(d.getUTCFullYear(), 0)
  out.writeUInt16LE(d.getUTCMonth() + 1, 2)
  out.writeUInt16LE(d.getUTCDay(), 4)
  out.writeUInt16LE(d.getUTCDate(), 6)
  out.writeUInt16LE(d.getUTCHours(), 8)
  out.writeUInt16LE(d.getUTCMinutes(), 10)
  out.writeUInt16LE(d.getUTCSeconds(), 12)
  out.writeUInt16LE(d.getUTCMilliseconds(), 14)
  return out
}

/** Encoded bytes of a substitution value (strings without terminator, as the format notes describe). */
export function encodeValue(val: EvtxValue): Buffer {
  const b = (n: number): Buffer => Buffer.alloc(n)
  switch (val.type) {
    case 'null':
      return b(0)
    case 'string':
      return Buffer.from(val.value, 'utf16le')
    case 'uint8': {
      const o = b(1)
      o.writeUInt8(val.value)
      return o
    }
    case 'uint16': {
      const o = b(2)
      o.writeUInt16LE(val.value)
      return o
    }
    case 'int32': {
      const o = b(4)
      o.writeInt32LE(val.value)
      return o
    }
    case 'uint32':
    case 'hexint32': {
      const o = b(4)
      o.writeUInt32LE(val.value >>> 0)
      return o
    }
    case 'bool': {
      const o = b(4)
      o.writeUInt32LE(val.value ? 1 : 0)
      return o
    }
    case 'uint64':
    case 'hexint64':
    case 'filetime': {
      const o = b(8)
      o.writeBigUInt64LE(val.value)
      return o
    }
    case 'systemtime':
      return encodeSystemTime(val.value)
    case 'sid':
      return encodeSid(val.value)
    case 'guid':
      return encodeGuid(val.value)
    case 'binary':
      return Buffer.from(val.value)
    case 'strings':
      return Buffer.from(val.value.map((x) => `${x}\0`).join(''), 'utf16le')
  }
}

/** ISO-8601 (any fraction, `Z` or offset) → FILETIME, exactly; throws on text that is not a timestamp. */
export function filetimeFromIso(iso: string): bigint {
  const units = isoToUnix100ns(iso)
  if (units === undefined) throw new RangeError(`not an ISO-8601 timestamp: ${iso}`)
  return units + FILETIME_UNIX_EPOCH
}
