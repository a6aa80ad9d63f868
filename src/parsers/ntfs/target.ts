import type {FileEntry} from './entry.js'
import {AttrType} from './record.js'
import type {AttrStream} from './stream.js'
import type {NtfsVolume} from './volume.js'

/** What `ntfs cat` was asked for: an MFT address (`N`, `N-SEQ`, `N-TYPE-ID`) or a path, plus a stream name. */
export interface CatTarget {
  entry?: number
  sequence?: number
  type?: number
  id?: number
  path?: string
  stream: string
}

/**
 * Parses `<path | mft-ref>[:stream]`. A reference is all digits with optional `-SEQ` or `-TYPE-ID` (Sleuth Kit
 * style); anything else is a path. The stream follows the last ':' after the final path separator, so
 * `C:`-less Windows paths and `name:Zone.Identifier` both work.
 */
export function parseCatTarget(spec: string): CatTarget {
  const ref = /^(\d+)(?:-(\d+))?(?:-(\d+))?(?::(.*))?$/.exec(spec)
  if (ref) {
    const [, n, a, b, stream] = ref
    if (b !== undefined) return {entry: Number(n), type: Number(a), id: Number(b), stream: stream ?? ''}
    return {entry: Number(n), sequence: a === undefined ? undefined : Number(a), stream: stream ?? ''}
  }
  const lastSep = Math.max(spec.lastIndexOf('/'), spec.lastIndexOf('\\'))
  const colon = spec.indexOf(':', lastSep + 1)
  // "C:\..." — a drive letter is not a stream separator.
  if (colon > 0 && !(colon === 1 && lastSep < 0 && /^[A-Za-z]$/.test(spec[0]!)) && !(colon === 1 && lastSep === 2)) {
    return {path: spec.slice(0, colon), stream: spec.slice(colon + 1)}
  }
  return {path: spec.replace(/^[A-Za-z]:(?=[\\/])/, ''), stream: ''}
}

export type CatResult = {entry: FileEntry; stream: AttrStream} | {error: 'not-found' | 'sequence' | 'no-stream'; message: string}

export function resolveCatTarget(vol: NtfsVolume, t: CatTarget): CatResult {
  const e = t.path !== undefined ? vol.lookup(t.path) : vol.entry(t.entry!)
  if (!e) return {error: 'not-found', message: t.path !== undefined ? `no file at ${t.path}` : `MFT entry ${t.entry} is not a usable base record`}
  if (t.sequence !== undefined && t.sequence !== e.sequence) {
    return {error: 'sequence', message: `MFT entry ${e.entry} has sequence ${e.sequence}, not ${t.sequence} (the entry was reused)`}
  }
  const stream = t.type !== undefined ? vol.openStreamById(e, t.type, t.id!) : vol.openStream(e, t.stream)
  if (!stream) {
    const names = e.streams.filter((s) => s.type === AttrType.DATA).map((s) => (s.name ? `:${s.name}` : '(unnamed)'))
    return {error: 'no-stream', message: `MFT entry ${e.entry} has no such stream (streams: ${names.join(', ') || 'none'})`}
  }
  return {entry: e, stream}
}
