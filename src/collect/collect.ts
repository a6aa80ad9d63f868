import {createPrivateKey, createPublicKey, sign as edSign} from 'node:crypto'
import {access, lstat, mkdir, open, readlink, realpath, rename, stat, unlink, writeFile} from 'node:fs/promises'
import {basename, join, relative, resolve, sep} from 'node:path'
import {PassThrough, type Readable} from 'node:stream'
import type {Artefact, FileSource} from '../artefacts/schema.js'
import {type Match, type SourceOs, TreeReader, expandPattern} from '../artefacts/expand.js'
import {RatchetError, errorMessage, osErrorCode} from '../core/errors.js'
import {ExitCode} from '../core/exit-codes.js'
import {sha256Hex} from '../core/hashing.js'
import {dateToIso7} from '../core/time.js'
import {ratchetVersion} from '../core/version.js'
import {Members, buildSha256Sums, serializeManifest, sidecarText} from '../evidence/manifest.js'
import {type ItemKind, MANIFEST_FORMAT, type Manifest, type ManifestItem} from '../evidence/manifest-types.js'
import {type ArchiveWriter, PartialMemberError, SevenZipWriter, ZipWriter} from '../evidence/writer.js'
import {CollectionSink} from './collection-sink.js'
import {type CommandRunner, defaultRunner} from './command-runner.js'
import {exportEventLog, isLockedError} from './eventlog-export.js'
import {imageHostFacts, liveHostFacts} from './host-facts.js'
import type {ImageCollectSource} from './image-source.js'
import {type NtfsTree, byteSourceStream, entryKind, ntfsFacts, ntfsMacb} from './ntfs-tree.js'
import type {EvidenceSink} from './sink.js'
import {type OpenFn, macb, modeString, openReadOnly, statKind} from './source-file.js'

export interface CollectHooks {
  /** Replaces the read-only open (tests inject I/O errors with it). */
  open?: OpenFn
  /** Runs after a file was opened and stat'ed, before its bytes are read (tests grow a file here). */
  beforeRead?: (absPath: string) => Promise<void> | void
}

export interface CollectProgress {
  filesDone: number
  filesTotal: number
  bytesDone: number
  bytesTotal: number
  current?: string
}

/** The volatile stage (issue 4) plugs in here; it runs first, in live mode only. */
export type VolatileStage = (sink: EvidenceSink, log: EvidenceSink['log']) => Promise<void>

export interface CollectOptions {
  mode: 'live' | 'image'
  /** Source root: a mounted volume/root for images; `/` or the system drive for live. */
  root: string
  os: SourceOs
  /** Drive letter used in Windows original paths and `files/<letter>/…` (default C). */
  driveLetter?: string
  outDir: string
  format: 'zip' | '7z'
  password?: string
  caseId?: string | null
  examiner?: string | null
  commandLine: string[]
  artefacts: Artefact[]
  profile: string | null
  /** PEM of an Ed25519 private key: signs manifest.json into manifest.json.sig. */
  signKeyPem?: string | Buffer
  volatile?: VolatileStage
  noVolatile?: boolean
  runner?: CommandRunner
  hooks?: CollectHooks
  onProgress?: (p: CollectProgress) => void
  now?: () => Date
  /** zip deflate level (1 fast … 9 small) or 7z -mx level. */
  level?: number
  /** Archive file name without extension (default `<case|host>-<UTC stamp>`). */
  archiveBaseName?: string
  /** Aborting stops the run between files: the `.partial` stays, 7z staging is removed (E_INTERRUPTED). */
  signal?: AbortSignal
  /**
   * `collect --image`: read the artefacts through NTFS from this opened image instead of a directory (mode
   * `image`; `root` is then the image path). The caller opens and closes it (src/collect/image-source.ts).
   */
  image?: ImageCollectSource
  /**
   * Live Windows: the raw volume a locked file is read through (default `\\.\<drive>:`). Tests point it at
   * an NTFS volume image; `false` disables the raw-ntfs fallback.
   */
  rawVolumePath?: ((drive: string) => string) | false
}

