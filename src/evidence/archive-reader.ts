import {PassThrough, type Readable} from 'node:stream'
import yauzl from 'yauzl'
import {RatchetError, errorMessage} from '../core/errors.js'
import {isPasswordError, run7z, run7zCollect} from './sevenzip.js'

/**
 * Reads the members of a zip or 7z archive as streams, one at a time, without extracting anything to disk.
 * Nothing here trusts the archive: names are returned raw for the caller to judge, declared sizes are
 * reported and actual sizes are enforced while streaming (zip: yauzl's validateEntrySizes; 7z: the single
 * `x -so` stream is split by the declared sizes and any surplus is an error).
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
    const buf = Buffer.alloc(6)
    await fh.read(buf, 0, 6, 0)
    if (buf[0] === 0x50 && buf[1] === 0x4b) return 'zip'
    if (buf.equals(Buffer.from([0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c]))) return '7z'
    throw new RatchetError('E_INPUT_FORMAT', `${path} is neither a zip nor a 7z archive`)
  } finally {
    await fh.close()
  }
}

export async function visitMembers(path: string, opts: {password?: string}, visitor: MemberVisitor): Promise<ArchiveFormat> {
  const format = await detectFormat(path)
  if (format === 'zip') await visitZip(path, visitor)
  else await visit7z(path, opts.password, visitor)
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

function visitZip(path: string, visitor: MemberVisitor): Promise<void> {
  return new Promise((resolve, reject) => {
    // decodeStrings:false so that a hostile name reaches our own checks instead of aborting the whole read.
    yauzl.open(path, {lazyEntries: true, decodeStrings: false, validateEntrySizes: true, autoClose: true}, (err, zip) => {
      if (err || !zip) {
        reject(new RatchetError('E_INPUT_FORMAT', `not a readable zip archive: ${errorMessage(err)}`, {archive: path}))
        return
      }
      let failed = false
      const fail = (e: unknown): void => {
        if (failed) return
        failed = true
        zip.close()
        reject(e instanceof RatchetError ? e : new RatchetError('E_INPUT_FORMAT', `zip read failed: ${errorMessage(e)}`, {archive: path}))
      }
      zip.on('error', fail)
      zip.on('end', () => {
        if (!failed) resolve()
      })
      zip.on('entry', (e: yauzl.Entry) => {
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
          zip.readEntry()
          return
        }
        zip.openReadStream(e, (err2, stream) => {
          if (err2 || !stream) return fail(err2)
          visitor.read(info, stream).then(() => zip.readEntry(), fail)
        })
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

async function visit7z(path: string, password: string | undefined, visitor: MemberVisitor): Promise<void> {
  const {members} = await list7z(path, password)
  const args = ['x', '-so', '-y', '-sccUTF-8']
  if (password === undefined) args.push('-p')
  args.push('--', path)
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
      const reading = wanted ? visitor.read(m, pt) : Promise.resolve()
      if (!wanted) pt.resume()
      let remaining = m.declaredSize
      while (remaining > 0) {
        const chunk = await next()
        if (!chunk) break
        const take = chunk.length <= remaining ? chunk : chunk.subarray(0, remaining)
        if (chunk.length > remaining) pending = chunk.subarray(remaining)
        remaining -= take.length
        if (!pt.write(take)) await new Promise<void>((r) => pt.once('drain', () => r()))
      }
      if (remaining > 0) {
        pt.destroy(new Error(`member ended ${remaining} bytes short of its declared size`))
        await reading.catch(() => {})
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
    run.stdout.resume()
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
