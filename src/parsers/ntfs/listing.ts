import type {FileName} from './attributes.js'
import {listedNames, type FileEntry} from './entry.js'
import {ROOT_ENTRY, type Mft} from './mft.js'
import type {MftRecord} from './record.js'

/** One name of one file: what a listing line (bodyfile or JSONL) is made of. */
export interface ListedName {
  entry: FileEntry
  /** The $FILE_NAME this path is built from; undefined for a record with no name (listed as OrphanFile-N). */
  name?: FileName
  /** Full path from the root, "/" separated ("/Users/bob/x.txt"); the root itself is "". */
  path: string
  /** The MFT entry is not in use (the file was deleted). */
  deleted: boolean
  /** The parent chain is broken: the path is rooted at "/$OrphanFiles". */
  orphan: boolean
}

export interface ListOptions {
  /** Only names of deleted entries. */
  deletedOnly?: boolean
}

/**
 * Every name of every file in MFT order, two passes over the $MFT (directories first, then files), so memory is
 * proportional to the number of directories. Paths follow parent references with sequence checks.
 */
export function listMft(mft: Mft, fn: (l: ListedName) => void, opts: ListOptions = {}): void {
  mft.index()
  for (const block of mft.recordBlocks()) for (const rec of block) namesOf(mft, rec, fn, opts)
}

/** The same names as listMft, as a generator (for consumers that yield events as they go). */
export function* iterateMft(mft: Mft, opts: ListOptions = {}): Generator<ListedName> {
  mft.index()
  const batch: ListedName[] = []
  for (const block of mft.recordBlocks()) {
    for (const rec of block) namesOf(mft, rec, (l) => batch.push(l), opts)
    yield* batch
    batch.length = 0
  }
}

function namesOf(mft: Mft, rec: MftRecord, fn: (l: ListedName) => void, opts: ListOptions): void {
  if (rec.baseEntry !== 0) return
  if (opts.deletedOnly && rec.inUse) return
  const e = mft.build(rec)
  const deleted = !e.inUse
  const names = listedNames(e)
  if (names.length === 0) {
    // A deleted record that still holds attributes is a file whose name is lost (`fls` lists these as
    // $OrphanFiles/OrphanFile-N); an in-use nameless record is a reserved system record, an empty one holds nothing.
    if (e.entry !== ROOT_ENTRY && !e.inUse && rec.attrs.length > 0) fn({entry: e, path: `/$OrphanFiles/OrphanFile-${e.entry}`, deleted, orphan: true})
    return
  }
  for (const n of names) {
    if (e.entry === ROOT_ENTRY) {
      fn({entry: e, name: n, path: '', deleted, orphan: false})
      continue
    }
    const parent = mft.directoryPath(n.parentEntry, n.parentSequence)
    fn({entry: e, name: n, path: `${parent.path}/${n.name}`, deleted, orphan: parent.orphan})
  }
}
