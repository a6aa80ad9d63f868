import {hasAscii} from '../../binary/le.js'
import type {Diagnostic} from '../../core/diagnostics.js'
import type {MapContext} from '../../events/mappers/common.js'
import {mapEvtxRecord, needsMapperState} from '../../events/mappers/windows.js'
import {parseChunk} from '../../parsers/evtx/chunk.js'
import {CHUNK_MAGIC} from '../../parsers/evtx/header.js'
import type {ChunkJob} from '../../parsers/evtx/job.js'
import type {EvtxRecord} from '../../parsers/evtx/record-types.js'
import {SerializedBuilder, serializedCount, type SerializedEvents} from '../serialized.js'

/** One EVTX chunk slot parsed, mapped and serialized: what a worker hands back to the analyze driver. */
export interface EvtxEventsBatch {
  seq: number
  events: SerializedEvents
  /**
   * Records that need the stateful WindowsMapper (script-block fragments), mapped by the driver in file
   * order; `at` is how many of `events` come before the record's own events (keeps the add order exact).
   */
  stateful: {at: number; rec: EvtxRecord}[]
  diagnostics: Diagnostic[]
  hadMagic: boolean
  /** Set while crossing threads when every event has this member (events.members is empty then). */
  member?: string
}

/**
 * Parse + map + serialize one chunk slot (`job.payload` is the MapContext). Pure and thread-agnostic: the
 * calling thread and the workers run exactly this, so output does not depend on the thread count.
 */
export function runEventsJob(job: ChunkJob): EvtxEventsBatch {
  const ctx = job.payload as MapContext
  const slot = new Uint8Array(job.buf, 0, job.len)
  const events = new SerializedBuilder()
  const stateful: EvtxEventsBatch['stateful'] = []
  const diagnostics: Diagnostic[] = []
  parseChunk(slot, job.index, job.offset, {carve: job.carve, needTree: false}, (r) => {
    const rec = r.record()
    if (needsMapperState(rec)) {
      stateful.push({at: events.count, rec})
      return
    }
    for (const ev of mapEvtxRecord(ctx, rec)) events.push(ev)
  }, diagnostics)
  return {seq: job.seq, events: events.finish(), stateful, diagnostics, hadMagic: hasAscii(slot, 0, CHUNK_MAGIC)}
}

/**
 * The batch as it crosses threads, and what to transfer (not copy). The line bytes move; the key columns
 * are cloned string by string, and the member (a long path, the same for every event of a file) would be
 * most of that: it goes once.
 */
export function toWire(b: EvtxEventsBatch): {result: EvtxEventsBatch; transfer: ArrayBuffer[]} {
  const m = b.events.members
  const one = m.length > 1 && m.every((x) => x === m[0])
  const result = one ? {...b, events: {...b.events, members: []}, member: m[0]} : b
  return {result, transfer: [b.events.bytes.buffer as ArrayBuffer, b.events.bounds.buffer as ArrayBuffer]}
}

/** A batch received from a worker, as runEventsJob made it. */
export function fromWire(b: EvtxEventsBatch): EvtxEventsBatch {
  if (b.member === undefined) return b
  const {member, ...rest} = b
  return {...rest, events: {...b.events, members: new Array<string>(serializedCount(b.events)).fill(member)}}
}
