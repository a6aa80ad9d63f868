import type {NormalizedEvent} from '../events/types.js'

/**
 * Events already serialized to their events.jsonl line, with the fields of the total order
 * (src/events/order.ts) beside them in columns. Plain arrays of strings and numbers: cheap to
 * structured-clone from a worker thread (no event objects cross threads) and enough to sort and merge.
 */
export interface SerializedEvents {
  lines: string[]
  datetimes: string[]
  members: string[]
  offsets: (number | undefined)[]
  records: (number | string | undefined)[]
  textLines: (number | undefined)[]
  types: string[]
  ids: string[]
}

export function emptySerialized(): SerializedEvents {
  return {lines: [], datetimes: [], members: [], offsets: [], records: [], textLines: [], types: [], ids: []}
}

/** Appends one event. The line is exactly `JSON.stringify(ev)`, as the in-thread path writes it. */
export function pushSerialized(out: SerializedEvents, ev: NormalizedEvent): void {
  const e = ev.evidence
  out.lines.push(JSON.stringify(ev))
  out.datetimes.push(ev.datetime)
  out.members.push(e.member)
  out.offsets.push(e.offset)
  out.records.push(e.record)
  out.textLines.push(e.line)
  out.types.push(ev.event_type)
  out.ids.push(ev.id)
}

export function sliceSerialized(s: SerializedEvents, from: number, to: number): SerializedEvents {
  return {
    lines: s.lines.slice(from, to),
    datetimes: s.datetimes.slice(from, to),
    members: s.members.slice(from, to),
    offsets: s.offsets.slice(from, to),
    records: s.records.slice(from, to),
    textLines: s.textLines.slice(from, to),
    types: s.types.slice(from, to),
    ids: s.ids.slice(from, to),
  }
}

/** Lets the analyze driver tell a plugin's pre-serialized batch from a NormalizedEvent. */
export function isSerializedEvents(x: NormalizedEvent | SerializedEvents): x is SerializedEvents {
  return Array.isArray((x as SerializedEvents).lines)
}
