import type {ImageCollectSource} from '../collect/image-source.js'
import {createHash} from 'node:crypto'
import {existsSync} from 'node:fs'
import {mkdir, readFile, rename, writeFile} from 'node:fs/promises'
import {join, resolve} from 'node:path'
import {analyze, type AnalyzeResult} from '../analyze/index.js'
import type {Artefact} from '../artefacts/schema.js'
import {collect, type CollectProgress, type CollectResult, type VolatileStage} from '../collect/collect.js'
import {CaseFiles, casePath} from '../core/case-layout.js'
import {RatchetError, errorMessage} from '../core/errors.js'
import {ExitCode, type ExitCodeValue} from '../core/exit-codes.js'
import {throwIfInterrupted} from '../core/interrupted.js'
import {refuseWritingOnInputs, requireDirOrAbsent} from '../core/output-guard.js'
import {runHunt, type HuntResult} from '../detect/hunt.js'
import {severityRank} from '../detect/severity.js'
import type {BlastRadiusFile} from '../detect/blast/types.js'
import type {Finding, FindingsFile} from '../detect/types.js'
import type {VerifyReport} from '../evidence/verify.js'
import {verifyArchiveInWorker} from '../evidence/verify-in-worker.js'
import {toVerifyResult} from '../evidence/verify-result.js'
import {generateReport, type ReportResult} from '../report/generate.js'
import {writeTimelineInWorker} from '../timeline/in-worker.js'
import type {TimelineResult} from '../timeline/write.js'

/**
 * `ratchet triage`: collect → verify → analyze → hunt → timeline → report into one case folder, each stage
 * through the same library function its own command calls, so every stage can also be rerun alone on the
 * folder. After each stage triage-state.json records what completed; a rerun with the same options resumes
 * after the last completed stage whose outputs are still present (an interrupted collection leaves only a
 * `.partial`, so it is collected again into a new archive and the `.partial` is left as a record).
 */
export const STAGES = ['collect', 'verify', 'analyze', 'hunt', 'timeline', 'report'] as const
export type StageName = (typeof STAGES)[number]

export interface TriageOptions {
  caseDir: string
  mode: 'live' | 'image'
  root: string
  /** `--image`: collect through NTFS from this opened disk image (root is its path). */
  image?: ImageCollectSource
  os: 'windows' | 'linux'
  driveLetter?: string
  artefacts: Artefact[]
  profile: string | null
  format: 'zip' | '7z'
  /** Archive password (7z); held in memory only, never written. */
  password?: string
  caseId?: string | null
  examiner?: string | null
  signKeyPem?: Buffer
  sourceNotes?: string[]
  noVolatile?: boolean
  volatile?: VolatileStage
  level?: number
  iocFiles: string[]
  packs?: string[]
  /** Sigma rule files or folders run by hunt on top of the built-in rules. */
  sigma?: string[]
  windowMs: number
  pdf?: boolean
  title?: string
  classification?: string
  commandLine: string[]
  onStage?: (stage: StageName, index: number, state: 'start' | 'done' | 'skipped', detail?: string) => void
  onCollectProgress?: (p: CollectProgress) => void
  signal?: AbortSignal
}

interface StageRecord {
  stage: StageName
  finished_utc: string
  exit_code: number
  outputs: string[]
}

interface TriageState {
  format: 'ratchet-triage-state/1'
  options_fingerprint: string
  archive: string | null
  archive_sha256: string | null
  completed: StageRecord[]
}

export interface TriageResult {
  case_dir: string
  archive: string
  archive_sha256: string
  sidecar: string
  verification: string
  events_file: string
  findings_file: string
  sessions_file: string
  timeline: string
  report: string
  report_pdf: string | null
  /** Server cases (ScreenConnect Session.db present): the customer machines the intruder reached. */
  blast_radius: {file: string; csv: string; affected: number; machines_total: number; routine_only: number} | null
  /** Findings, most severe first, one line each (for the terminal summary). */
  top_findings: {id: string; severity: Finding['severity']; title: string; correlated: boolean}[]
  counts: {events: number; findings: number; correlated_findings: number; sessions: number; suspicious_sessions: number; ioc_hits: number}
  stages: {stage: StageName; status: 'ran' | 'resumed'; exit_code: number}[]
  unverified: boolean
  exit_code: ExitCodeValue
  files_written: string[]
}


