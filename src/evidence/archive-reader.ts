import {PassThrough, Transform, type Readable, type TransformCallback} from 'node:stream'
import {crc32} from 'node:zlib'
import yauzl from 'yauzl'
import {RatchetError, errorMessage} from '../core/errors.js'
import {isPasswordError, run7z, run7zCollect} from './sevenzip.js'

/**
 * Reads the members of a zip or 7z archive as streams, one at a time, without extracting anything to disk.
 * Nothing here trusts the archive: names are returned raw for the caller to judge, declared sizes are
 * reported and actual sizes are enforced while streaming (zip: our own size and CRC-32 check per member;
 * 7z: the single `x -so` stream is split by the declared sizes and any surplus is an error).
 * A damaged member never ends the visit: its stream is destroyed with an ArchiveMemberError that the
 * visitor reports, and the next member is read.
 */

export type ArchiveFormat = 'zip' | '7z'
export type MemberKind = 'file' | 'directory' | 'symlink' | 'other'

export interface ArchiveMemberInfo {
  name: string
  kind: MemberKind
  declaredSize: number
}

export interface MemberVisitor {
  /** Whether to read this member's bytes (false: they are skipped). */
  want(m: ArchiveMemberInfo): boolean
  /** Consumes the member's stream completely (or destroys it). */
  read(m: ArchiveMemberInfo, data: Readable): Promise<void>
}

export async function detectFormat(path: string): Promise<ArchiveFormat> {
  const {open} = await import('node:fs/promises')
  const fh = await open(path, 'r').catch((e: unknown) => {
    throw new RatchetError('E_INPUT_MISSING', `cannot open archive ${path}: ${errorMessage(e)}`)
  })
  try {
    if (!(await fh.stat()).isFile()) throw new RatchetError('E_INPUT_FORMAT', `${path} is not a file (an evidence archive is a .zip or .7z file)`)
    const buf = Buffer.alloc(6)
    await fh.read(buf, 0, 6, 0)
    if (buf[0] === 0x50 && buf[1] === 0x4b) return 'zip'
    if (buf.equals(Buffer.from([0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c]))) return '7z'
    throw new RatchetError('E_INPUT_FORMAT', `${path} is neither a zip nor a 7z archive`)
  } finally {
    await fh.close()
  }
}

/**
 * Visits members in archive order. `only` (exact names) lets a 7z read decompress just those members
 * (e.g. manifest.json) instead of the whole archive; for zip, `want` does the filtering cheaply anyway.
 */
export async function visitMembers(path: string, opts: {password?: string; only?: string[]}, visitor: MemberVisitor): Promise<ArchiveFormat> {
  const format = await detectFormat(path)
  if (format === 'zip') await visitZip(path, visitor)
  else await visit7z(path, opts.password, visitor, opts.only)
  return format
}

const S_IFMT = 0o170000
const S_IFLNK = 0o120000
const S_IFDIR = 0o040000
const S_IFREG = 0o100000

function zipKind(e: yauzl.Entry, name: string): MemberKind {
  const unixMode = (e.externalFileAttributes >>> 16) & S_IFMT
  if (unixMode === S_IFLNK) return 'symlink'
  if (name.endsWith('/') || unixMode === S_IFDIR) return 'directory'
  if (unixMode === 0 || unixMode === S_IFREG) return 'file'
  return 'other'
}

/** Why a member's bytes could not be trusted; the member's stream is destroyed with this error. */
export type MemberProblem = 'SIZE_MISMATCH' | 'CRC_MISMATCH' | 'READ_ERROR'

/** Raised on a member's stream (never thrown out of visitMembers): the visitor reports the member and the visit goes on. */
export class ArchiveMemberError extends Error {
  constructor(
    readonly member: string,
    readonly problem: MemberProblem,
    message: string,
  ) {
    super(message)
    this.name = 'ArchiveMemberError'
  }
}

const ignore = (): void => {}

/**
 * Counts and CRC-32s a zip member's decompressed bytes against its central-directory entry. yauzl's own
 * size check (validateEntrySizes) is off: it throws a stored member's size lie at the whole archive and
 * its check stream keeps emitting errors after the consumer has stopped listening; this one is ours.
 */
class ZipMemberCheck extends Transform {
  private n = 0
  private crc = 0
  constructor(
    private readonly member: string,
    private readonly declaredSize: number,
    private readonly declaredCrc: number,
  ) {
    super()
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.n += chunk.length
    if (this.n > this.declaredSize) {
      cb(new ArchiveMemberError(this.member, 'SIZE_MISMATCH', `more data than the declared ${this.declaredSize} bytes (at least ${this.n})`))
      return
    }
    this.crc = crc32(chunk, this.crc)
    cb(null, chunk)
  }

