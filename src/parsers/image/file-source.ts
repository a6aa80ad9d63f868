import {closeSync, constants, fstatSync, openSync, readSync} from 'node:fs'

import {RatchetError, osErrorCode} from '../../core/errors.js'
import {BlockCache, readThroughCache} from './block-cache.js'
import type {ByteSource} from './types.js'

/** 64 KiB blocks, 64 of them: 4 MiB per open file at most. */
const BLOCK_SIZE = 64 * 1024
const CACHE_BLOCKS = 64

/**
 * Opens a file read-only, with O_NOATIME where the kernel permits it (Linux, when we own the file or hold
 * CAP_FOWNER) so that reading evidence does not even change its access time. Elsewhere the plain read-only
 * open is used. Throws RatchetError (E_INPUT_MISSING / E_INPUT_READ).
 */
export function openReadOnly(path: string): number {
  const noatime = (constants as Record<string, number | undefined>).O_NOATIME
  if (noatime !== undefined) {
    try {
      return openSync(path, constants.O_RDONLY | noatime)
    } catch (e) {
      if (osErrorCode(e) !== 'EPERM') throw openError(path, e)
    }
  }
  try {
    return openSync(path, constants.O_RDONLY)
  } catch (e) {
    throw openError(path, e)
  }
}

function openError(path: string, e: unknown): RatchetError {
  const code = osErrorCode(e)
  const missing = code === 'ENOENT' || code === 'ENOTDIR'
  return new RatchetError(
    missing ? 'E_INPUT_MISSING' : 'E_INPUT_READ',
    `cannot open ${path}: ${e instanceof Error ? e.message : String(e)}`,
    {path, os_code: code},
  )
}

/**
 * A ByteSource over a file or a device (`\\.\C:`, `/dev/sdb1`): synchronous positioned reads through a
 * small block cache. `size` defaults to the file's size; devices report 0 there, so their callers pass it.
 */
export class FileSource implements ByteSource {
  readonly size: number
  /** What fstat reports (0 for devices). */
  readonly fileSize: number | undefined
  private fd: number | undefined
  private readonly cache: BlockCache

  constructor(
    readonly path: string,
    size?: number,
  ) {
    this.fd = openReadOnly(path)
    this.fileSize = fstatSync(this.fd).size
    this.size = size ?? this.fileSize
    this.cache = new BlockCache(BLOCK_SIZE, CACHE_BLOCKS, (i) => this.loadBlock(i))
  }

  read(offset: number, length: number): Uint8Array {
    return readThroughCache(this.cache, this.size, offset, length)
  }

  /** Reads at an absolute position without the cache: for large sequential reads (hashing a whole image). */
  readDirect(offset: number, into: Uint8Array): number {
    if (this.fd === undefined) throw new RatchetError('E_INPUT_READ', `${this.path} is closed`, {path: this.path})
    let done = 0
    while (done < into.length && offset + done < this.size) {
      const n = readSync(this.fd, into, done, into.length - done, offset + done)
      if (n === 0) break
      done += n
    }
    return done
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd)
    this.fd = undefined
    this.cache.clear()
  }

  private loadBlock(index: number): Uint8Array {
    const start = index * BLOCK_SIZE
    const want = Math.min(BLOCK_SIZE, this.size - start)
    const buf = new Uint8Array(Math.max(0, want))
    let got: number
    try {
      got = this.readDirect(start, buf)
    } catch (e) {
      if (e instanceof RatchetError) throw e
      throw new RatchetError('E_INPUT_READ', `read failed in ${this.path} at offset ${start}: ${String(e)}`, {
        path: this.path,
        offset: start,
        os_code: osErrorCode(e),
      })
    }
    // A file that shrank under us: return what exists (the ByteSource contract allows short reads at the end).
    return got === buf.length ? buf : buf.subarray(0, got)
  }
}
