import type {FileHandle} from 'node:fs/promises'
import type {Worker} from 'node:worker_threads'
import {spawnModuleWorker as spawnWorkerModule} from '../../core/worker.js'
import {CHUNK_SIZE, FILE_HEADER_SIZE} from './header.js'
import {runJob, type ChunkBatch, type ChunkJob} from './job.js'
import type {JobFailure} from './lane-reply.js'
import type {ChunkText} from './render-chunk.js'

export type {ChunkBatch} from './job.js'

/**
 * Workers parse one 64 KiB chunk at a time, whose garbage dies young: a small young generation keeps
 * each worker's resident memory low (V8's default would reserve tens of MB per isolate).
 */
const WORKER_LIMITS = {maxYoungGenerationSizeMb: 8}

/** A worker module beside `self` (see core/worker.ts) with the lanes' small young generation. */
export const spawnModuleWorker = (self: string, name: string, youngMb = WORKER_LIMITS.maxYoungGenerationSizeMb): Worker =>
  spawnWorkerModule(self, name, {resourceLimits: {maxYoungGenerationSizeMb: youngMb}})

const spawn = (): Worker => spawnModuleWorker(import.meta.url, 'worker')

interface Deferred<T> {
  promise: Promise<T>
  resolve(v: T): void
  reject(e: Error): void
}

function deferred<T>(): Deferred<T> {
  let resolve!: (v: T) => void
  let reject!: (e: Error) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  promise.catch(() => undefined) // surfaced when awaited in order
  return {promise, resolve, reject}
}

/** A chunk read and waiting for a lane, or on a lane. */
interface Pending<T> {
  job: ChunkJob
  result: Deferred<T>
  feed: Feed<T>
}

/** One worker thread that parses. */
interface Lane<T> {
  inFlight: number
  post(p: Pending<T>): void
  terminate(): Promise<void>
}

/** One file's chunk slots: read ahead within a window, parsed on any lane, handed out in file order. */
interface Feed<T> {
  fh: FileHandle
  size: number
  total: number
  carve: boolean
  mode: ChunkJob['mode']
  payload: unknown
  /** Next chunk slot to read, and how many results the consumer has taken. */
  next: number
  taken: number
  results: Map<number, Deferred<T>>
  done: boolean
  /** Opening order: lanes take the earliest feed's jobs first. */
  order: number
}

export interface ChunkPoolSpec {
  /** Worker lanes to start (lazily, on the first chunk). */
  workers: number
  spawn(): Worker
  /**
   * Chunk slots per file read ahead of the consumer (read, queued, on a lane, or parsed and not yet taken):
   * bounds memory whatever the file size, and lets the lanes go on while the consumer is busy elsewhere.
   */
  window: number
  /**
   * Jobs handed to a lane at a time (default 2), so a lane never waits for its next message; more when
   * the calling thread is often busy for a while (it hands out the next job only when it sees a result).
   */
  depth?: number
}


/**
 * Parser lanes shared by every file of a run: workers start once (lazily) and stay warm; the files' chunk
 * slots form one queue, each job going to the least busy lane. Every open feed reads ahead within its
 * window; lanes take the earliest opened feed's jobs first, so a file opened ahead (the next one) is
 * parsed in the gaps: while the current file's last chunks finish, or while its consumer is busy and its
 * window is full. No lane idles between files. Each feed hands its results out in file order. An idle pool never keeps the process alive (its workers are
 * unreferenced while they have no job); `close` ends the workers and fails whatever is still pending.
 */
export class ChunkPool<T extends {seq: number}> {
  private lanes: Lane<T>[] = []
  private workers = 0
  private readonly queue: Pending<T>[] = []
  private readonly feeds: Feed<T>[] = []
  private seq = 0
  private opened = 0
  private closed: Error | undefined

  constructor(private readonly spec: ChunkPoolSpec) {}

  /** Results of every chunk slot of `fh` (the file's `size` bytes), in file order. */
  async *feed(fh: FileHandle, size: number, carve: boolean, mode: ChunkJob['mode'], payload?: unknown): AsyncGenerator<T> {
    const total = size > FILE_HEADER_SIZE ? Math.ceil((size - FILE_HEADER_SIZE) / CHUNK_SIZE) : 0
    const f: Feed<T> = {fh, size, total, carve, mode, payload, next: 0, taken: 0, results: new Map(), done: false, order: ++this.opened}
    this.feeds.push(f)
    try {
      this.pump()
      while (f.taken < total) {
        const r = await this.result(f, f.taken).promise
        f.results.delete(f.taken++)
        this.pump() // the slot taken is read again while the consumer works on `r`
        yield r
      }
    } finally {
      // An early end (error, abort): slots not read yet are never read; parsed ones are dropped.
      f.done = true
      for (let i = this.queue.length - 1; i >= 0; i--) if (this.queue[i]!.feed === f) this.queue.splice(i, 1)
      const at = this.feeds.indexOf(f)
      if (at >= 0) this.feeds.splice(at, 1)
      this.pump()
    }
  }

  /** Ends every worker; pending and later results fail with `reason`. */
  async close(reason = 'EVTX parser pool closed'): Promise<void> {
    this.closed ??= new Error(reason)
    const lanes = this.lanes
    this.lanes = []
    this.workers = 0
    for (const f of this.feeds) for (const d of f.results.values()) d.reject(this.closed)
    for (const p of this.queue) p.result.reject(this.closed)
    this.queue.length = 0
    await Promise.all(lanes.map((l) => l.terminate()))
  }

