/** Longest user-supplied value echoed back in a message: a 10 MB indicator must not become a 10 MB error. */
export const ECHO_MAX = 200

/** `s` cut to `max` characters, saying how long it was. */
export function clip(s: string, max = ECHO_MAX): string {
  return s.length <= max ? s : `${s.slice(0, max)}… (${s.length} characters)`
}

/** A copy of `v` with every string clipped (for error details printed as JSON); depth-bounded. */
export function clipDeep(v: unknown, max = ECHO_MAX, depth = 4): unknown {
  if (typeof v === 'string') return clip(v, max)
  if (depth === 0 || v === null || typeof v !== 'object') return v
  if (Array.isArray(v)) return v.slice(0, 50).map((x) => clipDeep(x, max, depth - 1))
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, clipDeep(x, max, depth - 1)]))
}
