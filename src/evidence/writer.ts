import {createWriteStream, type WriteStream} from 'node:fs'
import {rmSync} from 'node:fs'
import {mkdir, rm, stat} from 'node:fs/promises'
import {dirname, join} from 'node:path'
import {PassThrough, type Readable} from 'node:stream'
import {ZipArchive} from 'archiver'
import {RatchetError, errorMessage, isRatchetError, osErrorCode} from '../core/errors.js'
import {killTree, onExitCleanup} from '../core/exit-cleanup.js'
import {interrupted} from '../core/interrupted.js'
import {type Hashes, Sha256Stream} from '../core/hashing.js'
import {type MemberHasher, memberHasher} from './hash-offload.js'
import {create7z, isPasswordError} from './sevenzip.js'
import {tuneZipEngine} from './zip-engine.js'
import {chunkDone} from './release-buffers.js'

/**
 * Archive writers. Both hash every member while its bytes stream in (each source byte is read once) and
 * hash the archive itself while it is written. Members are written one at a time, in call order.
 */

export interface MemberWritten {
  hashes: Hashes
  size: number
}

/** Thrown by addStream when the source failed part-way: what was read is stored and hashed. */
export class PartialMemberError extends Error {
  constructor(
    readonly written: MemberWritten,
    override readonly cause: unknown,
  ) {
    super(`read failed after ${written.size} bytes: ${errorMessage(cause)}`)
  }
}

export interface ArchiveWriter {
  readonly path: string
  addStream(name: string, data: Readable, mtime?: Date): Promise<MemberWritten>
  addBuffer(name: string, data: Buffer, mtime?: Date): Promise<MemberWritten>
  /** Completes the archive; returns its SHA-256 and size. */
  finalize(): Promise<{sha256: string; bytes: number}>
  /** Stops writing; the `.partial` stays (it is evidence that a collection was attempted). */
  abort(): Promise<void>
  /** Told the size of every chunk as it is written (progress inside a large member). */
  onBytes?: (n: number) => void
  /** Told 7-Zip's percentage while it packs (7z only). */
  onPack?: (percent: number) => void
}

/** Member names are forward-slash relative paths without `.`/`..` segments. */
export function assertMemberName(name: string): void {
  const segs = name.split('/')
  if (!name || name.startsWith('/') || segs.some((s) => s === '' || s === '.' || s === '..') || name.includes('\0')) {
    throw new RatchetError('E_INTERNAL', `refusing unsafe archive member name ${JSON.stringify(name)}`)
  }
}

/**
 * Copies `data` into `out` chunk by chunk, hashing. A read error ends the member early (what was read is
 * kept) and is rethrown as PartialMemberError once the member is closed.
 */
async function pumpHashed(
  data: Readable,
  out: NodeJS.WritableStream & {write(c: Buffer): boolean},
  end: () => void,
  signal?: AbortSignal,
  onBytes?: (n: number) => void,
): Promise<{hasher: MemberHasher; error?: unknown}> {
  // hashed on a worker thread while the main thread feeds the archive (see hash-offload.ts)
  const hasher = memberHasher()
  let error: unknown
  try {
    for await (const chunk of data as AsyncIterable<Buffer>) {
      // a large member must not hold an interrupt up: stop within one chunk
      if (signal?.aborted) throw interrupted(signal, 'archive writing interrupted')
      await hasher.update(chunk)
      onBytes?.(chunk.length)
      if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()))
      chunkDone(chunk.length)
    }
  } catch (e) {
    error = e
    data.destroy()
  }
  end()
  if (isRatchetError(error) && error.code === 'E_INTERRUPTED') throw error
  return {hasher, error}
}

/**
 * Members that are already compressed (archives, installers, images, video, AnyDesk recordings, rotated
 * .gz logs) are stored, not deflated: deflating them costs CPU for no gain.
 */
