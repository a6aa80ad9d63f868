import {usableThreads} from '../../core/runtime.js'
import * as fs from 'node:fs'
import type {Writable} from 'node:stream'
import type {Diagnostic} from '../../core/diagnostics.js'
import {checkFileHeader, chunkCountNote} from './file.js'
import {readHeadSync} from './index.js'
import {parallelChunkText} from './pool.js'
import {renderChunkText, type ChunkText, type TextFormat} from './render-chunk.js'
import {readSlots} from './slots.js'

export interface DumpOptions {
  format: TextFormat
  threads: number
  carve: boolean
}

export interface DumpResult {
  file: string
  format: TextFormat
  records: number
  recovered: number
  diagnostics: Diagnostic[]
  errors: number
}

/** Writes with back-pressure: each chunk's text (~100 KB) is one write. */
class Writer {
  constructor(private readonly out: Writable) {}

  async write(s: string | Uint8Array): Promise<void> {
    if (!this.out.write(s)) await new Promise<void>((resolve) => this.out.once('drain', resolve))
  }
}

async function* chunkTexts(fh: fs.promises.FileHandle, size: number, opts: DumpOptions): AsyncGenerator<ChunkText> {
  if (usableThreads(opts.threads) > 1) {
    yield* parallelChunkText(fh, size, opts.threads, {carve: opts.carve, format: opts.format})
    return
  }
  for await (const {index, offset, bytes} of readSlots(fh, size)) {
    yield renderChunkText(bytes, index, offset, opts.format, opts.carve)
  }
}

/**
 * `ratchet evtx dump`: streams every record of `file` to `out` as JSON lines (the EvtxRecord contract)
 * or as one XML document of Windows-style <Event> elements. Chunks are rendered to text where they are
 * parsed (in workers with threads > 1), so no record objects cross threads.
 */
export async function dumpEvtx(file: string, out: Writable, opts: DumpOptions): Promise<DumpResult> {
  const diagnostics: Diagnostic[] = []
  const {head, first, size} = readHeadSync(file)
  const header = checkFileHeader(head, first, size, diagnostics)
  const w = new Writer(out)
  let records = 0
  let recovered = 0
  let seen = 0
  if (opts.format === 'xml') await w.write('<?xml version="1.0" encoding="utf-8"?>\n<Events>\n')
  const fh = await fs.promises.open(file, 'r')
  try {
    for await (const c of chunkTexts(fh, size, opts)) {
      records += c.records
      recovered += c.recovered
      if (c.hadMagic) seen++
      for (const d of c.diagnostics) diagnostics.push(d)
      if (c.text.length) await w.write(c.text)
    }
  } finally {
    await fh.close()
  }
  chunkCountNote(header, seen, diagnostics)
  if (opts.format === 'xml') await w.write('</Events>\n')
  return {file, format: opts.format, records, recovered, diagnostics, errors: diagnostics.filter((d) => d.severity === 'error').length}
}