export interface CollectResult {
  archive: string
  sidecar: string
  archive_sha256: string
  archive_bytes: number
  format: 'zip' | '7z'
  encrypted: boolean
  signed: boolean
  source: {mode: 'live' | 'image'; root: string; os: SourceOs}
  artefacts: string[]
  summary: Manifest['summary']
  stage_errors: string[]
  /** 0 when everything selected was collected; 3 (PARTIAL) when items were skipped or failed. */
  exit_code: number
  files_written: string[]
}

interface Planned {
  artefact: string
  source: FileSource
  match: Match
}

const SPECIAL: Partial<Record<ItemKind, string>> = {
  fifo: 'FIFO_NOT_OPENED: named pipe recorded, never opened (an open would block)',
  socket: 'SOCKET_NOT_OPENED: socket recorded, never opened',
  'block-device': 'DEVICE_NOT_OPENED: block device recorded, never opened',
  'char-device': 'DEVICE_NOT_OPENED: character device recorded, never opened',
  other: 'UNSUPPORTED_TYPE: file system object of unknown type recorded, not opened',
}

function stamp(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')
}

function safeName(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 80) || 'collection'
}

function emptyStream(): Readable {
  const p = new PassThrough()
  p.end()
  return p
}

function isInside(child: string, root: string): boolean {
  return child === root || child.startsWith(root.endsWith(sep) ? root : root + sep)
}

async function exists(p: string): Promise<boolean> {
  return access(p).then(
    () => true,
    () => false,
  )
}

/**
 * Collects the selected artefacts from a live host or a mounted image into one evidence archive
 * (`<out>/<name>.zip|.7z`, written as `.partial` and renamed when complete) plus `<archive>.sha256`.
 * The source is only ever read. Nothing is skipped silently: every match becomes a manifest item.
 */
