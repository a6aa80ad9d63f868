import {type Dirent} from 'node:fs'
import {readdir} from 'node:fs/promises'
import {join} from 'node:path'
import {osErrorCode} from '../core/errors.js'

/**
 * Expands artefact paths (`%ProgramData%\AnyDesk\**`, `~/.anydesk/*.trace`) into concrete files of a source
 * tree. Path segments are resolved by reading directories, never by joining strings, so that on a
 * case-sensitive mount of a Windows volume `windows\system32` still finds `Windows/System32` (tinyglobby
 * does not apply case-insensitivity to literal segments). Symbolic links are never descended into: a link to
 * a directory is reported, not followed, so the walk cannot leave the source root or loop.
 */

export type SourceOs = 'windows' | 'linux'

export type EntryKind = 'file' | 'directory' | 'symlink' | 'fifo' | 'socket' | 'block-device' | 'char-device' | 'other'

export interface Match {
  /** Path segments below the source root, in the case found on disk. */
  segments: string[]
  kind: EntryKind
  /** True when the pattern's last segment named this entry literally (no wildcard). */
  literal: boolean
}

export interface WalkNotice {
  event: 'symlink-dir-not-followed' | 'dir-unreadable' | 'max-depth-reached'
  segments: string[]
  error?: string
}

/** One directory entry as a source tree reports it. */
export interface TreeEntry {
  name: string
  kind: EntryKind
}

/**
 * Where the files come from: a mounted or live directory tree, or a file system read straight from an image
 * (src/collect/ntfs-tree.ts). `list` returns the entries of a directory, or throws an error whose `code` is
 * ENOENT/ENOTDIR when it is absent (anything else is reported as an unreadable directory).
 */
export interface SourceTree {
  list(segments: string[]): Promise<TreeEntry[]>
  /** A literal name the listing does not show (an NTFS stream `file:stream`), or undefined. */
  resolve?(segments: string[], name: string): TreeEntry | undefined
}

/** A directory on a mounted or live file system. */
export class DirectoryTree implements SourceTree {
  constructor(readonly root: string) {}

  async list(segments: string[]): Promise<TreeEntry[]> {
    const entries = await readdir(segments.length ? join(this.root, ...segments) : this.root, {withFileTypes: true})
    return entries.map((d) => ({name: d.name, kind: direntKind(d)}))
  }
}

export function direntKind(d: Dirent): EntryKind {
  if (d.isFile()) return 'file'
  if (d.isDirectory()) return 'directory'
  if (d.isSymbolicLink()) return 'symlink'
  if (d.isFIFO()) return 'fifo'
  if (d.isSocket()) return 'socket'
  if (d.isBlockDevice()) return 'block-device'
  if (d.isCharacterDevice()) return 'char-device'
  return 'other'
}

const WIN_VARS: Record<string, string[]> = {
  '%systemroot%': ['Windows'],
  '%windir%': ['Windows'],
  '%systemdrive%': [],
  '%programdata%': ['ProgramData'],
  '%allusersprofile%': ['ProgramData'],
  '%programfiles%': ['Program Files'],
  '%programfiles(x86)%': ['Program Files (x86)'],
}

const PER_USER: Record<string, string[]> = {
  '%userprofile%': [],
  '%appdata%': ['AppData', 'Roaming'],
  '%localappdata%': ['AppData', 'Local'],
  '%temp%': ['AppData', 'Local', 'Temp'],
}

/** Service-account profiles that hold per-user artefacts of services (ScreenConnect, AnyDesk run as SYSTEM). */
export const WINDOWS_SYSTEM_PROFILES: string[][] = [
  ['Windows', 'System32', 'config', 'systemprofile'],
  ['Windows', 'SysWOW64', 'config', 'systemprofile'],
  ['Windows', 'ServiceProfiles', 'LocalService'],
  ['Windows', 'ServiceProfiles', 'NetworkService'],
]

export function isWildcard(seg: string): boolean {
  return /[*?]/.test(seg)
}

function segmentRegex(seg: string, caseInsensitive: boolean): RegExp {
  const body = seg
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('')
  return new RegExp(`^${body}$`, caseInsensitive ? 'is' : 's')
}

/**
 * Turns one definition path into segment patterns below the source root. `profiles` lists the user profile
 * directories (segments) found on the source; per-user variables expand over every one of them.
 */
