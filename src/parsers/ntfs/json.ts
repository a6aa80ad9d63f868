import {FileNameNamespace, type FileName} from './attributes.js'
import {defaultStream} from './entry.js'
import type {ListedName} from './listing.js'
import {AttrType} from './record.js'
import {ntTimeIso, type NtTime} from './time.js'

const NAMESPACES = ['posix', 'win32', 'dos', 'win32+dos']

export interface MacbTimes {
  created: string | null
  modified: string | null
  mftModified: string | null
  accessed: string | null
}

/** One listing line as JSON: the name, its MFT address, both sets of MACB times, streams and flags. */
export interface NtfsFileRecord {
  path: string
  name: string | null
  entry: number
  sequence: number
  parentEntry: number | null
  parentSequence: number | null
  namespace: string | null
  directory: boolean
  deleted: boolean
  orphan: boolean
  /** Size of the unnamed $DATA (files) or null (directories, and files without one). */
  size: number | null
  /** FILE_ATTRIBUTE_* flags of $STANDARD_INFORMATION. */
  attributes: number | null
  si: MacbTimes | null
  fn: MacbTimes | null
  streams: {name: string; type: 'data' | 'index'; size: number; resident: boolean}[]
  reparse?: {tag: string; target?: string}
  /** Decoding problems of this entry (codes are stable). */
  problems?: string[]
}

function macb(c: NtTime, m: NtTime, mc: NtTime, a: NtTime): MacbTimes {
  return {created: ntTimeIso(c), modified: ntTimeIso(m), mftModified: ntTimeIso(mc), accessed: ntTimeIso(a)}
}

function fnTimes(n: FileName): MacbTimes {
  return macb(n.created, n.modified, n.mftModified, n.accessed)
}

export function fileRecord(l: ListedName): NtfsFileRecord {
  const e = l.entry
  const n = l.name
  const data = defaultStream(e)
  const r: NtfsFileRecord = {
    path: l.path === '' ? '/' : l.path,
    name: n?.name ?? null,
    entry: e.entry,
    sequence: e.sequence,
    parentEntry: n?.parentEntry ?? null,
    parentSequence: n?.parentSequence ?? null,
    namespace: n ? (NAMESPACES[n.namespace] ?? String(n.namespace)) : null,
    directory: e.isDirectory,
    deleted: l.deleted,
    orphan: l.orphan,
    size: data ? data.size : null,
    attributes: e.si?.flags ?? null,
    si: e.si ? macb(e.si.created, e.si.modified, e.si.mftModified, e.si.accessed) : null,
    fn: n ? fnTimes(n) : null,
    streams: e.streams.map((s) => ({name: s.name, type: s.type === AttrType.INDEX_ROOT ? 'index' : 'data', size: s.size, resident: s.resident})),
  }
  if (e.reparse) {
    r.reparse = {tag: `0x${e.reparse.tag.toString(16).padStart(8, '0')}`}
    const target = e.reparse.printName || e.reparse.substituteName
    if (target) r.reparse.target = target
  }
  if (e.problems.length) r.problems = e.problems.map((p) => p.code)
  return r
}

export {FileNameNamespace}