export async function collect(opts: CollectOptions): Promise<CollectResult> {
  const now = opts.now ?? (() => new Date())
  const start = now()
  let root: string
  try {
    root = await realpath(resolve(opts.root))
    if (!opts.image && !(await stat(root)).isDirectory()) throw new Error('not a directory')
  } catch (e) {
    throw new RatchetError('E_INPUT_MISSING', `source root is not a readable directory: ${opts.root} (${errorMessage(e)})`, {source: opts.root})
  }
  if (opts.password !== undefined && opts.format !== '7z') {
    throw new RatchetError('E_USAGE', 'a password needs --format 7z (zip cannot encrypt headers)')
  }
  const drive = (opts.driveLetter ?? 'C').replace(/:.*$/, '').toUpperCase()
  const outDir = resolve(opts.outDir)
  if (isInside(outDir, root) && opts.mode === 'image') {
    throw new RatchetError('E_USAGE', `the output folder ${outDir} is inside the source ${root}: the source must not be written to`)
  }
  await mkdir(outDir, {recursive: true}).catch((e: unknown) => {
    throw new RatchetError('E_OUTPUT_WRITE', `cannot create output folder ${outDir}: ${errorMessage(e)}`)
  })
  const host = opts.mode === 'live' ? liveHostFacts(start) : await imageHostFacts(opts.image ? '' : root, opts.os, start)
  const base = opts.archiveBaseName ?? `${safeName(opts.caseId ?? host.hostname ?? 'collection')}-${stamp(start)}`
  const finalPath = join(outDir, `${base}.${opts.format}`)
  const partialPath = `${finalPath}.partial`
  const sidecarPath = `${finalPath}.sha256`
  for (const p of [finalPath, partialPath, sidecarPath]) {
    if (await exists(p)) throw new RatchetError('E_OUTPUT_EXISTS', `refusing to overwrite ${p}`, {path: p})
  }

  let writer: ArchiveWriter
  if (opts.format === 'zip') {
    writer = new ZipWriter(partialPath, opts.level ?? 1)
  } else {
    const w = new SevenZipWriter(partialPath, join(outDir, `.${base}.staging`), opts.password, opts.level ?? 1)
    await w.init()
    writer = w
  }
  const sink = new CollectionSink(writer, now)
  const stageErrors: string[] = []
  const log = sink.log.bind(sink)
  log({level: 'info', event: 'collection-start', message: `collecting ${opts.artefacts.length} artefact(s) from ${opts.mode} source ${root}`, source: root, mode: opts.mode, os: opts.os})

  try {
    if (opts.mode === 'live' && opts.volatile && !opts.noVolatile) {
      try {
        await opts.volatile(sink, log)
      } catch (e) {
        stageErrors.push(`volatile stage failed: ${errorMessage(e)}`)
        log({level: 'error', event: 'volatile-failed', message: errorMessage(e)})
      }
    } else if (opts.mode === 'live' && opts.noVolatile) {
      log({level: 'info', event: 'volatile-disabled', message: 'volatile capture disabled by --no-volatile'})
    } else if (opts.mode === 'image') {
      const commandArtefacts = opts.artefacts.filter((a) => a.sources.some((s) => s.collector === 'command')).map((a) => a.id)
      if (commandArtefacts.length > 0) {
        // a mounted image has no running state: say so rather than leave the selected artefacts unexplained
        log({level: 'info', event: 'volatile-not-applicable', message: `volatile artefacts are not run against a mounted image: ${commandArtefacts.join(', ')}`, artefacts: commandArtefacts})
      }
    }

    const reader = new TreeReader(root, opts.os, opts.image?.tree)
    const profiles = await reader.profiles()
    const searched: NonNullable<Manifest['searched']> = []
    const imageTree = opts.image?.tree
    const sizeOf = imageTree
      ? async (segs: string[]): Promise<number | undefined> => {
          const e = imageTree.entryAt(segs)
          return e ? imageTree.volume.openStream(e, '')?.size : undefined
        }
      : async (segs: string[]): Promise<number | undefined> => lstat(reader.abs(segs)).then((s) => s.size, () => undefined)
    const plan = await planFiles(reader, opts.os, opts.artefacts, profiles, stageErrors, log, searched, sizeOf)
    for (const n of reader.notices) {
      const where = n.segments.join('/')
      if (n.event === 'dir-unreadable') {
        sink.record({
          original_path: originalPath(opts.os, drive, n.segments),
          artefact: '(walk)',
          kind: 'directory',
          read_method: 'not-read',
          status: 'error',
          error: n.error,
          reason: `DIR_UNREADABLE: directory could not be listed (${n.error})`,
        })
      } else {
        log({level: 'info', event: n.event, message: `${n.event}: ${where}`, path: where})
      }
    }

    const bytesTotal = plan.reduce((s, p) => s + (p.match.kind === 'file' ? (p.match.size ?? 0) : 0), 0)
    const progress: CollectProgress = {filesDone: 0, filesTotal: plan.length, bytesDone: 0, bytesTotal}
    opts.onProgress?.(progress)
    const ctx: ItemContext = {opts, root, drive, sink, log, runner: opts.runner ?? defaultRunner}
    try {
      for (const p of plan) {
        if (opts.signal?.aborted) {
          throw new RatchetError('E_INTERRUPTED', `collection interrupted after ${progress.filesDone} of ${plan.length} files; ${partialPath} is incomplete`, {
            partial: partialPath,
          })
        }
        progress.current = p.match.segments.join('/')
        const item = await collectOne(ctx, p)
        sink.record(item)
        progress.filesDone++
        progress.bytesDone += item.archive_path ? (item.size ?? 0) : 0
        opts.onProgress?.(progress)
      }
    } finally {
      ctx.raw?.close?.()
    }
    for (const d of opts.image?.diagnostics ?? []) {
      log({level: d.severity === 'info' ? 'info' : d.severity === 'warning' ? 'warn' : 'error', event: 'image-damage', message: `${d.code}: ${d.message}`, code: d.code, offset: d.offset})
      if (d.severity === 'error') stageErrors.push(`image: ${d.code}: ${d.message}`)
    }

    // Close the log first so that its hash is inside the manifest (and under the signature).
    const summary = summarise(sink.items)
    log({level: 'info', event: 'collection-end', message: `${summary.collected} collected, ${summary.partial} partial, ${summary.skipped} skipped, ${summary.errors} errors`, ...summary})
    const logBytes = sink.logText()
    const logWritten = await writer.addBuffer(Members.log, logBytes, now())
    const manifest: Manifest = {
      format: MANIFEST_FORMAT,
      case_id: opts.caseId ?? null,
      examiner: opts.examiner ?? null,
      tool: {name: 'ratchet', version: ratchetVersion(), command_line: opts.commandLine, node: process.version},
      host,
      source: {mode: opts.mode, root, os: opts.os},
      ...(opts.image ? {image: opts.image.facts} : {}),
      profile: opts.profile,
      artefacts: opts.artefacts.map((a) => a.id),
      started_utc: dateToIso7(start),
      ended_utc: dateToIso7(now()),
      archive: {format: opts.format, encrypted: opts.password !== undefined, encrypted_headers: opts.password !== undefined},
      items: sink.items,
      summary,
      collection_log: {archive_path: Members.log, sha256: logWritten.hashes.sha256, lines: sink.logLines.length},
      searched,
    }
    if (stageErrors.length) manifest.stage_errors = stageErrors
    let sigText: Buffer | undefined
    if (opts.signKeyPem) {
      let key
      try {
        key = createPrivateKey(opts.signKeyPem)
        if (key.asymmetricKeyType !== 'ed25519') throw new Error(`key type is ${key.asymmetricKeyType}, not ed25519`)
      } catch (e) {
        throw new RatchetError('E_SIGNATURE', `--sign-key is not a usable Ed25519 private key: ${errorMessage(e)}`)
      }
      const pubDer = createPublicKey(key).export({type: 'spki', format: 'der'})
      manifest.signature = {algorithm: 'ed25519', public_key_sha256: sha256Hex(pubDer)}
      const bytes = serializeManifest(manifest)
      sigText = Buffer.from(edSign(null, bytes, key).toString('base64') + '\n')
    }
    const manifestBytes = serializeManifest(manifest)
    const mWritten = await writer.addBuffer(Members.manifest, manifestBytes, now())
    if (sigText) await writer.addBuffer(Members.signature, sigText, now())
    const sums = new Map<string, string>()
    for (const it of sink.items) if (it.archive_path && it.hashes) sums.set(it.archive_path, it.hashes.sha256)
    sums.set(Members.log, logWritten.hashes.sha256)
    sums.set(Members.manifest, mWritten.hashes.sha256)
    await writer.addBuffer(Members.sums, Buffer.from(buildSha256Sums(sums), 'utf8'), now())
    const fin = await writer.finalize()
    await rename(partialPath, finalPath)
    await writeFile(sidecarPath, sidecarText(fin.sha256, basename(finalPath)), {flag: 'wx'})
    const partialish = summary.partial + summary.skipped + summary.errors + stageErrors.length
    return {
      archive: finalPath,
      sidecar: sidecarPath,
      archive_sha256: fin.sha256,
      archive_bytes: fin.bytes,
      format: opts.format,
      encrypted: opts.password !== undefined,
      signed: Boolean(sigText),
      source: {mode: opts.mode, root, os: opts.os},
      artefacts: manifest.artefacts,
      summary,
      stage_errors: stageErrors,
      exit_code: partialish > 0 ? ExitCode.PARTIAL : ExitCode.OK,
      files_written: [finalPath, sidecarPath],
    }
  } catch (e) {
    await writer.abort()
    throw e
  }
}

