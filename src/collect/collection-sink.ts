import type {Readable} from 'node:stream'
import type {Hashes} from '../core/hashing.js'
import {dateToIso7} from '../core/time.js'
import type {ManifestItem} from '../evidence/manifest-types.js'
import type {ArchiveWriter} from '../evidence/writer.js'
import type {EvidenceSink} from './sink.js'

type LogEntry = Parameters<EvidenceSink['log']>[0]

/**
 * The EvidenceSink every collector (file, event-log export, volatile commands) writes through: members go
 * straight into the archive writer (hashed on the way), items and log lines are kept for the manifest and
 * collection.log.jsonl. The log is kept in memory (one short line per item) and written once at the end.
 */
export class CollectionSink implements EvidenceSink {
  readonly items: ManifestItem[] = []
  readonly logLines: string[] = []
  private readonly members = new Set<string>()

  constructor(
    private readonly writer: ArchiveWriter,
    private readonly now: () => Date = () => new Date(),
  ) {}

  hasMember(path: string): boolean {
    return this.members.has(path)
  }

  async addStream(archivePath: string, data: Readable, mtime?: Date): Promise<{hashes: Hashes; size: number}> {
    this.members.add(archivePath)
    return this.writer.addStream(archivePath, data, mtime)
  }

  async addBuffer(archivePath: string, data: Buffer, mtime?: Date): Promise<{hashes: Hashes; size: number}> {
    this.members.add(archivePath)
    return this.writer.addBuffer(archivePath, data, mtime)
  }

  record(item: ManifestItem): void {
    this.items.push(item)
  }

  log(entry: LogEntry): void {
    this.logLines.push(JSON.stringify({ts: dateToIso7(this.now()), ...entry}))
  }

  logText(): Buffer {
    return Buffer.from(this.logLines.map((l) => l + '\n').join(''), 'utf8')
  }
}
