import * as fs from 'node:fs'
import type {ByteSource} from './types.js'

const BLOCK = 64 * 1024
const CACHE_BLOCKS = 64

/**
 * A read-only file as a ByteSource: fs.readSync through a small LRU cache of 64 KiB blocks, because NTFS
 * code does many small reads near each other (MFT records, index blocks). Large reads bypass the cache.
 * The file is opened read-only: evidence is never written.
 */
export class FileByteSource implements ByteSource {
  readonly size: number
  private fd: number | undefined
  private readonly cache = new Map<number, Uint8Array>()

  constructor(readonly path: string) {
    this.fd = fs.openSync(path, 'r')
    this.size = fs.fstatSync(this.fd).size
  }

  read(offset: number, length: number): Uint8Array {
    if (this.fd === undefined) throw new Error(`${this.path}: read after close`)
    const start = Math.max(0, Math.floor(offset))
    const end = Math.min(this.size, start + Math.max(0, Math.floor(length)))
    if (end <= start) return new Uint8Array(0)
    if (end - start > BLOCK) return this.readDirect(start, end - start)
    const first = Math.floor(start / BLOCK)
    const last = Math.floor((end - 1) / BLOCK)
    if (first === last) {
      const b = this.block(first)
      return b.subarray(start - first * BLOCK, end - first * BLOCK)
    }
    const out = new Uint8Array(end - start)
    for (let i = first; i <= last; i++) {
      const b = this.block(i)
      const from = Math.max(start, i * BLOCK)
      const to = Math.min(end, i * BLOCK + b.length)
      out.set(b.subarray(from - i * BLOCK, to - i * BLOCK), from - start)
    }
    return out
  }

  close(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd)
    this.fd = undefined
    this.cache.clear()
  }

  private block(i: number): Uint8Array {
    const hit = this.cache.get(i)
    if (hit) {
      this.cache.delete(i)
      this.cache.set(i, hit)
      return hit
    }
    const b = this.readDirect(i * BLOCK, Math.min(BLOCK, this.size - i * BLOCK))
    if (this.cache.size >= CACHE_BLOCKS) this.cache.delete(this.cache.keys().next().value!)
    this.cache.set(i, b)
    return b
  }

  private readDirect(offset: number, length: number): Uint8Array {
    const out = new Uint8Array(length)
    let done = 0
    while (done < length) {
      const n = fs.readSync(this.fd!, out, done, length - done, offset + done)
      if (n === 0) break
      done += n
    }
    return done === length ? out : out.subarray(0, done)
  }
}

/** A ByteSource over bytes already in memory (tests, single records, small standalone files). */
export class BufferByteSource implements ByteSource {
  readonly size: number
  constructor(private readonly bytes: Uint8Array) {
    this.size = bytes.length
  }
  read(offset: number, length: number): Uint8Array {
    const start = Math.max(0, Math.min(this.size, Math.floor(offset)))
    return this.bytes.subarray(start, Math.min(this.size, start + Math.max(0, Math.floor(length))))
  }
  close(): void {}
}
