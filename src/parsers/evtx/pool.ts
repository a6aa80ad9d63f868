import type {FileHandle} from 'node:fs/promises'
import {createRequire} from 'node:module'
import {pathToFileURL} from 'node:url'
import {Worker} from 'node:worker_threads'
import {CHUNK_SIZE, FILE_HEADER_SIZE} from './header.js'
import {runJob, type ChunkBatch, type ChunkJob} from './job.js'
import type {ChunkText} from './render-chunk.js'

export type {ChunkBatch} from './job.js'

/**
 * Workers parse one 64 KiB chunk at a time, whose garbage dies young: a small young generation keeps
 * each worker's resident memory low (V8's default would reserve tens of MB per isolate).
 */
const WORKER_LIMITS = {maxYoungGenerationSizeMb: 8}

/**
 * Starts the worker module `name` (without extension) that sits beside the module at `self`
 * (`import.meta.url` of the caller): the compiled `.js` from dist, or the `.ts` source under tsx/vitest.
 */
export function spawnModuleWorker(self: string, name: string): Worker {
  if (!self.endsWith('.ts')) return new Worker(new URL(`./${name}.js`, self), {resourceLimits: WORKER_LIMITS})
  // Running from sources (tsx, vitest): register tsx's loader inside the worker, then load the .ts file.
  const tsxApi = pathToFileURL(createRequire(self).resolve('tsx/esm/api')).href
  const workerUrl = new URL(`./${name}.ts`, self).href
  const code = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(workerUrl)}) })`
  return new Worker(code, {eval: true, resourceLimits: WORKER_LIMITS})
}

const spawn = (): Worker => spawnModuleWorker(import.meta.url, 'worker')

/** Who parses a chunk slot: a worker module (spawned per lane) and the same job run in the calling thread. */
export interface LaneSpec<T> {
  spawn(): Worker
  local(job: ChunkJob): T
  /** Passed to every job (structured-cloned to workers), e.g. what a mapper needs. */
  payload?: unknown
  /**
   * Whether the calling thread is one of the lanes (default). A caller with heavy work of its own (the
   * analyze driver sorts and writes) leaves all `threads` lanes to workers so no lane lags behind.
   */
  callerLane?: boolean
}

interface Slot {
  worker: Worker
  waiting: Map<number, {resolve: (b: unknown) => void; reject: (e: Error) => void}>
}

/**
 * Parses chunk slots on `threads` lanes: by default the calling thread is one lane and `threads - 1`
 * workers are the others (one isolate fewer keeps memory down, and the main thread's I/O is light); with
 * `callerLane: false` all lanes are workers. Each 64 KiB slot is read once from `fh`; at most 2 × threads
 * chunks (4 × without a caller lane, so workers go on while the caller is busy) are in flight (read,
 * queued or parsed but not yet consumed): memory stays bounded whatever the file size; results come out
 * in file order.
 */
async function* run<T>(fh: FileHandle, size: number, threads: number, carve: boolean, mode: ChunkJob['mode'], lane: LaneSpec<T> = {spawn, local: runJob as (job: ChunkJob) => T}): AsyncGenerator<T> {
  const slots: Slot[] = []
  const callerLane = lane.callerLane ?? true
  for (let i = 0; i < (callerLane ? threads - 1 : threads); i++) {
    const worker = lane.spawn()
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
  const maxInFlight = threads * (callerLane ? 2 : 4)
  const queue: Promise<T>[] = []
  let next = 0
  const submit = async (i: number): Promise<T> => {
    const offset = FILE_HEADER_SIZE + i * CHUNK_SIZE
    const len = Math.min(CHUNK_SIZE, size - offset)
    const buf = new ArrayBuffer(len)
    const {bytesRead} = await fh.read(new Uint8Array(buf), 0, len, offset)
    const job: ChunkJob = {seq: i, buf, len: bytesRead, index: i, offset, carve, mode, payload: lane.payload}
    const which = i % threads
    if (callerLane && which === threads - 1) return lane.local(job) // the calling thread's share
    const slot = slots[which]!
    return new Promise<T>((resolve, reject) => {
      slot.waiting.set(i, {resolve: resolve as (b: unknown) => void, reject})
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

/**
 * Any per-chunk job (`lane.local` in the calling thread, `lane.spawn()` workers for the other lanes), with
 * the same bounded read-ahead and in-order results as the parsers above.
 */
export function parallelChunkJobs<T>(fh: FileHandle, size: number, threads: number, carve: boolean, lane: LaneSpec<T>): AsyncGenerator<T> {
  return run<T>(fh, size, threads, carve, 'custom', lane)
}