/** Options that change what a stage produces: a rerun with other values starts over instead of resuming. */
function fingerprint(o: TriageOptions): string {
  const key = {
    mode: o.mode,
    root: resolve(o.root),
    os: o.os,
    artefacts: o.artefacts.map((a) => a.id).sort(),
    profile: o.profile,
    format: o.format,
    iocs: o.iocFiles.map((f) => resolve(f)).sort(),
    packs: o.packs ?? null,
    window: o.windowMs,
    // only when given, so the resume key of a triage without --sigma is unchanged
    ...(o.sigma?.length ? {sigma: o.sigma.map((f) => resolve(f)).sort()} : {}),
  }
  return createHash('sha256').update(JSON.stringify(key)).digest('hex').slice(0, 16)
}

async function readState(path: string): Promise<TriageState | undefined> {
  try {
    const s = JSON.parse(await readFile(path, 'utf8')) as TriageState
    return s.format === 'ratchet-triage-state/1' ? s : undefined
  } catch {
    return undefined
  }
}

async function writeState(path: string, state: TriageState): Promise<void> {
  await writeFile(`${path}.partial`, JSON.stringify(state, null, 2) + '\n')
  await rename(`${path}.partial`, path)
}

function worst(a: ExitCodeValue, b: number): ExitCodeValue {
  // PARTIAL (3) is the only "finished with problems" code a completed triage can end with; anything else stops it.
  if (b === ExitCode.OK) return a
  return (a === ExitCode.OK ? b : Math.max(a, b)) as ExitCodeValue
}

