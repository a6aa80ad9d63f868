import type {Diagnostic} from '../../core/diagnostics.js'
import {hasAscii} from '../../binary/le.js'
import {collectInto, parseChunk, type ParsedRecord} from './chunk.js'
import {CHUNK_MAGIC} from './header.js'
import type {EvtxRecord} from './record-types.js'
import {renderNodesXml} from './render.js'
import {renderChunkText, type ChunkText} from './render-chunk.js'

/** One chunk slot to parse, as the pool hands it to a worker (or to the main thread's own lane). */
export interface ChunkJob {
  seq: number
  buf: ArrayBuffer
  len: number
  index: number
  offset: number
  carve: boolean
  /** `records`: EvtxRecord objects (+ their XML); `jsonl`/`xml`: the chunk's output text only. */
  mode: 'records' | 'records+xml' | 'jsonl' | 'xml' | 'custom'
  /** Whatever a custom lane (LaneSpec) needs besides the bytes. */
  payload?: unknown
}

export interface ChunkBatch {
  records: EvtxRecord[]
  xml: string[] | null
  diagnostics: Diagnostic[]
  hadMagic: boolean
}

export type JobResult = (ChunkBatch | ChunkText) & {seq: number}

const encoder = new TextEncoder()

/** The result and the buffers to transfer (not copy) when it crosses threads. */
export function runJobForTransfer(job: ChunkJob): {result: JobResult; transfer: ArrayBuffer[]} {
  const result = runJob(job)
  if ('text' in result && typeof result.text === 'string') {
    const bytes = encoder.encode(result.text)
    return {result: {...result, text: bytes}, transfer: [bytes.buffer as ArrayBuffer]}
  }
  return {result, transfer: []}
}

export function runJob(job: ChunkJob): JobResult {
  const slot = new Uint8Array(job.buf, 0, job.len)
  if (job.mode === 'jsonl' || job.mode === 'xml') {
    return {seq: job.seq, ...renderChunkText(slot, job.index, job.offset, job.mode, job.carve)}
  }
  const xml = job.mode === 'records+xml'
  const parsed: ParsedRecord[] = []
  const diagnostics: Diagnostic[] = []
  parseChunk(slot, job.index, job.offset, {carve: job.carve, needTree: xml}, collectInto(parsed, xml), diagnostics)
  return {
    seq: job.seq,
    records: parsed.map((p) => p.record),
    xml: xml ? parsed.map((p) => renderNodesXml(p.nodes ?? [])) : null,
    diagnostics,
    hadMagic: hasAscii(slot, 0, CHUNK_MAGIC),
  }
}
