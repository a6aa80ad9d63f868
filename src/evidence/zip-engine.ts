import zlib, {DeflateRaw, type ZlibOptions} from 'node:zlib'
import {Transform, type TransformCallback} from 'node:stream'
import {RatchetError} from '../core/errors.js'

/**
 * Two changes to the engine inside an archiver 8 ZipArchive, neither of which changes a byte of the archive
 * (test/evidence/zip-bytes.test.ts pins them): a native CRC-32, and small writes gathered into one.
 *
 * CRC-32: archiver 8 (through zip-stream → compress-commons → crc32-stream) computes every member's CRC-32 with the
 * `crc-32` package, in JavaScript on the main thread: ~1.3 GB/s here, against ~4.5 GB/s for zlib's own
 * (Node ≥ 20.15 exposes it as `zlib.crc32`), and the main thread is what a collection waits for, since it also
 * hashes. So the per-member stream that archiver builds (`_smartStream`: CRC-32 + deflate, or CRC-32 alone for a
 * stored member) is replaced on our engine instance by the same pipeline with the native CRC. Everything else
 * (headers, data descriptors, zip64 records) is still archiver's, so the archive bytes do not change
 * (test/evidence/zip-bytes.test.ts pins them). On a Node without `zlib.crc32` nothing is replaced.
 */

type Crc32 = (data: Uint8Array, value?: number) => number
export const nativeCrc32: Crc32 | undefined = (zlib as {crc32?: Crc32}).crc32

/** Deflates and CRC-32s the uncompressed bytes on the way in; counts both sizes. */
class DeflateCrc32 extends DeflateRaw {
  crc = 0
  rawSize = 0
  compressedSize = 0

  constructor(
    private readonly crc32: Crc32,
    opts: ZlibOptions,
  ) {
    super(opts)
  }

  override push(chunk: Buffer | null, encoding?: BufferEncoding): boolean {
    if (chunk) this.compressedSize += chunk.length
    return super.push(chunk, encoding)
  }

  override _transform(chunk: Buffer, encoding: BufferEncoding, cb: TransformCallback): void {
    this.crc = this.crc32(chunk, this.crc)
    this.rawSize += chunk.length
    // zlib's Transform is declared without _transform in @types/node; it is there at run time
    ;(DeflateRaw.prototype as unknown as Transform)._transform.call(this, chunk, encoding, cb)
  }
}

/** CRC-32s a stored member's bytes as they pass. */
class StoreCrc32 extends Transform {
  crc = 0
  rawSize = 0

  constructor(private readonly crc32: Crc32) {
    super({highWaterMark: 1 << 20})
  }

  get compressedSize(): number {
    return this.rawSize
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.crc = this.crc32(chunk, this.crc)
    this.rawSize += chunk.length
    cb(null, chunk)
  }
}

/** The parts of compress-commons' ZipArchiveOutputStream and ZipArchiveEntry that `_smartStream` uses. */
interface ZipEntry {
  getMethod(): number
  setCrc(crc: number): void
  setSize(n: number): void
  setCompressedSize(n: number): void
}
interface ZipEngine extends NodeJS.WritableStream {
  options: {zlib: ZlibOptions}
  offset: number
  _smartStream(ae: ZipEntry, callback: (err: Error | null, ae: ZipEntry) => void): NodeJS.WritableStream
  _afterAppend(ae: ZipEntry): void
}

const METHOD_DEFLATED = 8

/** Tunes `archive`'s zip engine (see above). `archive` is an archiver ZipArchive. */
export function tuneZipEngine(archive: object): void {
  const engine = (archive as {_module?: {engine?: Partial<ZipEngine>}})._module?.engine
  if (!engine || typeof engine._smartStream !== 'function' || typeof engine._afterAppend !== 'function' || !engine.options?.zlib) {
    throw new RatchetError('E_INTERNAL', 'archiver zip engine has an unexpected shape (was archiver upgraded?)')
  }
  const eng = engine as ZipEngine
  gatherSmallWrites(eng)
  const crc32 = nativeCrc32
  if (!crc32) return
  // Same steps as compress-commons' _smartStream, with the native CRC-32.
  eng._smartStream = function (ae, callback) {
    const proc = ae.getMethod() === METHOD_DEFLATED ? new DeflateCrc32(crc32, eng.options.zlib) : new StoreCrc32(crc32)
    let error: Error | null = null
    proc.once('end', () => {
      ae.setCrc(proc.crc >>> 0)
      ae.setSize(proc.rawSize)
      ae.setCompressedSize(proc.compressedSize)
      eng._afterAppend(ae)
      callback(error, ae)
    })
    proc.once('error', (e: Error) => (error = e))
    proc.pipe(eng, {end: false})
    return proc
  }
}

/** Writes below this size are gathered; the gathered bytes are passed on once they reach GATHER_MAX. */
const SMALL = 4096
const GATHER_MAX = 64 * 1024

/**
 * Small writes: compress-commons writes every header field as its own 2-, 4- or 8-byte Buffer, ~10 per local
 * header and ~20 per central-directory entry, and the central directory is written in one synchronous loop, so
 * at the end of a 6,500-file collection ~130,000 tiny buffers sat queued in the stream at once (peak RSS +35 MiB,
 * measured). Here writes under SMALL bytes are gathered and passed on as one buffer, before any larger write,
 * once GATHER_MAX bytes are waiting, when a member is complete, and at the end. The engine's `offset` (which the central directory's
 * offsets are computed from) still counts every byte when it is written.
 */
function gatherSmallWrites(eng: ZipEngine): void {
  const write = eng.write.bind(eng) as (chunk: Buffer, cb?: (e?: Error | null) => void) => boolean
  const end = eng.end.bind(eng) as (...a: unknown[]) => unknown
  const pending: Buffer[] = []
  let pendingBytes = 0
  // compress-commons' own write adds to `offset`; gathered bytes are counted at once and not again when passed on
  const passOn = (): void => {
    if (pendingBytes === 0) return
    const all = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes)
    pending.length = 0
    pendingBytes = 0
    eng.offset -= all.length
    write(all)
  }
  const gathered = function (chunk: Buffer | string, cb?: (e?: Error | null) => void): boolean {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk
    if (cb || buf.length >= SMALL) {
      passOn()
      return write(buf, cb)
    }
    if (buf.length === 0) return true
    pending.push(buf)
    pendingBytes += buf.length
    eng.offset += buf.length
    if (pendingBytes >= GATHER_MAX) passOn()
    return true
  }
  ;(eng as unknown as {write: typeof gathered}).write = gathered
  ;(eng as unknown as {end: (...a: unknown[]) => unknown}).end = (...a: unknown[]) => {
    passOn()
    return end(...a)
  }
  // Each finished member goes on to the file at once (its data descriptor is the last thing written): a
  // collection killed mid-run keeps in its .partial every member completed before.
  const afterAppend = eng._afterAppend.bind(eng)
  eng._afterAppend = (ae) => {
    afterAppend(ae)
    passOn()
  }
}
