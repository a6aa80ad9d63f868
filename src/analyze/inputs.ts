import {createReadStream} from 'node:fs'
import {lstat, opendir, readFile} from 'node:fs/promises'
import {join} from 'node:path'
import {pipeline} from 'node:stream/promises'
import {Transform, Writable} from 'node:stream'
import {createWriteStream} from 'node:fs'
import {RatchetError, errorMessage} from '../core/errors.js'
import {createHash} from 'node:crypto'
import {formatUnix100ns} from '../core/time.js'
import type {Manifest} from '../evidence/manifest-types.js'

/** One file analyze may read: where it is now, what the evidence says about it. */
export interface FileJob {
  /** Member path (archive path, or path relative to the image root), forward slashes. */
  member: string
  /** Absolute path to read (extracted member, file under the collection folder, or image file). */
  path: string
  /** Known SHA-256 (manifest / extraction); undefined for image files until copied. */
  sha256?: string
  artefact?: string
  originalPath?: string
  mtime?: string
  size?: number
}

export const COLLECTION_METADATA = new Set(['manifest.json', 'SHA256SUMS', 'collection.log.jsonl'])

export async function readManifestFile(path: string): Promise<Manifest> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (e) {
    throw new RatchetError('E_INPUT_READ', `cannot read manifest.json: ${errorMessage(e)}`, {file: path})
  }
  let m: unknown
  try {
    m = JSON.parse(text)
  } catch (e) {
    throw new RatchetError('E_INPUT_FORMAT', `manifest.json is not JSON: ${errorMessage(e)}`, {file: path})
  }
  const man = m as Partial<Manifest>
  if (!man || typeof man !== 'object' || typeof man.format !== 'string' || !man.format.startsWith('ratchet-manifest/') || !Array.isArray(man.items)) {
    throw new RatchetError('E_INPUT_FORMAT', 'manifest.json is not a ratchet manifest', {file: path})
  }
  return man as Manifest
}

/** SHA-256 of a file, streamed once. */
export async function hashFile(path: string): Promise<{sha256: string; size: number}> {
  const h = createHash('sha256')
  let size = 0
  await pipeline(
    createReadStream(path, {highWaterMark: 1 << 20}),
    new Writable({
      write(chunk: Buffer, _e, cb) {
        h.update(chunk)
        size += chunk.length
        cb()
      },
    }),
  )
  return {sha256: h.digest('hex'), size}
}

/**
 * Copies a file to a private location, hashing the bytes as they are read (one read of the evidence).
 * SHA-256 only: events reference files by SHA-256, and the other two digests would cost more than the copy.
 */
export async function copyHashed(src: string, dest: string): Promise<{sha256: string; size: number}> {
  const h = createHash('sha256')
  let size = 0
  const hashing = new Transform({
    transform(chunk: Buffer, _e, cb) {
      h.update(chunk)
      size += chunk.length
      cb(null, chunk)
    },
  })
  await pipeline(createReadStream(src, {highWaterMark: 1 << 20}), hashing, createWriteStream(dest, {flags: 'wx', mode: 0o600}))
  return {sha256: h.digest('hex'), size}
}


/**
 * Walks a mounted image without following links. Returns regular files (sorted by member) and the
 * symbolic links met (reported, never followed).
 */
export async function walkImage(root: string, accept: (member: string) => boolean, maxFiles = 5_000_000): Promise<{files: FileJob[]; links: string[]; seen: number}> {
  const files: FileJob[] = []
  const links: string[] = []
  let seen = 0
  const stack: string[] = ['']
  while (stack.length) {
    const rel = stack.pop()!
    let dir
    try {
      dir = await opendir(join(root, rel))
    } catch {
      continue
    }
    for await (const d of dir) {
      const member = rel ? `${rel}/${d.name}` : d.name
      if (d.isSymbolicLink()) {
        if (accept(member)) links.push(member)
        continue
      }
      if (d.isDirectory()) {
        stack.push(member)
        continue
      }
      if (!d.isFile()) continue
      if (++seen > maxFiles) throw new RatchetError('E_INPUT_FORMAT', `more than ${maxFiles} files under the image root`, {root})
      if (!accept(member)) continue
      const abs = join(root, member)
      // Full-precision mtime (ns → 100 ns), as collect records it, so image and archive runs agree.
      const st = await lstat(abs, {bigint: true})
      files.push({member, path: abs, size: Number(st.size), mtime: formatUnix100ns(st.mtimeNs / 100n)})
    }
  }
  files.sort((a, b) => (a.member < b.member ? -1 : a.member > b.member ? 1 : 0))
  links.sort()
  return {files, links, seen}
}