function summarise(items: ManifestItem[]): Manifest['summary'] {
  const s = {collected: 0, partial: 0, skipped: 0, errors: 0, bytes: 0, changed_during_read: 0}
  for (const it of items) {
    if (it.status === 'collected') s.collected++
    else if (it.status === 'partial') s.partial++
    else if (it.status === 'skipped') s.skipped++
    else s.errors++
    if (it.archive_path && it.size) s.bytes += it.size
    if (it.changed_during_read) s.changed_during_read++
  }
  return s
}

export function originalPath(os: SourceOs, drive: string, segs: string[]): string {
  return os === 'windows' ? `${drive}:\\${segs.join('\\')}` : `/${segs.join('/')}`
}

export function archivePathFor(os: SourceOs, drive: string, segs: string[]): string {
  return os === 'windows' ? `files/${drive}/${segs.join('/')}` : `files/${segs.join('/')}`
}

type PlannedMatch = Match & {size?: number}

async function planFiles(
  reader: TreeReader,
  os: SourceOs,
  artefacts: Artefact[],
  profiles: string[][],
  stageErrors: string[],
  log: EvidenceSink['log'],
  searched: NonNullable<Manifest['searched']>,
  sizeOf: (segments: string[]) => Promise<number | undefined>,
): Promise<(Planned & {match: PlannedMatch})[]> {
  const seen = new Map<string, string>()
  const plan: (Planned & {match: PlannedMatch})[] = []
  const add = async (artefact: string, source: FileSource, m: Match): Promise<void> => {
    const key = m.segments.join('/')
    const first = seen.get(key)
    if (first) {
      if (first !== artefact) log({level: 'info', event: 'duplicate-match', message: `${key} already collected for ${first}`, path: key, artefact})
      return
    }
    seen.set(key, artefact)
    let size: number | undefined
    if (m.kind === 'file') size = await sizeOf(m.segments)
    plan.push({artefact, source, match: {...m, size}})
  }
  for (const a of artefacts) {
    for (const src of a.sources) {
      if (src.collector !== 'file') continue
      for (const pattern of src.paths) {
        let expansions: string[][]
        try {
          expansions = expandPattern(pattern, os, profiles)
        } catch (e) {
          stageErrors.push(`${a.id}: ${errorMessage(e)}`)
          continue
        }
        let count = 0
        for (const segs of expansions) {
          for await (const m of reader.walk([], segs, src.max_depth)) {
            count++
            if (m.kind === 'directory') {
              if (src.recursive) {
                for await (const d of reader.descendants(m.segments, src.max_depth)) await add(a.id, src, d)
              } else if (m.literal) {
                await add(a.id, src, m)
              } else {
                log({level: 'info', event: 'directory-not-descended', message: `${m.segments.join('/')} matched ${pattern} but the source is not recursive`, artefact: a.id})
              }
            } else {
              await add(a.id, src, m)
            }
          }
        }
        searched.push({artefact: a.id, pattern, matches: count})
        log({level: 'info', event: 'pattern', message: `${pattern}: ${count} match(es)`, artefact: a.id, pattern, matches: count})
      }
    }
  }
  return plan
}

