import {Readable} from 'node:stream'
import type {EntryKind, SourceTree, TreeEntry} from '../artefacts/expand.js'
import {FileNameNamespace} from '../parsers/ntfs/attributes.js'
import type {FileEntry} from '../parsers/ntfs/entry.js'
import {ntTimeIso} from '../parsers/ntfs/time.js'
import type {NtfsVolume} from '../parsers/ntfs/volume.js'
import type {MacbTimes, NtfsItemFacts} from '../evidence/manifest-types.js'
import type {ByteSource} from '../parsers/image/types.js'

/** A reparse tag with the name-surrogate bit (junctions, symbolic links) names another path: never followed. */
const NAME_SURROGATE = 0x20000000
/** Directory listings kept per run (artefact patterns revisit a few directories many times). */
const MAX_CACHED_DIRS = 4096

interface Child {
  name: string
  entry: number
  sequence: number
}

function notFound(segments: string[], code: 'ENOENT' | 'ENOTDIR'): Error {
  return Object.assign(new Error(`${code}: ${segments.join('\\') || '\\'} ${code === 'ENOENT' ? 'does not exist' : 'is not a directory'} on the NTFS volume`), {code})
}

/**
 * An NTFS volume read straight from an image (or a live raw volume) as a source tree: directories from their
 * $I30 indexes, names compared case-insensitively, DOS 8.3 aliases dropped (the Win32/POSIX name is listed),
 * every hop checked against the child's sequence number so that a reused record is never mistaken for the
 * indexed file. Nothing is mounted and nothing is written.
 */
export class NtfsTree implements SourceTree {
  private readonly dirs = new Map<string, Map<string, Child>>()

  constructor(readonly volume: NtfsVolume) {}

  async list(segments: string[]): Promise<TreeEntry[]> {
    const children = this.children(segments)
    const out: TreeEntry[] = []
    for (const c of children.values()) {
      const e = this.volume.entry(c.entry)
      if (!e || !e.inUse || (c.sequence !== 0 && e.sequence !== c.sequence)) continue
      out.push({name: c.name, kind: entryKind(e)})
    }
    return out
  }

  /** `name:stream` of a file in `segments`, when the file has that named $DATA stream. */
  resolve(segments: string[], name: string): TreeEntry | undefined {
    const {file, stream} = splitStream(name)
    if (!stream) return undefined
    const e = this.entryAt([...segments, file])
    const s = e?.streams.find((x) => x.type === 0x80 && x.name.toUpperCase() === stream.toUpperCase())
    return e && s ? {name: `${e.names.find((n) => n.name.toUpperCase() === file.toUpperCase())?.name ?? file}:${s.name}`, kind: 'file'} : undefined
  }

  /** The entry at `segments` (the root for []), or undefined; a last segment `file:stream` names the file. */
  entryAt(segments: string[]): FileEntry | undefined {
    if (segments.length === 0) return this.volume.entry(5)
    const last = splitStream(segments.at(-1)!).file
    if (last !== segments.at(-1)) return this.entryAt([...segments.slice(0, -1), last])
    let kids: Map<string, Child>
    try {
      kids = this.children(segments.slice(0, -1))
    } catch {
      return undefined
    }
    const c = kids.get(segments.at(-1)!.toUpperCase())
    if (!c) return undefined
    const e = this.volume.entry(c.entry)
    return e && e.inUse && (c.sequence === 0 || e.sequence === c.sequence) ? e : undefined
  }

  private children(segments: string[]): Map<string, Child> {
    const key = segments.map((s) => s.toUpperCase()).join('\\')
    const hit = this.dirs.get(key)
    if (hit) return hit
    const dir = this.entryAt(segments)
    if (!dir) throw notFound(segments, 'ENOENT')
    if (!dir.isDirectory) throw notFound(segments, 'ENOTDIR')
    const kids = new Map<string, Child>()
    for (const x of this.volume.directoryEntries(dir)) {
      if (x.namespace === FileNameNamespace.DOS || x.name === '.' || x.entry === dir.entry) continue
      const k = x.name.toUpperCase()
      if (!kids.has(k)) kids.set(k, {name: x.name, entry: x.entry, sequence: x.sequence})
    }
    if (this.dirs.size >= MAX_CACHED_DIRS) this.dirs.clear()
    this.dirs.set(key, kids)
    return kids
  }
}

/** `name:stream` → its parts (Win32 names cannot contain ':'); `stream` is '' for the unnamed $DATA. */
export function splitStream(name: string): {file: string; stream: string} {
  const i = name.indexOf(':')
  return i < 0 ? {file: name, stream: ''} : {file: name.slice(0, i), stream: name.slice(i + 1)}
}

export function entryKind(e: FileEntry): EntryKind {
  if (e.reparse && (e.reparse.tag & NAME_SURROGATE) !== 0) return 'symlink'
  return e.isDirectory ? 'directory' : 'file'
}

/** The MFT reference, all eight timestamps and the flags of an entry, for the manifest item. */
export function ntfsFacts(e: FileEntry, name: string): NtfsItemFacts {
  const fn = e.names.find((n) => n.name.toUpperCase() === name.toUpperCase() && n.namespace !== FileNameNamespace.DOS) ?? e.names.find((n) => n.namespace !== FileNameNamespace.DOS) ?? e.names[0]
  const four = (t: {created: Parameters<typeof ntTimeIso>[0]; modified: Parameters<typeof ntTimeIso>[0]; mftModified: Parameters<typeof ntTimeIso>[0]; accessed: Parameters<typeof ntTimeIso>[0]}) => ({
    created: ntTimeIso(t.created),
    modified: ntTimeIso(t.modified),
    mft_modified: ntTimeIso(t.mftModified),
    accessed: ntTimeIso(t.accessed),
  })
  return {
    mft_ref: `${e.entry}-${e.sequence}`,
    si: e.si ? four(e.si) : null,
    fn: fn ? four(fn) : null,
    ...(e.si ? {attributes: '0x' + e.si.flags.toString(16).padStart(8, '0')} : {}),
  }
}

/** MACB as the manifest keeps it for every item: $STANDARD_INFORMATION (what Explorer shows). */
export function ntfsMacb(f: NtfsItemFacts): MacbTimes {
  return {modified: f.si?.modified ?? null, accessed: f.si?.accessed ?? null, changed: f.si?.mft_modified ?? null, born: f.si?.created ?? null}
}

/** A stream's bytes as a Node stream, read 1 MiB at a time (the source is synchronous and bounded). */
export function byteSourceStream(src: ByteSource, size = src.size): Readable {
  const step = 1 << 20
  let pos = 0
  return new Readable({
    highWaterMark: step,
    read() {
      try {
        if (pos >= size) {
          this.push(null)
          return
        }
        const b = src.read(pos, Math.min(step, size - pos))
        if (b.length === 0) {
          this.destroy(Object.assign(new Error(`stream ended at byte ${pos} of ${size}`), {code: 'EIO'}))
          return
        }
        pos += b.length
        this.push(Buffer.from(b.buffer, b.byteOffset, b.byteLength))
      } catch (e) {
        this.destroy(e as Error)
      }
    },
  })
}
