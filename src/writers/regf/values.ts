import {REG_TYPES, type RegfValue} from './types.js'

/** The numeric type of a value (REG_* name or a raw number). */
export function typeNumber(t: RegfValue['type']): number {
  const n = typeof t === 'number' ? t : REG_TYPES[t]
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError(`bad value type ${String(t)}`)
  return n
}

const utf16z = (s: string): Buffer => Buffer.from(`${s}\0`, 'utf16le')

/**
 * Value data as Windows stores it: strings UTF-16LE with a terminating NUL (REG_LINK without one: it is a
 * counted kernel path), MULTI_SZ as NUL-terminated strings plus an empty one, DWORD in its named byte order,
 * QWORD little-endian. Bytes are stored as given, whatever the type.
 */
export function encodeValueData(v: RegfValue): Buffer {
  const t = typeNumber(v.type)
  const d = v.data
  if (d instanceof Uint8Array) return Buffer.from(d)
  switch (t) {
    case REG_TYPES.REG_SZ:
    case REG_TYPES.REG_EXPAND_SZ:
      if (typeof d === 'string') return utf16z(d)
      break
    case REG_TYPES.REG_LINK:
      if (typeof d === 'string') return Buffer.from(d, 'utf16le')
      break
    case REG_TYPES.REG_MULTI_SZ:
      if (Array.isArray(d)) return Buffer.concat([...d.map(utf16z), Buffer.from([0, 0])])
      break
    case REG_TYPES.REG_DWORD:
    case REG_TYPES.REG_DWORD_BIG_ENDIAN:
      if (typeof d === 'number' && Number.isInteger(d) && d >= 0 && d <= 0xffffffff) {
        const out = Buffer.alloc(4)
        if (t === REG_TYPES.REG_DWORD) out.writeUInt32LE(d)
        else out.writeUInt32BE(d)
        return out
      }
      break
    case REG_TYPES.REG_QWORD:
      if (typeof d === 'bigint' || (typeof d === 'number' && Number.isSafeInteger(d))) {
        const out = Buffer.alloc(8)
        out.writeBigUInt64LE(BigInt.asUintN(64, BigInt(d)))
        return out
      }
      break
  }
  throw new RangeError(`value "${v.name}": data of type ${typeof d} does not fit ${String(v.type)}`)
}