export const STORE_AS_IS = /\.(zip|7z|gz|tgz|bz2|xz|zst|rar|cab|msi|msu|jpg|jpeg|png|gif|webp|mp4|mkv|avi|anydesk|docx|xlsx|pptx|jar|apk)$/i

export class ZipWriter implements ArchiveWriter {
  onBytes?: (n: number) => void
  private readonly archive: ZipArchive
  private readonly file: WriteStream
  private readonly archiveHash = new Sha256Stream({highWaterMark: 1 << 20})
  private readonly names = new Set<string>()
  private failure: Error | undefined
  private readonly closed: Promise<void>

  constructor(
    readonly path: string,
    level = 1,
    private readonly signal?: AbortSignal,
  ) {
    // Large zlib chunks: deflate runs on the libuv pool and each 16 KiB default chunk is one round trip.
    this.archive = new ZipArchive({zlib: {level, chunkSize: 256 * 1024, memLevel: 9}, forceZip64: true, highWaterMark: 256 * 1024})
    tuneZipEngine(this.archive)
    // 1 MiB of buffered output: archiver writes each header field as its own tiny buffer, and the file stream
    // gathers what queued up behind a write in flight into one writev
    this.file = createWriteStream(path, {flags: 'wx', highWaterMark: 1 << 20})
    this.archive.on('error', (e: Error) => (this.failure ??= e))
    this.archive.on('warning', (e: Error) => (this.failure ??= e))
    this.file.on('error', (e: Error) => (this.failure ??= e))
    this.archive.pipe(this.archiveHash).pipe(this.file)
    this.closed = new Promise((resolve, reject) => {
      this.file.on('close', () => resolve())
      this.file.on('error', reject)
    })
    this.closed.catch(() => {})
  }

  private check(): void {
    if (this.failure) throw new RatchetError('E_OUTPUT_WRITE', `writing ${this.path} failed: ${this.failure.message}`)
  }

  async addStream(name: string, data: Readable, mtime?: Date): Promise<MemberWritten> {
    assertMemberName(name)
    this.check()
    if (this.names.has(name)) throw new RatchetError('E_INTERNAL', `duplicate archive member ${name}`)
    this.names.add(name)
    const pass = new PassThrough({highWaterMark: 256 * 1024})
    const entryDone = new Promise<void>((resolve, reject) => {
      const onEntry = (d: {name: string}): void => {
        if (d.name !== name) return
        this.archive.off('entry', onEntry)
        this.archive.off('error', onError)
        resolve()
      }
      const onError = (e: Error): void => {
        this.archive.off('entry', onEntry)
        reject(e)
      }
      this.archive.on('entry', onEntry)
      this.archive.once('error', onError)
    })
    this.archive.append(pass, {name, date: mtime ?? new Date(0), store: STORE_AS_IS.test(name)})
    const {hasher, error} = await pumpHashed(data, pass, () => pass.end(), this.signal, this.onBytes)
    await entryDone
    this.check()
    const written = {hashes: await hasher.digest(), size: hasher.bytes}
    if (error) throw new PartialMemberError(written, error)
    return written
  }

  addBuffer(name: string, data: Buffer, mtime?: Date): Promise<MemberWritten> {
    return this.addStream(name, bufferStream(data), mtime)
  }

  async finalize(): Promise<{sha256: string; bytes: number}> {
    this.check()
    await this.archive.finalize()
    await this.closed
    this.check()
    return {sha256: this.archiveHash.sha256!, bytes: this.archiveHash.bytes}
  }

  async abort(): Promise<void> {
    this.archive.abort()
    this.file.destroy()
  }
}

function bufferStream(data: Buffer): Readable {
  const p = new PassThrough()
  p.end(data)
  return p
}

/**
 * 7z writer. 7-Zip cannot take many members as streams, so members are staged (hashed while copied) in a
 * private folder beside the archive, then packed in one run (AES-256 with encrypted headers when a
 * password is given) and the staging folder removed. Why staging rather than streaming: `-si` reads the
 * member from stdin, so the password would have to go on 7-Zip's command line (readable by every local
 * user), and adding members one by one rewrites the whole archive each time. The staging folder holds
 * plaintext evidence only for the run: it is created 0700, and removed on every way out — success,
 * error, abort (SIGINT/SIGTERM/SIGHUP kill 7-Zip's process group first), process.exit and uncaught
 * exceptions (an exit clean-up; see core/exit-cleanup.ts).
 */
