import type {ByteSource} from './types.js'

/**
 * A window of `size` bytes starting at `start` of another source (a partition inside a disk). Reads are
 * clipped to the window; closing the slice leaves the parent open (the parent's owner closes it).
 */
export class SliceSource implements ByteSource {
  readonly size: number

  constructor(
    private readonly parent: ByteSource,
    readonly start: number,
    size: number,
  ) {
    this.size = Math.max(0, Math.min(size, parent.size - start))
  }

  read(offset: number, length: number): Uint8Array {
    if (!(offset >= 0) || !(length > 0) || offset >= this.size) return new Uint8Array(0)
    return this.parent.read(this.start + offset, Math.min(length, this.size - offset))
  }

  close(): void {}
}

/** A ByteSource over bytes already in memory (tests, small embedded structures). */
export class BufferSource implements ByteSource {
  readonly size: number
  private readonly bytes: Uint8Array

  constructor(bytes: Uint8Array) {
    // A plain Uint8Array view even when given a Buffer: Buffer#slice shares memory, Uint8Array#slice
    // copies, and readers rely on the copy when they zero a checksum field before recomputing it.
    this.bytes = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    this.size = bytes.length
  }

  read(offset: number, length: number): Uint8Array {
    if (!(offset >= 0) || !(length > 0) || offset >= this.size) return new Uint8Array(0)
    return this.bytes.subarray(offset, Math.min(this.size, offset + length))
  }

  close(): void {}
}
