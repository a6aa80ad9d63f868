/**
 * Growable little-endian byte buffer with back-patching. `base` is the offset of byte 0 of this buffer
 * inside its chunk, so `chunkOffset()` gives the chunk-relative offsets that BinXML name and template
 * references need.
 */
export class ByteSink {
  private buf: Buffer
  private len = 0

  constructor(
    readonly base = 0,
    initial = 1024,
  ) {
    this.buf = Buffer.alloc(initial)
  }

  get length(): number {
    return this.len
  }

  /** Chunk-relative offset of the next byte to be written. */
  chunkOffset(): number {
    return this.base + this.len
  }

  private reserve(n: number): number {
    const at = this.len
    if (at + n > this.buf.length) {
      const next = Buffer.alloc(Math.max(this.buf.length * 2, at + n))
      this.buf.copy(next, 0, 0, at)
      this.buf = next
    }
    this.len += n
    return at
  }

  u8(v: number): number {
    const at = this.reserve(1)
    this.buf.writeUInt8(v, at)
    return at
  }

  u16(v: number): number {
    const at = this.reserve(2)
    this.buf.writeUInt16LE(v, at)
    return at
  }

  i16(v: number): number {
    const at = this.reserve(2)
    this.buf.writeInt16LE(v, at)
    return at
  }

  u32(v: number): number {
    const at = this.reserve(4)
    this.buf.writeUInt32LE(v >>> 0, at)
    return at
  }

  i32(v: number): number {
    const at = this.reserve(4)
    this.buf.writeInt32LE(v, at)
    return at
  }

  u64(v: bigint): number {
    const at = this.reserve(8)
    this.buf.writeBigUInt64LE(v, at)
    return at
  }

  bytes(b: Uint8Array): number {
    const at = this.reserve(b.length)
    this.buf.set(b, at)
    return at
  }

  utf16(s: string): number {
    return this.bytes(Buffer.from(s, 'utf16le'))
  }

  patchU32(at: number, v: number): void {
    this.buf.writeUInt32LE(v >>> 0, at)
  }

  toBuffer(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.len))
  }
}
