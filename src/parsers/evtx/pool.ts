import type {FileHandle} from 'node:fs/promises'
import {createRequire} from 'node:module'
import {pathToFileURL} from 'node:url'
import {Worker} from 'node:worker_threads'
import type {Diagnostic} from '../../core/diagnostics.js'
import {CHUNK_SIZE, FILE_HEADER_SIZE} from './header.js'
import type {EvtxRecord} from './record-types.js'
import type {ChunkText} from './render-chunk.js'
import type {ChunkJob} from './worker.js'

export interface ChunkBatch {
  records: EvtxRecord[]
  xml: string[] | null
  diagnostics: Diagnostic[]
  hadMagic: boolean
}

function spawn(): Worker {
  const self = import.meta.url
  if (!self.endsWith('.ts')) return new Worker(new URL('./worker.js', self))
  // Running from sources (tsx, vitest): register tsx's loader inside the worker, then load worker.ts.
  const tsxApi = pathToFileURL(createRequire(self).resolve('tsx/esm/api')).href
  const workerUrl = new URL('./worker.ts', self).href
  const code = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(workerUrl)}) })`
  return new Worker(code, {eval: true})
}

interface Slot {
  worker: Worker
  waiting: Map<number, {resolve: (b: unknown) => void; reject: (e: Error) => void}>
}

/**
 * Parses chunk slots on `threads` workers, reading each 64 KiB slot once from `fh`. At most 2 × threads
 * chunks are in flight (read, queued or parsed but not yet consumed), so memory stays bounded whatever
 * the file size; results come out in file order.
 */
async function* run<T>(fh: FileHandle, size: number, threads: number, carve: boolean, mode: ChunkJob['mode']): AsyncGenerator<T> {
  const slots: Slot[] = []
  for (let i = 0; i < threads; i++) {
    const worker = spawn()
    const waiting: Slot['waiting'] = new Map()
    worker.on('message', (m: {seq: number}) => {
      const w = waiting.get(m.seq)
      waiting.delete(m.seq)
      w?.resolve(m)
    })
    worker.on('error', (e) => {
      for (const w of waiting.values()) w.reject(e)
      waiting.clear()
    })
    slots.push({worker, waiting})
  }
  const total = size > FILE_HEADER_SIZE ? Math.ceil((size - FILE_HEADER_SIZE) / CHUNK_SIZE) : 0
  const maxInFlight = threads * 2
  const queue: Promise<T>[] = []
  let next = 0
  const submit = async (i: number): Promise<T> => {
    const offset = FILE_HEADER_SIZE + i * CHUNK_SIZE
    const len = Math.min(CHUNK_SIZE, size - offset)
    const buf = new ArrayBuffer(len)
    const {bytesRead} = await fh.read(new Uint8Array(buf), 0, len, offset)
    const slot = slots[i % threads]!
    return new Promise<T>((resolve, reject) => {
      slot.waiting.set(i, {resolve: resolve as (b: unknown) => void, reject})
      const job: ChunkJob = {seq: i, buf, len: bytesRead, index: i, offset, carve, mode}
      slot.worker.postMessage(job, [buf])
    })
  }
  try {
    while (next < total || queue.length) {
      while (queue.length < maxInFlight && next < total) {
        const p = submit(next++)
        p.catch(() => undefined) // surfaced when awaited in order below
        queue.push(p)
      }
      yield await queue.shift()!
    }
  } finally {
    await Promise.all(slots.map((s) => s.worker.terminate()))
  }
}

/** Records (and optionally their XML) per chunk, parsed in workers. */
export function parallelChunks(fh: FileHandle, size: number, threads: number, opts: {carve: boolean; xml: boolean}): AsyncGenerator<ChunkBatch> {
  return run<ChunkBatch>(fh, size, threads, opts.carve, opts.xml ? 'records+xml' : 'records')
}

/** Output text per chunk (the `evtx dump` path), rendered in workers. */
export function parallelChunkText(fh: FileHandle, size: number, threads: number, opts: {carve: boolean; format: 'jsonl' | 'xml'}): AsyncGenerator<ChunkText> {
  return run<ChunkText>(fh, size, threads, opts.carve, opts.format)
}