interface ItemContext {
  opts: CollectOptions
  root: string
  drive: string
  sink: CollectionSink
  log: EvidenceSink['log']
  runner: CommandRunner
  /** The live raw volume, opened on the first locked file (or the reason it could not be). */
  raw?: {tree?: NtfsTree; error?: string; close?: () => void}
}

async function collectOne(ctx: ItemContext, p: Planned): Promise<ManifestItem> {
  const {opts, root, drive} = ctx
  const segs = p.match.segments
  const abs = join(root, ...segs)
  const item: ManifestItem = {
    original_path: originalPath(opts.os, drive, segs),
    artefact: p.artefact,
    kind: 'other',
    read_method: 'not-read',
    status: 'skipped',
  }
  if (opts.image) return collectFromNtfs(ctx, p, opts.image.tree, 'ntfs', item)
  let st
  try {
    st = await lstat(abs, {bigint: true})
  } catch (e) {
    return {...item, status: 'error', error: osErrorCode(e) ?? errorMessage(e), reason: `STAT_FAILED: ${errorMessage(e)}`}
  }
  item.kind = statKind(st)
  item.times = macb(st)
  item.mode = modeString(st)
  item.size = Number(st.size)
  let readPath = abs
  if (item.kind === 'symlink') {
    item.link_target = await readlink(abs).catch(() => undefined)
    let real: string
    try {
      real = await realpath(abs)
    } catch (e) {
      return {...item, reason: `SYMLINK_BROKEN: link target does not resolve (${osErrorCode(e) ?? errorMessage(e)})`}
    }
    if (!isInside(real, root)) return {...item, reason: `SYMLINK_OUTSIDE_ROOT: link points outside the source root; not followed`}
    const tst = await stat(real, {bigint: true}).catch(() => undefined)
    if (!tst?.isFile()) return {...item, reason: 'SYMLINK_NOT_TO_FILE: link target is not a regular file; not followed'}
    readPath = real
    item.note = `content of link target ${relative(root, real).split(sep).join('/')}`
  } else if (item.kind === 'directory') {
    return {...item, reason: 'NOT_A_REGULAR_FILE: the definition names a file but this is a directory'}
  } else if (item.kind !== 'file') {
    return {...item, reason: SPECIAL[item.kind] ?? SPECIAL.other}
  }
  if (Number(st.size) > p.source.max_size && item.kind === 'file') {
    return {...item, reason: `SIZE_CAP: ${st.size} bytes exceeds the artefact's max_size ${p.source.max_size}`}
  }
  const archivePath = archivePathFor(opts.os, drive, segs)

  let opened
  try {
    opened = await openReadOnly(readPath, opts.hooks?.open)
  } catch (e) {
    const code = osErrorCode(e)
    if (opts.mode === 'live' && opts.os === 'windows' && isLockedError(code) && opts.rawVolumePath !== false) {
      const raw = await readLockedRaw(ctx, p, item, code!)
      if (raw.status === 'collected' || p.source.locked_fallback !== 'wevtutil-epl') return raw
      ctx.log({level: 'warn', event: 'raw-ntfs-failed', message: `${item.original_path}: ${raw.reason ?? 'raw read failed'}; trying wevtutil epl`, path: item.original_path})
    }
    if (opts.mode === 'live' && opts.os === 'windows' && p.source.locked_fallback === 'wevtutil-epl' && isLockedError(code)) {
      return exportLocked(ctx, item, archivePath, basename(abs), code!)
    }
    return {...item, status: 'error', error: code ?? errorMessage(e), reason: `OPEN_FAILED: ${errorMessage(e)}`}
  }
  if (!opened.noatime) {
    ctx.log({level: 'info', event: 'noatime-unavailable', message: `O_NOATIME refused (EPERM) for ${item.original_path}; opened read-only without it`, path: item.original_path})
  }
  const fh = opened.handle
  try {
    const before = await fh.stat({bigint: true})
    if (!before.isFile()) return {...item, reason: 'NOT_A_REGULAR_FILE: replaced by a non-file between listing and opening'}
    await opts.hooks?.beforeRead?.(readPath)
    const size = Number(before.size)
    const stream = size === 0 ? emptyStream() : fh.createReadStream({start: 0, end: size - 1, autoClose: false, highWaterMark: 256 * 1024})
    let written
    try {
      written = await ctx.sink.addStream(archivePath, stream, new Date(Number(before.mtimeMs)))
    } catch (e) {
      if (!(e instanceof PartialMemberError)) throw e
      return {
        ...item,
        archive_path: archivePath,
        size: e.written.size,
        hashes: e.written.hashes,
        read_method: 'read',
        status: 'partial',
        error: osErrorCode(e.cause) ?? errorMessage(e.cause),
        reason: `READ_FAILED: ${e.message}; the bytes read are stored`,
      }
    }
    const after = await fh.stat({bigint: true})
    const changed = after.size !== before.size || after.mtimeNs !== before.mtimeNs || written.size !== size
    const out: ManifestItem = {...item, archive_path: archivePath, size: written.size, hashes: written.hashes, read_method: 'read', status: 'collected'}
    if (changed) {
      out.changed_during_read = true
      out.note = [out.note, `changed while read: size ${before.size} → ${after.size}; the first ${written.size} bytes (size at open) were captured`]
        .filter(Boolean)
        .join('; ')
      ctx.log({level: 'warn', event: 'changed-during-read', message: `${item.original_path} changed while it was read`, path: item.original_path})
    }
    return out
  } finally {
    await fh.close()
  }
}