  override _flush(cb: TransformCallback): void {
    if (this.n !== this.declaredSize) {
      cb(new ArchiveMemberError(this.member, 'SIZE_MISMATCH', `${this.n} bytes where ${this.declaredSize} were declared`))
    } else if (this.crc >>> 0 !== this.declaredCrc >>> 0) {
      const hex = (v: number): string => (v >>> 0).toString(16).padStart(8, '0')
      cb(new ArchiveMemberError(this.member, 'CRC_MISMATCH', `CRC-32 ${hex(this.crc)} differs from the declared ${hex(this.declaredCrc)}`))
    } else {
      cb()
    }
  }
}

/** A stream that fails at once, so a member yauzl cannot even open reaches the visitor like any other bad member. */
function failedStream(err: ArchiveMemberError): Readable {
  const s = new PassThrough()
  s.on('error', ignore)
  process.nextTick(() => s.destroy(err))
  return s
}

function memberError(name: string, e: unknown): ArchiveMemberError {
  if (e instanceof ArchiveMemberError) return e
  return new ArchiveMemberError(name, 'READ_ERROR', errorMessage(e))
}

function visitZip(path: string, visitor: MemberVisitor): Promise<void> {
  return new Promise((resolve, reject) => {
    // decodeStrings:false so that a hostile name reaches our own checks instead of aborting the whole read.
    yauzl.open(path, {lazyEntries: true, decodeStrings: false, validateEntrySizes: false, autoClose: true}, (err, zip) => {
      if (err || !zip) {
        reject(new RatchetError('E_INPUT_FORMAT', `not a readable zip archive: ${errorMessage(err)}`, {archive: path}))
        return
      }
      let failed = false
      let current: Readable | null = null
      const fail = (e: unknown): void => {
        if (failed) return
        failed = true
        current?.destroy()
        zip.close()
        reject(e instanceof RatchetError ? e : new RatchetError('E_INPUT_FORMAT', `zip read failed: ${errorMessage(e)}`, {archive: path}))
      }
      // Stays attached for the zipfile's whole life: a late error (after the promise settled) is dropped, never uncaught.
      zip.on('error', fail)
      zip.on('end', () => {
        if (!failed) resolve()
      })
      const next = (): void => {
        current = null
        if (failed) return
        // Called from promise callbacks: a throw here would be an unhandled rejection, so it fails the visit instead.
        try {
          zip.readEntry()
        } catch (e) {
          fail(e)
        }
      }
      zip.on('entry', (e: yauzl.Entry) => {
        if (failed) return
        const raw = e.fileName as unknown as Buffer
        const name = Buffer.isBuffer(raw) ? raw.toString('utf8') : String(raw)
        const info: ArchiveMemberInfo = {name, kind: zipKind(e, name), declaredSize: e.uncompressedSize}
        let wanted: boolean
        try {
          wanted = visitor.want(info)
        } catch (e) {
          fail(e)
          return
        }
        if (!wanted || info.kind !== 'file') {
          next()
          return
        }
        const hand = (member: Readable): void => {
          current = member
          let reading: Promise<void>
          try {
            reading = visitor.read(info, member)
          } catch (e3) {
            reading = Promise.reject(e3)
          }
          reading
            .then(() => {
              // The contract is to consume or destroy; a visitor that returned early must not keep the file open.
              if (!member.readableEnded && !member.destroyed) member.destroy()
              next()
            })
            .catch(fail)
        }
        try {
          // yauzl throws synchronously for some option/entry combinations; callback errors are per member.
          zip.openReadStream(e, (err2, stream) => {
            if (failed) {
              stream?.on('error', ignore)
              stream?.destroy()
              return
            }
            if (err2 || !stream) {
              hand(failedStream(memberError(name, err2 ?? new Error('no stream'))))
              return
            }
            // yauzl forwards inner (zlib, file) errors onto this stream with setImmediate, possibly after the
            // consumer is gone: a permanent listener keeps them from becoming uncaught exceptions.
            stream.on('error', ignore)
            const check = new ZipMemberCheck(name, e.uncompressedSize, e.crc32)
            check.on('error', ignore)
            stream.on('error', (se: Error) => check.destroy(memberError(name, se)))
            check.on('close', () => {
              stream.unpipe(check)
              if (!stream.destroyed) stream.destroy()
            })
            stream.pipe(check)
            hand(check)
          })
        } catch (e2) {
          hand(failedStream(memberError(name, e2)))
        }
      })
      zip.readEntry()
    })
  })
}

interface SevenZipListing {
  members: ArchiveMemberInfo[]
}

