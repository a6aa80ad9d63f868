import {formatUnix100ns, isoToUnix100ns} from '../core/time.js'
import type {NormalizedEvent} from '../events/types.js'
import {valueCell} from './csv.js'

/**
 * Column profiles: how a NormalizedEvent becomes a timeline row. `csv` is ratchet's own layout (time,
 * type, pivots, evidence locator); the Timesketch profiles put Timesketch's mandatory columns first
 * (message, datetime, timestamp_desc, timestamp) so `tsctl`/the web importer need no header mapping.
 */
export type TimelineFormat = 'csv' | 'jsonl' | 'timesketch-csv' | 'timesketch-jsonl'
export const TIMELINE_FORMATS: readonly TimelineFormat[] = ['csv', 'jsonl', 'timesketch-csv', 'timesketch-jsonl']

export const isCsvFormat = (f: TimelineFormat): boolean => f.endsWith('csv')
export const extensionFor = (f: TimelineFormat): '.csv' | '.jsonl' => (isCsvFormat(f) ? '.csv' : '.jsonl')

/**
 * Default file names inside the case folder. timeline.csv is triage's Timesketch-column timeline (the case
 * layout name), so the ratchet-column CSV gets its own name and a plain `ratchet timeline <case>` never
 * replaces it with other columns.
 */
export function defaultFileName(f: TimelineFormat): string {
  switch (f) {
    case 'csv':
      return 'timeline.ratchet.csv'
    case 'jsonl':
      return 'timeline.jsonl'
    case 'timesketch-csv':
      return 'timeline.timesketch.csv'
    case 'timesketch-jsonl':
      return 'timeline.timesketch.jsonl'
  }
}

/** Pivot fields copied as they are (Timesketch names; analysts filter on them). */
const PIVOTS = ['host', 'user', 'src_ip', 'src_port', 'dst_ip', 'dst_port', 'remote_id', 'process', 'command_line', 'file_name'] as const
const EVIDENCE = ['evidence_member', 'evidence_sha256', 'evidence_offset', 'evidence_record', 'evidence_line'] as const

export function csvColumns(f: 'csv' | 'timesketch-csv', withLocal: boolean): string[] {
  const local = withLocal ? ['local_time'] : []
  if (f === 'csv') {
    return ['datetime', ...local, 'timestamp', 'timestamp_desc', 'event_type', 'message', ...PIVOTS, 'tool', 'source', 'artefact', ...EVIDENCE, 'event_id', 'unverified', 'attributes']
  }
  return ['message', 'datetime', 'timestamp_desc', 'timestamp', ...local, 'event_type', ...PIVOTS, 'tool', 'source', 'artefact', ...EVIDENCE, 'event_id', 'unverified', 'attributes']
}

const ISO7 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.(\d{7})Z$/

/** `2023-10-28T14:03:11.1234567Z` → `2023-10-28T14:03:11.123456+00:00` (Timesketch's documented shape, µs). */
export function timesketchDatetime(iso: string): string {
  // Fast path for the normal case (analyze always writes 7-digit UTC): pure string slicing.
  if (ISO7.test(iso)) return `${iso.slice(0, 26)}+00:00`
  const u = isoToUnix100ns(iso)
  const norm = u === undefined ? undefined : formatUnix100ns(u)
  if (!norm) return iso
  return `${norm.slice(0, 26)}+00:00`
}

/** Microseconds since the epoch, derived from the 7-digit datetime (the exact value) rather than trusted. */
export function micros(e: NormalizedEvent): number {
  const m = ISO7.exec(e.datetime)
  if (m) {
    const ms = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!)
    if (!Number.isNaN(ms)) return ms * 1000 + Number(m[7]!.slice(0, 6))
  }
  const u = isoToUnix100ns(e.datetime)
  return u === undefined ? e.timestamp : Number(u / 10n)
}

