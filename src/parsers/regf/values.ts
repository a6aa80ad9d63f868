/** Value types (winnt.h REG_*) and their JSON rendering for `registry dump`. */
export const REG_NONE = 0
export const REG_SZ = 1
export const REG_EXPAND_SZ = 2
export const REG_BINARY = 3
export const REG_DWORD = 4
export const REG_DWORD_BIG_ENDIAN = 5
export const REG_LINK = 6
export const REG_MULTI_SZ = 7
export const REG_RESOURCE_LIST = 8
export const REG_FULL_RESOURCE_DESCRIPTOR = 9
export const REG_RESOURCE_REQUIREMENTS_LIST = 10
export const REG_QWORD = 11

const NAMES = [
  'REG_NONE',
  'REG_SZ',
  'REG_EXPAND_SZ',
  'REG_BINARY',
  'REG_DWORD',
  'REG_DWORD_BIG_ENDIAN',
  'REG_LINK',
  'REG_MULTI_SZ',
  'REG_RESOURCE_LIST',
  'REG_FULL_RESOURCE_DESCRIPTOR',
  'REG_RESOURCE_REQUIREMENTS_LIST',
  'REG_QWORD',
]

/** `REG_SZ`…; types Windows does not define (applications store their own) as `REG_UNKNOWN_0x1f4`. */
export function typeName(type: number): string {
  return NAMES[type] ?? `REG_UNKNOWN_0x${type.toString(16)}`
}

const utf16 = new TextDecoder('utf-16le')

export function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')
}

/** UTF-16LE up to the first NUL (data after the terminator is slack, not part of the string). */
export function regString(b: Uint8Array): string {
  let end = b.length & ~1
  for (let i = 0; i < end; i += 2) {
    if (b[i] === 0 && b[i + 1] === 0) {
      end = i
      break
    }
  }
  return utf16.decode(b.subarray(0, end))
}

/** REG_MULTI_SZ: NUL-separated strings ending at the empty string (double NUL) or the end of the data. */
export function regMultiString(b: Uint8Array): string[] {
  const text = utf16.decode(b.subarray(0, b.length & ~1))
  const parts = text.split('\u0000')
  // The list ends at the first empty string (the double NUL); what follows is slack.
  const end = parts.indexOf('')
  return end < 0 ? parts : parts.slice(0, end)
}

export type ValueData = string | number | string[]

/**
 * JSON data of a value: strings for SZ/EXPAND_SZ/LINK, number for DWORD (either byte order), decimal string
 * for QWORD (exceeds 2^53), array for MULTI_SZ, lowercase hex for everything else and for any fixed-size
 * type whose data has the wrong length (kept exact rather than guessed).
 */
export function decodeData(type: number, b: Uint8Array): ValueData {
  switch (type) {
    case REG_SZ:
    case REG_EXPAND_SZ:
    case REG_LINK:
      return regString(b)
    case REG_MULTI_SZ:
      return regMultiString(b)
    case REG_DWORD:
      return b.length === 4 ? (b[0]! | (b[1]! << 8) | (b[2]! << 16)) + b[3]! * 0x1000000 : hex(b)
    case REG_DWORD_BIG_ENDIAN:
      return b.length === 4 ? b[0]! * 0x1000000 + ((b[1]! << 16) | (b[2]! << 8) | b[3]!) : hex(b)
    case REG_QWORD:
      return b.length === 8 ? Buffer.from(b.buffer, b.byteOffset, 8).readBigUInt64LE(0).toString() : hex(b)
    default:
      return hex(b)
  }
}
