import {RatchetError} from '../core/errors.js'
import {formatUnix100ns, isoToUnix100ns} from '../core/time.js'
import type {NormalizedEvent} from '../events/types.js'

/** Inclusive time window in 100-ns units since the Unix epoch, and event-type globs (any may match). */
export interface EventFilter {
  from?: bigint
  to?: bigint
  types?: RegExp[]
}

const DAY_100NS = 864_000_000_000n

/**
 * Parses a --from/--to value: full ISO-8601 (any fraction, `Z` or offset; no zone means UTC) or a bare
 * date. A bare date as the upper bound means "through the end of that day", which is what people mean
 * by `--to 2023-11-08`.
 */
export function parseTimeBound(text: string, bound: 'from' | 'to'): bigint {
  const t = text.trim()
  if (/^\d{4}-\d{2}-\d{2}$/.test(t)) {
    const start = isoToUnix100ns(`${t}T00:00:00Z`)
    if (start !== undefined && formatUnix100ns(start)?.startsWith(t)) return bound === 'to' ? start + DAY_100NS - 1n : start
  }
  const u = isoToUnix100ns(t)
  if (u === undefined || !formatUnix100ns(u)) {
    throw new RatchetError('E_USAGE', `--${bound} ${JSON.stringify(text)} is not an ISO-8601 time (e.g. 2023-10-28 or 2023-10-28T14:00:00Z)`, {flag: bound, value: text})
  }
  return u
}

/** Compiles an event-type glob (`*` any run of characters, `?` one character) into an anchored RegExp. */
export function compileTypeGlob(glob: string): RegExp {
  if (glob.trim() === '') throw new RatchetError('E_USAGE', '--type needs a non-empty glob such as remote_access.*', {flag: 'type'})
  const body = [...glob.trim()]
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('')
  return new RegExp(`^${body}$`)
}

export function buildFilter(opts: {from?: string; to?: string; types?: string[]}): EventFilter {
  const f: EventFilter = {}
  if (opts.from !== undefined) f.from = parseTimeBound(opts.from, 'from')
  if (opts.to !== undefined) f.to = parseTimeBound(opts.to, 'to')
  if (f.from !== undefined && f.to !== undefined && f.from > f.to) {
    throw new RatchetError('E_USAGE', '--from is later than --to', {from: opts.from, to: opts.to})
  }
  if (opts.types && opts.types.length > 0) f.types = opts.types.map(compileTypeGlob)
  return f
}

export function matchesFilter(e: NormalizedEvent, f: EventFilter): boolean {
  if (f.from !== undefined || f.to !== undefined) {
    const u = isoToUnix100ns(e.datetime)
    if (u === undefined) return false
    if (f.from !== undefined && u < f.from) return false
    if (f.to !== undefined && u > f.to) return false
  }
  if (f.types && !f.types.some((r) => r.test(e.event_type))) return false
  return true
}
