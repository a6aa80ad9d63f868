import {spawnSync} from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {loadNtfsIndex, samplePath, sharedNtfsDir} from '../ntfs/shared.js'

export {sharedNtfsDir}

export const SKIP_SHARED = 'shared NTFS samples not found (set RATCHET_SHARED or provide ../shared/samples/ntfs): skipped'

export interface IndexEntry {
  file: string
  kind: string
  content_sha256?: string
  expected?: {media_sha256?: string; media_size_bytes?: number; ntfs_partition_offset_bytes?: number | null}
}

export function ntfsIndex(dir: string): IndexEntry[] {
  return (JSON.parse(fs.readFileSync(path.join(dir, 'INDEX.json'), 'utf8')) as {files: IndexEntry[]}).files
}

/** A sample as a plain file: `.gz` ones decompressed once into the cache the NTFS tests share (samplePath). */
export async function materialise(dir: string, name: string): Promise<string> {
  const f = loadNtfsIndex(dir).find((x) => x.file === name)
  if (!f) throw new Error(`${name} is not in ${dir}/INDEX.json`)
  return samplePath(dir, f)
}

export interface MmlsRow {
  start: number
  length: number
  type: string
}

/** The allocated partition rows of an `mmls` output (slot `NNN:NNN` or `NNN`), with the MBR type as 0xNN or the description. */
export function mmlsPartitions(text: string): MmlsRow[] {
  const rows: MmlsRow[] = []
  for (const line of text.split('\n')) {
    const m = /^\d+:\s+(\d+(?::\d+)?)\s+(\d+)\s+(\d+)\s+(\d+)\s+(.*)$/.exec(line)
    if (!m) continue
    const t = /\((0x[0-9a-f]{2})\)\s*$/i.exec(m[5]!)
    rows.push({start: Number(m[2]), length: Number(m[4]), type: t ? t[1]!.toLowerCase() : m[5]!.trim()})
  }
  return rows
}

export function hasTool(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`]).status === 0
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `ratchet-${prefix}-`))
}