async function exportLocked(ctx: ItemContext, item: ManifestItem, archivePath: string, fileName: string, code: string): Promise<ManifestItem> {
  const outcome = await exportEventLog(ctx.runner, fileName)
  ctx.log({level: outcome.ok ? 'info' : 'error', event: 'wevtutil-epl', message: outcome.detail, path: item.original_path, argv: outcome.argv})
  if (!outcome.ok) {
    await unlink(outcome.tempPath).catch(() => {})
    return {...item, status: 'error', error: code, reason: `EVENTLOG_LOCKED: open failed (${code}) and ${outcome.detail}`}
  }
  try {
    const fh = await open(outcome.tempPath, 'r')
    try {
      const written = await ctx.sink.addStream(archivePath, fh.createReadStream({autoClose: false, highWaterMark: 1 << 20}))
      return {
        ...item,
        archive_path: archivePath,
        size: written.size,
        hashes: written.hashes,
        read_method: 'wevtutil-epl',
        status: 'collected',
        note: `the EventLog service held the file (${code}); ${outcome.detail}. times are the original's; size and hashes are of the export`,
      }
    } finally {
      await fh.close()
    }
  } catch (e) {
    return {...item, status: 'error', error: osErrorCode(e) ?? code, reason: `EVENTLOG_EXPORT_UNREADABLE: ${errorMessage(e)}`}
  } finally {
    await unlink(outcome.tempPath).catch(() => {})
  }
}

