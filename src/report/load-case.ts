import {open, readdir, readFile, stat} from 'node:fs/promises'
import {basename, join, resolve} from 'node:path'
import type {AnalysisFile} from '../analyze/types.js'
import {CaseFiles, casePath} from '../core/case-layout.js'
import {errorMessage, osErrorCode, RatchetError} from '../core/errors.js'
import type {BlastRadiusFile} from '../detect/blast/types.js'
import type {FindingsFile, SessionsFile} from '../detect/types.js'
import type {ArchiveFacts, CaseData, TimelineFileFacts, VerifySummary} from './case-data.js'
import {scanEvents} from './scan-events.js'

async function readJson<T>(path: string, what: string, notes: string[]): Promise<T | null> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (e) {
    if (osErrorCode(e) === 'ENOENT') return null
    notes.push(`${what} could not be read: ${errorMessage(e)}`)
    return null
  }
  try {
    return JSON.parse(text) as T
  } catch (e) {
    notes.push(`${what} is not valid JSON (${errorMessage(e)}); its contents are left out of this report`)
    return null
  }
}

/** Reads verify.json whatever its exact shape: a status word or boolean, a list of problems, a signature. */
export function summariseVerify(raw: unknown): VerifySummary | null {
  if (!raw || typeof raw !== 'object') return null
  const o = raw as Record<string, unknown>
  let status: VerifySummary['status'] = 'unknown'
  const word = typeof o.status === 'string' ? o.status.toLowerCase() : typeof o.result === 'string' ? o.result.toLowerCase() : undefined
  if (word) status = /^(verified|ok|pass|passed|valid|success)$/.test(word) ? 'verified' : /fail|mismatch|invalid|error|incomplete/.test(word) ? 'failed' : 'unknown'
  else if (typeof o.ok === 'boolean') status = o.ok ? 'verified' : 'failed'
  else if (typeof o.verified === 'boolean') status = o.verified ? 'verified' : 'failed'
  const problems: string[] = []
  for (const key of ['problems', 'mismatches', 'errors', 'missing', 'extra']) {
    const v = o[key]
    if (!Array.isArray(v)) continue
    for (const p of v.slice(0, 200)) problems.push(typeof p === 'string' ? p : JSON.stringify(p))
  }
  const sig = o.signature
  const stateOf = (v: unknown): string | null => {
    if (typeof v === 'string') return v
    if (v && typeof v === 'object') {
      const x = v as {state?: unknown; status?: unknown}
      if (typeof x.state === 'string') return x.state
      if (typeof x.status === 'string') return x.status
    }
    return null
  }
  const signature = stateOf(sig)
  // ratchet verify's report: one state per check and member counts.
  const checks: string[] = []
  for (const [key, label] of [['manifest', 'manifest'], ['sha256sums', 'SHA256SUMS'], ['sidecar', '.sha256 sidecar'], ['signature', 'signature']] as const) {
    const st = stateOf(o[key])
    if (st) checks.push(`${label}: ${st}`)
  }
  const c = o.counts
  if (c && typeof c === 'object') {
    const parts = Object.entries(c as Record<string, unknown>).filter(([, n]) => typeof n === 'number').map(([k, n]) => `${n as number} ${k}`)
    if (parts.length > 0) checks.push(`members: ${parts.join(', ')}`)
  }
  const when = [o.checked_utc, o.verified_utc, o.ended_utc, o.time].find((v) => typeof v === 'string') as string | undefined
  return {status, problems, signature, checked_utc: when ?? null, checks}
}

const SHA_LINE = /^([0-9a-fA-F]{64})\s+\*?(.+?)\s*$/m

