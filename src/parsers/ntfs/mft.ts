import {privateCopy} from './fixup.js'
import {hasAscii, u16, u32} from '../../binary/le.js'
import type {ByteSource} from '../image/types.js'
import {preferredName, buildEntry, type BuildOptions, type FileEntry} from './entry.js'
import {AttrType, MFT_RECORD_IS_DIRECTORY, parseRecord, type MftRecord, type RecordStatus} from './record.js'
import {decodeFileName} from './attributes.js'

const WALK_BLOCK = 1024 * 1024
/** Root directory's MFT entry. */
export const ROOT_ENTRY = 5
const MAX_DEPTH = 512

/** Directory facts kept from the first pass, enough to build every path. */
interface DirInfo {
  /** Sequence as children's parent references carry it (deleted records: the number before deletion). */
  seq: number
  inUse: boolean
  name: string
  parentEntry: number
  parentSeq: number
  path?: {path: string; orphan: boolean}
}

export interface RecordProblem {
  entry: number
  status: RecordStatus
  offset: number
}

/**
 * The $MFT as records: a ByteSource holding the $MFT's bytes (the $DATA of entry 0 on a volume, or a file
 * collected by another tool) and the record size. Reads in 1 MiB blocks when walking, singly otherwise.
 */
export class Mft {
  readonly count: number
  private dirs: Map<number, DirInfo> | undefined
  private extensions: Map<number, number[]> | undefined
  /** Records that are not usable MFT records (bad signature, BAAD, broken header); zero records are not listed. */
  readonly problems: RecordProblem[] = []

  constructor(
    readonly source: ByteSource,
    readonly recordSize: number,
    readonly buildOptions: BuildOptions = {data: false},
  ) {
    this.count = Math.floor(source.size / recordSize)
  }

  /** Record size of a standalone $MFT: the allocated size in the first FILE record header (offset 0x1C). */
  static detectRecordSize(source: ByteSource): number | undefined {
    for (let off = 0; off < Math.min(source.size, 64 * 1024); off += 256) {
      const h = source.read(off, 32)
      if (hasAscii(h, 0, 'FILE') && h.length >= 32) {
        const size = u32(h, 0x1c)
        if (size >= 256 && size <= 65536 && (size & (size - 1)) === 0) return size
      }
    }
    return undefined
  }

  record(entry: number): MftRecord | undefined {
    if (entry < 0 || entry >= this.count) return undefined
    const buf = privateCopy(this.source.read(entry * this.recordSize, this.recordSize))
    if (buf.length < this.recordSize) return undefined
    return parseRecord(buf, entry).record
  }

  /** Calls `fn` for every record in order (parsed in place in a private copy of each 1 MiB block). */
  forEachRecord(fn: (rec: MftRecord) => void): void {
    for (const block of this.recordBlocks()) for (const rec of block) fn(rec)
  }

  /** The usable records, one array per 1 MiB block, in order; unusable ones are noted in `problems`. */
  *recordBlocks(): Generator<MftRecord[]> {
    for (const {block, first, n} of this.rawBlocks()) {
      const out: MftRecord[] = []
      for (let i = 0; i < n; i++) {
        const off = i * this.recordSize
        const entry = first + i
        const {status, record} = parseRecord(block.subarray(off, off + this.recordSize), entry)
        if (record) out.push(record)
        else if (status !== 'empty') this.noteProblem(entry, status)
      }
      yield out
    }
  }

  /** The $MFT in 1 MiB blocks of whole records: private copies (fixups are applied in place), or views. */
  private *rawBlocks(copy = true): Generator<{block: Uint8Array; first: number; n: number}> {
    const per = Math.max(1, Math.floor(WALK_BLOCK / this.recordSize))
    for (let first = 0; first < this.count; first += per) {
      const bytes = this.source.read(first * this.recordSize, Math.min(per, this.count - first) * this.recordSize)
      const block = copy ? privateCopy(bytes) : bytes
      const n = Math.floor(block.length / this.recordSize)
      if (n === 0) return
      yield {block, first, n}
    }
  }

  private noteProblem(entry: number, status: RecordStatus): void {
    // Bounded: a hostile file of garbage must not grow this list to millions of objects.
    if (this.problems.length < 10_000) this.problems.push({entry, status, offset: entry * this.recordSize})
  }

