import {Worker} from 'node:worker_threads'
import {RatchetError} from '../core/errors.js'
import {type Hashes, MultiHasher} from '../core/hashing.js'
import {workerThreadsAvailable} from '../core/runtime.js'

/**
 * SHA-256 + SHA-1 + MD5 of archive members, computed on a worker thread. On the main thread the three hashes
 * cost ~2.6 ns a byte (MD5 alone 1.4), more than everything else a collection does there, and the main thread is
 * what feeds the deflate stream, so every hashed chunk held the archive up. Here each chunk is copied, as it is
 * read, into a slot of a fixed shared buffer (SLOTS × SLOT bytes: the memory is bounded and nothing is allocated
 * per chunk), the worker hashes the slots in order and frees them, and the digest is asked for when the member
 * ends. What the worker hashes is exactly the bytes the caller had at `update()`, which are the bytes that go
 * into the archive. The worker's code is inline (no module file to find, also inside the standalone
 * executable); where worker threads are unavailable, hashing stays inline.
 */

export interface MemberHasher {
  readonly bytes: number
  /** Hands `chunk` over; resolves once it is copied (waits while every slot is taken). */
  update(chunk: Uint8Array): Promise<void>
  digest(): Promise<Hashes>
}

const SLOT = 512 * 1024
const SLOTS = 8

const WORKER_SOURCE = `
const {parentPort, workerData} = require('node:worker_threads')
const {createHash} = require('node:crypto')
const ring = new Uint8Array(workerData.ring)
const slot = workerData.slot
const open = new Map()
parentPort.on('message', (m) => {
  let h = open.get(m.s)
  if (!h) open.set(m.s, (h = [createHash('sha256'), createHash('sha1'), createHash('md5')]))
  if (m.n !== undefined) {
    const view = ring.subarray(m.i * slot, m.i * slot + m.n)
    for (const x of h) x.update(view)
    parentPort.postMessage({done: 1})
  }
  if (m.end) {
    open.delete(m.s)
    parentPort.postMessage({s: m.s, hashes: {sha256: h[0].digest('hex'), sha1: h[1].digest('hex'), md5: h[2].digest('hex')}})
  }
})
`

interface Reply {
  s?: number
  done?: number
  hashes?: Hashes
}

class HashWorker {
  private readonly worker: Worker
  private readonly ring = new SharedArrayBuffer(SLOT * SLOTS)
  private readonly bytes = new Uint8Array(this.ring)
  private next = 1
  /** Slots filled so far and slots the worker has hashed (it takes them in order, so slot = count % SLOTS). */
  private filled = 0
  private hashed = 0
  private readonly waiting = new Map<number, {resolve: (h: Hashes) => void; reject: (e: Error) => void}>()
  private freed: (() => void)[] = []
  private failure: Error | undefined
  private reffed = false

  constructor() {
    // execArgv: [] so that no flag of ours (e.g. --input-type=module) changes how the inline CommonJS is run
    this.worker = new Worker(WORKER_SOURCE, {eval: true, execArgv: [], workerData: {ring: this.ring, slot: SLOT}, resourceLimits: {maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 4}})
    this.worker.unref()
    this.worker.on('message', (m: Reply) => this.onReply(m))
    this.worker.on('error', (e) => this.fail(e))
    this.worker.on('exit', (code) => this.fail(new Error(`hash worker exited with code ${code}`)))
  }

  private onReply(m: Reply): void {
    if (m.done) {
      this.hashed++
      this.freed.shift()?.()
    }
    if (m.hashes) {
      const w = this.waiting.get(m.s!)
      this.waiting.delete(m.s!)
      w?.resolve(m.hashes)
    }
    this.holdProcess()
  }

  /**
   * The worker keeps the process alive only while the main thread waits for it (a digest, or a free slot):
   * a member abandoned half-way (an interrupt) must not keep the process from exiting.
   */
  private holdProcess(): void {
    const want = this.failure === undefined && (this.waiting.size > 0 || this.freed.length > 0)
    if (want === this.reffed) return
    this.reffed = want
    if (want) this.worker.ref()
    else this.worker.unref()
  }

  private fail(e: Error): void {
    this.failure ??= new RatchetError('E_INTERNAL', `hashing worker failed: ${e.message}`)
    for (const w of this.waiting.values()) w.reject(this.failure)
    this.waiting.clear()
    for (const r of this.freed.splice(0)) r()
    this.holdProcess()
    if (shared === this) shared = undefined
  }

  private async slot(): Promise<number> {
    while (this.filled - this.hashed >= SLOTS) {
      if (this.failure) throw this.failure
      await new Promise<void>((r) => {
        this.freed.push(r)
        this.holdProcess()
      })
    }
    if (this.failure) throw this.failure
    return this.filled++ % SLOTS
  }

  session(): MemberHasher {
    if (this.failure) throw this.failure
    const s = this.next++
    let bytes = 0
    return {
      get bytes() {
        return bytes
      },
      update: async (chunk) => {
        for (let off = 0; off < chunk.length; off += SLOT) {
          const n = Math.min(SLOT, chunk.length - off)
          const i = await this.slot()
          this.bytes.set(chunk.subarray(off, off + n), i * SLOT)
          this.worker.postMessage({s, i, n})
          bytes += n
        }
      },
      digest: () => {
        if (this.failure) return Promise.reject(this.failure)
        const p = new Promise<Hashes>((resolve, reject) => this.waiting.set(s, {resolve, reject}))
        this.worker.postMessage({s, end: true})
        this.holdProcess()
        return p
      },
    }
  }
}

let shared: HashWorker | undefined

function inlineHasher(): MemberHasher {
  const h = new MultiHasher()
  return {
    get bytes() {
      return h.bytes
    },
    update: (chunk) => {
      h.update(chunk)
      return Promise.resolve()
    },
    digest: () => Promise.resolve(h.digest()),
  }
}

/** A hasher for one member: on the shared worker thread where possible, else inline. */
export function memberHasher(): MemberHasher {
  if (!workerThreadsAvailable()) return inlineHasher()
  shared ??= new HashWorker()
  return shared.session()
}
