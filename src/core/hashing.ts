import {createHash, type Hash} from 'node:crypto'
import {Transform, type TransformCallback} from 'node:stream'

export interface Hashes {
  sha256: string
  sha1: string
  md5: string
}

/** Computes SHA-256, SHA-1 and MD5 in one pass over bytes as they stream by (each byte read once). */
export class MultiHasher {
  private readonly s256: Hash = createHash('sha256')
  private readonly s1: Hash = createHash('sha1')
  private readonly m5: Hash = createHash('md5')
  bytes = 0

  update(chunk: Uint8Array): void {
    this.s256.update(chunk)
    this.s1.update(chunk)
    this.m5.update(chunk)
    this.bytes += chunk.length
  }

  digest(): Hashes {
    return {sha256: this.s256.digest('hex'), sha1: this.s1.digest('hex'), md5: this.m5.digest('hex')}
  }
}

/** A pass-through stream that hashes what flows through it; read `hashes` after 'end'. */
export class HashingStream extends Transform {
  private readonly hasher = new MultiHasher()
  hashes: Hashes | undefined

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.hasher.update(chunk)
    cb(null, chunk)
  }

  override _flush(cb: TransformCallback): void {
    this.hashes = this.hasher.digest()
    cb()
  }

  get bytes(): number {
    return this.hasher.bytes
  }
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex')
}
