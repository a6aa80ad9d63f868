/**
 * A small least-recently-used cache of fixed-size blocks in front of a synchronous block reader. The NTFS
 * code does millions of small reads (MFT records, index entries, run lists) that hit the same few blocks;
 * the cache turns them into one system call or one chunk decompression per block. Memory stays bounded:
 * `capacity` blocks of `blockSize` bytes, whatever the size of the image.
 */
export class BlockCache {
  private readonly blocks = new Map<number, Uint8Array>()

  constructor(
    readonly blockSize: number,
    private readonly capacity: number,
    /** Reads block `index` (its bytes; shorter only for the last block of the source). */
    private readonly load: (index: number) => Uint8Array,
  ) {}

  block(index: number): Uint8Array {
    const hit = this.blocks.get(index)
    if (hit) {
      // Map keeps insertion order: re-inserting marks the block most recently used.
      this.blocks.delete(index)
      this.blocks.set(index, hit)
      return hit
    }
    const data = this.load(index)
    if (this.blocks.size >= this.capacity) {
      const oldest = this.blocks.keys().next().value as number
      this.blocks.delete(oldest)
    }
    this.blocks.set(index, data)
    return data
  }

  clear(): void {
    this.blocks.clear()
  }
}

/**
 * Reads `length` bytes at `offset` of a source of `size` bytes through a block cache: the shared core of
 * every ByteSource here. A read inside one block returns a view of the cached block (no copy).
 */
export function readThroughCache(cache: BlockCache, size: number, offset: number, length: number): Uint8Array {
  if (!(offset >= 0) || !(length > 0) || offset >= size) return new Uint8Array(0)
  const end = Math.min(size, offset + length)
  const bs = cache.blockSize
  const first = Math.floor(offset / bs)
  const last = Math.floor((end - 1) / bs)
  if (first === last) {
    const b = cache.block(first)
    const start = offset - first * bs
    return b.subarray(start, Math.min(b.length, start + (end - offset)))
  }
  const out = new Uint8Array(end - offset)
  let pos = offset
  while (pos < end) {
    const index = Math.floor(pos / bs)
    const b = cache.block(index)
    const start = pos - index * bs
    const n = Math.min(b.length - start, end - pos)
    if (n <= 0) break
    out.set(b.subarray(start, start + n), pos - offset)
    pos += n
  }
  return pos === end ? out : out.subarray(0, pos - offset)
}