async function readArchives(caseDir: string, notes: string[]): Promise<ArchiveFacts[]> {
  const dir = join(caseDir, CaseFiles.evidenceDir)
  let names: string[]
  try {
    names = (await readdir(dir)).sort()
  } catch (e) {
    if (osErrorCode(e) !== 'ENOENT') notes.push(`the evidence folder could not be listed: ${errorMessage(e)}`)
    return []
  }
  const out: ArchiveFacts[] = []
  const archives = names.filter((n) => /\.(zip|7z)$/i.test(n))
  for (const name of archives) {
    let size: number | null = null
    try {
      size = (await stat(join(dir, name))).size
    } catch {
      /* listed but vanished: size stays unknown */
    }
    let sha256: string | null = null
    let shaFile: string | null = null
    if (names.includes(`${name}.sha256`)) {
      shaFile = `${name}.sha256`
      try {
        // A .sha256 file is one line; read at most 4 KiB of it.
        const fh = await open(join(dir, shaFile), 'r')
        const buf = Buffer.alloc(4096)
        const {bytesRead} = await fh.read(buf, 0, buf.length, 0)
        await fh.close()
        const m = SHA_LINE.exec(buf.subarray(0, bytesRead).toString('utf8'))
        if (m) sha256 = m[1]!.toLowerCase()
        else notes.push(`${shaFile} does not hold a SHA-256 line`)
      } catch (e) {
        notes.push(`${shaFile} could not be read: ${errorMessage(e)}`)
      }
    }
    out.push({name, size, sha256, sha256_file: shaFile})
  }
  return out
}

async function timelineFiles(caseDir: string): Promise<TimelineFileFacts[]> {
  const out: TimelineFileFacts[] = []
  for (const name of [CaseFiles.timelineCsv, CaseFiles.timelineJsonl, 'timeline.timesketch.csv', 'timeline.timesketch.jsonl']) {
    try {
      const st = await stat(join(caseDir, name))
      if (st.isFile()) out.push({name, bytes: st.size})
    } catch {
      /* not written (yet) */
    }
  }
  return out
}

/** Reads a case folder for the report. Needs analyze's outputs; hunt's are optional (the report says so). */
/** `timelineWritten`: see ReportOptions; the timeline files are listed after it settles. */
export async function loadCase(caseDirIn: string, timelineWritten?: Promise<unknown>): Promise<CaseData> {
  const caseDir = resolve(caseDirIn)
  const eventsPath = casePath(caseDir, 'events')
  try {
    await stat(eventsPath)
  } catch {
    throw new RatchetError('E_CASE_MISSING', `${caseDir} is not an analysed case folder: ${CaseFiles.events} is missing (run ratchet analyze first)`, {file: eventsPath})
  }
  const notes: string[] = []
  const analysis = await readJson<AnalysisFile>(casePath(caseDir, 'analysis'), CaseFiles.analysis, notes)
  if (!analysis) notes.push(`${CaseFiles.analysis} is missing: collection, host and parsing facts are not available`)
  const findings = await readJson<FindingsFile>(casePath(caseDir, 'findings'), CaseFiles.findings, notes)
  if (!findings) notes.push(`${CaseFiles.findings} is missing: ratchet hunt has not been run, so this report has no findings`)
  const sessions = await readJson<SessionsFile>(casePath(caseDir, 'sessions'), CaseFiles.sessions, notes)
  const blast = await readJson<BlastRadiusFile>(casePath(caseDir, 'blastRadius'), CaseFiles.blastRadius, notes)
  const verifyRaw = await readJson<unknown>(casePath(caseDir, 'verify'), CaseFiles.verify, notes)

  const cited = new Set<string>()
  for (const f of findings?.findings ?? []) for (const id of f.event_ids ?? []) cited.add(id)
  for (const s of sessions?.sessions ?? []) {
    for (const id of s.event_ids ?? []) cited.add(id)
    for (const a of s.activity ?? []) cited.add(a.event_id)
  }
  const events = await scanEvents(eventsPath, cited)
  const archives = await readArchives(caseDir, notes)
  await timelineWritten?.catch(() => undefined)
  return {
    caseName: basename(caseDir),
    caseDir,
    analysis,
    findings,
    sessions,
    blast,
    verify: summariseVerify(verifyRaw),
    archives,
    events,
    timelineFiles: await timelineFiles(caseDir),
    loadNotes: notes,
  }
}
