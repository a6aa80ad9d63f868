import {createHash} from 'node:crypto'

import type {Diagnostic} from '../../core/diagnostics.js'
import {EwfImage} from './ewf.js'
import type {ContainerKind, DiskImage} from './open.js'
import type {Partition} from './partitions.js'

export interface HashCheck {
  algorithm: 'md5' | 'sha1'
  stored: string
  computed: string
  match: boolean
}

export interface ImageReport {
  image: string
  container: ContainerKind
  files: string[]
  media_size: number
  sector_size: number
  scheme: DiskImage['scheme']
  disk_id?: string
  volume_filesystem?: string
  partitions: Partition[]
  /** Hashes of the whole logical media, as read. */
  computed: {md5: string; sha1: string; sha256: string}
  /** EWF only: the stored hashes against the computed ones. */
  stored: HashCheck[]
  container_info: Record<string, unknown>
  /** `verified`: every stored hash matched; `mismatch`: one did not; `no-stored-hash`: nothing to compare. */
  status: 'verified' | 'mismatch' | 'no-stored-hash'
  diagnostics: Diagnostic[]
}

/** EWF chunks inflating in the thread pool while the main thread hashes (a few MiB in flight at most). */
const EWF_IN_FLIGHT = 16

/**
 * Reads the whole media once, in order, never all of it in memory, and hashes it three ways. For EWF the
 * chunks are inflated in libuv's thread pool ahead of the hashing, which overlaps the two costs.
 */
export async function hashMedia(img: DiskImage, onProgress?: (done: number, total: number) => void): Promise<{md5: string; sha1: string; sha256: string}> {
  const hashes = [createHash('md5'), createHash('sha1'), createHash('sha256')] as const
  const size = img.media.size
  let done = 0
  const take = (b: Uint8Array): void => {
    for (const h of hashes) h.update(b)
    done += b.length
    onProgress?.(done, size)
  }
  const media = img.media
  if (media instanceof EwfImage) {
    const count = Math.ceil(size / media.info.chunkSize)
    const queue: Promise<Uint8Array>[] = []
    for (let i = 0; i < count || queue.length > 0; ) {
      while (i < count && queue.length < EWF_IN_FLIGHT) queue.push(media.chunkAsync(i++))
      take(await queue.shift()!)
    }
  } else {
    const step = 1 << 20
    for (let o = 0; o < size; o += step) {
      const b = media.read(o, Math.min(step, size - o))
      if (b.length === 0) break
      take(b)
    }
  }
  return {md5: hashes[0].digest('hex'), sha1: hashes[1].digest('hex'), sha256: hashes[2].digest('hex')}
}

/** Everything `ratchet verify-image` reports: container facts, partitions, media hashes, stored-hash checks. */
export async function verifyImage(img: DiskImage, onProgress?: (done: number, total: number) => void): Promise<ImageReport> {
  const computed = await hashMedia(img, onProgress)
  const stored: HashCheck[] = []
  if (img.ewf?.storedMd5) stored.push({algorithm: 'md5', stored: img.ewf.storedMd5, computed: computed.md5, match: img.ewf.storedMd5 === computed.md5})
  if (img.ewf?.storedSha1) stored.push({algorithm: 'sha1', stored: img.ewf.storedSha1, computed: computed.sha1, match: img.ewf.storedSha1 === computed.sha1})
  const status = stored.length === 0 ? 'no-stored-hash' : stored.every((s) => s.match) ? 'verified' : 'mismatch'
  const container_info: Record<string, unknown> = {...(img.ewf ?? {}), ...(img.vhdx ?? {}), ...(img.vhd ?? {})}
  return {
    image: img.path,
    container: img.container,
    files: img.files,
    media_size: img.media.size,
    sector_size: img.sectorSize,
    scheme: img.scheme,
    ...(img.diskId ? {disk_id: img.diskId} : {}),
    ...(img.volumeFilesystem ? {volume_filesystem: img.volumeFilesystem} : {}),
    partitions: img.partitions,
    computed,
    stored,
    container_info,
    status,
    diagnostics: [...img.diagnostics],
  }
}
