/**
 * UTF-16LE decoding. Event strings are mostly short (names, numbers as text): a String.fromCharCode loop
 * beats TextDecoder's call overhead there; long runs (script blocks, command lines) go to TextDecoder.
 */
const decoder = new TextDecoder('utf-16le')
const SHORT = 24

export function utf16(b: Uint8Array, p: number, chars: number): string {
  if (chars <= 0) return ''
  if (chars > SHORT) return decoder.decode(b.subarray(p, p + chars * 2))
  let s = ''
  const end = p + chars * 2
  for (let i = p; i < end; i += 2) s += String.fromCharCode(b[i]! | (b[i + 1]! << 8))
  return s
}

/** Like utf16 but drops trailing NULs (substitution strings are often NUL-terminated). */
export function utf16Trim(b: Uint8Array, p: number, chars: number): string {
  while (chars > 0 && b[p + chars * 2 - 2] === 0 && b[p + chars * 2 - 1] === 0) chars--
  return utf16(b, p, chars)
}

export function latin1Trim(b: Uint8Array, p: number, len: number): string {
  while (len > 0 && b[p + len - 1] === 0) len--
  let s = ''
  for (let i = 0; i < len; i++) s += String.fromCharCode(b[p + i]!)
  return s
}
