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
import {exportEventLog, isLockedError, type ExportOutcome} from './eventlog-export.js'
import {hklmKeyForHiveFile, saveHive} from './reg-save.js'
import {imageHostFacts, liveHostFacts} from './host-facts.js'
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
    if (!(await stat(root)).isDirectory()) throw new Error('not a directory')
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
  const host = opts.mode === 'live' ? liveHostFacts(start) : await imageHostFacts(root, opts.os, start)
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

    const reader = new TreeReader(root, opts.os)
    const profiles = await reader.profiles()
    const searched: NonNullable<Manifest['searched']> = []
    const plan = await planFiles(reader, opts.os, opts.artefacts, profiles, stageErrors, log, searched)
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
    if (m.kind === 'file') size = await lstat(reader.abs(m.segments)).then((s) => s.size, () => undefined)
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
    if (opts.mode === 'live' && opts.os === 'windows' && isLockedError(code)) {
      const locked = await lockedFallback(ctx, p.source.locked_fallback, item, archivePath, basename(abs), code!)
      if (locked) return locked
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

interface LockedExport {
  method: 'wevtutil-epl' | 'reg-save'
  /** Who holds the file, for the note. */
  holder: string
  /** Reason codes: the export failed / its output could not be read. */
  failed: string
  unreadable: string
  run: () => Promise<ExportOutcome>
}

/**
 * A locked file on a live Windows host, read through the built-in exporter its definition names: event logs
 * with `wevtutil epl`, the HKLM hives with `reg save`. Undefined when the definition names none.
 */
async function lockedFallback(ctx: ItemContext, fallback: string, item: ManifestItem, archivePath: string, fileName: string, code: string): Promise<ManifestItem | undefined> {
  if (fallback === 'wevtutil-epl') {
    return exportLocked(ctx, item, archivePath, code, {
      method: 'wevtutil-epl',
      holder: 'the EventLog service',
      failed: 'EVENTLOG_LOCKED',
      unreadable: 'EVENTLOG_EXPORT_UNREADABLE',
      run: () => exportEventLog(ctx.runner, fileName),
    })
  }
  if (fallback !== 'reg-save') return undefined
  const key = hklmKeyForHiveFile(fileName)
  if (!key) {
    return {
      ...item,
      status: 'error',
      error: code,
      reason: `HIVE_LOCKED: open failed (${code}); reg save covers only SAM, SECURITY, SYSTEM and SOFTWARE (a saved hive already holds what its .LOG1/.LOG2 add); collect this file from a mounted image`,
    }
  }
  return exportLocked(ctx, item, archivePath, code, {method: 'reg-save', holder: 'the registry', failed: 'HIVE_LOCKED', unreadable: 'HIVE_SAVE_UNREADABLE', run: () => saveHive(ctx.runner, key)})
}

async function exportLocked(ctx: ItemContext, item: ManifestItem, archivePath: string, code: string, how: LockedExport): Promise<ManifestItem> {
  const outcome = await how.run()
  ctx.log({level: outcome.ok ? 'info' : 'error', event: how.method, message: outcome.detail, path: item.original_path, argv: outcome.argv})
  if (!outcome.ok) {
    await unlink(outcome.tempPath).catch(() => {})
    return {...item, status: 'error', error: code, reason: `${how.failed}: open failed (${code}) and ${outcome.detail}`}
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
        read_method: how.method,
        status: 'collected',
        note: `${how.holder} held the file (${code}); ${outcome.detail}. times are the original's; size and hashes are of the export`,
      }
    } finally {
      await fh.close()
    }
  } catch (e) {
    return {...item, status: 'error', error: osErrorCode(e) ?? code, reason: `${how.unreadable}: ${errorMessage(e)}`}
  } finally {
    await unlink(outcome.tempPath).catch(() => {})
  }
}
