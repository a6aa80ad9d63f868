import {createReadStream, createWriteStream, rmSync} from 'node:fs'
import {access, mkdir, mkdtemp, rename, rm, stat, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {basename, join} from 'node:path'
import {diag, makesPartial, type Diagnostic} from '../core/diagnostics.js'
import {RatchetError, errorMessage, isRatchetError} from '../core/errors.js'
import {interrupted, throwIfInterrupted} from '../core/interrupted.js'
import {onExitCleanup} from '../core/exit-cleanup.js'
import {ExitCode, type ExitCodeValue} from '../core/exit-codes.js'
import {CaseFiles} from '../core/case-layout.js'
import {isValidTimeZone} from '../core/time.js'
import {ratchetVersion} from '../core/version.js'
import type {Manifest} from '../evidence/manifest-types.js'
import type {ArtefactParserPlugin, ParseContext, ParseOutput} from './parser-api.js'
import {RunResourceSet} from './resources.js'
import {artefactForImageFile, defaultPlugins} from './plugins/index.js'
import {systemHostFacts} from './plugins/registry.js'
import {ArtefactMatcher} from './artefact-match.js'
import {ExternalSorter} from './sort.js'
import {isSerializedEvents, serializedCount, type SerializedEvents} from './serialized.js'
import type {NormalizedEvent} from '../events/types.js'
import type {AnalysisFile} from './types.js'
import {COLLECTION_METADATA, copyHashed, hashFile, readManifestFile, walkImage, type FileJob} from './inputs.js'
import {extractArchive, type ExtractLimits} from '../evidence/extract.js'
import type {VerifyReport} from '../evidence/verify.js'
import {verifyArchiveInWorker} from '../evidence/verify-in-worker.js'
import {passwordFromFile} from '../collect/password.js'

/** `volatile/<artefact>/<tool>.stdout.txt|.stderr.txt` written by the volatile stage. */
const RAW_COMMAND_OUTPUT = /^volatile\/[^/]+\/[^/]+\.(stdout|stderr)\.txt$/

export interface AnalyzeOptions {
  out: string
  passwordFile?: string
  /** The password itself (triage holds it in memory after --password-prompt); wins over passwordFile. */
  password?: string
  allowUnverified?: boolean
  /** Checked between files (and by the EVTX reader between chunks): an abort ends the run with E_INTERRUPTED. */
  signal?: AbortSignal
  plugins?: ArtefactParserPlugin[]
  /** Where private temp folders go (default: the OS temp dir). */
  tmpDir?: string
  /** Events held in memory before a sorted run is spilled to disk. */
  runSize?: number
  /** Threads for parsers that parallelize (EVTX); default: available cores. */
  threads?: number
  /** $MFT files: events for every file, not only the interesting folders. */
  mftAllFiles?: boolean
  /**
   * A report verifyArchive made for this archive in this process (triage's verify stage, which may still be
   * running: extraction starts meanwhile). It is used instead of verifying again only if the archive's
   * SHA-256 now equals the one that report checked against the sidecar, i.e. the bytes are the ones
   * verified; otherwise (or when it resolves to undefined) the archive is verified again.
   */
  verified?: VerifyReport | Promise<VerifyReport | undefined>
  /** Bounds for extracting an archive (zip bombs); defaults DEFAULT_EXTRACT_LIMITS. */
  extractLimits?: Omit<ExtractLimits, 'password'>
}

export const DEFAULT_EXTRACT_LIMITS: Omit<ExtractLimits, 'password'> = {maxMemberBytes: 16 * 1024 ** 3, maxTotalBytes: 64 * 1024 ** 3}

export interface AnalyzeResult {
  /** Files written (absolute paths). */
  files: {events: string; analysis: string}
  input: AnalysisFile['input']
  verification: AnalysisFile['verification']
  unverified: boolean
  totals: AnalysisFile['totals']
  diagnostics: {error: number; warning: number; info: number}
  /** 0 clean, 3 when error diagnostics exist. */
  exitCode: ExitCodeValue
}

interface Prepared {
  kind: AnalysisFile['input']['kind']
  files: FileJob[]
  manifest: Manifest | null
  problems: string[]
  /** Files present but never to be parsed, with the reason. */
  notParsed: {member: string; artefact: string; reason: string}[]
  /** Whether file jobs must be copied (and hashed) to a private place before parsing. */
  copyFirst: boolean
  cleanup: string[]
  /** Drops the exit clean-up registered for `cleanup`. */
  unregister?: () => void
  archiveSha256: string | null
  signature: AnalysisFile['verification']['signature']
  /** Mounted images: artefact definitions decide which artefact a file belongs to. */
  matcher?: ArtefactMatcher
}

const sortByMember = <T extends {member: string}>(a: T, b: T): number => (a.member < b.member ? -1 : a.member > b.member ? 1 : 0)

/** Reads a directory that holds manifest.json (an extracted collection) and checks every hash. */
async function prepareCollection(root: string, manifest: Manifest, known: Map<string, {path: string; sha256: string; size: number}> | undefined): Promise<Pick<Prepared, 'files' | 'problems' | 'notParsed'>> {
  const files: FileJob[] = []
  const problems: string[] = []
  const notParsed: Prepared['notParsed'] = []
  const listed = new Set<string>()
  for (const item of manifest.items) {
    if (!item.archive_path) {
      if (item.status !== 'collected') notParsed.push({member: item.original_path, artefact: item.artefact, reason: `not in the archive (${item.status}${item.reason ? `: ${item.reason}` : ''})`})
      continue
    }
    if (item.kind !== 'file' && item.kind !== 'command-output') continue
    listed.add(item.archive_path)
    const have = known?.get(item.archive_path)
    const path = have?.path ?? join(root, ...item.archive_path.split('/'))
    let actual: {sha256: string; size: number}
    try {
      actual = have ?? (await hashFile(path))
    } catch (e) {
      problems.push(`${item.archive_path}: missing or unreadable (${errorMessage(e)})`)
      continue
    }
    const expected = item.hashes?.sha256
    if (!expected) problems.push(`${item.archive_path}: no SHA-256 in the manifest`)
    else if (expected.toLowerCase() !== actual.sha256) problems.push(`${item.archive_path}: SHA-256 mismatch (manifest ${expected}, actual ${actual.sha256})`)
    files.push({member: item.archive_path, path, sha256: actual.sha256, artefact: item.artefact, originalPath: item.original_path, mtime: item.times?.modified ?? undefined, size: actual.size})
  }
  if (known) {
    for (const name of known.keys()) if (!listed.has(name) && !COLLECTION_METADATA.has(name)) problems.push(`${name}: member not listed in the manifest`)
  }
  files.sort(sortByMember)
  return {files, problems, notParsed}
}

async function prepare(input: string, opts: AnalyzeOptions, plugins: ArtefactParserPlugin[]): Promise<Prepared> {
  let st
  try {
    st = await stat(input)
  } catch {
    throw new RatchetError('E_INPUT_MISSING', `input not found: ${input}`, {input})
  }
  const accept = (m: string): boolean => plugins.some((p) => p.accepts(m))
  if (st.isDirectory()) {
    const manifestPath = join(input, 'manifest.json')
    const hasManifest = await access(manifestPath).then(() => true, () => false)
    if (hasManifest) {
      const manifest = await readManifestFile(manifestPath)
      const c = await prepareCollection(input, manifest, undefined)
      return {kind: 'collection-directory', manifest, ...c, copyFirst: false, cleanup: [], archiveSha256: null, signature: 'not-checked'}
    }
    // A mounted image: files a parser reads, siblings it needs (Session.db-wal), and files an artefact
    // definition names (so what is present but not parsed is reported, as for a collection).
    const matcher = await ArtefactMatcher.load()
    const wanted = (m: string): boolean => accept(m) || /-(wal|shm)$/i.test(m) || matcher?.match(m, '') !== undefined
    const walked = await walkImage(input, wanted)
    const notParsed = walked.links.map((l) => ({member: l, artefact: matcher?.match(l, '') ?? 'unknown', reason: 'symbolic link: not followed'}))
    return {kind: 'directory', manifest: null, files: walked.files, problems: [], notParsed, copyFirst: true, cleanup: [], archiveSha256: null, signature: 'not-checked', matcher}
  }
  const lower = input.toLowerCase()
  if (lower.endsWith('.partial')) throw new RatchetError('E_ARCHIVE_INCOMPLETE', 'archive is an incomplete .partial file left by an interrupted collection', {input})
  if (!lower.endsWith('.zip') && !lower.endsWith('.7z')) throw new RatchetError('E_INPUT_FORMAT', 'input must be a directory, a .zip or a .7z evidence archive', {input})
  const password = opts.password ?? (opts.passwordFile ? await passwordFromFile(opts.passwordFile) : undefined)
  // 1. Verify (every member re-hashed against manifest.json, SHA256SUMS and the .sha256 sidecar) in a worker
  // thread, unless the caller verified exactly these bytes, while 2. the archive is extracted safely to a
  // private temp folder (unsafe members are rejected, never written), every member hashed again against
  // manifest.json, so what is parsed is proven either way. A verification error wins over an extraction one,
  // as when the two ran one after the other.
  const {sha256} = await hashFile(input)
  const verifying = (async (): Promise<VerifyReport> => {
    const v = await opts.verified
    return v && v.archive === input && v.sidecar.state === 'ok' && v.sidecar.actual === sha256 ? v : verifyArchiveInWorker(input, {password})
  })()
  verifying.catch(() => undefined) // awaited below; a rejection before then is not unhandled
  const dir = await mkdtemp(join(opts.tmpDir ?? tmpdir(), 'ratchet-analyze-'))
  // the extracted members are plaintext evidence (a 7z's too): gone however the process ends
  const unregister = onExitCleanup(() => rmSync(dir, {recursive: true, force: true}))
  const extracting = extractArchive(input, join(dir, 'x'), {...(opts.extractLimits ?? DEFAULT_EXTRACT_LIMITS), password})
  extracting.catch(() => undefined) // awaited below, after the verification
  try {
    let report: VerifyReport
    try {
      report = await verifying
      throwIfInterrupted(opts.signal, 'analyze interrupted', {input})
      if (report.status === 'incomplete') throw new RatchetError('E_ARCHIVE_INCOMPLETE', report.problems.join('; '), {input})
    } catch (e) {
      await extracting.catch(() => undefined)
      throw e
    }
    const problems = [...report.problems]
    const signature = report.signature.state === 'ok' ? 'valid' : report.signature.state === 'failed' ? 'invalid' : report.signature.state
    const ex = await extracting
    for (const r of ex.rejected) {
      const line = `${r.member}: rejected (${r.reason}: ${r.detail})`
      if (!problems.includes(line)) problems.push(line)
    }
    const known = new Map(ex.extracted.map((m) => [m.member, {path: m.path, sha256: m.sha256, size: m.size}]))
    const mf = known.get('manifest.json')
    if (!mf) throw new RatchetError('E_INPUT_FORMAT', 'archive has no readable manifest.json: not a ratchet evidence archive', {input})
    const manifest = await readManifestFile(mf.path)
    const c = await prepareCollection(ex.dest, manifest, known)
    for (const p of c.problems) if (!problems.some((q) => q.startsWith(p.split(':')[0]!))) problems.push(p)
    return {kind: lower.endsWith('.7z') ? '7z' : 'zip', manifest, files: c.files, problems, notParsed: c.notParsed, copyFirst: false, cleanup: [dir], archiveSha256: sha256, signature, unregister}
  } catch (e) {
    await rm(dir, {recursive: true, force: true})
    unregister()
    throw e
  }
}

/** Runs every parser over the input and writes events.jsonl + analysis.json into `opts.out`. */
export async function analyze(input: string, opts: AnalyzeOptions): Promise<AnalyzeResult> {
  const plugins = opts.plugins ?? defaultPlugins
  const prep = await prepare(input, opts, plugins)
  try {
    return await run(input, opts, plugins, prep)
  } finally {
    for (const d of prep.cleanup) await rm(d, {recursive: true, force: true})
    prep.unregister?.()
  }
}

async function run(input: string, opts: AnalyzeOptions, plugins: ArtefactParserPlugin[], prep: Prepared): Promise<AnalyzeResult> {
  const verification: AnalysisFile['verification'] = {
    status: prep.kind === 'directory' ? 'not-applicable' : prep.problems.length ? 'failed' : 'verified',
    problems: prep.problems,
    signature: prep.signature,
  }
  if (verification.status === 'failed' && !opts.allowUnverified) {
    throw new RatchetError('E_VERIFY_FAILED', `evidence verification failed (${prep.problems.length} problem(s)); rerun with --allow-unverified to analyze anyway`, {problems: prep.problems.slice(0, 50)})
  }
  const unverified = verification.status === 'failed'
  await mkdir(opts.out, {recursive: true})
  const tmpRoot = opts.tmpDir ?? tmpdir()
  const work = await mkdtemp(join(tmpRoot, 'ratchet-work-'))
  const sorter = new ExternalSorter(tmpRoot, opts.runSize)
  let host = prep.manifest?.host ?? null
  let tz = host?.time_zone && isValidTimeZone(host.time_zone) ? host.time_zone : undefined
  const hostName = host?.hostname ?? undefined

  type ArtefactAcc = AnalysisFile['artefacts'][number]
  const artefacts = new Map<string, ArtefactAcc>()
  const acc = (id: string): ArtefactAcc => {
    let a = artefacts.get(id)
    if (!a) artefacts.set(id, (a = {id, files: [], events: 0, diagnostics: []}))
    return a
  }
  const notParsed = [...prep.notParsed]
  const byLowerMember = new Map(prep.files.map((f) => [f.member.toLowerCase(), f]))
  const usedAsSibling = new Map<string, string>()
  const usedPlugins = new Set<string>()
  if (prep.kind === 'directory' && !prep.files.length) acc('image').diagnostics.push(diag('ANALYZE_NOTHING_TO_PARSE', 'warning', 'nothing matched the selected artefacts: no file in the folder matched a parser'))

  // Pass 1: who reads what (siblings are claimed by the file that needs them).
  const plan: PlanEntry[] = []
  for (const job of prep.files) {
    const plugin = plugins.find((p) => p.accepts(job.member))
    if (!plugin) continue
    const siblings: FileJob[] = []
    for (const s of plugin.siblings?.(job.member) ?? []) {
      const sj = byLowerMember.get(s.toLowerCase())
      if (sj) {
        siblings.push(sj)
        usedAsSibling.set(sj.member, plugin.name)
      }
    }
    plan.push({job, plugin, siblings})
  }
  // A SYSTEM hive names the host and its time zone: read it first, so every host-local time of the case
  // (and the report) uses that zone when the manifest does not know it (mounted images). Its NetBIOS name goes
  // into the host facts only, not onto events: the event logs name the host by its FQDN, and hunt gives
  // host-less events the one host name a case holds.
  const sys = !tz || !hostName ? plan.find((p) => p.plugin.name === 'registry.system') : undefined
  if (sys) {
    try {
      const f = systemHostFacts(sys.job.path, sys.siblings.map((s) => ({name: s.member, path: s.path})))
      if (!tz && f.ianaZone) tz = f.ianaZone
      host = {
        hostname: host?.hostname ?? f.hostname ?? null,
        os: host?.os ?? 'windows',
        platform: host?.platform ?? null,
        release: host?.release ?? null,
        time_zone: host?.time_zone ?? f.ianaZone ?? f.windowsZone ?? null,
        utc_offset_minutes: host?.utc_offset_minutes ?? f.utcOffsetMinutes ?? null,
        clock_utc_at_start: host?.clock_utc_at_start ?? '',
        ...(host ? {} : {facts_from: `SYSTEM hive ${sys.job.member}`}),
      }
    } catch (e) {
      acc('windows.registry.hives').diagnostics.push(diag('ANALYZE_SYSTEM_HIVE_FACTS', 'warning', `host name and time zone not read from ${sys.job.member}: ${errorMessage(e)}`, {file: sys.job.member}))
    }
  }
  const planned = new Set(plan.map((p) => p.job))
  for (const job of prep.files) {
    if (!planned.has(job) && !usedAsSibling.has(job.member)) {
      // raw command output is kept as evidence; its parsed rendering (parsed*.json beside it) is what is analyzed
      const reason = RAW_COMMAND_OUTPUT.test(job.member) ? 'raw command output: analyzed through parsed.json beside it' : 'no parser for this file'
      notParsed.push({member: job.member, artefact: job.artefact ?? prep.matcher?.match(job.member, '') ?? 'unknown', reason})
    }
  }

  // Plugins' run-long resources (EVTX worker lanes), and the next file started ahead (see readAhead).
  const resources = new RunResourceSet()
  let ahead: Ahead | undefined
  const artefactOf = ({job, plugin}: PlanEntry): string => job.artefact ?? prep.matcher?.match(job.member, plugin.name) ?? artefactForImageFile(plugin.name, job.member)
  const contextOf = (e: PlanEntry, localPath: string, sha: string | undefined, siblings: Record<string, string>): ParseContext => ({
    member: e.job.member,
    sha256: sha ?? '',
    artefact: artefactOf(e),
    host: hostName,
    hostTimeZone: tz,
    originalPath: e.job.originalPath,
    siblings,
    localPath,
    unverified,
    mtime: e.job.mtime,
    size: e.job.size,
    threads: opts.threads,
    mftAllFiles: opts.mftAllFiles,
    resources,
  })
  /**
   * Starts the file after plan[i] when its plugin allows (files parsed in place, no private copy): its
   * chunks are parsed in the lanes' gaps and queue behind this file's last ones. Only its first pull runs
   * now; its events are taken later, in plan order, so what reaches the sorter and every diagnostic are the
   * same as one file at a time.
   */
  const startAhead = (i: number): void => {
    const e = plan[i + 1]
    if (!e || prep.copyFirst || !e.plugin.readAhead) return
    const sibPaths = Object.fromEntries(e.siblings.map((s) => [s.member, s.path]))
    const out = e.plugin.parse(createReadStream(e.job.path), contextOf(e, e.job.path, e.job.sha256, sibPaths))
    const src = out.serialized ?? out.events
    const it = (async function* (): AsyncGenerator<Pulled> {
      yield* src
    })()
    const first = it.next()
    first.catch(() => undefined) // surfaced when the driver gets to this file
    ahead = {job: e.job, out, it, first}
  }

  try {
    for (const [i, entry] of plan.entries()) {
      const {job, plugin, siblings} = entry
      throwIfInterrupted(opts.signal, `analysis interrupted before ${job.member}`)
      usedPlugins.add(plugin.name)
      const artefactId = artefactOf(entry)
      const a = acc(artefactId)
      let localPath = job.path
      let sha = job.sha256
      const sibPaths: Record<string, string> = {}
      const fileDiags: Diagnostic[] = []
      try {
        if (prep.copyFirst) {
          // Mounted image: one read of the evidence, hashed while copied to a private file we then parse.
          localPath = join(work, 'f')
          await rm(localPath, {force: true})
          const h = await copyHashed(job.path, localPath)
          sha = h.sha256
          job.size = h.size
          for (const [i, s] of siblings.entries()) {
            const p = join(work, `s${i}`)
            await rm(p, {force: true})
            const sh = await copyHashed(s.path, p)
            s.sha256 = sh.sha256
            sibPaths[s.member] = p
          }
        } else {
          for (const s of siblings) sibPaths[s.member] = s.path
        }
      } catch (e) {
        fileDiags.push(diag('ANALYZE_READ_FAILED', 'error', `cannot read: ${errorMessage(e)}`, {file: job.member, artefact: artefactId}))
        a.files.push({member: job.member, sha256: sha ?? '', parser: plugin.name, events: 0, diagnostics: fileDiags.length})
        a.diagnostics.push(...fileDiags)
        continue
      }
      let events = 0
      let out: ParseOutput | undefined
      try {
        let source: AsyncIterable<NormalizedEvent | SerializedEvents> | Iterable<NormalizedEvent>
        if (ahead?.job === job) {
          ;({out} = ahead)
          source = resumed(ahead)
          ahead = undefined
        } else {
          out = plugin.parse(createReadStream(localPath), contextOf(entry, localPath, sha, sibPaths))
          source = out.serialized ?? out.events
        }
        let first = true
        for await (const ev of source) {
          if (first) {
            // this file's reads are under way (it opened its feed first): the next may start now
            first = false
            startAhead(i)
          }
          if (opts.signal?.aborted) throw interrupted(opts.signal, `analysis interrupted in ${job.member}`)
          if (isSerializedEvents(ev)) {
            // serialized by the plugin with ctx.unverified (buildEvent sets the flag)
            await sorter.addSerialized(ev)
            events += serializedCount(ev)
            continue
          }
          if (unverified) ev.unverified = true
          const spilled = sorter.add(ev)
          if (spilled) await spilled
          events++
        }
      } catch (e) {
        if (isRatchetError(e) && e.code === 'E_INTERRUPTED') throw e
        fileDiags.push(diag('ANALYZE_PARSER_FAILED', 'error', `parser ${plugin.name} stopped: ${errorMessage(e)}`, {file: job.member, artefact: artefactId}))
      }
      if (out) fileDiags.push(...out.diagnostics.map((d) => ({...d, file: d.file ?? job.member, artefact: d.artefact ?? artefactId})))
      a.files.push({member: job.member, sha256: sha ?? '', parser: plugin.name, events, diagnostics: fileDiags.length})
      for (const s of siblings) a.files.push({member: s.member, sha256: s.sha256 ?? '', parser: `${plugin.name} (sibling of ${basename(job.member)})`, events: 0, diagnostics: 0})
      a.events += events
      a.diagnostics.push(...fileDiags)
    }
    await resources.endAll() // worker threads gone before the merge needs the memory

    const eventsPath = join(opts.out, CaseFiles.events)
    const analysisPath = join(opts.out, CaseFiles.analysis)
    const total = sorter.count
    const tmpEvents = `${eventsPath}.tmp-${process.pid}`
    await sorter.writeTo(createWriteStream(tmpEvents))
    await rename(tmpEvents, eventsPath)

    const artefactList = [...artefacts.values()].sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0))
    for (const a of artefactList) a.files.sort(sortByMember)
    const allDiags = artefactList.flatMap((a) => a.diagnostics)
    const m = prep.manifest
    const analysis: AnalysisFile = {
      format: 'ratchet-analysis/1',
      input: {path: input, kind: prep.kind, sha256: prep.archiveSha256},
      verification,
      unverified,
      collection: m ? {case_id: m.case_id, examiner: m.examiner, tool: m.tool, source: m.source, started_utc: m.started_utc, ended_utc: m.ended_utc, profile: m.profile} : null,
      host,
      parsers: plugins.filter((p) => usedPlugins.has(p.name)).map((p) => ({name: p.name, version: p.version})).sort((x, y) => (x.name < y.name ? -1 : 1)),
      artefacts: artefactList,
      not_parsed: notParsed.sort(sortByMember),
      totals: {files: artefactList.reduce((n, a) => n + a.files.length, 0), events: total, diagnostics: allDiags.length},
      ratchet_version: ratchetVersion(),
    }
    await writeFile(`${analysisPath}.tmp-${process.pid}`, JSON.stringify(analysis, null, 2) + '\n')
    await rename(`${analysisPath}.tmp-${process.pid}`, analysisPath)
    const counts = {error: 0, warning: 0, info: 0}
    for (const d of allDiags) counts[d.severity]++
    return {
      files: {events: eventsPath, analysis: analysisPath},
      input: analysis.input,
      verification,
      unverified,
      totals: analysis.totals,
      diagnostics: counts,
      // unverified evidence analysed anyway is never a clean outcome
      exitCode: unverified || allDiags.some(makesPartial) ? ExitCode.PARTIAL : ExitCode.OK,
    }
  } finally {
    await resources.endAll() // pending work fails first, so a file started ahead can end
    if (ahead) await ahead.it.return?.().catch(() => undefined)
    await sorter.dispose() // spilled runs of a run that stopped early (writeTo removes them otherwise)
    await rm(work, {recursive: true, force: true})
  }
}

interface PlanEntry {
  job: FileJob
  plugin: ArtefactParserPlugin
  siblings: FileJob[]
}

type Pulled = NormalizedEvent | SerializedEvents

/** A file whose parse was started ahead of its turn: its output, and its first pull in flight. */
interface Ahead {
  job: FileJob
  out: ParseOutput
  it: AsyncIterator<Pulled>
  first: Promise<IteratorResult<Pulled>>
}

/** The events of a file started ahead, from its first pull on; an early end returns the plugin's iterator. */
async function* resumed({it, first}: Ahead): AsyncGenerator<Pulled> {
  let finished = false
  try {
    for (let r = await first; !r.done; r = await it.next()) yield r.value
    finished = true
  } finally {
    if (!finished) await it.return?.()
  }
}
