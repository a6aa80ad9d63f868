import {open, readdir, readFile, stat} from 'node:fs/promises'
import {basename, join, resolve} from 'node:path'
import type {AnalysisFile} from '../analyze/types.js'
import {CaseFiles, casePath} from '../core/case-layout.js'
import {diag, type Diagnostic} from '../core/diagnostics.js'
import {errorMessage, osErrorCode, RatchetError} from '../core/errors.js'
import type {BlastRadiusFile} from '../detect/blast/types.js'
import {redactEvent} from '../core/redact.js'
import type {FindingsFile, SessionsFile} from '../detect/types.js'
import type {NormalizedEvent} from '../events/types.js'
import {readEventLines} from '../timeline/read-events.js'
import type {ArchiveFacts, CaseData, EventScan, TimelineFileFacts, VerifySummary} from './case-data.js'
import {foldHostNames} from '../events/host-names.js'

/** Bounds on what the report inlines (the full timeline is the CSV/JSONL file). */
export const KEY_LIMITS = {
  /** A case with at most this many events shows all of them as the key timeline. */
  inlineAll: 60,
  /** Events shown before and after each cited event. */
  neighbours: 2,
  /** Hard cap on key timeline rows. Cited events are kept first; neighbours stop at the cap. */
  maxRows: 600,
  maxDiagnostics: 100,
} as const

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

/**
 * One pass over events.jsonl keeping only what the report shows: counts, per-hour histogram, the cited
 * events and their neighbours (a ring buffer of the last few events supplies the ones before).
 */
export async function scanEvents(path: string, cited: ReadonlySet<string>): Promise<EventScan> {
  const N = KEY_LIMITS.neighbours
  const scan: EventScan = {total: 0, bad_lines: 0, out_of_order: 0, first: null, last: null, hosts: [], by_type: [], hours: [], key: [], cited: [], truncated: false, unverified_events: 0, diagnostics: []}
  const hosts = new Set<string>()
  const types = new Map<string, number>()
  const hours = new Map<string, {count: number; key: number}>()
  const all: NormalizedEvent[] = []
  const key: NormalizedEvent[] = []
  const keyIds = new Set<string>()
  const citedSeen = new Set<string>()
  let ring: NormalizedEvent[] = []
  let after = 0
  const note = (d: Diagnostic): void => {
    if (scan.diagnostics.length < KEY_LIMITS.maxDiagnostics) scan.diagnostics.push(d)
  }
  const addKey = (e: NormalizedEvent, force: boolean): void => {
    if (keyIds.has(e.id)) return
    if (key.length >= KEY_LIMITS.maxRows && !force) {
      scan.truncated = true
      return
    }
    keyIds.add(e.id)
    key.push(e)
  }
  for await (const item of readEventLines(path, CaseFiles.events)) {
    if ('diagnostic' in item) {
      scan.bad_lines++
      note(item.diagnostic)
      continue
    }
    // passwords typed into commands never reach the report (hunt's outputs are redacted the same way)
    const e = redactEvent(item.event)
    scan.total++
    if (scan.last !== null && e.datetime < scan.last) {
      scan.out_of_order++
      note(diag('REPORT_EVENTS_OUT_OF_ORDER', 'warning', `event ${e.id} is earlier than the one before it`, {file: CaseFiles.events, line: item.line}))
    }
    if (scan.first === null || e.datetime < scan.first) scan.first = e.datetime
    if (scan.last === null || e.datetime > scan.last) scan.last = e.datetime
    if (e.host && hosts.size < 200) hosts.add(e.host)
    if (e.unverified) scan.unverified_events++
    types.set(e.event_type, (types.get(e.event_type) ?? 0) + 1)
    const isCited = cited.has(e.id)
    // registry records are state (accounts, services, programs a hive holds), dated when a key or value last
    // changed, often years before the case: drawn in the activity chart only when a finding cites them
    if (isCited || e.source !== 'Registry') {
      const h = hours.get(e.datetime.slice(0, 13)) ?? {count: 0, key: 0}
      h.count++
      if (isCited) h.key++
      hours.set(e.datetime.slice(0, 13), h)
    }
    if (all.length <= KEY_LIMITS.inlineAll) all.push(e)
    if (isCited) {
      citedSeen.add(e.id)
      for (const p of ring) addKey(p, false)
      // Cited events are always kept (up to 10x the row cap) so every summary link has a target.
      addKey(e, key.length < KEY_LIMITS.maxRows * 10)
      after = N
    } else if (after > 0) {
      addKey(e, false)
      after--
    }
    ring.push(e)
    if (ring.length > N) ring = ring.slice(ring.length - N)
  }
  scan.hosts = foldHostNames(hosts).sort()
  scan.by_type = [...types.entries()].map(([type, count]) => ({type, count})).sort((a, b) => b.count - a.count || (a.type < b.type ? -1 : 1))
  scan.hours = [...hours.entries()].map(([hour, v]) => ({hour, ...v})).sort((a, b) => (a.hour < b.hour ? -1 : a.hour > b.hour ? 1 : 0))
  scan.key = scan.total <= KEY_LIMITS.inlineAll ? all : key
  if (scan.total <= KEY_LIMITS.inlineAll) scan.truncated = false
  scan.cited = [...citedSeen].sort()
  return scan
}

/** Reads a case folder for the report. Needs analyze's outputs; hunt's are optional (the report says so). */
export async function loadCase(caseDirIn: string): Promise<CaseData> {
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
  return {
    caseName: basename(caseDir),
    caseDir,
    analysis,
    findings,
    sessions,
    blast,
    verify: summariseVerify(verifyRaw),
    archives: await readArchives(caseDir, notes),
    events,
    timelineFiles: await timelineFiles(caseDir),
    loadNotes: notes,
  }
}
