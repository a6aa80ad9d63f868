import {hasAscii, u16, u32} from '../../binary/le.js'
import type {ByteSource} from '../image/types.js'
import {decodeFileName, FileNameNamespace} from './attributes.js'
import {parseBoot, type NtfsBoot} from './boot.js'
import {buildEntry, defaultStream, type FileEntry} from './entry.js'
import {NtfsDamage} from './errors.js'
import {applyFixups, privateCopy} from './fixup.js'
import {Mft, ROOT_ENTRY} from './mft.js'
import {AttrType, parseRecord} from './record.js'
import {AttrStream, mappedBytes, type AttrData} from './stream.js'

/** One entry of a directory index ($I30): the child's reference and its $FILE_NAME key. */
export interface IndexEntry {
  entry: number
  sequence: number
  name: string
  namespace: number
}

/** Bound on index blocks read per directory (a 4 KiB block per ~20 names; 2^20 blocks is a 4 GiB index). */
const MAX_INDEX_BLOCKS = 1 << 20

/** An NTFS volume read through a ByteSource: boot sector, $MFT (from its own run list), files and streams. */
export class NtfsVolume {
  readonly boot: NtfsBoot
  readonly mft: Mft
  readonly clusterCount: number

  private constructor(
    readonly source: ByteSource,
    boot: NtfsBoot,
    mft: Mft,
  ) {
    this.boot = boot
    this.mft = mft
    this.clusterCount = Math.ceil(source.size / boot.clusterSize)
  }

  static open(source: ByteSource): NtfsVolume {
    const boot = parseBoot(source.read(0, 512))
    const rs = boot.mftRecordSize
    const cs = boot.clusterSize
    const clusterLimit = Math.max(Math.ceil(source.size / cs), Math.ceil((boot.totalSectors * boot.bytesPerSector) / cs))
    const buf = privateCopy(source.read(boot.mftLcn * cs, rs))
    const parsed = parseRecord(buf, 0)
    if (!parsed.record) throw new NtfsDamage('NTFS_MFT_RECORD0', `$MFT record 0 at LCN ${boot.mftLcn} is not a FILE record (${parsed.status})`, boot.mftLcn * cs)
    const opts = {data: true, clusterLimit, readNonResident: (d: AttrData, max: number) => new AttrStream(source, cs, d).read(0, Math.min(d.dataSize, max))}
    let entry = buildEntry(parsed.record, [], opts)
    let data = defaultStream(entry)?.data
    if (!data || data.resident) throw new NtfsDamage('NTFS_MFT_NO_DATA', '$MFT record 0 has no non-resident $DATA', boot.mftLcn * cs)
    // A fragmented $MFT keeps further run-list extents in extension records named by its $ATTRIBUTE_LIST;
    // the first extent always maps them.
    if (entry.attributeList) {
      const first = new AttrStream(source, cs, data)
      const exts = [...new Set(entry.attributeList.filter((a) => a.entry !== 0).map((a) => a.entry))]
      const records = exts.flatMap((n) => parseRecord(privateCopy(first.read(n * rs, rs)), n).record ?? [])
      entry = buildEntry(parsed.record, records, opts)
      data = defaultStream(entry)!.data!
    }
    // A damaged header must not make the walk run past what the run list maps (or past the volume).
    const mftSize = Math.min(data.dataSize, data.initializedSize, mappedBytes(data, cs), source.size)
    const mftStream = new AttrStream(source, cs, {...data, dataSize: mftSize})
    return new NtfsVolume(source, boot, new Mft(mftStream, rs, opts))
  }

  entry(n: number): FileEntry | undefined {
    return this.mft.entry(n)
  }

  /** A stream of an entry ("" = the unnamed $DATA) as a ByteSource, or undefined when there is none. */
  openStream(e: FileEntry, streamName = ''): AttrStream | undefined {
    const s = e.streams.find((x) => x.type === AttrType.DATA && x.name.toLowerCase() === streamName.toLowerCase()) ?? (streamName ? undefined : e.streams.find((x) => x.type === AttrType.DATA && x.name === ''))
    return s?.data ? new AttrStream(this.source, this.boot.clusterSize, s.data) : undefined
  }

