import zlib, {DeflateRaw, type ZlibOptions} from 'node:zlib'
import {Transform, type TransformCallback} from 'node:stream'
import {RatchetError} from '../core/errors.js'

/**
 * archiver 8 (through zip-stream → compress-commons → crc32-stream) computes every member's CRC-32 with the
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
  _smartStream(ae: ZipEntry, callback: (err: Error | null, ae: ZipEntry) => void): NodeJS.WritableStream
  _afterAppend(ae: ZipEntry): void
}

const METHOD_DEFLATED = 8

/** Gives `archive`'s zip engine the native CRC-32 (see above). `archive` is an archiver ZipArchive. */
export function useNativeCrc32(archive: object): void {
  const crc32 = nativeCrc32
  if (!crc32) return
  const engine = (archive as {_module?: {engine?: Partial<ZipEngine>}})._module?.engine
  if (!engine || typeof engine._smartStream !== 'function' || typeof engine._afterAppend !== 'function' || !engine.options?.zlib) {
    throw new RatchetError('E_INTERNAL', 'archiver zip engine has an unexpected shape (was archiver upgraded?)')
  }
  const eng = engine as ZipEngine
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
