import {createHash} from 'node:crypto'
import {Readable} from 'node:stream'

/**
 * A fixed set of members for the "archive bytes unchanged" test: what each writer produces from them must be
 * byte-identical to what archiver 8's own pipeline produced (the golden digests in zip-bytes.test.ts were taken
 * from main before the zip path was changed). Contents come from a counter-mode SHA-256 stream, so they are the
 * same everywhere and nothing is stored in the repository.
 */

/** `n` pseudo-random (incompressible) bytes derived from `seed`. */
export function noise(seed: string, n: number): Buffer {
  const out = Buffer.alloc(n)
  for (let i = 0, off = 0; off < n; i++, off += 32) createHash('sha256').update(`${seed}:${i}`).digest().copy(out, off)
  return out
}

/** Compressible text like an event log: repeated, slightly varying records. */
export function logText(n: number): Buffer {
  const parts: string[] = []
  let len = 0
  for (let rec = 0; len < n; rec++) {
    const s = `<Event><EventID>${4624 + (rec % 7)}</EventID><EventRecordID>${rec}</EventRecordID><Data Name="IpAddress">10.0.${rec % 255}.${(rec * 7) % 255}</Data></Event>\n`
    parts.push(s)
    len += s.length
  }
  return Buffer.from(parts.join('')).subarray(0, n)
}

export interface GoldenMember {
  name: string
  data: Buffer
  mtime: Date
  /** Stream it (in chunks of this size) rather than hand it over as a buffer. */
  chunk?: number
}

const T = new Date(Date.UTC(2023, 6, 12, 8, 56, 17))

export function goldenMembers(): GoldenMember[] {
  return [
    {name: 'files/C/empty.txt', data: Buffer.alloc(0), mtime: T, chunk: 1},
    {name: 'files/C/small.txt', data: Buffer.from('hello\n'), mtime: T, chunk: 1},
    {name: 'files/C/Windows/System32/winevt/Logs/Security.evtx', data: logText(3 * 1024 * 1024 + 17), mtime: T, chunk: 65_536},
    {name: 'files/C/Users/bob/AppData/Roaming/AnyDesk/ad.trace', data: logText(300_001), mtime: new Date(Date.UTC(2024, 0, 1)), chunk: 1_000_000},
    {name: 'files/C/random.bin', data: noise('random', 700 * 1024 + 3), mtime: T, chunk: 100_003},
    {name: 'files/C/stored/archive.gz', data: noise('gz', 300 * 1024), mtime: T, chunk: 65_536},
    {name: 'files/C/ü/naïve ñame.log', data: Buffer.from('ünïcödé\n'.repeat(1000)), mtime: T, chunk: 4096},
    {name: 'manifest.json', data: Buffer.from(JSON.stringify({a: 1, b: 'x'.repeat(5000)})), mtime: T},
  ]
}

/** A stream of `data` in chunks of `size` bytes. */
export function chunked(data: Buffer, size: number): Readable {
  const parts: Buffer[] = []
  for (let o = 0; o < data.length; o += size) parts.push(data.subarray(o, o + size))
  return Readable.from(parts, {objectMode: false})
}

interface WriterLike {
  addStream(name: string, data: Readable, mtime?: Date): Promise<{hashes: {sha256: string; sha1: string; md5: string}; size: number}>
  addBuffer(name: string, data: Buffer, mtime?: Date): Promise<{hashes: {sha256: string; sha1: string; md5: string}; size: number}>
  finalize(): Promise<{sha256: string; bytes: number}>
}

/** Writes the golden members through `w`; returns the archive's digest and every member's hashes. */
export async function writeGolden(w: WriterLike, chunkOverride?: number): Promise<{archive: {sha256: string; bytes: number}; members: string[]}> {
  const members: string[] = []
  for (const m of goldenMembers()) {
    const r = m.chunk === undefined ? await w.addBuffer(m.name, m.data, m.mtime) : await w.addStream(m.name, chunked(m.data, chunkOverride ?? m.chunk), m.mtime)
    members.push(`${m.name} ${r.size} ${r.hashes.sha256} ${r.hashes.sha1} ${r.hashes.md5}`)
  }
  return {archive: await w.finalize(), members}
}

/** Many tiny members: the central directory alone is larger than the writer's gathering buffer. */
export async function writeMany(w: WriterLike, count = 2500): Promise<{sha256: string; bytes: number}> {
  for (let i = 0; i < count; i++) await w.addBuffer(`files/m/${i % 7}/trace${i}.txt`, Buffer.from(`line ${i}\n`.repeat(i % 5)), T)
  return w.finalize()
}
