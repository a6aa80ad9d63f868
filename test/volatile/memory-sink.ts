import type {Readable} from 'node:stream'
import {MultiHasher, type Hashes} from '../../src/core/hashing.js'
import type {EvidenceSink} from '../../src/collect/sink.js'
import type {ManifestItem} from '../../src/evidence/manifest-types.js'

/** An EvidenceSink that keeps everything in memory, hashing like the archive writer does. */
export class MemorySink implements EvidenceSink {
  readonly files = new Map<string, Buffer>()
  readonly items: ManifestItem[] = []
  readonly logs: {level: string; event: string; message: string; [k: string]: unknown}[] = []

  async addStream(archivePath: string, data: Readable): Promise<{hashes: Hashes; size: number}> {
    const chunks: Buffer[] = []
    for await (const c of data) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c as Uint8Array))
    return this.addBuffer(archivePath, Buffer.concat(chunks))
  }

  async addBuffer(archivePath: string, data: Buffer): Promise<{hashes: Hashes; size: number}> {
    if (this.files.has(archivePath)) throw new Error(`duplicate archive path ${archivePath}`)
    const h = new MultiHasher()
    h.update(data)
    this.files.set(archivePath, Buffer.from(data))
    return {hashes: h.digest(), size: data.length}
  }

  record(item: ManifestItem): void {
    this.items.push(item)
  }

  log(entry: {level: 'info' | 'warn' | 'error'; event: string; message: string; [k: string]: unknown}): void {
    this.logs.push(entry)
  }

  json<T>(path: string): T {
    const b = this.files.get(path)
    if (!b) throw new Error(`no member ${path}; have ${[...this.files.keys()].join(', ')}`)
    return JSON.parse(b.toString('utf8')) as T
  }
}
