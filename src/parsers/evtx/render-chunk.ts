import type {Diagnostic} from '../../core/diagnostics.js'
import {hasAscii} from '../../binary/le.js'
import {parseChunk} from './chunk.js'
import {CHUNK_MAGIC} from './header.js'
import {renderNodesXml} from './render.js'

export type TextFormat = 'jsonl' | 'xml'

export interface ChunkText {
  /**
   * The chunk's records as JSON lines or XML documents, each ending in a newline. Workers send it as
   * UTF-8 bytes (a transferred buffer: no copy, no string in the main thread's heap).
   */
  text: string | Uint8Array
  records: number
  recovered: number
  diagnostics: Diagnostic[]
  hadMagic: boolean
}

/**
 * Parses one chunk slot straight to output text: the `evtx dump` path. Records never leave this
 * function as objects, so workers hand back one string per chunk (cheap to transfer) instead of
 * structured-cloned records.
 */
export function renderChunkText(slot: Uint8Array, index: number, offset: number, format: TextFormat, carve: boolean): ChunkText {
  const diagnostics: Diagnostic[] = []
  const xml = format === 'xml'
  // Records are rendered as they are parsed so their trees die young; the chunk's text is joined once.
  const parts: string[] = []
  let records = 0
  let recovered = 0
  parseChunk(slot, index, offset, {carve, needTree: xml}, (r) => {
    records++
    if (r.facts.recovered) recovered++
    if (xml) {
      parts.push(renderNodesXml(r.tree()) + '\n')
    } else {
      parts.push(JSON.stringify(r.record()) + '\n')
    }
  }, diagnostics)
  const text = parts.join('')
  return {
    text,
    records,
    recovered,
    diagnostics,
    hadMagic: hasAscii(slot, 0, CHUNK_MAGIC),
  }
}