  private result(f: Feed<T>, i: number): Deferred<T> {
    let d = f.results.get(i)
    if (!d) {
      f.results.set(i, (d = deferred<T>()))
      if (this.closed) d.reject(this.closed)
    }
    return d
  }

  /** Starts reads for every open feed, each within its window. */
  private pump(): void {
    if (this.closed) return
    for (const f of this.feeds) while (f.next < f.total && f.next - f.taken < this.spec.window) this.read(f, f.next++)
  }

  private read(f: Feed<T>, i: number): void {
    const d = this.result(f, i)
    const offset = FILE_HEADER_SIZE + i * CHUNK_SIZE
    const len = Math.min(CHUNK_SIZE, f.size - offset)
    const buf = new ArrayBuffer(len)
    f.fh.read(new Uint8Array(buf), 0, len, offset).then(
      ({bytesRead}) => {
        if (f.done || this.closed) return
        const job: ChunkJob = {seq: ++this.seq, buf, len: bytesRead, index: i, offset, carve: f.carve, mode: f.mode, payload: f.payload}
        this.queue.push({job, result: d, feed: f})
        this.dispatch()
      },
      (e: Error) => d.reject(e),
    )
  }

  /** Hands queued jobs to lanes (starting lanes on first use): the earliest opened feed's jobs first. */
  private dispatch(): void {
    while (this.queue.length && !this.closed) {
      this.startLanes()
      // the earliest opened feed first: its consumer waits for it; later feeds fill the gaps
      let at = 0
      for (let i = 1; i < this.queue.length; i++) if (this.queue[i]!.feed.order < this.queue[at]!.feed.order) at = i
      const lane = this.laneFor()
      if (!lane) return
      lane.post(this.queue.splice(at, 1)[0]!)
    }
  }

  /** The least busy lane with room. */
  private laneFor(): Lane<T> | undefined {
    let best: Lane<T> | undefined
    for (const l of this.lanes) if (l.inFlight < (this.spec.depth ?? 2) && (!best || l.inFlight < best.inFlight)) best = l
    return best
  }

  /** Starts the lanes not running yet: all on first use, or a fresh worker for one that died. */
  private startLanes(): void {
    while (this.workers < this.spec.workers) {
      this.workers++
      this.lanes.push(this.workerLane())
    }
  }

  private workerLane(): Lane<T> {
    const worker = this.spec.spawn()
    worker.unref()
    const waiting = new Map<number, Pending<T>>()
    let dead: Error | undefined
    const lane: Lane<T> = {
      inFlight: 0,
      post: (p) => {
        if (dead) return p.result.reject(dead)
        if (!waiting.size) worker.ref()
        waiting.set(p.job.seq, p)
        lane.inFlight++
        worker.postMessage(p.job, [p.job.buf])
      },
      terminate: () => worker.terminate().then(() => undefined),
    }
    worker.on('message', (m: T | JobFailure) => {
      const p = waiting.get(m.seq)
      waiting.delete(m.seq)
      lane.inFlight--
      if (!waiting.size) worker.unref()
      if ('failed' in m) p?.result.reject(new Error(m.failed))
      else p?.result.resolve(m)
      this.dispatch()
    })
    // A worker that dies (out of memory, a crash) fails its jobs; a fresh one starts when jobs are queued.
    const die = (e: Error): void => {
      if (dead) return
      dead = e
      for (const p of waiting.values()) p.result.reject(e)
      waiting.clear()
      const at = this.lanes.indexOf(lane)
      if (at < 0) return
      this.lanes.splice(at, 1)
      this.workers--
      this.dispatch()
    }
    worker.on('error', die)
    worker.on('exit', (code) => die(new Error(`EVTX parser worker exited (code ${code})`)))
    return lane
  }
}

interface Slot {
  worker: Worker
  waiting: Map<number, {resolve: (b: unknown) => void; reject: (e: Error) => void}>
}

/**
 * Parses the chunk slots of one file on `threads` lanes (`evtx dump`, openEvtx): the calling thread is one
 * lane and `threads - 1` workers are the others (one isolate fewer keeps memory down, and the main thread's
 * I/O is light). Each 64 KiB slot is read once from `fh`; at most 2 × threads chunks are in flight (read,
 * queued or parsed but not yet consumed): memory stays bounded whatever the file size; results come out in
 * file order. The workers end with the file (the analyze driver keeps one ChunkPool for all its files).
 */
async function* run<T>(fh: FileHandle, size: number, threads: number, carve: boolean, mode: ChunkJob['mode']): AsyncGenerator<T> {
  const slots: Slot[] = []
  for (let i = 0; i < threads - 1; i++) {
    const worker = spawn()
    const waiting: Slot['waiting'] = new Map()
    worker.on('message', (m: {seq: number} | JobFailure) => {
      const w = waiting.get(m.seq)
      waiting.delete(m.seq)
      if ('failed' in m) w?.reject(new Error(m.failed))
      else w?.resolve(m)
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
    const job: ChunkJob = {seq: i, buf, len: bytesRead, index: i, offset, carve, mode}
    const which = i % threads
    if (which === threads - 1) return runJob(job) as T // the calling thread's share
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
