import type {NtTime} from './time.js'
import {tskSeconds} from './time.js'
import {AttrType} from './record.js'
import {listMft, type ListedName, type ListOptions} from './listing.js'
import type {Mft} from './mft.js'
import {listedNames} from './entry.js'

const FILE_ATTRIBUTE_READONLY = 0x1
const FILE_ATTRIBUTE_HIDDEN = 0x2

/**
 * Sleuth Kit 3.x body format (`MD5|name|inode|mode_as_string|UID|GID|size|atime|mtime|ctime|crtime`), written
 * the way `fls -r -m /` writes NTFS: one line per $FILE_NAME (name + " ($FILE_NAME)", its own times, the
 * attribute's value length as size) and one per $DATA stream or named index ("name:stream"; the $I30 index of
 * a directory and the unnamed $DATA carry the bare name), times from $STANDARD_INFORMATION, ctime = MFT-entry
 * modified. Deleted entries get " (deleted)" and a "-" name type. Mode: rwx for all, minus write when the file
 * is read-only or hidden. UID: the 32 bits at $STANDARD_INFORMATION offset 0x30 (the NTFS 3.0 owner id), read
 * as TSK reads them even from the 48-byte NTFS 1.2 form, where they are the next attribute's first bytes.
 */
export function bodyfileLines(l: ListedName, mountPoint = '/', nameStillIndexed = false): string[] {
  const e = l.entry
  const prefix = mountPoint.endsWith('/') ? mountPoint.slice(0, -1) : mountPoint
  const base = prefix + l.path
  const del = l.deleted ? ' (deleted)' : ''
  const metaType = e.isDirectory ? 'd' : 'r'
  // fls takes the name type from the directory index: a deleted file whose name is still in its parent's
  // $I30 keeps it; one known only from its MFT record has none ("-").
  const nameType = l.deleted && !nameStillIndexed ? '-' : metaType
  const flags = e.si?.flags ?? 0
  const perm = flags & (FILE_ATTRIBUTE_READONLY | FILE_ATTRIBUTE_HIDDEN) ? 'r-xr-xr-x' : 'rwxrwxrwx'
  const mode = `${nameType}/${metaType}${perm}`
  const uid = e.si?.tskOwnerField ?? 0
  const si = e.si
  const times = (a?: NtTime, m?: NtTime, c?: NtTime, cr?: NtTime): string => `${t(a)}|${t(m)}|${t(c)}|${t(cr)}`
  const siTimes = si ? times(si.accessed, si.modified, si.mftModified, si.created) : '0|0|0|0'
  const out: string[] = []
  // fls prints the last $FILE_NAME attribute's id, size and times for every name of the entry (hard links
  // included), and none when the names live in extension records; the JSONL listing gives each name its own.
  const last = l.name ? listedNames(e).at(-1) : undefined
  const n = last && !last.inExtension ? last : undefined
  const display = base
  if (n) {
    out.push(`0|${display} ($FILE_NAME)${del}|${e.entry}-48-${n.attrId}|${mode}|${uid}|0|${n.valueLength}|${times(n.accessed, n.modified, n.mftModified, n.created)}`)
  }
  let any = false
  for (const s of e.streams) {
    const primary = (s.type === AttrType.DATA && s.name === '') || (s.type === AttrType.INDEX_ROOT && s.name === '$I30' && e.isDirectory)
    const name = primary ? display : `${display}:${s.name}`
    out.push(`0|${name}${del}|${e.entry}-${s.type}-${s.id}|${mode}|${uid}|0|${s.size}|${siTimes}`)
    any = true
  }
  if (!n && !any) out.push(`0|${display}${del}|${e.entry}|${mode}|${uid}|0|0|${siTimes}`)
  return out
}

/** The Sleuth Kit's virtual directory holding orphans; its inode number is one past the last MFT entry. */
export function orphanDirectoryLine(mftEntries: number, mountPoint = '/'): string {
  const prefix = mountPoint.endsWith('/') ? mountPoint.slice(0, -1) : mountPoint
  return `0|${prefix}/$OrphanFiles|${mftEntries}|V/V---------|0|0|0|0|0|0|0`
}

function t(x: NtTime | undefined): number {
  return x ? tskSeconds(x) : 0
}

export interface BodyfileOptions extends ListOptions {
  mountPoint?: string
  /** Entry numbers named in a directory's $I30 index (a volume can tell; a standalone $MFT cannot). */
  directoryIndex?: (dirEntry: number) => Set<number>
  /** Sees every listed name (counting, diagnostics). */
  onName?: (l: ListedName) => void
}

/**
 * The whole volume (or standalone $MFT) as `fls -r -m` would list it: every name but the root's, then the
 * $OrphanFiles directory line. `write` receives chunks of lines ending in "\n".
 */
export function writeBodyfile(mft: Mft, write: (chunk: string) => void, opts: BodyfileOptions = {}): number {
  let buf = ''
  let lines = 0
  const indexed = new Map<number, Set<number>>()
  const stillIndexed = (l: ListedName): boolean => {
    if (!l.deleted || !l.name || !opts.directoryIndex) return false
    let set = indexed.get(l.name.parentEntry)
    if (!set) {
      set = opts.directoryIndex(l.name.parentEntry)
      indexed.set(l.name.parentEntry, set)
    }
    return set.has(l.entry.entry)
  }
  listMft(
    mft,
    (l) => {
      opts.onName?.(l)
      if (l.path === '') return
      for (const line of bodyfileLines(l, opts.mountPoint, stillIndexed(l))) {
        buf += line + '\n'
        lines++
      }
      if (buf.length > 256 * 1024) {
        write(buf)
        buf = ''
      }
    },
    opts,
  )
  if (!opts.deletedOnly) {
    buf += orphanDirectoryLine(mft.count, opts.mountPoint) + '\n'
    lines++
  }
  if (buf) write(buf)
  return lines
}
