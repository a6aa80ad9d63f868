import {createHash} from 'node:crypto'
import {type FileHandle, mkdir, open, rm} from 'node:fs/promises'
import {dirname, join, resolve, sep} from 'node:path'
import {RatchetError, errorMessage} from '../core/errors.js'
import {MAX_METADATA_BYTES, Members, parseManifest} from './manifest.js'
import type {Manifest} from './manifest-types.js'
import {ArchiveMemberError, type ArchiveMemberInfo, visitMembers} from './archive-reader.js'

export type RejectReason =
  | 'ABSOLUTE_PATH'
  | 'PARENT_COMPONENT'
  | 'BAD_NAME'
  | 'LINK'
  | 'NOT_A_FILE'
  | 'MEMBER_TOO_LARGE'
  | 'TOTAL_TOO_LARGE'
  | 'SIZE_MISMATCH'
  | 'CRC_MISMATCH'
  | 'READ_ERROR'
  /** A second member with the same name, or a file where another member needs a folder (never overwritten). */
  | 'NAME_CONFLICT'

export interface ExtractedMember {
  member: string
  /** Absolute path of the extracted copy. */
  path: string
  size: number
  sha256: string
}

export interface RejectedMember {
  member: string
  reason: RejectReason
  detail: string
}

export interface ExtractResult {
  dest: string
  extracted: ExtractedMember[]
  rejected: RejectedMember[]
  totalBytes: number
}

export interface ExtractLimits {
  password?: string
  /** Largest single member (declared or actual) written; larger ones are rejected. */
  maxMemberBytes: number
  /** Largest sum of all written members; exceeding it stops the extraction with E_ARCHIVE_UNSAFE_MEMBER. */
  maxTotalBytes: number
}

/** Judges a member name; returns the reason it may not be written, or null when it is safe. */
export function unsafeName(name: string): {reason: RejectReason; detail: string} | null {
  if (name.length === 0 || name.includes('\0')) return {reason: 'BAD_NAME', detail: 'empty name or NUL byte'}
  if (name.startsWith('/') || name.startsWith('\\') || /^[A-Za-z]:/.test(name)) {
    return {reason: 'ABSOLUTE_PATH', detail: `absolute path ${JSON.stringify(name)}`}
  }
  const segs = name.split(/[\\/]/)
  if (segs.some((s) => s === '..')) return {reason: 'PARENT_COMPONENT', detail: `".." component in ${JSON.stringify(name)}`}
  return null
}

const WRITE_BLOCK = 1 << 20

class LimitError extends Error {
  constructor(
    readonly reason: RejectReason,
    message: string,
  ) {
    super(message)
  }
}

/**
 * Extracts an evidence archive into `destDir` safely: absolute names, `..` components, links and
 * non-file members are rejected with a typed reason (nothing is written for them); sizes are checked as
 * declared AND as actually streamed, so a zip bomb stops at the limit. Each written file is hashed on
 * the way. Throws only for an unusable archive or when the total limit is exceeded.
 */
