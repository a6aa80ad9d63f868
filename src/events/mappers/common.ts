import {isoToMicros, localToUtcIso} from '../../core/time.js'
import {makeEventId, type EvidenceRef, type NormalizedEvent, type SourceFamily} from '../types.js'

/** What every mapper knows about the file it maps (filled by the analyze driver from ParseContext). */
export interface MapContext {
  member: string
  sha256: string
  artefact: string
  host?: string
  hostTimeZone?: string
  /** File modification time (ISO UTC) from the manifest or the file system, when known. */
  mtime?: string
  unverified?: boolean
}

export type EventFields = Omit<NormalizedEvent, 'id' | 'timestamp' | 'evidence' | 'artefact' | 'source' | 'attributes' | 'host'> & {
  host?: string
  attributes?: Record<string, unknown>
}

/**
 * Builds a NormalizedEvent with a stable id and a fixed key order (so JSON output is byte-identical).
 * Undefined pivots are dropped rather than written as null.
 */
export function buildEvent(
  ctx: MapContext,
  source: SourceFamily,
  locator: Omit<EvidenceRef, 'member' | 'sha256'>,
  f: EventFields,
  discriminator = '',
): NormalizedEvent {
  const evidence: EvidenceRef = {member: ctx.member, sha256: ctx.sha256}
  if (locator.offset !== undefined) evidence.offset = locator.offset
  if (locator.record !== undefined) evidence.record = locator.record
  if (locator.line !== undefined) evidence.line = locator.line
  const ev: NormalizedEvent = {
    id: makeEventId(evidence, f.event_type, f.datetime, discriminator),
    datetime: f.datetime,
    timestamp: isoToMicros(f.datetime) ?? 0,
    timestamp_desc: f.timestamp_desc,
    message: f.message,
    source,
    artefact: ctx.artefact,
    event_type: f.event_type,
  } as NormalizedEvent
  const host = f.host ?? ctx.host
  if (host) ev.host = host
  for (const k of ['user', 'src_ip', 'src_port', 'dst_ip', 'dst_port', 'remote_id', 'process', 'command_line', 'file_name'] as const) {
    const v = f[k]
    if (v !== undefined && v !== null && v !== '') (ev as unknown as Record<string, unknown>)[k] = v
  }
  ev.evidence = evidence
  // Undefined attribute values are left in place: JSON serialization drops them (no per-event copy).
  ev.attributes = f.attributes ?? {}
  if (ctx.unverified) ev.unverified = true
  return ev
}

/** The epoch placeholder used when a record has no usable time at all (flagged in attributes). */
export const NO_TIME = '1970-01-01T00:00:00.0000000Z'

/**
 * Converts a host-local wall-clock time: with the host zone known it becomes UTC; without it the wall time
 * is kept as if UTC and flagged `host-local:unknown`. Either way the original text and zone are recorded.
 */
export function hostLocalTime(
  fields: {year: number; month: number; day: number; hour: number; minute: number; second: number; ms?: number},
  original: string,
  timeZone: string | undefined,
): {datetime: string; attributes: {original_time: string; original_time_zone: string}} | undefined {
  if (timeZone) {
    const iso = localToUtcIso(fields, timeZone)
    if (iso) return {datetime: iso, attributes: {original_time: original, original_time_zone: `host-local:${timeZone}`}}
  }
  const ms = Date.UTC(fields.year, fields.month - 1, fields.day, fields.hour, fields.minute, fields.second, fields.ms ?? 0)
  if (Number.isNaN(ms)) return undefined
  const iso = new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$10000Z')
  return {datetime: iso, attributes: {original_time: original, original_time_zone: 'host-local:unknown'}}
}

/** `YYYY-MM-DD HH:MM[:SS[.fff]]` written in UTC → 7-digit ISO. */
export function utcWallToIso(date: string, time: string): string | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date)
  const t = /^(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?$/.exec(time)
  if (!m || !t) return undefined
  const [, y, mo, d] = m
  const [, h, mi, s = '00', frac = ''] = t
  if (+mo! < 1 || +mo! > 12 || +d! < 1 || +d! > 31 || +h! > 23 || +mi! > 59 || +s! > 60) return undefined
  return `${y}-${mo}-${d}T${h}:${mi}:${s}.${(frac + '0000000').slice(0, 7)}Z`
}
