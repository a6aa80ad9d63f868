import {createPrivateKey, createPublicKey, sign as edSign} from 'node:crypto'
import {access, lstat, mkdir, open, readlink, realpath, rename, stat, unlink, writeFile} from 'node:fs/promises'
import {basename, join, relative, resolve, sep} from 'node:path'
import {PassThrough, type Readable} from 'node:stream'
import type {Artefact, FileSource} from '../artefacts/schema.js'
import {type Match, type SourceOs, TreeReader, expandPattern} from '../artefacts/expand.js'
import {RatchetError, errorMessage, isRatchetError, osErrorCode} from '../core/errors.js'
import {interrupted, throwIfInterrupted} from '../core/interrupted.js'
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
import type {ImageCollectSource} from './image-source.js'
import {type NtfsTree, byteSourceStream, entryKind, ntfsFacts, ntfsMacb, splitStream} from './ntfs-tree.js'
import type {EvidenceSink} from './sink.js'
import {type OpenFn, macb, modeString, openReadOnly, statKind} from './source-file.js'

export interface CollectHooks {
  /** Replaces the read-only open (tests inject I/O errors with it). */
  open?: OpenFn
  /** Runs after a file was opened and stat'ed, before its bytes are read (tests grow a file here). */
  beforeRead?: (absPath: string) => Promise<void> | void
}

export interface CollectProgress {
  /** `hashing` while files are read, hashed and stored; `packing` while 7-Zip compresses and encrypts. */
  stage: 'hashing' | 'packing'
  filesDone: number
  filesTotal: number
  /** Bytes of the planned files read so far (inside the current file too). */
  bytesDone: number
  bytesTotal: number
  /** 7-Zip's percentage (packing only). */
  packPercent?: number
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
  /** Notes about the source for the collection log (e.g. why it was taken for a Windows volume). */
  sourceNotes?: string[]
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
  /** Found through NTFS (a `read: ntfs` source on a live host): read from this tree, not the directory. */
  ntfsTree?: NtfsTree
}

/** The live raw volume, opened on first need (a locked file, NTFS metadata), or why it could not be. */
interface RawVolume {
  tree?: NtfsTree
  error?: string
  close?: () => void
}

