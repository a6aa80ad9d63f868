import {formatUnix100ns, isoToUnix100ns} from '../core/time.js'

/** Exact ISO arithmetic on 100-ns units (no float rounding), for building the demo's timeline. */
export function isoPlus(iso: string, seconds: number, extra100ns = 0): string {
  const base = isoToUnix100ns(iso)
  if (base === undefined) throw new RangeError(`not an ISO timestamp: ${iso}`)
  const out = formatUnix100ns(base + BigInt(Math.round(seconds * 1000)) * 10_000n + BigInt(extra100ns))
  if (out === undefined) throw new RangeError(`out of range: ${iso} + ${seconds}s`)
  return out
}

export function isoToDate(iso: string): Date {
  const u = isoToUnix100ns(iso)
  if (u === undefined) throw new RangeError(`not an ISO timestamp: ${iso}`)
  return new Date(Number(u / 10_000n))
}

/** Days from `startIso` (midnight UTC) up to but excluding `endIso`. */
export function daysBetween(startIso: string, endIso: string): string[] {
  const out: string[] = []
  for (let d = isoToDate(startIso).getTime(); d < isoToDate(endIso).getTime(); d += 86_400_000) {
    out.push(new Date(d).toISOString().slice(0, 10))
  }
  return out
}
