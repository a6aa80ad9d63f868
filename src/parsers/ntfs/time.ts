import {formatUnix100ns} from '../../core/time.js'

/**
 * NTFS FILETIME values (100 ns since 1601-01-01 UTC) split into exact Unix seconds and a 100-ns remainder
 * without BigInt: the MFT walk converts eight of them per record, millions of times.
 * 2^32 = 429·10^7 + 4967296 and 2^16·4967296 = 32553·10^7 + 6710656 keep every product below 2^53.
 */
export interface NtTime {
  /** Unix seconds (floor); negative before 1970. */
  s: number
  /** 100-ns units within the second, 0..9999999. */
  f: number
  /** The raw FILETIME was zero (never set). */
  zero: boolean
}

const EPOCH_DIFF_S = 11_644_473_600

export function readNtTime(b: Uint8Array, p: number): NtTime {
  const lo = (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16)) + b[p + 3]! * 0x1000000
  const hi = (b[p + 4]! | (b[p + 5]! << 8) | (b[p + 6]! << 16)) + b[p + 7]! * 0x1000000
  const a = Math.floor(hi / 65536)
  const c = hi % 65536
  const rest = a * 6710656 + c * 4967296 + lo
  const secs1601 = hi * 429 + a * 32553 + Math.floor(rest / 10_000_000)
  return {s: secs1601 - EPOCH_DIFF_S, f: rest % 10_000_000, zero: lo === 0 && hi === 0}
}

/** ISO-8601 UTC with 7 fractional digits; null for a zero FILETIME or one outside Date's range. */
export function ntTimeIso(t: NtTime): string | null {
  if (t.zero) return null
  return formatUnix100ns(BigInt(t.s) * 10_000_000n + BigInt(t.f)) ?? null
}

/**
 * Seconds as the Sleuth Kit's bodyfile prints them: the FILETIME minus the 1601→1970 offset in unsigned
 * 64-bit arithmetic, divided by 10^7, truncated to 32 bits. Dates before 1970 therefore wrap exactly as in
 * `fls -m` (a zero FILETIME prints as 3373865674); the wrap is kept so that outputs stay byte-comparable.
 */
export function tskSeconds(t: NtTime): number {
  if (t.s >= 0) return t.s % 0x100000000
  const ft = (BigInt(t.s + EPOCH_DIFF_S) * 10_000_000n + BigInt(t.f)) & 0xffffffffffffffffn
  const v = ((ft - 116_444_736_000_000_000n) & 0xffffffffffffffffn) / 10_000_000n
  return Number(v & 0xffffffffn)
}
