/**
 * Marvin32, the keyed hash Windows uses for the two checksums of a new-format log entry (HvLE), with the
 * seed the registry uses (0x82EF4D887A4E55C5, per the regf specification). 32-bit arithmetic throughout.
 */
const SEED_LO = 0x7a4e55c5
const SEED_HI = 0x82ef4d88

const rotl = (x: number, n: number): number => ((x << n) | (x >>> (32 - n))) >>> 0

export function marvin32(b: Uint8Array, start: number, length: number): bigint {
  let lo = SEED_LO
  let hi = SEED_HI
  let p = start
  const end = start + length
  const mix = (): void => {
    hi = (hi ^ lo) >>> 0
    lo = rotl(lo, 20)
    lo = (lo + hi) >>> 0
    hi = rotl(hi, 9)
    hi = (hi ^ lo) >>> 0
    lo = rotl(lo, 27)
    lo = (lo + hi) >>> 0
    hi = rotl(hi, 19)
  }
  for (; p + 4 <= end; p += 4) {
    lo = (lo + ((b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0)) >>> 0
    mix()
  }
  let final = 0x80
  const rest = end - p
  if (rest === 1) final = 0x8000 | b[p]!
  else if (rest === 2) final = 0x800000 | b[p]! | (b[p + 1]! << 8)
  else if (rest === 3) final = (0x80000000 | b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16)) >>> 0
  lo = (lo + final) >>> 0
  mix()
  mix()
  return (BigInt(hi) << 32n) | BigInt(lo)
}
