import {parentPort} from 'node:worker_threads'
import type {Diagnostic} from '../../core/diagnostics.js'
import {hasAscii} from '../../binary/le.js'
import {parseChunk, type ParsedRecord} from './chunk.js'
import {CHUNK_MAGIC} from './header.js'
import {renderNodesXml} from './render.js'

/** Worker side of pool.ts: parses one chunk slot per message and posts the records back. */
export interface ChunkJob {
  seq: number
  buf: ArrayBuffer
  len: number
  index: number
  offset: number
  carve: boolean
  xml: boolean
}

parentPort?.on('message', (job: ChunkJob) => {
  const slot = new Uint8Array(job.buf, 0, job.len)
  const parsed: ParsedRecord[] = []
  const diagnostics: Diagnostic[] = []
  parseChunk(slot, job.index, job.offset, {carve: job.carve, keepTree: job.xml}, parsed, diagnostics)
  const records = parsed.map((p) => p.record)
  const xml = job.xml ? parsed.map((p) => renderNodesXml(p.nodes ?? [])) : null
  parentPort!.postMessage({seq: job.seq, records, xml, diagnostics, hadMagic: hasAscii(slot, 0, CHUNK_MAGIC)})
})