async function openRaw(holder: RawVolume, opts: CollectOptions, drive: string, log: EvidenceSink['log']): Promise<RawVolume> {
  if (holder.tree || holder.error) return holder
  const device = opts.rawVolumePath ? opts.rawVolumePath(drive) : `\\\\.\\${drive}:`
  try {
    const {openRawVolumeTree} = await import('./image-source.js')
    const opened = openRawVolumeTree(device)
    holder.tree = opened.tree
    holder.close = opened.close
    log({level: 'info', event: 'raw-volume-opened', message: `opened ${device} to read through NTFS`, device})
  } catch (e) {
    holder.error = `${device}: ${errorMessage(e)}`
    log({level: 'error', event: 'raw-volume-failed', message: `cannot read the raw volume ${device}: ${errorMessage(e)}`, device})
  }
  return holder
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
    writer = new ZipWriter(partialPath, opts.level ?? 1, opts.signal)
  } else {
    const w = new SevenZipWriter(partialPath, join(outDir, `.${base}.staging`), opts.password, opts.level ?? 1, opts.signal)
    await w.init()
    writer = w
  }
  const sink = new CollectionSink(writer, now)
  const stageErrors: string[] = []
  const log = sink.log.bind(sink)
  log({level: 'info', event: 'collection-start', message: `collecting ${opts.artefacts.length} artefact(s) from ${opts.mode} source ${root}`, source: root, mode: opts.mode, os: opts.os})
  for (const note of opts.sourceNotes ?? []) log({level: 'info', event: 'source-note', message: note})

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
    const raw: RawVolume = {}
    const liveRaw = opts.mode === 'live' && opts.os === 'windows' && opts.rawVolumePath !== false
    const ntfsSide: NtfsSide = {
      tree: async () => {
        if (imageTree) return {tree: imageTree, reader: new TreeReader(root, opts.os, imageTree)}
        // A mounted folder does not show NTFS metadata: like volatile artefacts on an image, not applicable.
        if (!liveRaw) return {why: 'NTFS metadata is not visible through a mounted --source; use collect --image (or --live on Windows)', notApplicable: true}
        const r = await openRaw(raw, opts, drive, log)
        return r.tree ? {tree: r.tree, reader: new TreeReader(root, opts.os, r.tree)} : {why: `NTFS_ONLY: the raw volume could not be read (${r.error})`}
      },
      skip: (artefact, segs, why) =>
        sink.record({original_path: originalPath(opts.os, drive, segs), artefact, kind: 'other', read_method: 'not-read', status: 'skipped', reason: why}),
      viaRaw: !imageTree,
    }
    const plan = await planFiles(reader, opts.os, opts.artefacts, profiles, stageErrors, log, searched, sizeOf, ntfsSide)
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
    const progress: CollectProgress = {stage: 'hashing', filesDone: 0, filesTotal: plan.length, bytesDone: 0, bytesTotal}
    opts.onProgress?.(progress)
    let fileStart = 0
    let fileCap = 0
    if (opts.onProgress) {
      const report = opts.onProgress
      writer.onBytes = (n) => {
        progress.bytesDone = Math.min(fileStart + fileCap, progress.bytesDone + n)
        report(progress)
      }
    }
    const ctx: ItemContext = {opts, root, drive, sink, log, runner: opts.runner ?? defaultRunner, raw}
    const stopIfAborted = (): void =>
      throwIfInterrupted(opts.signal, `collection interrupted after ${progress.filesDone} of ${plan.length} files; ${partialPath} is incomplete`, {partial: partialPath})
    try {
      for (const p of plan) {
        stopIfAborted()
        progress.current = p.match.segments.join('/')
        fileStart = progress.bytesDone
        fileCap = p.match.size ?? 0
        const item = await collectOne(ctx, p)
        sink.record(item)
        progress.filesDone++
        // the planned size, read or not, so that the total is reached exactly
        progress.bytesDone = fileStart + fileCap
        opts.onProgress?.(progress)
      }
    } finally {
      ctx.raw?.close?.()
    }
    for (const d of opts.image?.diagnostics ?? []) {
      log({level: d.severity === 'info' ? 'info' : d.severity === 'warning' ? 'warn' : 'error', event: 'image-damage', message: `${d.code}: ${d.message}`, code: d.code, offset: d.offset})
      if (d.severity === 'error') stageErrors.push(`image: ${d.code}: ${d.message}`)
    }

    if (sink.items.length === 0) {
      // an empty archive is not a clean collection: the source or the selection was wrong
      stageErrors.push(`nothing matched the selected artefacts (${opts.artefacts.length} searched in ${root})`)
      log({level: 'warn', event: 'nothing-matched', message: 'nothing matched the selected artefacts'})
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
    stopIfAborted()
    if (opts.onProgress && opts.format === '7z') {
      const report = opts.onProgress
      progress.stage = 'packing'
      progress.current = basename(finalPath)
      report(progress)
      writer.onPack = (pct) => {
        progress.packPercent = pct
        report(progress)
      }
    }
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
    // whatever an abort broke on the way (a killed 7-Zip, a destroyed stream), the cause is the interrupt
    if (opts.signal?.aborted && !(isRatchetError(e) && e.code === 'E_INTERRUPTED')) {
      throw interrupted(opts.signal, `collection interrupted; ${partialPath} is incomplete`, {partial: partialPath})
    }
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

/** How `read: ntfs` sources are found: the image's tree, the live raw volume's, or why neither exists. */
interface NtfsSide {
  tree: () => Promise<{tree: NtfsTree; reader: TreeReader} | {why: string; notApplicable?: boolean}>
  skip: (artefact: string, segments: string[], why: string) => void
  /** The tree is the live raw volume (items are `raw-ntfs`), not an image. */
  viaRaw: boolean
}

function ntfsStreamSize(tree: NtfsTree, segs: string[]): number | undefined {
  const e = tree.entryAt(segs)
  return e ? tree.volume.openStream(e, splitStream(segs.at(-1)!).stream)?.size : undefined
}

async function planFiles(
  reader: TreeReader,
  os: SourceOs,
  artefacts: Artefact[],
  profiles: string[][],
  stageErrors: string[],
  log: EvidenceSink['log'],
  searched: NonNullable<Manifest['searched']>,
  sizeOf: (segments: string[]) => Promise<number | undefined>,
  ntfs: NtfsSide,
): Promise<(Planned & {match: PlannedMatch})[]> {
  const seen = new Map<string, string>()
  const plan: (Planned & {match: PlannedMatch})[] = []
  const add = async (artefact: string, source: FileSource, m: Match, ntfsTree?: NtfsTree): Promise<void> => {
    const key = m.segments.join('/')
    const first = seen.get(key)
    if (first) {
      if (first !== artefact) log({level: 'info', event: 'duplicate-match', message: `${key} already collected for ${first}`, path: key, artefact})
      return
    }
    seen.set(key, artefact)
    let size: number | undefined
    if (m.kind === 'file') size = ntfsTree ? ntfsStreamSize(ntfsTree, m.segments) : await sizeOf(m.segments)
    plan.push({artefact, source, match: {...m, size}, ...(ntfsTree ? {ntfsTree} : {})})
  }
  for (const a of artefacts) {
    for (const src of a.sources) {
      if (src.collector !== 'file') continue
      if (src.read === 'ntfs') {
        const side = await ntfs.tree()
        for (const pattern of src.paths) {
          let count = 0
          for (const segs of expandPattern(pattern, os, profiles)) {
            if ('why' in side) {
              if (!side.notApplicable) ntfs.skip(a.id, segs, side.why)
              continue
            }
            for await (const m of side.reader.walk([], segs, src.max_depth)) {
              count++
              await add(a.id, src, m, ntfs.viaRaw ? side.tree : undefined)
            }
          }
          searched.push({artefact: a.id, pattern, matches: count})
          if ('notApplicable' in side) log({level: 'info', event: 'ntfs-not-applicable', message: `${pattern}: ${side.why}`, artefact: a.id, pattern})
          else log({level: 'info', event: 'pattern', message: `${pattern}: ${count} match(es) through NTFS`, artefact: a.id, pattern, matches: count})
        }
        continue
      }
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
  /** The live raw volume, opened on the first locked file or NTFS metadata (or the reason it could not be). */
  raw: RawVolume
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
  if (p.ntfsTree) return collectFromNtfs(ctx, p, p.ntfsTree, 'raw-ntfs', item)
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
      // The file as it is on disk (with its logs) is better evidence than an export: the raw volume first,
      // then the OS's own export (wevtutil epl for event logs, reg save for hives).
      if (opts.rawVolumePath !== false) {
        const raw = await readLockedRaw(ctx, p, item, code!)
        if (raw.status === 'collected' || p.source.locked_fallback === 'none') return raw
        ctx.log({level: 'warn', event: 'raw-ntfs-failed', message: `${item.original_path}: ${raw.reason ?? 'raw read failed'}; trying ${p.source.locked_fallback}`, path: item.original_path})
      }
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
    const stream = size === 0 ? emptyStream() : fh.createReadStream({start: 0, end: size - 1, autoClose: false, highWaterMark: 1 << 20})
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

/**
 * A locked file on a live Windows host (a hive, an event log held by its service), read through the raw
 * volume with the same NTFS code as `collect --image`. The volume is opened once, on the first locked file.
 */
async function readLockedRaw(ctx: ItemContext, p: Planned, item: ManifestItem, code: string): Promise<ManifestItem> {
  await openRaw(ctx.raw, ctx.opts, ctx.drive, ctx.log)
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
  const {file, stream: streamName} = splitStream(segs.at(-1)!)
  const facts = ntfsFacts(e, file)
  const base: ManifestItem = {...item, kind: entryKind(e), times: ntfsMacb(facts), ntfs: facts}
  if (base.kind === 'symlink') {
    const target = e.reparse?.printName ?? e.reparse?.substituteName
    return {...base, ...(target ? {link_target: target} : {}), reason: `REPARSE_POINT_NOT_FOLLOWED: junction or symbolic link (tag 0x${e.reparse!.tag.toString(16)}); not followed`}
  }
  if (base.kind === 'directory') return {...base, reason: 'NOT_A_REGULAR_FILE: the definition names a file but this is a directory'}
  const stream = tree.volume.openStream(e, streamName)
  if (!stream) return {...base, status: 'error', error: 'ENODATA', reason: `NTFS_NO_DATA: the entry has no ${streamName ? `$DATA stream "${streamName}"` : 'unnamed $DATA stream'}`}
  base.size = stream.size
  if (stream.size > p.source.max_size) return {...base, reason: `SIZE_CAP: ${stream.size} bytes exceeds the artefact's max_size ${p.source.max_size}`}
  // A stream keeps its name as KAPE writes it (`$UsnJrnl%3A$J`): ':' is not a file-name character elsewhere.
  const archivePath = archivePathFor(ctx.opts.os, ctx.drive, [...segs.slice(0, -1), segs.at(-1)!.replace(':', '%3A')])
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
