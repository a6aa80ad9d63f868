import {usableThreads} from '../../core/runtime.js'
import * as fs from 'node:fs'
import type {Diagnostic} from '../../core/diagnostics.js'
import {RatchetError, osErrorCode} from '../../core/errors.js'
import {hasAscii} from '../../binary/le.js'
import {collectInto, parseChunk, type ParsedRecord} from './chunk.js'
import {checkFileHeader, chunkCountNote} from './file.js'
import {CHUNK_MAGIC, CHUNK_SIZE, FILE_HEADER_SIZE, type EvtxFileHeader} from './header.js'
import type {EvtxRecord} from './record-types.js'
import {renderNodesXml} from './render.js'
import type {XNode} from './tree.js'
import {parallelChunks} from './pool.js'
import {readSlots} from './slots.js'

export type {EvtxRecord} from './record-types.js'
export type {EvtxFileHeader} from './header.js'

export interface EvtxOptions {
  /** Also return records recovered from chunk slack (marked `recovered: true`). */
  carve?: boolean
  /** Worker threads for chunk parsing (path input only); 1 or undefined parses in the calling thread. */
  threads?: number
  /**
   * Keep what renderRecordXml needs: the tree in-thread, or XML pre-rendered by the workers. Costs time
   * and memory, so the JSON path leaves it off. Always on for parseEvtxBuffer.
   */
  xml?: boolean
}

export interface EvtxReader {
  header: EvtxFileHeader
  records(): AsyncIterable<EvtxRecord>
  /** Filled during iteration. */
  diagnostics: Diagnostic[]
}

/** What renderRecordXml needs per record, kept off the record object so JSON output stays the contract. */
const xmlSource = new WeakMap<EvtxRecord, XNode[] | string>()

export function attachXml(record: EvtxRecord, src: XNode[] | string): void {
  xmlSource.set(record, src)
}

/** The record as Windows renders it (`<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event">…`). */
export function renderRecordXml(record: EvtxRecord): string {
  const src = xmlSource.get(record)
  if (src === undefined) {
    throw new RatchetError('E_USAGE', 'renderRecordXml: this record was read without XML support (open with {xml: true})')
  }
  return typeof src === 'string' ? src : renderNodesXml(src)
}

function keep(parsed: ParsedRecord[], withXml: boolean): EvtxRecord[] {
  const out: EvtxRecord[] = new Array(parsed.length)
  for (let i = 0; i < parsed.length; i++) {
    const p = parsed[i]!
    if (withXml && p.nodes) xmlSource.set(p.record, p.nodes)
    out[i] = p.record
  }
  return out
}

/** Synchronous, pure parse of a whole file held in memory (small files, tests). */
export function parseEvtxBuffer(buf: Uint8Array, opts: EvtxOptions = {}): {records: EvtxRecord[]; diagnostics: Diagnostic[]; header: EvtxFileHeader} {
  const diagnostics: Diagnostic[] = []
  const header = checkFileHeader(buf.subarray(0, FILE_HEADER_SIZE), buf.subarray(FILE_HEADER_SIZE, FILE_HEADER_SIZE + 8), buf.length, diagnostics)
  const parsed: ParsedRecord[] = []
  let seen = 0
  for (let off = FILE_HEADER_SIZE, i = 0; off < buf.length; off += CHUNK_SIZE, i++) {
    const slot = buf.subarray(off, Math.min(off + CHUNK_SIZE, buf.length))
    if (hasAscii(slot, 0, CHUNK_MAGIC)) seen++
    parseChunk(slot, i, off, {carve: opts.carve, needTree: true}, collectInto(parsed, true), diagnostics)
  }
  chunkCountNote(header, seen, diagnostics)
  return {records: keep(parsed, true), diagnostics, header}
}

export function readHeadSync(path: string): {head: Uint8Array; first: Uint8Array; size: number} {
  let fd: number
  try {
    fd = fs.openSync(path, 'r')
  } catch (e) {
    const code = osErrorCode(e)
    throw new RatchetError(code === 'ENOENT' ? 'E_INPUT_MISSING' : 'E_INPUT_READ', `cannot open ${path}: ${code ?? String(e)}`, {path})
  }
  try {
    const st = fs.fstatSync(fd)
    if (st.isDirectory()) throw new RatchetError('E_INPUT_FORMAT', `${path} is a folder, not an EVTX file`, {path})
    const size = st.size
    const buf = new Uint8Array(FILE_HEADER_SIZE + 8)
    let n: number
    try {
      n = fs.readSync(fd, buf, 0, buf.length, 0)
    } catch (e) {
      throw new RatchetError('E_INPUT_READ', `cannot read ${path}: ${osErrorCode(e) ?? String(e)}`, {path})
    }
    return {head: buf.subarray(0, Math.min(n, FILE_HEADER_SIZE)), first: buf.subarray(FILE_HEADER_SIZE, n), size}
  } finally {
    fs.closeSync(fd)
  }
}

/**
 * Opens an EVTX file (path: streamed in 64 KiB chunk reads; buffer: parsed in place). Records come out
 * in file order. Throws RatchetError E_EVTX_NOT_EVTX when the input is not an event log at all.
 */
export function openEvtx(input: string | Uint8Array, opts: EvtxOptions = {}): EvtxReader {
  const diagnostics: Diagnostic[] = []
  if (typeof input !== 'string') {
    const header = checkFileHeader(input.subarray(0, FILE_HEADER_SIZE), input.subarray(FILE_HEADER_SIZE, FILE_HEADER_SIZE + 8), input.length, diagnostics)
    return {
      header,
      diagnostics,
      async *records() {
        let seen = 0
        for (let off = FILE_HEADER_SIZE, i = 0; off < input.length; off += CHUNK_SIZE, i++) {
          const slot = input.subarray(off, Math.min(off + CHUNK_SIZE, input.length))
          if (hasAscii(slot, 0, CHUNK_MAGIC)) seen++
          const parsed: ParsedRecord[] = []
          parseChunk(slot, i, off, {carve: opts.carve, needTree: !!opts.xml}, collectInto(parsed, !!opts.xml), diagnostics)
          yield* keep(parsed, !!opts.xml)
        }
        chunkCountNote(header, seen, diagnostics)
      },
    }
  }
  const path = input
  const {head, first, size} = readHeadSync(path)
  const header = checkFileHeader(head, first, size, diagnostics)
  const threads = usableThreads(Math.max(1, Math.min(64, Math.floor(opts.threads ?? 1))))
  return {
    header,
    diagnostics,
    async *records() {
      const fh = await fs.promises.open(path, 'r')
      let seen = 0
      try {
        if (threads > 1) {
          for await (const batch of parallelChunks(fh, size, threads, {carve: !!opts.carve, xml: !!opts.xml})) {
            seen += batch.hadMagic ? 1 : 0
            for (const d of batch.diagnostics) diagnostics.push(d)
            for (let i = 0; i < batch.records.length; i++) {
              const r = batch.records[i]!
              if (batch.xml) xmlSource.set(r, batch.xml[i]!)
              yield r
            }
          }
        } else {
          for await (const {index, offset, bytes} of readSlots(fh, size)) {
            if (hasAscii(bytes, 0, CHUNK_MAGIC)) seen++
            const parsed: ParsedRecord[] = []
            parseChunk(bytes, index, offset, {carve: opts.carve, needTree: !!opts.xml}, collectInto(parsed, !!opts.xml), diagnostics)
            yield* keep(parsed, !!opts.xml)
          }
        }
      } finally {
        await fh.close()
      }
      chunkCountNote(header, seen, diagnostics)
    },
  }
}
