import {Worker} from 'node:worker_threads'
import {RatchetError} from '../core/errors.js'
import {type Hashes, MultiHasher} from '../core/hashing.js'
import {workerThreadsAvailable} from '../core/runtime.js'

/**
 * SHA-256 + SHA-1 + MD5 of archive members, computed on a worker thread. On the main thread the three hashes
 * cost ~2.6 ns a byte (MD5 alone 1.4), more than everything else a collection does there, and the main thread is
 * what feeds the deflate stream, so every hashed chunk delayed the archive. Here each chunk is handed to the
 * worker as it is read (a copy, made at once, of exactly the bytes that go into the archive; the worker hashes
 * them in order), and the digest is asked for when the member ends. Memory is bounded: past MAX_INFLIGHT
 * bytes not yet hashed, `ready()` makes the reader wait. The worker's code is inline (no module file to find,
 * also inside the standalone executable); where worker threads are unavailable, hashing stays inline.
 */

export interface MemberHasher {
  readonly bytes: number
  update(chunk: Uint8Array): void
  /** Resolves when the caller may send more (the worker is not too far behind). */
  ready(): Promise<void>
  digest(): Promise<Hashes>
}

const WORKER_SOURCE = `
const {parentPort} = require('node:worker_threads')
const {createHash} = require('node:crypto')
const open = new Map()
parentPort.on('message', (m) => {
  let h = open.get(m.s)
  if (!h) open.set(m.s, (h = [createHash('sha256'), createHash('sha1'), createHash('md5')]))
  if (m.d) {
    for (const x of h) x.update(m.d)
    parentPort.postMessage({s: m.s, n: m.d.length})
  }
  if (m.end) {
    open.delete(m.s)
    parentPort.postMessage({s: m.s, hashes: {sha256: h[0].digest('hex'), sha1: h[1].digest('hex'), md5: h[2].digest('hex')}})
  }
})
`

/** Bytes sent to the worker and not yet hashed before `ready()` waits: a few read chunks. */
const MAX_INFLIGHT = 8 << 20

interface Reply {
  s: number
  n?: number
  hashes?: Hashes
}

class HashWorker {
  private readonly worker: Worker
  private next = 1
  private inflight = 0
  private readonly waiting = new Map<number, {resolve: (h: Hashes) => void; reject: (e: Error) => void}>()
  private drained: (() => void)[] = []
  private failure: Error | undefined
  private reffed = false

  constructor() {
    this.worker = new Worker(WORKER_SOURCE, {eval: true})
    this.worker.unref()
    this.worker.on('message', (m: Reply) => this.onReply(m))
    this.worker.on('error', (e) => this.fail(e))
    this.worker.on('exit', (code) => this.fail(new Error(`hash worker exited with code ${code}`)))
  }

  private onReply(m: Reply): void {
    if (m.n !== undefined) {
      this.inflight -= m.n
      if (this.inflight <= MAX_INFLIGHT) for (const r of this.drained.splice(0)) r()
    }
    if (m.hashes) {
      const w = this.waiting.get(m.s)
      this.waiting.delete(m.s)
      w?.resolve(m.hashes)
    }
    this.holdProcess()
  }

  /**
   * The worker keeps the process alive only while the main thread waits for it (a digest, or room to send):
   * a member abandoned half-way (an interrupt) must not keep the process from exiting.
   */
  private holdProcess(): void {
    const want = this.failure === undefined && (this.waiting.size > 0 || this.drained.length > 0)
    if (want === this.reffed) return
    this.reffed = want
    if (want) this.worker.ref()
    else this.worker.unref()
  }

  private fail(e: Error): void {
    this.failure ??= new RatchetError('E_INTERNAL', `hashing worker failed: ${e.message}`)
    for (const w of this.waiting.values()) w.reject(this.failure)
    this.waiting.clear()
    for (const r of this.drained.splice(0)) r()
    this.holdProcess()
    if (shared === this) shared = undefined
  }

  session(): MemberHasher {
    if (this.failure) throw this.failure
    const s = this.next++
    let bytes = 0
    const worker = this.worker
    return {
      get bytes() {
        return bytes
      },
      update: (chunk) => {
        if (this.failure) throw this.failure
        // Copied now, so the worker hashes what the caller has at this moment, and into a buffer of its own that
        // is then moved, not cloned (a clone would copy the whole ArrayBuffer behind a pooled or sliced Buffer).
        const copy = new Uint8Array(chunk)
        worker.postMessage({s, d: copy}, [copy.buffer])
        bytes += chunk.length
        this.inflight += chunk.length
      },
      ready: () => {
        if (this.failure) return Promise.reject(this.failure)
        if (this.inflight <= MAX_INFLIGHT) return Promise.resolve()
        const p = new Promise<void>((r) => this.drained.push(r))
        this.holdProcess()
        return p
      },
      digest: () => {
        if (this.failure) return Promise.reject(this.failure)
        const p = new Promise<Hashes>((resolve, reject) => this.waiting.set(s, {resolve, reject}))
        worker.postMessage({s, end: true})
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
    update: (chunk) => h.update(chunk),
    ready: () => Promise.resolve(),
    digest: () => Promise.resolve(h.digest()),
  }
}

/** A hasher for one member: on the shared worker thread where possible, else inline. */
export function memberHasher(): MemberHasher {
  if (!workerThreadsAvailable()) return inlineHasher()
  shared ??= new HashWorker()
  return shared.session()
}
