import {diag, type Diagnostic} from '../core/diagnostics.js'
import {writeBodyfile} from '../parsers/ntfs/bodyfile.js'
import {fileRecord} from '../parsers/ntfs/json.js'
import {listMft} from '../parsers/ntfs/listing.js'
import type {Mft} from '../parsers/ntfs/mft.js'

export type ListFormat = 'bodyfile' | 'jsonl'

export interface ListSummary {
  records: number
  lines: number
  deleted: number
  orphans: number
  diagnostics: Diagnostic[]
}

const MAX_ENTRY_DIAGNOSTICS = 1000

/**
 * Lists every name of an $MFT (of a volume, or a standalone file) as bodyfile or JSON lines, with the damage
 * met as diagnostics: unusable records (bad signature, "BAAD", broken header) and per-entry problems (torn
 * writes, bad run lists, truncated attributes).
 */
export function listNames(
  mft: Mft,
  format: ListFormat,
  write: (chunk: string) => void,
  opts: {deletedOnly?: boolean; directoryIndex?: (n: number) => Set<number>; file?: string} = {},
): ListSummary {
  const s: ListSummary = {records: mft.count, lines: 0, deleted: 0, orphans: 0, diagnostics: []}
  const seen = new Set<number>()
  const noteProblems = (entry: number, problems: {code: string; message: string; offset?: number}[]): void => {
    if (problems.length === 0 || seen.has(entry)) return
    seen.add(entry)
    for (const p of problems) {
      if (s.diagnostics.length >= MAX_ENTRY_DIAGNOSTICS) return
      s.diagnostics.push(diag(p.code, 'warning', p.message, {file: opts.file, record: entry, offset: entry * mft.recordSize + (p.offset ?? 0)}))
    }
  }
  if (format === 'bodyfile') {
    s.lines = writeBodyfile(mft, write, {deletedOnly: opts.deletedOnly, directoryIndex: opts.directoryIndex, onName: (l) => {
        if (l.deleted) s.deleted++
        if (l.orphan) s.orphans++
        noteProblems(l.entry.entry, l.entry.problems)
      }})
  } else {
    let buf = ''
    listMft(
      mft,
      (l) => {
        if (l.deleted) s.deleted++
        if (l.orphan) s.orphans++
        noteProblems(l.entry.entry, l.entry.problems)
        buf += JSON.stringify(fileRecord(l)) + '\n'
        s.lines++
        if (buf.length > 256 * 1024) {
          write(buf)
          buf = ''
        }
      },
      {deletedOnly: opts.deletedOnly},
    )
    if (buf) write(buf)
  }
  for (const p of mft.problems) {
    s.diagnostics.push(diag(`NTFS_RECORD_${p.status.toUpperCase().replace(/-/g, '_')}`, 'error', `MFT record ${p.entry} is not a usable FILE record (${p.status})`, {file: opts.file, record: p.entry, offset: p.offset}))
  }
  return s
}
