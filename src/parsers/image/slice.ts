import type {ByteSource} from './types.js'

/** A window [offset, offset + size) of another source: a partition in a disk, a volume at --offset. */
export class SliceByteSource implements ByteSource {
  readonly size: number
  constructor(
    private readonly inner: ByteSource,
    private readonly offset: number,
    size?: number,
  ) {
    this.size = Math.max(0, Math.min(size ?? inner.size - offset, inner.size - offset))
  }
  read(offset: number, length: number): Uint8Array {
    const start = Math.max(0, Math.min(this.size, offset))
    const n = Math.max(0, Math.min(length, this.size - start))
    return this.inner.read(this.offset + start, n)
  }
  /** The inner source is closed by whoever opened it. */
  close(): void {}
}
