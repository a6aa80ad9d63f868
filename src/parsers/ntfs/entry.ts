import {privateCopy} from './fixup.js'
import {decodeAttributeList, decodeFileName, decodeReparsePoint, decodeStandardInformation, FileNameNamespace, type AttrListEntry, type FileName, type ReparsePoint, type StandardInformation} from './attributes.js'
import {NtfsDamage} from './errors.js'
import {ATTR_FLAG_COMPRESSED, AttrType, type AttrHeader, type MftRecord} from './record.js'
import {decodeRuns} from './runs.js'
import type {AttrData} from './stream.js'

/** A $DATA stream or an $INDEX_ROOT (named index) of a file, extents merged across extension records. */
export interface StreamInfo {
  type: number
  name: string
  id: number
  size: number
  flags: number
  resident: boolean
  /** Present when the entry was built with `data: true`. */
  data?: AttrData
}

/** A file's MFT entry with its extension records merged: what the listing, `cat` and analysis need. */
export interface FileEntry {
  entry: number
  sequence: number
  inUse: boolean
  isDirectory: boolean
  linkCount: number
  si?: StandardInformation
  names: FileName[]
  streams: StreamInfo[]
  /** $INDEX_ALLOCATION extents by index name ($I30 for directories); with `data: true` only. */
  indexAllocation?: Map<string, AttrData>
  reparse?: ReparsePoint
  attributeList?: AttrListEntry[]
  /** Damage met while decoding this entry (codes are stable; offsets are within the record). */
  problems: NtfsDamage[]
}

export interface BuildOptions {
  /** Decode run lists and copy resident values, so that streams can be read. */
  data: boolean
  /** Cluster count of the volume (bounds run LCNs); unlimited for a standalone $MFT. */
  clusterLimit?: number
  /** Reads a non-resident attribute's value (a volume can; a standalone $MFT cannot). */
  readNonResident?: (d: AttrData, max: number) => Uint8Array
}

/** Attribute lists above this size are not read (a 256 KiB list already maps thousands of extents). */
const MAX_ATTRIBUTE_LIST = 256 * 1024

function readAttributeList(base: MftRecord, a: AttrHeader, opts: BuildOptions, e: FileEntry): AttrListEntry[] | undefined {
  if (a.resident) return decodeAttributeList(base.buf.subarray(a.valueOffset, a.valueOffset + a.valueLength))
  if (!opts.readNonResident) return undefined
  try {
    const runs = decodeRuns(base.buf, a.runsOffset, a.offset + a.length, a.startVcn, opts.clusterLimit)
    const d: AttrData = {resident: false, runs, dataSize: a.dataSize, initializedSize: a.initializedSize, compressionUnit: 0}
    return decodeAttributeList(opts.readNonResident(d, MAX_ATTRIBUTE_LIST))
  } catch (err) {
    if (err instanceof NtfsDamage) e.problems.push(err)
    else throw err
    return undefined
  }
}

interface Extent {
  header: AttrHeader
  buf: Uint8Array
}

