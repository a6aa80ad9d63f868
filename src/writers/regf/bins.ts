/**
 * Hive bins data: a sequence of hbins (each a multiple of 4096 bytes, 32-byte header "hbin", its offset from
 * the first hbin, its size) holding cells. A cell is a 4-byte signed size (negative: allocated) then its
 * content, the whole 8-byte aligned, never crossing an hbin end; the unused tail of an hbin is one free cell
 * (positive size). Offsets handed out are cell offsets relative to the start of the hive bins data, as every
 * regf reference is.
 */

export const HBIN_HEADER_SIZE = 32
export const HBIN_ALIGN = 4096

export class HiveBins {
  private buf = Buffer.alloc(64 * 1024)
  /** Bytes of hive bins data so far (end of the last hbin). */
  private size = 0
  /** Next free byte in the current (last) hbin. */
  private cursor = 0

  constructor(private readonly firstBinTime: bigint) {}

  /** Allocates a cell with `contentLength` bytes of content (zeroed); returns its offset. */
  alloc(contentLength: number): number {
    const cellSize = (4 + contentLength + 7) & ~7
    if (this.size === 0 || this.cursor + cellSize > this.size) this.newBin(cellSize)
    const at = this.cursor
    this.buf.writeInt32LE(-cellSize, at)
    this.cursor += cellSize
    return at
  }

  /** Allocates a cell holding `content`; returns its offset. */
  put(content: Uint8Array): number {
    const at = this.alloc(content.length)
    this.buf.set(content, at + 4)
    return at
  }

  /** A view of the content of the cell at `offset` (for filling in fields after allocation). */
  content(offset: number): Buffer {
    const size = -this.buf.readInt32LE(offset)
    return this.buf.subarray(offset + 4, offset + size)
  }

  private newBin(cellSize: number): void {
    this.closeBin()
    const binSize = Math.ceil((HBIN_HEADER_SIZE + cellSize) / HBIN_ALIGN) * HBIN_ALIGN
    this.ensure(this.size + binSize)
    const b = this.size
    this.buf.write('hbin', b, 'latin1')
    this.buf.writeUInt32LE(b, b + 4)
    this.buf.writeUInt32LE(binSize, b + 8)
    // Timestamp: meaningful in the first hbin only (Suhanov §hbin), zero elsewhere.
    if (b === 0) this.buf.writeBigUInt64LE(this.firstBinTime, b + 20)
    this.cursor = b + HBIN_HEADER_SIZE
    this.size = b + binSize
  }

  /** Marks the unused tail of the current hbin as one free cell. */
  private closeBin(): void {
    if (this.size === 0) return
    const rest = this.size - this.cursor
    if (rest > 0) this.buf.writeInt32LE(rest, this.cursor)
    this.cursor = this.size
  }

  private ensure(n: number): void {
    if (n <= this.buf.length) return
    const next = Buffer.alloc(Math.max(n, this.buf.length * 2))
    this.buf.copy(next, 0, 0, this.size)
    this.buf = next
  }

  /** The finished hive bins data (the current hbin's tail freed). */
  finish(): Buffer {
    this.closeBin()
    return this.buf.subarray(0, this.size)
  }
}
