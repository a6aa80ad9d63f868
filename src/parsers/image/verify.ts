import {createHash} from 'node:crypto'

import type {Diagnostic} from '../../core/diagnostics.js'
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

/** Reads the whole media once (1 MiB at a time, never all of it in memory) and hashes it three ways. */
export function hashMedia(img: DiskImage, onProgress?: (done: number, total: number) => void): {md5: string; sha1: string; sha256: string} {
  const md5 = createHash('md5')
  const sha1 = createHash('sha1')
  const sha256 = createHash('sha256')
  const step = 1 << 20
  const size = img.media.size
  for (let o = 0; o < size; o += step) {
    const b = img.media.read(o, Math.min(step, size - o))
    md5.update(b)
    sha1.update(b)
    sha256.update(b)
    onProgress?.(o + b.length, size)
    if (b.length === 0) break
  }
  return {md5: md5.digest('hex'), sha1: sha1.digest('hex'), sha256: sha256.digest('hex')}
}

/** Everything `ratchet verify-image` reports: container facts, partitions, media hashes, stored-hash checks. */
export function verifyImage(img: DiskImage, onProgress?: (done: number, total: number) => void): ImageReport {
  const computed = hashMedia(img, onProgress)
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