/**
 * A locked file on a live Windows host (a hive, an event log held by its service), read through the raw
 * volume with the same NTFS code as `collect --image`. The volume is opened once, on the first locked file.
 */
async function readLockedRaw(ctx: ItemContext, p: Planned, item: ManifestItem, code: string): Promise<ManifestItem> {
  const {opts, drive} = ctx
  if (!ctx.raw) {
    const device = opts.rawVolumePath ? opts.rawVolumePath(drive) : `\\\\.\\${drive}:`
    try {
      const {openRawVolumeTree} = await import('./image-source.js')
      const opened = openRawVolumeTree(device)
      ctx.raw = {tree: opened.tree, close: opened.close}
      ctx.log({level: 'info', event: 'raw-volume-opened', message: `opened ${device} to read locked files through NTFS`, device})
    } catch (e) {
      ctx.raw = {error: `${device}: ${errorMessage(e)}`}
      ctx.log({level: 'error', event: 'raw-volume-failed', message: `cannot read the raw volume ${device}: ${errorMessage(e)}`, device})
    }
  }
  if (!ctx.raw.tree) return {...item, status: 'error', error: code, reason: `OPEN_FAILED: locked (${code}) and the raw volume could not be read (${ctx.raw.error})`}
  const out = await collectFromNtfs(ctx, p, ctx.raw.tree, 'raw-ntfs', item)
  if (out.status === 'collected') out.note = [out.note, `open failed (${code}): read through the raw volume with ratchet's NTFS reader`].filter(Boolean).join('; ')
  else out.reason = `OPEN_FAILED: locked (${code}); raw NTFS read: ${out.reason ?? 'failed'}`
  return out
}

/** One item read through NTFS: the unnamed $DATA stream, hashed while read, with its MFT reference and eight times. */
async function collectFromNtfs(ctx: ItemContext, p: Planned, tree: NtfsTree, method: 'ntfs' | 'raw-ntfs', item: ManifestItem): Promise<ManifestItem> {
  const segs = p.match.segments
  let e
  try {
    e = tree.entryAt(segs)
  } catch (err) {
    return {...item, status: 'error', error: 'EIO', reason: `NTFS_READ_FAILED: ${errorMessage(err)}`}
  }
  if (!e) return {...item, status: 'error', error: 'ENOENT', reason: 'NTFS_NOT_FOUND: no such file in the NTFS directory index'}
  const facts = ntfsFacts(e, segs.at(-1)!)
  const base: ManifestItem = {...item, kind: entryKind(e), times: ntfsMacb(facts), ntfs: facts}
  if (base.kind === 'symlink') {
    const target = e.reparse?.printName ?? e.reparse?.substituteName
    return {...base, ...(target ? {link_target: target} : {}), reason: `REPARSE_POINT_NOT_FOLLOWED: junction or symbolic link (tag 0x${e.reparse!.tag.toString(16)}); not followed`}
  }
  if (base.kind === 'directory') return {...base, reason: 'NOT_A_REGULAR_FILE: the definition names a file but this is a directory'}
  const stream = tree.volume.openStream(e, '')
  if (!stream) return {...base, status: 'error', error: 'ENODATA', reason: 'NTFS_NO_DATA: the entry has no unnamed $DATA stream'}
  base.size = stream.size
  if (stream.size > p.source.max_size) return {...base, reason: `SIZE_CAP: ${stream.size} bytes exceeds the artefact's max_size ${p.source.max_size}`}
  const archivePath = archivePathFor(ctx.opts.os, ctx.drive, segs)
  const mtime = facts.si?.modified ? new Date(facts.si.modified) : undefined
  try {
    const written = await ctx.sink.addStream(archivePath, byteSourceStream(stream), mtime)
    return {...base, archive_path: archivePath, size: written.size, hashes: written.hashes, read_method: method, status: 'collected'}
  } catch (err) {
    if (!(err instanceof PartialMemberError)) throw err
    return {
      ...base,
      archive_path: archivePath,
      size: err.written.size,
      hashes: err.written.hashes,
      read_method: method,
      status: 'partial',
      error: osErrorCode(err.cause) ?? 'EIO',
      reason: `READ_FAILED: ${err.message}; the bytes read are stored`,
    }
  }
}
