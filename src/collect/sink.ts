import type {Readable} from 'node:stream'
import type {Hashes} from '../core/hashing.js'
import type {ManifestItem} from '../evidence/manifest-types.js'

/**
 * Where collectors put evidence. The archive writer implements it; every byte passed in is hashed as it
 * streams into the archive, and every call leaves a manifest item (also for things not stored).
 */
export interface EvidenceSink {
  /** Streams `data` into the archive at `archivePath`, hashing it on the way; returns the hashes and size. */
  addStream(archivePath: string, data: Readable, mtime?: Date): Promise<{hashes: Hashes; size: number}>
  /** Same for an in-memory buffer (command output, derived JSON). */
  addBuffer(archivePath: string, data: Buffer, mtime?: Date): Promise<{hashes: Hashes; size: number}>
  /** Records a manifest item (collected, skipped or failed). */
  record(item: ManifestItem): void
  /** Appends one line to collection.log.jsonl (never a password). */
  log(entry: {level: 'info' | 'warn' | 'error'; event: string; message: string; [k: string]: unknown}): void
}
