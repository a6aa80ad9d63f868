import type {FileHandle} from 'node:fs/promises'
import {CHUNK_SIZE, FILE_HEADER_SIZE} from './header.js'

export interface SlotRead {
  index: number
  offset: number
  bytes: Uint8Array
}

/**
 * Reads the file's 64 KiB chunk slots in order, one read per slot, keeping `ahead` reads in flight so
 * parsing never waits on the disk (the reads run on libuv's thread pool meanwhile). Memory: `ahead`
 * slots plus the one being parsed.
 */
export async function* readSlots(fh: FileHandle, size: number, ahead = 4): AsyncGenerator<SlotRead> {
  const total = size > FILE_HEADER_SIZE ? Math.ceil((size - FILE_HEADER_SIZE) / CHUNK_SIZE) : 0
  const queue: Promise<SlotRead>[] = []
  let next = 0
  const read = async (index: number): Promise<SlotRead> => {
    const offset = FILE_HEADER_SIZE + index * CHUNK_SIZE
    const len = Math.min(CHUNK_SIZE, size - offset)
    const bytes = new Uint8Array(len)
    const {bytesRead} = await fh.read(bytes, 0, len, offset)
    return {index, offset, bytes: bytesRead === len ? bytes : bytes.subarray(0, bytesRead)}
  }
  while (next < total || queue.length) {
    while (queue.length < ahead && next < total) {
      const p = read(next++)
      p.catch(() => undefined) // surfaced when awaited in order
      queue.push(p)
    }
    yield await queue.shift()!
  }
}
