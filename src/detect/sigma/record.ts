import type {EvtxRecord} from '../../parsers/evtx/record-types.js'
import {dataObject} from '../../events/mappers/windows.js'
import type {NormalizedEvent} from '../../events/types.js'
import type {SigmaEvent} from './types.js'

/**
 * Adapters from ratchet's two event shapes to the view the matcher reads (SigmaEvent). Field names follow
 * the Sigma rules specification "Field Usage": System attributes as `Tag_Attribute` (`Provider_Name`,
 * `Execution_ProcessID`, `Security_UserID`), EventData/UserData items by their `Name`.
 */

type SystemGetter = (r: EvtxRecord) => unknown
const SYSTEM: Record<string, SystemGetter> = {
  EventID: (r) => r.eventId,
  Channel: (r) => r.channel,
  Provider_Name: (r) => r.provider,
  Provider_Guid: (r) => r.providerGuid,
  Provider_EventSourceName: (r) => r.eventSourceName,
  Computer: (r) => r.computer,
  EventRecordID: (r) => r.recordId,
  Level: (r) => r.level,
  Task: (r) => r.task,
  Opcode: (r) => r.opcode,
  Keywords: (r) => r.keywords,
  Version: (r) => r.version,
  Qualifiers: (r) => r.qualifiers,
  EventID_Qualifiers: (r) => r.qualifiers,
  Security_UserID: (r) => r.userId,
  Execution_ProcessID: (r) => r.processId,
  Execution_ThreadID: (r) => r.threadId,
  Correlation_ActivityID: (r) => r.activityId,
  TimeCreated_SystemTime: (r) => r.timeCreated,
}

function* dataValues(d: Record<string, unknown>): Iterable<unknown> {
  for (const k in d) {
    if (k === '_element') continue
    const v = d[k]
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) yield* dataValues(v as Record<string, unknown>)
    else yield v
  }
}

/**
 * Spec "Field Usage": a field name written with spaces in the event (Defender's `Source Name`) is named
 * without them in rules (`SourceName`). Looked up only when the plain name misses, built once per record.
 */
function spacelessLookup(data: Record<string, unknown>): (f: string) => unknown {
  let alias: Record<string, unknown> | null | undefined
  return (f) => {
    if (alias === undefined) {
      alias = null
      for (const k in data) {
        if (k.includes(' ')) (alias ??= {})[k.replace(/ /g, '')] = data[k]
      }
    }
    return alias === null ? undefined : alias[f]
  }
}

/** Field lookup shared by both adapters: System names first, then the data items (with or without spaces). */
function fieldGetter<T>(system: Record<string, (x: T) => unknown>, x: T, data: Record<string, unknown>): (f: string) => unknown {
  const spaceless = spacelessLookup(data)
  return (f) => {
    const s = system[f]
    if (s) return s(x)
    const v = data[f]
    return v === undefined ? spaceless(f) : v
  }
}

const timeMs = (iso: string | null | undefined): number => (iso ? Date.parse(iso) : NaN)

/** A raw EVTX record (from `ratchet sigma` over .evtx files). `file` names the source in hits. */
export function evtxRecordEvent(rec: EvtxRecord, file: string): SigmaEvent {
  const data = dataObject(rec) as Record<string, unknown>
  return {
    windows: {
      key: (rec.channel ?? '').toLowerCase(),
      eventId: rec.eventId,
      get: fieldGetter(SYSTEM, rec, data),
      values: () => dataValues(data),
    },
    timeMs: timeMs(rec.timeCreated ?? rec.writtenTime),
    ref: {file, recordId: rec.recordId ?? rec.headerRecordNumber, timeCreated: rec.timeCreated, eventId: rec.eventId, computer: rec.computer},
  }
}

/** Windows System fields as the mapper stores them in a normalized event's attributes. */
const NORMALIZED_SYSTEM: Record<string, (e: NormalizedEvent) => unknown> = {
  EventID: (e) => e.attributes.event_id,
  Channel: (e) => e.attributes.channel,
  Provider_Name: (e) => e.attributes.provider,
  EventRecordID: (e) => e.attributes.record_id,
  Computer: (e) => e.host,
  TimeCreated_SystemTime: (e) => e.datetime,
}

/** Dotted field names split once (they come from the rules: few, read on every event). */
const PATHS = new Map<string, readonly string[]>()
const MAX_PATHS = 10_000

/** `attributes.x.y` and top-level names of a normalized event (the `product: ratchet` field names). */
function normalizedField(e: NormalizedEvent, f: string): unknown {
  const dot = f.indexOf('.')
  if (dot < 0) return (e as unknown as Record<string, unknown>)[f]
  let path = PATHS.get(f)
  if (path === undefined) {
    path = f.split('.')
    if (PATHS.size < MAX_PATHS) PATHS.set(f, path)
  }
  let v: unknown = e as unknown
  for (const p of path) {
    if (v === null || typeof v !== 'object') return undefined
    v = (v as Record<string, unknown>)[p]
  }
  return v
}

function* normalizedValues(e: NormalizedEvent): Iterable<unknown> {
  yield e.message
  for (const k of ['host', 'user', 'src_ip', 'dst_ip', 'remote_id', 'process', 'command_line', 'file_name'] as const) if (e[k] !== undefined) yield e[k]
  yield* dataValues(e.attributes)
}

/**
 * A normalized event (events.jsonl). It meets `product: ratchet` rules by its source family and, when it
 * came from an event log, `product: windows` rules too: the mapper keeps every EventData item in
 * `attributes` with the System fields `event_id`, `channel`, `provider`, `record_id`.
 */
export function normalizedEvent(e: NormalizedEvent): SigmaEvent {
  const a = e.attributes
  const isEvtx = e.source === 'EVTX' && typeof a.channel === 'string'
  const eventId = typeof a.event_id === 'number' ? a.event_id : null
  return {
    windows: isEvtx
      ? {
          key: (a.channel as string).toLowerCase(),
          eventId,
          get: fieldGetter(NORMALIZED_SYSTEM, e, a),
          values: () => dataValues(a),
        }
      : undefined,
    ratchet: {key: e.source.toLowerCase(), eventId: null, get: (f) => normalizedField(e, f), values: () => normalizedValues(e)},
    timeMs: e.timestamp / 1000,
    ref: {
      file: e.evidence.member,
      recordId: typeof a.record_id === 'number' ? a.record_id : typeof e.evidence.record === 'number' ? e.evidence.record : null,
      timeCreated: e.datetime,
      eventId,
      computer: e.host ?? null,
      eventRef: e.id,
    },
  }
}