  /** A stream by its attribute type and id (the `N-TYPE-ID` address `fls` and `icat` use). */
  openStreamById(e: FileEntry, type: number, id: number): AttrStream | undefined {
    const s = e.streams.find((x) => x.type === type && x.id === id)
    return s?.data ? new AttrStream(this.source, this.boot.clusterSize, s.data) : undefined
  }

  /** Entries of a directory's $I30 index (root node and every index block in use), DOS-only names included. */
  directoryEntries(dir: FileEntry): IndexEntry[] {
    const out: IndexEntry[] = []
    const root = dir.streams.find((s) => s.type === AttrType.INDEX_ROOT && s.name === '$I30')
    if (!root?.data?.value) return out
    const v = root.data.value
    if (v.length >= 32) readIndexNode(v, 16, v.length, out)
    const alloc = dir.indexAllocation?.get('$I30')
    if (!alloc) return out
    const blockSize = u32(v, 8) || this.boot.indexRecordSize
    const stream = new AttrStream(this.source, this.boot.clusterSize, alloc)
    if (blockSize < 512 || blockSize > 65536) return out
    const blocks = Math.min(MAX_INDEX_BLOCKS, Math.floor(Math.min(alloc.dataSize, mappedBytes(alloc, this.boot.clusterSize)) / blockSize))
    for (let i = 0; i < blocks; i++) {
      const b = privateCopy(stream.read(i * blockSize, blockSize))
      if (!hasAscii(b, 0, 'INDX') || applyFixups(b, 0, b.length) === -2) continue
      readIndexNode(b, 0x18, b.length, out)
    }
    return out
  }

  /** Entry numbers a directory's $I30 index names (stale entries of a deleted directory included). */
  indexedEntries(dirEntry: number): Set<number> {
    const dir = this.entry(dirEntry)
    return new Set(dir?.isDirectory ? this.directoryEntries(dir).map((x) => x.entry) : [])
  }

  /**
   * The entry at a path ("/" or "\" separated, case-insensitive as Windows compares names), found through the
   * directory indexes from the root; every hop checks the child's sequence number.
   */
  lookup(path: string): FileEntry | undefined {
    let cur = this.entry(ROOT_ENTRY)
    for (const part of path.split(/[\\/]+/).filter(Boolean)) {
      if (!cur?.isDirectory) return undefined
      const want = part.toUpperCase()
      const hits = this.directoryEntries(cur).filter((x) => x.name.toUpperCase() === want)
      let next: FileEntry | undefined
      for (const h of hits) {
        const e = this.entry(h.entry)
        if (e && e.inUse && (h.sequence === 0 || e.sequence === h.sequence)) {
          next = e
          break
        }
      }
      cur = next
    }
    return cur
  }
}

function readIndexNode(b: Uint8Array, nodeStart: number, limit: number, out: IndexEntry[]): void {
  const entriesOff = u32(b, nodeStart)
  const totalSize = u32(b, nodeStart + 4)
  let p = nodeStart + entriesOff
  const end = Math.min(limit, nodeStart + totalSize)
  while (p + 16 <= end) {
    const len = u16(b, p + 8)
    const keyLen = u16(b, p + 10)
    const flags = u16(b, p + 12)
    if (len < 16 || p + len > end) break
    if (flags & 2) break
    if (keyLen >= 66 && p + 16 + keyLen <= p + len) {
      const fn = decodeFileName(b, p + 16, keyLen, 0)
      if (fn) out.push({entry: u32(b, p) + u16(b, p + 4) * 0x100000000, sequence: u16(b, p + 6), name: fn.name, namespace: fn.namespace})
    }
    p += len
  }
}

export {FileNameNamespace}
export type {AttrData}
