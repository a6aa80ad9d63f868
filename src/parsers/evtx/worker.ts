import {parentPort} from 'node:worker_threads'
import type {Diagnostic} from '../../core/diagnostics.js'
import {hasAscii} from '../../binary/le.js'
import {parseChunk, type ParsedRecord} from './chunk.js'
import {CHUNK_MAGIC} from './header.js'
import {renderNodesXml} from './render.js'
import {renderChunkText} from './render-chunk.js'

/**
 * Worker side of pool.ts: parses one chunk slot per message. `records` mode posts the records (and their
 * XML when asked); `jsonl`/`xml` mode posts the chunk's output text only.
 */
export interface ChunkJob {
  seq: number
  buf: ArrayBuffer
  len: number
  index: number
  offset: number
  carve: boolean
  mode: 'records' | 'records+xml' | 'jsonl' | 'xml'
}

parentPort?.on('message', (job: ChunkJob) => {
  const slot = new Uint8Array(job.buf, 0, job.len)
  if (job.mode === 'jsonl' || job.mode === 'xml') {
    parentPort!.postMessage({seq: job.seq, ...renderChunkText(slot, job.index, job.offset, job.mode, job.carve)})
    return
  }
  const xml = job.mode === 'records+xml'
  const parsed: ParsedRecord[] = []
  const diagnostics: Diagnostic[] = []
  parseChunk(slot, job.index, job.offset, {carve: job.carve, keepTree: xml}, parsed, diagnostics)
  parentPort!.postMessage({
    seq: job.seq,
    records: parsed.map((p) => p.record),
    xml: xml ? parsed.map((p) => renderNodesXml(p.nodes ?? [])) : null,
    diagnostics,
    hadMagic: hasAscii(slot, 0, CHUNK_MAGIC),
  })
})