export class SevenZipWriter implements ArchiveWriter {
  onBytes?: (n: number) => void
  onPack?: (percent: number) => void
  private readonly names = new Set<string>()
  private childPid: number | undefined
  private unregister: (() => void) | undefined

  constructor(
    readonly path: string,
    private readonly staging: string,
    private readonly password?: string,
    private readonly level = 1,
    private readonly signal?: AbortSignal,
  ) {}

  async init(): Promise<void> {
    try {
      await mkdir(this.staging, {recursive: false, mode: 0o700})
    } catch (e) {
      // A staging folder left by a killed run holds plaintext evidence: never reuse or silently delete it.
      throw new RatchetError('E_OUTPUT_EXISTS', `staging folder ${this.staging} exists (left by an interrupted run?): ${osErrorCode(e) ?? errorMessage(e)}`)
    }
    this.unregister = onExitCleanup(() => this.cleanupSync())
  }

  /** Kills a running 7-Zip and removes the plaintext staging folder; safe to call more than once. */
  private cleanupSync(): void {
    killTree(this.childPid)
    this.childPid = undefined
    rmSync(this.staging, {recursive: true, force: true})
  }

  async addStream(name: string, data: Readable, _mtime?: Date): Promise<MemberWritten> {
    assertMemberName(name)
    if (this.names.has(name)) throw new RatchetError('E_INTERNAL', `duplicate archive member ${name}`)
    this.names.add(name)
    const target = join(this.staging, ...name.split('/'))
    await mkdir(dirname(target), {recursive: true, mode: 0o700})
    const out = createWriteStream(target, {flags: 'wx', mode: 0o600})
    const closed = new Promise<void>((resolve, reject) => {
      out.on('close', resolve)
      out.on('error', reject)
    })
    const {hasher, error} = await pumpHashed(data, out, () => out.end(), this.signal, this.onBytes)
    try {
      await closed
    } catch (e) {
      throw new RatchetError('E_OUTPUT_WRITE', `staging ${name} failed: ${osErrorCode(e) ?? errorMessage(e)}`)
    }
    const written = {hashes: await hasher.digest(), size: hasher.bytes}
    if (error) throw new PartialMemberError(written, error)
    return written
  }

  addBuffer(name: string, data: Buffer, mtime?: Date): Promise<MemberWritten> {
    return this.addStream(name, bufferStream(data), mtime)
  }

  async finalize(): Promise<{sha256: string; bytes: number}> {
    const tops = [...new Set([...this.names].map((n) => n.split('/')[0]!))].sort()
    const res = await create7z(this.path, tops, {
      cwd: this.staging,
      level: this.level,
      password: this.password,
      signal: this.signal,
      onStart: (pid) => (this.childPid = pid),
      onProgress: this.onPack,
    })
    this.childPid = undefined
    if (this.signal?.aborted) throw interrupted(this.signal, `7-Zip packing interrupted; ${this.path} is incomplete`, {partial: this.path})
    if (res.code !== 0) {
      const why = isPasswordError(res.stderr) ? 'password problem' : res.stderr.trim().split('\n').slice(-3).join(' ')
      throw new RatchetError('E_OUTPUT_WRITE', `7-Zip failed (exit ${res.code ?? res.signal}): ${why}`)
    }
    await rm(this.staging, {recursive: true, force: true})
    this.unregister?.()
    const {hashFile} = await import('./hash-file.js')
    const h = await hashFile(this.path)
    const st = await stat(this.path)
    return {sha256: h.sha256, bytes: st.size}
  }

  async abort(): Promise<void> {
    this.cleanupSync()
    this.unregister?.()
  }
}
