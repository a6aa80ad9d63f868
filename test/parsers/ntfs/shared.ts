import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {pipeline} from 'node:stream/promises'
import {Writable} from 'node:stream'
import * as zlib from 'node:zlib'
import {sharedSamplesDir} from '../evtx/shared.js'

/** The shared NTFS samples (see the EVTX locator for where they are looked for). */
export function sharedNtfsDir(): string | undefined {
  return sharedSamplesDir('ntfs')
}

export const SKIP_MESSAGE = 'shared NTFS samples not found (set RATCHET_SHARED or provide ../shared/samples/ntfs): skipped'

export interface NtfsIndexFile {
  file: string
  kind: string
  content_sha256?: string
  sha256: string
  content_size_bytes?: number
  size_bytes: number
  references?: Record<string, {command?: string; exit_code?: number; output: string}>
  expected?: Record<string, unknown> & {
    structural_walk?: Record<string, unknown>
    generated?: {
      deleted?: {path: string; inode: number; size: number; sha256: string}[]
      ads?: {path: string; stream: string; size: number; sha256: string}[]
      usn_records?: {usn: number; frn_entry: number; frn_seq: number; parent_entry: number; reason: string; name: string; timestamp: string}[]
    }
    boot_sector?: Record<string, unknown>
    fls_deleted_names_excluding_orphan_placeholders?: string[]
    fls_ads?: string[]
  }
}

export function loadNtfsIndex(dir: string): NtfsIndexFile[] {
  return (JSON.parse(fs.readFileSync(path.join(dir, 'INDEX.json'), 'utf8')) as {files: NtfsIndexFile[]}).files
}

export function readNtfsReference(dir: string, name: string): string {
  const plain = path.join(dir, name)
  if (name.endsWith('.gz')) return zlib.gunzipSync(fs.readFileSync(plain)).toString('utf8')
  if (fs.existsSync(plain)) return fs.readFileSync(plain, 'utf8')
  return zlib.gunzipSync(fs.readFileSync(plain + '.gz')).toString('utf8')
}

/**
 * The sample's content as a plain file: the file itself, or (for `.gz`) a copy decompressed once into the
 * temp dir (keyed by content hash, reused across runs), written sparse so a 1 GiB mostly-zero image costs
 * little disk.
 */
export async function samplePath(dir: string, f: NtfsIndexFile): Promise<string> {
  const src = path.join(dir, f.file)
  if (!f.file.endsWith('.gz')) return src
  const cacheDir = path.join(os.tmpdir(), 'ratchet-ntfs-samples')
  fs.mkdirSync(cacheDir, {recursive: true})
  const out = path.join(cacheDir, `${(f.content_sha256 ?? f.sha256).slice(0, 16)}-${f.file.slice(0, -3)}`)
  if (fs.existsSync(out) && fs.statSync(out).size === f.content_size_bytes) return out
  const tmp = `${out}.${process.pid}.tmp`
  const fd = fs.openSync(tmp, 'w')
  let pos = 0
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      let nonZero = false
      for (let i = 0; i < chunk.length; i += 8) if (chunk[i] || chunk[i + 1] || chunk[i + 2] || chunk[i + 3] || chunk[i + 4] || chunk[i + 5] || chunk[i + 6] || chunk[i + 7]) {
        nonZero = true
        break
      }
      if (nonZero) fs.writeSync(fd, chunk, 0, chunk.length, pos)
      pos += chunk.length
      cb()
    },
  })
  await pipeline(fs.createReadStream(src), zlib.createGunzip({chunkSize: 1 << 20}), sink)
  fs.ftruncateSync(fd, pos)
  fs.closeSync(fd)
  fs.renameSync(tmp, out)
  return out
}
