/** Random access to the bytes of a disk, a volume, a partition or a file; never the whole thing in memory. */
export interface ByteSource {
  /** Size in bytes. */
  readonly size: number
  /** Up to `length` bytes at `offset` (fewer only at the end of the source); never throws for reads past the end. */
  read(offset: number, length: number): Uint8Array
  close(): void
}