export function expandPattern(pattern: string, os: SourceOs, profiles: string[][]): string[][] {
  if (os === 'linux') {
    const p = pattern.trim()
    if (p.startsWith('~/') || p === '~') {
      const rest = p.slice(2).split('/').filter(Boolean)
      return profiles.map((home) => [...home, ...rest])
    }
    return [p.split('/').filter(Boolean)]
  }
  let p = pattern.trim().replace(/\//g, '\\')
  p = p.replace(/^[A-Za-z]:\\?/, '')
  const raw = p.split('\\').filter(Boolean)
  let results: string[][] = [[]]
  for (const seg of raw) {
    const low = seg.toLowerCase()
    if (low in WIN_VARS) {
      results = results.map((r) => [...r, ...WIN_VARS[low]!])
    } else if (low in PER_USER) {
      const next: string[][] = []
      for (const r of results) for (const prof of profiles) next.push([...r, ...prof, ...PER_USER[low]!])
      results = next
    } else if (/^%[^%]+%$/.test(seg)) {
      // An unknown variable must not silently become a literal folder name.
      throw new Error(`unknown path variable ${seg}`)
    } else {
      results = results.map((r) => [...r, seg])
    }
  }
  return results
}

/** Reads directories below one root, case-insensitively for Windows sources, with a cache per run. */
export class TreeReader {
  private readonly cache = new Map<string, TreeEntry[] | null>()
  readonly notices: WalkNotice[] = []

  constructor(
    readonly root: string,
    readonly os: SourceOs,
    readonly tree: SourceTree = new DirectoryTree(root),
  ) {}

  abs(segments: string[]): string {
    return segments.length ? join(this.root, ...segments) : this.root
  }

  async list(segments: string[]): Promise<TreeEntry[] | null> {
    const key = segments.join('\u0000')
    if (this.cache.has(key)) return this.cache.get(key)!
    let entries: TreeEntry[] | null
    try {
      entries = await this.tree.list(segments)
      entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    } catch (e) {
      const code = osErrorCode(e)
      if (code !== 'ENOENT' && code !== 'ENOTDIR') this.notices.push({event: 'dir-unreadable', segments, error: code ?? String(e)})
      entries = null
    }
    this.cache.set(key, entries)
    return entries
  }

  /** Entries of `segments` whose name matches `seg` (literal or wildcard). */
  async match(segments: string[], seg: string): Promise<TreeEntry[]> {
    const entries = await this.list(segments)
    if (!entries) return []
    if (isWildcard(seg)) {
      const re = segmentRegex(seg, this.os === 'windows')
      return entries.filter((e) => re.test(e.name))
    }
    if (this.os === 'windows') {
      const low = seg.toLowerCase()
      const found = entries.filter((e) => e.name.toLowerCase() === low)
      const extra = found.length === 0 ? this.tree.resolve?.(segments, seg) : undefined
      return extra ? [extra] : found
    }
    return entries.filter((e) => e.name === seg)
  }

  /** User profile directories: `Users\*` (real directories only) plus the service profiles; `/root`, `/home/*`. */
  async profiles(): Promise<string[][]> {
    const out: string[][] = []
    if (this.os === 'windows') {
      for (const users of await this.match([], 'Users')) {
        if (users.kind !== 'directory') continue
        for (const u of (await this.list([users.name])) ?? []) if (u.kind === 'directory') out.push([users.name, u.name])
      }
      for (const sp of WINDOWS_SYSTEM_PROFILES) {
        const found = await this.resolveLiteral(sp)
        out.push(...found.filter((m) => m.kind === 'directory').map((m) => m.segments))
      }
    } else {
      for (const r of await this.match([], 'root')) if (r.kind === 'directory') out.push([r.name])
      for (const home of await this.match([], 'home')) {
        if (home.kind !== 'directory') continue
        for (const u of (await this.list([home.name])) ?? []) if (u.kind === 'directory') out.push([home.name, u.name])
      }
    }
    return out
  }

  private async resolveLiteral(segs: string[]): Promise<Match[]> {
    const out: Match[] = []
    for await (const m of this.walk([], segs, 0)) out.push(m)
    return out
  }

  /**
   * Yields every entry matching the segment pattern. `**` matches zero or more directories, at most
   * `maxDepth` deep. Intermediate symlinks to directories are not followed (recorded as notices).
   */
  async *walk(base: string[], rest: string[], maxDepth: number): AsyncGenerator<Match> {
    if (rest.length === 0) return
    const [seg, ...tail] = rest as [string, ...string[]]
    if (seg === '**') {
      if (tail.length === 0) {
        yield* this.descendants(base, maxDepth)
        return
      }
      yield* this.walk(base, tail, maxDepth)
      if (maxDepth <= 0) return
      for (const e of (await this.list(base)) ?? []) {
        if (e.kind === 'directory') yield* this.walk([...base, e.name], rest, maxDepth - 1)
      }
      return
    }
    for (const e of await this.match(base, seg)) {
      const segs = [...base, e.name]
      const kind = e.kind
      if (tail.length === 0) {
        yield {segments: segs, kind, literal: !isWildcard(seg)}
      } else if (kind === 'directory') {
        yield* this.walk(segs, tail, maxDepth)
      } else if (kind === 'symlink') {
        this.notices.push({event: 'symlink-dir-not-followed', segments: segs})
      }
    }
  }

  /** Every entry below `base` (not `base` itself), depth-first in name order, at most `maxDepth` levels. */
  async *descendants(base: string[], maxDepth: number): AsyncGenerator<Match> {
    for (const e of (await this.list(base)) ?? []) {
      const segs = [...base, e.name]
      const kind = e.kind
      if (kind === 'directory') {
        if (maxDepth > 0) yield* this.descendants(segs, maxDepth - 1)
        else this.notices.push({event: 'max-depth-reached', segments: segs})
      } else {
        yield {segments: segs, kind, literal: false}
      }
    }
  }
}
