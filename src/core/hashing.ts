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

/**
 * A pass-through stream that SHA-256s what flows through it (the archive file as it is written: its sidecar
 * and the manifest need only SHA-256, so SHA-1 and MD5 are not spent on it); read `sha256` after 'end'.
 */
export class Sha256Stream extends Transform {
  private readonly hash: Hash = createHash('sha256')
  sha256: string | undefined
  bytes = 0

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.hash.update(chunk)
    this.bytes += chunk.length
    cb(null, chunk)
  }

  override _flush(cb: TransformCallback): void {
    this.sha256 = this.hash.digest('hex')
    cb()
  }
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex')
}
