import {u16} from '../../binary/le.js'

/**
 * Applies the update sequence array of a multi-sector structure (MFT record "FILE", index block "INDX") in
 * place: the last two bytes of every 512-byte stride hold the update sequence number and the real bytes are in
 * the array. Returns the index of the first stride whose check value does not match (torn write), -1 if all
 * match, or -2 when the array itself lies outside the structure.
 */
export function applyFixups(b: Uint8Array, start: number, size: number): number {
  const usaOff = u16(b, start + 4)
  const usaCount = u16(b, start + 6)
  if (usaCount < 2 || usaOff < 8 || usaOff + usaCount * 2 > size || (usaCount - 1) * 512 > size) return -2
  const check0 = b[start + usaOff]!
  const check1 = b[start + usaOff + 1]!
  let bad = -1
  for (let i = 1; i < usaCount; i++) {
    const end = start + i * 512 - 2
    if (b[end] !== check0 || b[end + 1] !== check1) {
      if (bad < 0) bad = i - 1
      continue
    }
    b[end] = b[start + usaOff + 2 * i]!
    b[end + 1] = b[start + usaOff + 2 * i + 1]!
  }
  return bad
}

/**
 * A private copy of bytes read from a ByteSource. Needed before applying fixups in place: sources may hand out
 * views of their cache, and Node's Buffer#slice is a view too (not a copy like Uint8Array#slice).
 */
export function privateCopy(b: Uint8Array): Uint8Array {
  const out = new Uint8Array(b.length)
  out.set(b)
  return out
}