/** Lists a 7z archive with `l -slt` (technical listing) and parses its `Key = value` blocks. */
export async function list7z(path: string, password?: string): Promise<SevenZipListing> {
  const args = ['l', '-slt', '-sccUTF-8']
  if (password === undefined) args.push('-p')
  args.push('--', path)
  const res = await run7zCollect(args, {password})
  if (res.code !== 0) {
    if (isPasswordError(res.stderr) || isPasswordError(res.stdout)) {
      throw new RatchetError('E_PASSWORD', password === undefined ? 'the archive is encrypted: give --password-file' : 'wrong password for the archive', {archive: path})
    }
    throw new RatchetError('E_INPUT_FORMAT', `7-Zip cannot list ${path}: ${res.stderr.trim().split('\n').slice(-2).join(' ')}`, {archive: path})
  }
  const body = res.stdout.split(/^----------\s*$/m)[1] ?? ''
  const members: ArchiveMemberInfo[] = []
  for (const block of body.split(/\r?\n\r?\n/)) {
    const kv = new Map<string, string>()
    for (const line of block.split(/\r?\n/)) {
      const i = line.indexOf(' = ')
      if (i > 0) kv.set(line.slice(0, i), line.slice(i + 3))
      else if (line.endsWith(' =')) kv.set(line.slice(0, -2), '')
    }
    const p = kv.get('Path')
    if (p === undefined) continue
    const attrs = kv.get('Attributes') ?? ''
    let kind: MemberKind = 'file'
    if (kv.get('Folder') === '+' || /^D/.test(attrs)) kind = 'directory'
    else if (/ l[rwx-]{9}/.test(attrs) || kv.get('Symbolic Link')) kind = 'symlink'
    const size = Number(kv.get('Size') ?? '0')
    members.push({name: p.replace(/\\/g, '/'), kind, declaredSize: Number.isFinite(size) ? size : 0})
  }
  return {members}
}

async function visit7z(path: string, password: string | undefined, visitor: MemberVisitor, only?: string[]): Promise<void> {
  let {members} = await list7z(path, password)
  const args = ['x', '-so', '-y', '-sccUTF-8']
  if (password === undefined) args.push('-p')
  if (only) {
    const set = new Set(only)
    members = members.filter((m) => set.has(m.name) && m.kind === 'file')
    if (members.length === 0) return
    // -spd: names are literal, not wildcards.
    args.push('-spd', '--', path, ...members.map((m) => m.name))
  } else {
    args.push('--', path)
  }
  const run = await run7z(args, {password})
  const it = (run.stdout as AsyncIterable<Buffer>)[Symbol.asyncIterator]()
  let pending: Buffer | null = null
  let streamEnded = false
  const next = async (): Promise<Buffer | null> => {
    if (pending) {
      const p = pending
      pending = null
      return p
    }
    if (streamEnded) return null
    const r = await it.next()
    if (r.done) {
      streamEnded = true
      return null
    }
    return r.value
  }
  try {
    for (const m of members) {
      if (m.kind === 'directory') {
        visitor.want(m)
        continue
      }
      const wanted = visitor.want(m) && m.kind === 'file'
      const pt = new PassThrough({highWaterMark: 1 << 20})
      // Permanent: the short-member error below must not be uncaught when nobody reads this member.
      pt.on('error', ignore)
      const reading = wanted ? visitor.read(m, pt) : Promise.resolve()
      // Handled now (awaited below): a visitor failing while we wait on 7-Zip must not be an unhandled rejection,
      // and once it is done any bytes it left are drained instead of blocking the write loop forever.
      let settled = false
      reading.then(ignore, ignore).finally(() => {
        settled = true
        if (!pt.destroyed) pt.resume()
      })
      if (!wanted) pt.resume()
      let remaining = m.declaredSize
      while (remaining > 0) {
        const chunk = await next()
        if (!chunk) break
        const take = chunk.length <= remaining ? chunk : chunk.subarray(0, remaining)
        if (chunk.length > remaining) pending = chunk.subarray(remaining)
        remaining -= take.length
        // A destroyed member stream (visitor gave up) still consumes its share of the single 7-Zip stream.
        if (pt.destroyed) continue
        if (!pt.write(take) && !settled) {
          await new Promise<void>((r) => {
            const done = (): void => {
              pt.off('drain', done)
              pt.off('close', done)
              r()
            }
            pt.on('drain', done)
            pt.on('close', done)
          })
        }
      }
      if (remaining > 0) {
        pt.destroy(new ArchiveMemberError(m.name, 'SIZE_MISMATCH', `member ended ${remaining} bytes short of its declared size`))
        await reading.catch(ignore)
        break
      }
      pt.end()
      await reading
    }
    const extra = await next()
    if (extra && extra.length) {
      run.child.kill()
      throw new RatchetError('E_ARCHIVE_UNSAFE_MEMBER', '7z data exceeds the declared member sizes', {archive: path})
    }
  } catch (e) {
    run.child.kill()
    // resume() does nothing while the async iterator's 'readable' listener is attached: the pipe would never
    // end, the child never 'close', and this await would hang with nothing left to wake it. Destroy instead.
    run.stdout.destroy()
    await run.done
    throw e
  }
  run.stdout.resume()
  const res = await run.done
  if (res.code !== 0) {
    if (isPasswordError(res.stderr)) throw new RatchetError('E_PASSWORD', 'wrong or missing password for the archive', {archive: path})
    throw new RatchetError('E_INPUT_FORMAT', `7-Zip reported errors reading ${path}: ${res.stderr.trim().split('\n').slice(-3).join(' ')}`, {
      archive: path,
    })
  }
}