export async function triage(opts: TriageOptions): Promise<TriageResult> {
  const caseDir = resolve(opts.caseDir)
  // before anything is created: the case folder never goes into the image it describes
  requireDirOrAbsent('--out', caseDir)
  refuseWritingOnInputs([{what: 'the case folder', path: caseDir}], [{what: 'the source', path: opts.mode === 'image' ? opts.root : undefined}])
  const evidenceDir = join(caseDir, CaseFiles.evidenceDir)
  await mkdir(evidenceDir, {recursive: true})
  const statePath = casePath(caseDir, 'triageState')
  const fp = fingerprint(opts)
  const previous = await readState(statePath)
  const state: TriageState =
    previous && previous.options_fingerprint === fp
      ? previous
      : {format: 'ratchet-triage-state/1', options_fingerprint: fp, archive: null, archive_sha256: null, completed: []}
  const password = opts.password

  const stages: TriageResult['stages'] = []
  let exit: ExitCodeValue = ExitCode.OK
  // A stage may be skipped only if it and every stage before it completed and their outputs still exist.
  let resumable = true
  const done = (stage: StageName): StageRecord | undefined => {
    if (!resumable) return undefined
    const rec = state.completed.find((r) => r.stage === stage)
    if (rec && rec.outputs.every((f) => existsSync(f))) return rec
    resumable = false
    return undefined
  }
  const complete = async (stage: StageName, exitCode: number, outputs: string[]): Promise<void> => {
    state.completed = state.completed.filter((r) => STAGES.indexOf(r.stage) < STAGES.indexOf(stage))
    state.completed.push({stage, finished_utc: new Date().toISOString(), exit_code: exitCode, outputs})
    stages.push({stage, status: 'ran', exit_code: exitCode})
    exit = worst(exit, exitCode)
    await writeState(statePath, state)
    opts.onStage?.(stage, STAGES.indexOf(stage), 'done')
  }
  const resumed = (rec: StageRecord): void => {
    stages.push({stage: rec.stage, status: 'resumed', exit_code: rec.exit_code})
    exit = worst(exit, rec.exit_code)
    opts.onStage?.(rec.stage, STAGES.indexOf(rec.stage), 'skipped', 'already completed')
  }
  const checkAbort = (): void => throwIfInterrupted(opts.signal, 'triage interrupted; rerun the same command to resume', {case_dir: caseDir})

  // 1. collect
  const rec = done('collect')
  if (rec && state.archive) resumed(rec)
  else {
    resumable = false
    opts.onStage?.('collect', 0, 'start')
    const c: CollectResult = await collect({
      mode: opts.mode,
      root: opts.root,
      os: opts.os,
      driveLetter: opts.driveLetter,
      outDir: evidenceDir,
      format: opts.format,
      password,
      caseId: opts.caseId ?? null,
      examiner: opts.examiner ?? null,
      commandLine: opts.commandLine,
      artefacts: opts.artefacts,
      profile: opts.profile,
      signKeyPem: opts.signKeyPem,
      sourceNotes: opts.sourceNotes,
      noVolatile: opts.noVolatile,
      volatile: opts.volatile,
      level: opts.level,
      onProgress: opts.onCollectProgress,
      signal: opts.signal,
      ...(opts.image ? {image: opts.image} : {}),
    })
    state.archive = c.archive
    state.archive_sha256 = c.archive_sha256
    await complete('collect', c.exit_code, [c.archive, c.sidecar])
  }
  const archive = state.archive!
  checkAbort()

  // 2. verify — straight after collection, so a bad write is caught before anyone relies on the archive —
  // in a worker thread, while 3. analyze extracts the archive beside it: analyze uses this verification
  // (for the bytes it checked) instead of verifying again, and goes no further than extraction before it
  // has it. A failed verification stops analyze and ends triage; the stages are recorded in order.
  const verifyRec = done('verify')
  const analyzeRec = done('analyze')
  // Stops the work running beside a stage that failed (and follows the caller's signal). Only a failure
  // aborts it, and a failure ends triage, so one serves both overlapped parts below.
  const stopBeside = new AbortController()
  const besideSignal = opts.signal ? AbortSignal.any([opts.signal, stopBeside.signal]) : stopBeside.signal
  let verifying: Promise<VerifyReport> | undefined
  let analyzing: Promise<AnalyzeResult> | undefined
  try {
    if (verifyRec) resumed(verifyRec)
    else {
      opts.onStage?.('verify', 1, 'start')
      verifying = verifyArchiveInWorker(archive, {password})
      verifying.catch(() => undefined) // awaited below
    }
    if (!analyzeRec) {
      opts.onStage?.('analyze', 2, 'start')
      const verified = verifying?.then(
        (r) => (r.status === 'verified' ? r : undefined),
        () => undefined,
      )
      analyzing = analyze(archive, {out: caseDir, password, signal: besideSignal, verified})
      analyzing.catch(() => undefined) // awaited below, after the verification
    }
    if (verifying) {
      const report = await verifying
      const verifyPath = casePath(caseDir, 'verify')
      const result = toVerifyResult(report, [verifyPath])
      await writeFile(verifyPath, JSON.stringify(result, null, 2) + '\n')
      if (report.status !== 'verified') {
        throw new RatchetError('E_VERIFY_FAILED', `the new archive did not verify (${report.status}): ${report.problems.slice(0, 3).join('; ')}`, {archive, verify: verifyPath}, result.exit_code as ExitCodeValue)
      }
      await complete('verify', ExitCode.OK, [verifyPath])
    }
    checkAbort()
    if (analyzeRec) resumed(analyzeRec)
    else {
      const analyzed = await analyzing!
      await complete('analyze', analyzed.exitCode, [analyzed.files.events, analyzed.files.analysis])
    }
  } catch (e) {
    stopBeside.abort(e)
    await analyzing?.catch(() => undefined)
    throw e
  }
  checkAbort()

  // 4. hunt, 5. timeline (Timesketch-ready CSV: opens in Excel too) and 6. report, overlapped: the timeline
  // reads only events.jsonl, so it is written in a worker thread from the start of hunt; the report needs
  // hunt's findings, so it starts when hunt is done, beside the rest of the timeline, and waits for the
  // timeline only to list its file. Stages are recorded in stage order, so a resume still skips only a
  // completed prefix. The report is always rerun when anything before it ran: it must describe the case.
  const huntRec = done('hunt')
  const timelineRec = done('timeline')
  const reportRec = done('report')
  const reportDone = reportRec && (!opts.pdf || reportRec.outputs.length > 1) ? reportRec : undefined
  let timelineFile: string
  let reportFile: string
  let reportPdf: string | null = null
  let timeline: Promise<TimelineResult> | undefined
  let report: Promise<ReportResult> | undefined
  try {
    if (huntRec) resumed(huntRec)
    else opts.onStage?.('hunt', 3, 'start')
    if (!timelineRec) {
      opts.onStage?.('timeline', 4, 'start')
      timeline = writeTimelineInWorker({caseDir, format: 'timesketch-csv', out: casePath(caseDir, 'timelineCsv')}, besideSignal)
      // settled (and its error thrown) below; until then a rejection must not count as unhandled
      timeline.catch(() => undefined)
    }
    if (!huntRec) {
      const hunted: HuntResult = await runHunt({caseDir, iocFiles: opts.iocFiles, packs: opts.packs, windowMs: opts.windowMs, sigma: opts.sigma})
      await complete('hunt', hunted.diagnostics > 0 ? ExitCode.PARTIAL : ExitCode.OK, [hunted.findings, hunted.sessions])
    }
    checkAbort()
    if (!reportDone) {
      opts.onStage?.('report', 5, 'start')
      report = generateReport({caseDir, commandLine: opts.commandLine, pdf: opts.pdf, title: opts.title, classification: opts.classification, timelineWritten: timeline})
      report.catch(() => undefined)
    }
    if (timelineRec) {
      resumed(timelineRec)
      timelineFile = timelineRec.outputs[0]!
    } else {
      const t = await timeline!
      timelineFile = t.file
      await complete('timeline', t.bad_lines > 0 ? ExitCode.PARTIAL : ExitCode.OK, [t.file])
    }
    if (reportDone) {
      resumed(reportDone)
      reportFile = reportDone.outputs[0]!
      reportPdf = reportDone.outputs[1] ?? null
    } else {
      const r = await report!
      reportFile = r.file
      reportPdf = r.pdf
      await complete('report', ExitCode.OK, r.pdf ? [r.file, r.pdf] : [r.file])
    }
  } catch (e) {
    // one of them failed: the others stop or finish before the error is thrown (the timeline's worker ends
    // and its .partial file is removed; a report in progress writes through its own .partial)
    stopBeside.abort(e)
    await timeline?.catch(() => undefined)
    await report?.catch(() => undefined)
    throw e
  }
  checkAbort()

  const findingsFile = casePath(caseDir, 'findings')
  let findings: FindingsFile | undefined
  try {
    findings = JSON.parse(await readFile(findingsFile, 'utf8')) as FindingsFile
  } catch (e) {
    throw new RatchetError('E_CASE_MISSING', `cannot read ${findingsFile}: ${errorMessage(e)}`)
  }
  const sessions = JSON.parse(await readFile(casePath(caseDir, 'sessions'), 'utf8')) as {sessions: {suspicious: boolean}[]}
  const analysis = JSON.parse(await readFile(casePath(caseDir, 'analysis'), 'utf8')) as {totals: {events: number}; unverified: boolean; verification: {status: string}}
  const top = [...findings.findings]
    .sort((a, b) => Number(b.correlated) - Number(a.correlated) || severityRank(a.severity) - severityRank(b.severity) || a.first_seen.localeCompare(b.first_seen) || a.id.localeCompare(b.id))
    .map((f) => ({id: f.id, severity: f.severity, title: f.title, correlated: f.correlated}))

  let blastRadius: TriageResult['blast_radius'] = null
  const blastFile = casePath(caseDir, 'blastRadius')
  if (existsSync(blastFile)) {
    const b = JSON.parse(await readFile(blastFile, 'utf8')) as BlastRadiusFile
    blastRadius = {file: blastFile, csv: casePath(caseDir, 'affectedMachines'), affected: b.affected.length, machines_total: b.machines_total, routine_only: b.routine_only}
  }

  const files = [archive, `${archive}.sha256`, casePath(caseDir, 'verify'), casePath(caseDir, 'events'), casePath(caseDir, 'analysis'), findingsFile, casePath(caseDir, 'sessions'), timelineFile, reportFile, statePath]
  if (reportPdf) files.push(reportPdf)
  if (blastRadius) files.push(blastRadius.file, blastRadius.csv)
  return {
    case_dir: caseDir,
    archive,
    archive_sha256: state.archive_sha256 ?? '',
    sidecar: `${archive}.sha256`,
    verification: analysis.verification.status,
    events_file: casePath(caseDir, 'events'),
    findings_file: findingsFile,
    sessions_file: casePath(caseDir, 'sessions'),
    timeline: timelineFile,
    report: reportFile,
    report_pdf: reportPdf,
    blast_radius: blastRadius,
    top_findings: top,
    counts: {
      events: analysis.totals.events,
      findings: findings.findings.length,
      correlated_findings: findings.findings.filter((f) => f.correlated).length,
      sessions: sessions.sessions.length,
      suspicious_sessions: sessions.sessions.filter((s) => s.suspicious).length,
      ioc_hits: findings.ioc_hits.length,
    },
    stages,
    unverified: analysis.unverified,
    exit_code: exit,
    files_written: files,
  }
}