function baseFields(e: NormalizedEvent): Record<string, unknown> {
  const ev = e.evidence
  const tool = e.attributes?.tool
  return {
    event_type: e.event_type,
    message: e.message,
    host: e.host,
    user: e.user,
    src_ip: e.src_ip,
    src_port: e.src_port,
    dst_ip: e.dst_ip,
    dst_port: e.dst_port,
    remote_id: e.remote_id,
    process: e.process,
    command_line: e.command_line,
    file_name: e.file_name,
    tool: typeof tool === 'string' ? tool : undefined,
    source: e.source,
    artefact: e.artefact,
    evidence_member: ev.member,
    evidence_sha256: ev.sha256,
    evidence_offset: ev.offset,
    evidence_record: ev.record,
    evidence_line: ev.line,
    event_id: e.id,
    unverified: e.unverified ? true : undefined,
  }
}

/**
 * One CSV record (LF-terminated) in `csvColumns` order, each value through valueCell (one-line text,
 * formula-safe, RFC 4180), built as one string cell by cell (this runs once per event, a million times on a large case: no row
 * array, no per-cell intermediate values, fields read by name rather than through a key list). `lineSafe`:
 * the event's line showed no value needs oneLine (see mayNeedOneLine in csv.ts).
 */
export function csvRecord(e: NormalizedEvent, f: 'csv' | 'timesketch-csv', localTime?: string, lineSafe = false): string {
  const c = (v: unknown): string => valueCell(v, lineSafe)
  const ev = e.evidence
  const tool = e.attributes?.tool
  let attrs: string | undefined
  for (const _ in e.attributes) {
    attrs = JSON.stringify(e.attributes)
    break
  }
  const local = localTime !== undefined ? `${c(localTime)},` : ''
  const head =
    f === 'csv'
      ? `${c(e.datetime)},${local}${c(e.timestamp)},${c(e.timestamp_desc)},${c(e.event_type)},${c(e.message)}`
      : `${c(e.message)},${c(timesketchDatetime(e.datetime))},${c(e.timestamp_desc)},${c(micros(e))},${local}${c(e.event_type)}`
  // PIVOTS, in order
  const pivots = `${c(e.host)},${c(e.user)},${c(e.src_ip)},${c(e.src_port)},${c(e.dst_ip)},${c(e.dst_port)},${c(e.remote_id)},${c(e.process)},${c(e.command_line)},${c(e.file_name)}`
  // tool, source, artefact, EVIDENCE, event_id, unverified, attributes
  const tail = `${c(typeof tool === 'string' ? tool : undefined)},${c(e.source)},${c(e.artefact)},${c(ev.member)},${c(ev.sha256)},${c(ev.offset)},${c(ev.record)},${c(ev.line)},${c(e.id)},${e.unverified ? 'true' : ''},${c(attrs)}`
  return `${head},${pivots},${tail}\n`
}

/**
 * A Timesketch JSONL object: mandatory fields first, pivots, then native attributes flattened to
 * `attr_<key>` scalars (Timesketch indexes flat fields; nested objects would be mapped as objects and
 * collide across events). Built on a null-prototype object so a hostile key such as `__proto__` stays data.
 */
export function timesketchObject(e: NormalizedEvent, localTime?: string): Record<string, unknown> {
  const o = Object.create(null) as Record<string, unknown>
  o.message = e.message
  o.datetime = timesketchDatetime(e.datetime)
  o.timestamp_desc = e.timestamp_desc
  o.timestamp = micros(e)
  if (localTime !== undefined) o.local_time = localTime
  for (const [k, v] of Object.entries(baseFields(e))) if (v !== undefined) o[k] = v
  for (const [k, v] of Object.entries(e.attributes ?? {})) {
    if (v === undefined || v === null) continue
    o[`attr_${k}`] = typeof v === 'object' ? JSON.stringify(v) : v
  }
  return o
}

/** ratchet's JSONL: the event itself (key order as analyze wrote it), plus `local_time` when asked. */
export function nativeJsonLine(e: NormalizedEvent, localTime?: string): string {
  if (localTime === undefined) return JSON.stringify(e)
  return JSON.stringify({...e, local_time: localTime})
}