/** Builds the entry from its base record and any extension records (records whose base reference is it). */
export function buildEntry(base: MftRecord, extensions: MftRecord[], opts: BuildOptions): FileEntry {
  const e: FileEntry = {
    entry: base.entry,
    sequence: base.sequence,
    inUse: base.inUse,
    isDirectory: base.isDirectory,
    linkCount: base.linkCount,
    names: [],
    streams: [],
    problems: [],
  }
  if (base.fixupError >= 0) e.problems.push(new NtfsDamage('NTFS_RECORD_FIXUP_MISMATCH', `update sequence mismatch in 512-byte stride ${base.fixupError}`, base.fixupError * 512 + 510))
  if (base.truncated) e.problems.push(new NtfsDamage('NTFS_RECORD_ATTRIBUTES_TRUNCATED', 'an attribute header has a bad length or offset; later attributes are lost'))
  // Few attributes per record: a list searched linearly allocates less than a Map keyed by strings.
  const grouped: Extent[][] = []
  const records = extensions.length ? [base, ...extensions] : [base]
  // The attribute list comes first so that attributes in extension records get the instance ids it records
  // (extension records may number their own attributes from 0).
  const list = base.attrs.find((a) => a.type === AttrType.ATTRIBUTE_LIST)
  if (list) e.attributeList = readAttributeList(base, list, opts, e)
  // Some writers (ntfs-3g) leave instance id 0 on every attribute of an extension record, in the record and in
  // the list. Such attributes get fresh ids above the base record's, in record order, as the Sleuth Kit numbers
  // them, so that "entry-type-id" addresses stay unique and match `fls`/`icat`.
  let nextId = base.attrs.reduce((m, a) => Math.max(m, a.id), 0)
  for (const rec of records) {
    for (const attr of rec.attrs) {
      let a = rec === base || !e.attributeList ? attr : withListedId(attr, rec.entry, e.attributeList)
      if (rec !== base && a.id === 0) a = {...a, id: ++nextId}
      switch (a.type) {
        case AttrType.STANDARD_INFORMATION:
          if (!e.si && a.resident) e.si = decodeStandardInformation(rec.buf, a.valueOffset, a.valueLength, rec.usedSize)
          break
        case AttrType.FILE_NAME: {
          const fn = a.resident ? decodeFileName(rec.buf, a.valueOffset, a.valueLength, a.id) : undefined
          if (fn) {
            if (rec !== base) fn.inExtension = true
            e.names.push(fn)
          }
          else e.problems.push(new NtfsDamage('NTFS_FILE_NAME_BAD', 'a $FILE_NAME attribute is too short or not resident', a.offset))
          break
        }
        case AttrType.REPARSE_POINT:
          if (a.resident) e.reparse = decodeReparsePoint(rec.buf, a.valueOffset, a.valueLength)
          break
        case AttrType.DATA:
        case AttrType.INDEX_ROOT:
        case AttrType.INDEX_ALLOCATION: {
          const list = grouped.find((g) => g[0]!.header.type === a.type && g[0]!.header.name === a.name)
          if (list) list.push({header: a, buf: rec.buf})
          else grouped.push([{header: a, buf: rec.buf}])
          break
        }
        default:
          break
      }
    }
  }
  for (const extents of grouped) {
    if (extents.length > 1) extents.sort((x, y) => x.header.startVcn - y.header.startVcn)
    const first = extents[0]!.header
    const info: StreamInfo = {type: first.type, name: first.name, id: first.id, size: first.dataSize, flags: first.flags, resident: first.resident}
    if (opts.data) info.data = attrData(extents, opts, e)
    if (first.type === AttrType.INDEX_ALLOCATION) {
      if (info.data) (e.indexAllocation ??= new Map()).set(first.name, info.data)
    } else e.streams.push(info)
  }
  return e
}

function withListedId(a: AttrHeader, entry: number, list: AttrListEntry[]): AttrHeader {
  const hit = list.find((l) => l.entry === entry && l.type === a.type && l.name === a.name && l.startVcn === a.startVcn)
  return hit && hit.id !== a.id ? {...a, id: hit.id} : a
}

function attrData(extents: Extent[], opts: BuildOptions, e: FileEntry): AttrData {
  const first = extents[0]!.header
  if (first.resident) {
    const buf = extents[0]!.buf
    return {resident: true, value: privateCopy(buf.subarray(first.valueOffset, first.valueOffset + first.valueLength)), runs: [], dataSize: first.valueLength, initializedSize: first.valueLength, compressionUnit: 0}
  }
  const runs = []
  for (const {header, buf} of extents) {
    if (header.resident) continue
    try {
      runs.push(...decodeRuns(buf, header.runsOffset, header.offset + header.length, header.startVcn, opts.clusterLimit))
    } catch (err) {
      if (err instanceof NtfsDamage) e.problems.push(err)
      else throw err
    }
  }
  return {
    resident: false,
    runs,
    dataSize: first.dataSize,
    initializedSize: Math.min(first.initializedSize, first.dataSize),
    compressionUnit: first.flags & ATTR_FLAG_COMPRESSED ? first.compressionUnit || 4 : 0,
  }
}

/**
 * The names to list for an entry, as Windows Explorer and `fls` show them: every name except a DOS 8.3 name
 * that shadows a long name in the same directory.
 */
export function listedNames(e: FileEntry): FileName[] {
  if (e.names.length <= 1) return e.names
  return e.names.filter((n) => n.namespace !== FileNameNamespace.DOS || !e.names.some((o) => o !== n && o.namespace !== FileNameNamespace.DOS && o.parentEntry === n.parentEntry))
}

/** The name used for an entry in paths: Win32 (or Win32+DOS) first, then POSIX, DOS last. */
export function preferredName(e: {names: FileName[]}): FileName | undefined {
  const rank = (ns: number): number => (ns === FileNameNamespace.WIN32_AND_DOS || ns === FileNameNamespace.WIN32 ? 0 : ns === FileNameNamespace.POSIX ? 1 : 2)
  let best: FileName | undefined
  for (const n of e.names) if (!best || rank(n.namespace) < rank(best.namespace)) best = n
  return best
}

/** The unnamed $DATA stream (the file's content), if any. */
export function defaultStream(e: FileEntry): StreamInfo | undefined {
  return e.streams.find((s) => s.type === AttrType.DATA && s.name === '')
}