  /**
   * First pass: directories (names, parents, sequence numbers) and extension records by base entry. Memory is
   * proportional to the number of directories, not of files.
   */
  index(): void {
    if (this.dirs) return
    const dirs = new Map<number, DirInfo>()
    const extensions = new Map<number, number[]>()
    // Only directories and extension records matter here: the header fields that say so (flags 0x16, base
    // reference 0x20) lie before the first fixup position, so other records are not parsed at all.
    for (const {block, first, n} of this.rawBlocks(false)) {
      for (let i = 0; i < n; i++) {
        const off = i * this.recordSize
        if (!hasAscii(block, off, 'FILE')) continue
        const base = u32(block, off + 0x20) + u16(block, off + 0x24) * 0x100000000
        const entry = first + i
        if (base !== 0) {
          const list = extensions.get(base)
          if (list) list.push(entry)
          else extensions.set(base, [entry])
          continue
        }
        if ((u16(block, off + 0x16) & MFT_RECORD_IS_DIRECTORY) === 0) continue
        const rec = parseRecord(privateCopy(block.subarray(off, off + this.recordSize)), entry).record
        if (!rec) continue
        let best: ReturnType<typeof decodeFileName>
        for (const a of rec.attrs) {
          if (a.type !== AttrType.FILE_NAME || !a.resident) continue
          const fn = decodeFileName(rec.buf, a.valueOffset, a.valueLength, a.id)
          if (fn && (!best || preferredName({names: [best, fn]}) === fn)) best = fn
        }
        dirs.set(entry, {
          seq: rec.inUse || rec.sequence === 0 ? rec.sequence : rec.sequence - 1,
          inUse: rec.inUse,
          name: best?.name ?? '',
          parentEntry: best?.parentEntry ?? -1,
          parentSeq: best?.parentSequence ?? 0,
        })
      }
    }
    this.dirs = dirs
    this.extensions = extensions
    // A directory whose names all live in extension records: take them from there.
    for (const [entry, d] of dirs) {
      if (d.parentEntry >= 0 || !extensions.has(entry)) continue
      const fn = preferredName(this.entry(entry) ?? {names: []})
      if (fn) Object.assign(d, {name: fn.name, parentEntry: fn.parentEntry, parentSeq: fn.parentSequence})
    }
  }

  /** The extension records whose header names `entry` as base (with the matching sequence). */
  private extensionRecords(base: MftRecord): MftRecord[] {
    const list = this.extensions?.get(base.entry)
    if (!list) return []
    const out: MftRecord[] = []
    for (const n of list) {
      const r = this.record(n)
      if (r && (r.baseSequence === base.sequence || r.baseSequence === 0 || !base.inUse)) out.push(r)
    }
    return out
  }

  /** The entry at `entry` with its extension records merged, or undefined if it is not a usable base record. */
  entry(entry: number, opts: BuildOptions = this.buildOptions): FileEntry | undefined {
    const rec = this.record(entry)
    if (!rec || rec.baseEntry !== 0) return undefined
    return this.build(rec, opts)
  }

  build(rec: MftRecord, opts: BuildOptions = this.buildOptions): FileEntry {
    this.index()
    return buildEntry(rec, this.extensionRecords(rec), opts)
  }

  /** Whether the parent reference (entry, sequence) names a known directory; sequence 0 matches any. */
  isDirectory(entry: number, seq: number): boolean {
    this.index()
    const d = this.dirs!.get(entry)
    return d !== undefined && (seq === 0 || d.seq === seq)
  }

  /**
   * Full path ("/a/b") of the directory referenced by (entry, seq). A broken chain (unknown parent, sequence
   * mismatch, loop) makes the path an orphan: the part below the break, under "/$OrphanFiles".
   */
  directoryPath(entry: number, seq: number): {path: string; orphan: boolean} {
    this.index()
    const dirs = this.dirs!
    const chain: DirInfo[] = []
    let cur = entry
    let curSeq = seq
    let result: {path: string; orphan: boolean} | undefined
    const seen = new Set<number>()
    for (;;) {
      if (cur === ROOT_ENTRY) {
        result = {path: '', orphan: false}
        break
      }
      const d = dirs.get(cur)
      if (!d || (curSeq !== 0 && d.seq !== curSeq) || seen.has(cur) || chain.length > MAX_DEPTH || d.parentEntry < 0) {
        result = {path: '/$OrphanFiles', orphan: true}
        break
      }
      if (d.path) {
        result = d.path
        break
      }
      seen.add(cur)
      chain.push(d)
      cur = d.parentEntry
      curSeq = d.parentSeq
    }
    for (let i = chain.length - 1; i >= 0; i--) {
      const d = chain[i]!
      result = {path: `${result.path}/${d.name}`, orphan: result.orphan}
      d.path = result
    }
    return result
  }
}
