import type {NormalizedEvent} from '../events/types.js'
import {redactEvent} from '../core/redact.js'

/**
 * Events already serialized to their events.jsonl lines (UTF-8 bytes, back to back), with the fields of
 * the total order (src/events/order.ts) beside them in columns. No event objects: a worker thread
 * transfers the byte buffers (no copy) and clones a few short strings, and the sorter keeps bytes off the
 * JS heap (the garbage collector never copies them).
 */
export interface SerializedEvents {
  /** Line i is bytes[bounds[i], bounds[i + 1]) without its newline; bounds has one entry more than lines. */
  bytes: Uint8Array
  bounds: Uint32Array
  datetimes: string[]
  members: string[]
  offsets: (number | undefined)[]
  records: (number | string | undefined)[]
  textLines: (number | undefined)[]
  types: string[]
  ids: string[]
}

export const serializedCount = (s: SerializedEvents): number => s.bounds.length - 1

/** Collects events; `finish` encodes their lines (exactly `JSON.stringify(ev)`, as the in-thread path writes). */
export class SerializedBuilder {
  private lines: string[] = []
  private readonly cols: Omit<SerializedEvents, 'bytes' | 'bounds'> = {datetimes: [], members: [], offsets: [], records: [], textLines: [], types: [], ids: []}

  get count(): number {
    return this.lines.length
  }

  push(ev: NormalizedEvent): void {
    const e = ev.evidence
    const c = this.cols
    // passwords typed into commands never reach events.jsonl (see detect/redact.ts); the archive keeps them
    this.lines.push(JSON.stringify(redactEvent(ev)))
    c.datetimes.push(ev.datetime)
    c.members.push(e.member)
    c.offsets.push(e.offset)
    c.records.push(e.record)
    c.textLines.push(e.line)
    c.types.push(ev.event_type)
    c.ids.push(ev.id)
  }

  /**
   * The batch, its bytes in one buffer of their own (transferable). Encodes each line once, straight into
   * the buffer: sized for ASCII plus room for the longest line's worst case, grown only by wider text.
   */
  finish(): SerializedEvents {
    const lines = this.lines
    const n = lines.length
    const bounds = new Uint32Array(n + 1)
    let sum = 0
    let longest = 0
    for (let i = 0; i < n; i++) {
      const l = lines[i]!.length
      sum += l
      if (l > longest) longest = l
    }
    let bytes = Buffer.allocUnsafeSlow(sum + 3 * longest)
    let pos = 0
    for (let i = 0; i < n; i++) {
      const line = lines[i]!
      if (pos + 3 * line.length > bytes.length) {
        const grown = Buffer.allocUnsafeSlow(Math.max(bytes.length * 2, pos + 3 * line.length))
        bytes.copy(grown, 0, 0, pos)
        bytes = grown
      }
      pos += bytes.write(line, pos, 'utf8')
      bounds[i + 1] = pos
    }
    this.lines = []
    // the sorter may hold a batch for a while: do not let it pin much more than its lines
    if (bytes.length - pos > (pos >> 3) + 4096) {
      const exact = Buffer.allocUnsafeSlow(pos)
      bytes.copy(exact, 0, 0, pos)
      bytes = exact
    }
    return {bytes: bytes.subarray(0, pos), bounds, ...this.cols}
  }
}

/** Events [from, to) of a batch (bytes shared, not copied). */
export function sliceSerialized(s: SerializedEvents, from: number, to: number): SerializedEvents {
  return {
    bytes: s.bytes,
    bounds: s.bounds.subarray(from, to + 1),
    datetimes: s.datetimes.slice(from, to),
    members: s.members.slice(from, to),
    offsets: s.offsets.slice(from, to),
    records: s.records.slice(from, to),
    textLines: s.textLines.slice(from, to),
    types: s.types.slice(from, to),
    ids: s.ids.slice(from, to),
  }
}

const decoder = new TextDecoder()

/** The events of a batch as objects again (for callers of a plugin's `events`, not the analyze driver). */
export function* parseSerialized(s: SerializedEvents): Generator<NormalizedEvent> {
  for (let i = 0; i + 1 < s.bounds.length; i++) yield JSON.parse(decoder.decode(s.bytes.subarray(s.bounds[i], s.bounds[i + 1]))) as NormalizedEvent
}

/** Lets the analyze driver tell a plugin's pre-serialized batch from a NormalizedEvent. */
export function isSerializedEvents(x: NormalizedEvent | SerializedEvents): x is SerializedEvents {
  return (x as SerializedEvents).bounds instanceof Uint32Array
}
