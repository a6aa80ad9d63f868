import {createWriteStream} from 'node:fs'
import {mkdir} from 'node:fs/promises'
import {dirname, resolve, sep} from 'node:path'
import {pipeline} from 'node:stream/promises'
import {Transform} from 'node:stream'
import yauzl, {type Entry, type ZipFile} from 'yauzl'
import {RatchetError, errorMessage} from '../core/errors.js'
import {MultiHasher} from '../core/hashing.js'

/**
 * Safe extraction of a zip evidence archive into a private temp folder, hashing every member as it is
 * written. Rejected (never written): absolute paths, drive letters, backslashes, `..` components, symbolic
 * links, duplicate names, members whose declared size or compression ratio is a zip bomb, and members whose
 * data does not match the declared size (yauzl validates that while streaming). A rejection is a finding
 * about the evidence: it is returned, and the caller fails verification with it.
 */
export interface ZipLimits {
  /** Largest single member (uncompressed). */
  maxMemberBytes: number
  /** Largest total of all members (uncompressed). */
  maxTotalBytes: number
  /** Highest uncompressed/compressed ratio accepted for members over 1 MiB. */
  maxRatio: number
  maxEntries: number
}

export const DEFAULT_ZIP_LIMITS: ZipLimits = {
  maxMemberBytes: 8 * 1024 ** 3,
  maxTotalBytes: 64 * 1024 ** 3,
  maxRatio: 1000,
  maxEntries: 1_000_000,
}

export interface ExtractedMember {
  name: string
  path: string
  size: number
  sha256: string
}

export interface ZipExtraction {
  members: ExtractedMember[]
  rejected: {name: string; reason: string}[]
}

const S_IFMT = 0o170000
const S_IFLNK = 0o120000

export function memberNameProblem(name: string): string | undefined {
  if (name === '' || name.includes('\u0000')) return 'empty name or NUL in name'
  const v = yauzl.validateFileName(name)
  if (v) return v
  if (name.split('/').some((c) => c === '.')) return `invalid relative path: ${name}`
  return undefined
}

function openZip(path: string): Promise<ZipFile> {
  return new Promise((res, rej) => {
    yauzl.open(path, {lazyEntries: true, decodeStrings: false, validateEntrySizes: true, autoClose: true}, (err, zf) => (err ? rej(err) : res(zf)))
  })
}

function entryStream(zf: ZipFile, e: Entry): Promise<NodeJS.ReadableStream> {
  return new Promise((res, rej) => zf.openReadStream(e, (err, s) => (err ? rej(err) : res(s))))
}

export async function extractZip(archive: string, dest: string, limits: ZipLimits = DEFAULT_ZIP_LIMITS): Promise<ZipExtraction> {
  let zf: ZipFile
  try {
    zf = await openZip(archive)
  } catch (e) {
    throw new RatchetError('E_INPUT_FORMAT', `not a readable zip archive: ${errorMessage(e)}`, {file: archive})
  }
  const root = resolve(dest)
  const out: ZipExtraction = {members: [], rejected: []}
  const seen = new Set<string>()
  let total = 0
  let count = 0
  const reject = (name: string, reason: string): void => void out.rejected.push({name, reason})
  await new Promise<void>((res, rej) => {
    zf.on('error', rej)
    zf.on('end', () => res())
    zf.on('entry', (e: Entry) => {
      void (async () => {
        const raw = e.fileName as unknown as Buffer | string
        const name = typeof raw === 'string' ? raw : new TextDecoder().decode(raw)
        count++
        if (count > limits.maxEntries) {
          reject(name, `more than ${limits.maxEntries} entries`)
          return
        }
        const problem = memberNameProblem(name)
        if (problem) return reject(name, `unsafe path (${problem})`)
        const mode = (e.externalFileAttributes >>> 16) & S_IFMT
        if (mode === S_IFLNK) return reject(name, 'symbolic link')
        if (name.endsWith('/')) return
        if (seen.has(name.toLowerCase())) return reject(name, 'duplicate member name')
        seen.add(name.toLowerCase())
        if ((e.generalPurposeBitFlag & 1) === 1) {
          throw new RatchetError('E_PASSWORD', 'the archive is encrypted; this build extracts encrypted archives only through the collect module', {file: archive})
        }
        if (e.uncompressedSize > limits.maxMemberBytes) return reject(name, `zip bomb: declared size ${e.uncompressedSize} exceeds ${limits.maxMemberBytes}`)
        if (total + e.uncompressedSize > limits.maxTotalBytes) return reject(name, `zip bomb: total size would exceed ${limits.maxTotalBytes}`)
        if (e.uncompressedSize > 1024 * 1024 && e.uncompressedSize / Math.max(1, e.compressedSize) > limits.maxRatio) {
          return reject(name, `zip bomb: compression ratio ${Math.round(e.uncompressedSize / Math.max(1, e.compressedSize))} exceeds ${limits.maxRatio}`)
        }
        const target = resolve(root, ...name.split('/'))
        if (!target.startsWith(root + sep)) return reject(name, 'unsafe path (resolves outside the extraction folder)')
        await mkdir(dirname(target), {recursive: true})
        const hasher = new MultiHasher()
        let written = 0
        const counter = new Transform({
          transform(chunk: Buffer, _enc, cb) {
            written += chunk.length
            if (written > e.uncompressedSize) return cb(new Error('member data larger than declared (zip bomb)'))
            hasher.update(chunk)
            cb(null, chunk)
          },
        })
        try {
          await pipeline(await entryStream(zf, e), counter, createWriteStream(target, {flags: 'wx', mode: 0o600}))
        } catch (err) {
          return reject(name, `extraction failed: ${errorMessage(err)}`)
        }
        total += written
        out.members.push({name, path: target, size: written, sha256: hasher.digest().sha256})
      })()
        .then(() => zf.readEntry())
        .catch(rej)
    })
    zf.readEntry()
  })
  out.members.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  return out
}

