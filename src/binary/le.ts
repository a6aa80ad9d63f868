/**
 * Little-endian reads over a Uint8Array. Callers bound offsets before calling (the EVTX parser checks
 * every position against the end of its chunk); these helpers stay branch-free so they inline well.
 */
export function u16(b: Uint8Array, p: number): number {
  return b[p]! | (b[p + 1]! << 8)
}

export function u32(b: Uint8Array, p: number): number {
  return (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16)) + b[p + 3]! * 0x1000000
}

export function i32(b: Uint8Array, p: number): number {
  return b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)
}

/** Unsigned 64-bit as bigint (exact). */
export function u64(b: Uint8Array, p: number): bigint {
  return (BigInt(u32(b, p + 4)) << 32n) | BigInt(u32(b, p))
}

/** Unsigned 64-bit as a number; exact below 2^53 (record numbers, chunk numbers). */
export function u64n(b: Uint8Array, p: number): number {
  return u32(b, p + 4) * 0x100000000 + u32(b, p)
}

/** True when `sig` (ASCII) is at `p`. */
export function hasAscii(b: Uint8Array, p: number, sig: string): boolean {
  if (p < 0 || p + sig.length > b.length) return false
  for (let i = 0; i < sig.length; i++) if (b[p + i] !== sig.charCodeAt(i)) return false
  return true
}

/** A bounds check failure inside a structure: the caller turns it into a diagnostic. */
export class OutOfBounds extends Error {
  constructor(what: string, pos: number, end: number) {
    super(`${what}: offset ${pos} beyond end ${end}`)
    this.name = 'OutOfBounds'
  }
}
