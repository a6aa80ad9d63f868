import type {Diagnostic} from '../../core/diagnostics.js'
import {hasAscii} from '../../binary/le.js'
import {parseChunk, type ParsedRecord} from './chunk.js'
import {CHUNK_MAGIC} from './header.js'
import {renderNodesXml} from './render.js'

export type TextFormat = 'jsonl' | 'xml'

export interface ChunkText {
  /** The chunk's records as JSON lines or XML documents, each ending in a newline. */
  text: string
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
  const parsed: ParsedRecord[] = []
  const diagnostics: Diagnostic[] = []
  parseChunk(slot, index, offset, {carve, keepTree: format === 'xml'}, parsed, diagnostics)
  const parts: string[] = new Array(parsed.length)
  let recovered = 0
  for (let i = 0; i < parsed.length; i++) {
    const p = parsed[i]!
    if (p.record.recovered) recovered++
    parts[i] = format === 'xml' ? renderNodesXml(p.nodes ?? []) : JSON.stringify(p.record)
  }
  return {
    text: parts.length ? parts.join('\n') + '\n' : '',
    records: parsed.length,
    recovered,
    diagnostics,
    hadMagic: hasAscii(slot, 0, CHUNK_MAGIC),
  }
}