export async function extractArchive(archivePath: string, destDir: string, limits: ExtractLimits): Promise<ExtractResult> {
  const dest = resolve(destDir)
  await mkdir(dest, {recursive: true})
  const result: ExtractResult = {dest, extracted: [], rejected: [], totalBytes: 0}
  const reject = (m: ArchiveMemberInfo, reason: RejectReason, detail: string): void => {
    result.rejected.push({member: m.name, reason, detail})
  }
  await visitMembers(archivePath, {password: limits.password}, {
    want: (m) => {
      if (m.kind === 'directory') return false
      const bad = unsafeName(m.name)
      if (bad) reject(m, bad.reason, bad.detail)
      else if (m.kind === 'symlink') reject(m, 'LINK', 'symbolic link members are never extracted')
      else if (m.kind !== 'file') reject(m, 'NOT_A_FILE', `member of kind ${m.kind}`)
      else if (m.declaredSize > limits.maxMemberBytes) reject(m, 'MEMBER_TOO_LARGE', `declared size ${m.declaredSize} > ${limits.maxMemberBytes}`)
      else if (result.totalBytes + m.declaredSize > limits.maxTotalBytes) {
        throw new RatchetError('E_ARCHIVE_UNSAFE_MEMBER', `extraction would exceed ${limits.maxTotalBytes} bytes at ${m.name}`, {
          member: m.name,
          reason: 'TOTAL_TOO_LARGE',
        })
      } else {
        return true
      }
      return false
    },
    read: async (m, data) => {
      const target = join(dest, ...m.name.split('/'))
      if (!target.startsWith(dest + sep)) {
        data.resume()
        reject(m, 'PARENT_COMPONENT', 'resolves outside the destination')
        return
      }
      // Open exclusively before reading: a duplicate name or a file/folder clash is this member's problem,
      // and must neither overwrite nor (on cleanup) delete what an earlier member wrote.
      let fh: FileHandle
      try {
        await mkdir(dirname(target), {recursive: true})
        fh = await open(target, 'wx', 0o600)
      } catch (e) {
        data.on('error', () => {})
        data.destroy()
        const code = (e as NodeJS.ErrnoException).code
        if (code === 'EEXIST' || code === 'ENOTDIR' || code === 'EISDIR') reject(m, 'NAME_CONFLICT', `cannot write ${JSON.stringify(m.name)}: ${code}`)
        else reject(m, 'READ_ERROR', `cannot write ${JSON.stringify(m.name)}: ${errorMessage(e)}`)
        return
      }
      const out = fh.createWriteStream()
      // Write errors surface through end() below; the listener keeps a late one from being uncaught.
      let writeError: Error | undefined
      out.on('error', (e) => {
        writeError ??= e
      })
      const h = createHash('sha256')
      let n = 0
      // Inflated bytes arrive in 16 KiB pieces: written one by one they cost a thread-pool round trip each
      // (tens of thousands per large log); gathered to 1 MiB they cost one per MiB.
      const pending: Buffer[] = []
      let pendingBytes = 0
      const write = async (c: Buffer): Promise<void> => {
        if (writeError) throw writeError
        if (!out.write(c)) await new Promise<void>((r) => {
            const done = (): void => {
              out.off('drain', done)
              out.off('close', done)
              r()
            }
            out.on('drain', done)
            out.on('close', done)
          })
      }
      const flush = async (): Promise<void> => {
        if (pendingBytes === 0) return
        const all = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes)
        pending.length = 0
        pendingBytes = 0
        await write(all)
      }
      try {
        for await (const c of data as AsyncIterable<Buffer>) {
          n += c.length
          if (n > limits.maxMemberBytes) throw new LimitError('MEMBER_TOO_LARGE', `actual size exceeds ${limits.maxMemberBytes}`)
          if (result.totalBytes + n > limits.maxTotalBytes) throw new LimitError('TOTAL_TOO_LARGE', `total exceeds ${limits.maxTotalBytes}`)
          h.update(c)
          pending.push(c)
          pendingBytes += c.length
          if (pendingBytes >= WRITE_BLOCK) await flush()
        }
        await flush()
        await new Promise<void>((res, rej) => out.end((e?: Error | null) => (e ?? writeError ? rej(e ?? writeError) : res())))
      } catch (e) {
        data.destroy()
        out.destroy()
        await new Promise<void>((r) => (out.closed ? r() : out.once('close', () => r())))
        await rm(target, {force: true})
        if (e instanceof LimitError && e.reason === 'TOTAL_TOO_LARGE') {
          throw new RatchetError('E_ARCHIVE_UNSAFE_MEMBER', `extraction exceeded ${limits.maxTotalBytes} bytes at ${m.name}`, {
            member: m.name,
            reason: 'TOTAL_TOO_LARGE',
          })
        }
        if (e instanceof LimitError) reject(m, e.reason, e.message)
        else if (e instanceof ArchiveMemberError) reject(m, e.problem, e.message)
        else reject(m, 'READ_ERROR', errorMessage(e))
        return
      }
      if (n !== m.declaredSize) {
        await rm(target, {force: true})
        reject(m, 'SIZE_MISMATCH', `declared ${m.declaredSize} bytes, got ${n}`)
        return
      }
      result.totalBytes += n
      result.extracted.push({member: m.name, path: target, size: n, sha256: h.digest('hex')})
    },
  })
  return result
}

/** Reads and parses manifest.json from an archive without extracting anything else. */
export async function readManifest(archivePath: string, opts: {password?: string} = {}): Promise<Manifest> {
  let bytes: Buffer | undefined
  await visitMembers(archivePath, {password: opts.password, only: [Members.manifest]}, {
    want: (m) => m.name === Members.manifest && m.kind === 'file' && m.declaredSize <= MAX_METADATA_BYTES,
    read: async (_m, data) => {
      const parts: Buffer[] = []
      let n = 0
      for await (const c of data as AsyncIterable<Buffer>) {
        n += c.length
        if (n > MAX_METADATA_BYTES) throw new RatchetError('E_INPUT_FORMAT', 'manifest.json is too large')
        parts.push(c)
      }
      bytes = Buffer.concat(parts)
    },
  })
  if (!bytes) throw new RatchetError('E_INPUT_FORMAT', `${archivePath} holds no manifest.json (not a ratchet evidence archive)`)
  return parseManifest(bytes)
}
