import {existsSync, readFileSync, renameSync, statSync, writeFileSync} from 'node:fs'
import {resolve} from 'node:path'
import type {AnalysisFile} from '../analyze/types.js'
import {casePath} from '../core/case-layout.js'
import {diag, type Diagnostic} from '../core/diagnostics.js'
import {RatchetError} from '../core/errors.js'
import {redactDeep} from '../core/redact.js'
import type {NormalizedEvent} from '../events/types.js'
import {AccountFacts} from './accounts.js'
import {affectedMachinesCsv, blastFindings, SERVER_RULES} from './blast/output.js'
import {computeBlastRadius, isServerEvent, isSessionDbEvent} from './blast/radius.js'
import type {BlastRadiusFile} from './blast/types.js'
import {runBuiltins} from './builtins.js'
import {Correlator} from './correlate.js'
import {CaseFactCollector, joinCases, type CaseFacts} from './cross-host.js'
import {loadRules} from './data.js'
import {sortFindings} from './finding.js'
import {canonicalIp, isIPv4, isIPv6} from './ioc/classify.js'
import {loadIocs} from './ioc/load.js'
import {IocIndex, type ValueHit} from './ioc/matcher.js'
import {findManifest, matchManifest} from './manifest.js'
import {compileRule, type CompiledRule} from './rule-eval.js'
import {logCoverageStart, loggedAccountEvent, unexplainedServices} from './registry-findings.js'
import {matchRuleFindings} from './rule-findings.js'
import {bytesInclude, isEvent, MAX_HITS, pickLines, scanEvents, slim, type ScanOptions, type ScanResult} from './scan.js'
import type {Rule} from './schema.js'
import {buildSessions, finishSessions, SessionSpans} from './sessions.js'
import {sigmaFindings} from './sigma-findings.js'
import {loadHuntSigma, resolveSigma, sigmaRuleName, type HuntSigma, type SigmaResult} from './sigma-hunt.js'
import {adoptSingleHost, markSuspectSessions} from './suspicion.js'
import type {BuiltSession, Finding, FindingsFile, HitEvent, InstanceFacts, IocHit, SessionsFile} from './types.js'
import {sessionReason} from './wording.js'

export interface HuntOptions {
  caseDir: string
  iocFiles?: string[]
  /** Built-in packs to load; undefined = all of them. */
  packs?: string[]
  windowMs: number
  /** Overrides for tests. */
  packDir?: string
  ruleDir?: string
  /** When to scan events.jsonl in worker threads (tests force it on small files). */
  scan?: ScanOptions
  /** Sigma rule files and folders run on top of the built-in ones (`--sigma`). */
  sigma?: string[]
  /** The built-in Sigma rules folder; '' runs none (tests). Default artefacts/sigma/rules. */
  sigmaRuleDir?: string
}

export interface HuntResult {
  findings: string
  sessions: string
  /** Server cases (Session.db events present): blast-radius.json and affected-machines.csv. */
  blast_radius?: string
  affected_machines?: string
  counts: {events: number; indicators: number; indicators_skipped: number; ioc_hits: number; findings: number; correlated_findings: number; sessions: number; suspicious_sessions: number; affected_machines?: number; routine_machines?: number}
  unverified: boolean
  diagnostics: number
}

/** Bound on the server rows kept for the blast radius (Session.db is itself bounded to 512 MiB). */
export const MAX_SERVER_EVENTS = 2_000_000

function writeJson(path: string, value: unknown): void {
  writeText(path, `${JSON.stringify(value, null, 2)}\n`)
}

function writeText(path: string, text: string): void {
  const tmp = `${path}.partial`
  try {
    writeFileSync(tmp, text)
    renameSync(tmp, path)
  } catch (e) {
    throw new RatchetError('E_OUTPUT_WRITE', `cannot write ${path}: ${(e as Error).message}`, {file: path})
  }
}

/** Everything hunt matches with: indicators (and their index) and rules. */
interface Detection {
  iocs: ReturnType<typeof loadIocs>
  index: IocIndex
  rules: Rule[]
  compiled: CompiledRule[]
  sigma: HuntSigma
}

/** The scan of events.jsonl plus what goes with it: manifest hits, diagnostics, whether anything is unverified. */
interface CaseScan {
  caseDir: string
  eventsPath: string
  scan: ScanResult
  caseHost?: string
  hitsTotal: number
  manifest: Awaited<ReturnType<typeof findManifest>>
  unverified: boolean
  diagnostics: Diagnostic[]
}

async function loadDetection(opts: HuntOptions): Promise<Detection> {
  const iocs = loadIocs({files: opts.iocFiles, packs: opts.packs, packDir: opts.packDir})
  const rules = loadRules(opts.ruleDir).map((r) => r.data)
  const sigma = await loadHuntSigma(opts.sigma, opts.sigmaRuleDir)
  return {iocs, index: new IocIndex(iocs.indicators), rules, compiled: rules.map(compileRule).filter((c): c is CompiledRule => c !== undefined), sigma}
}

/** Step 1: one pass over events.jsonl (IOC index, rules, Sigma rules, session skeletons), then the evidence manifest. */
async function scanCase(caseDir: string, d: Detection, opts: HuntOptions): Promise<CaseScan> {
  const eventsPath = casePath(caseDir, 'events')
  if (!existsSync(eventsPath) || !statSync(eventsPath).isFile()) {
    throw new RatchetError('E_CASE_MISSING', `${caseDir} has no events.jsonl: run \`ratchet analyze\` first`, {case_dir: caseDir})
  }
  let unverified = false
  const analysisPath = casePath(caseDir, 'analysis')
  if (existsSync(analysisPath)) {
    try {
      unverified = (JSON.parse(readFileSync(analysisPath, 'utf8')) as AnalysisFile).unverified === true
    } catch {
      // analysis.json is informational here; a damaged one is reported below
    }
  }
  const scan = await scanEvents(eventsPath, {indicators: d.iocs.indicators, rules: d.rules, sigma: d.sigma.rules}, opts.scan)
  const caseHost = adoptSingleHost(scan)
  const diagnostics: Diagnostic[] = [...scan.diagnostics]
  if (scan.diagCount > diagnostics.length) {
    diagnostics.push(diag('HUNT_DIAGNOSTICS_TRUNCATED', 'warning', `${scan.diagCount - diagnostics.length} further bad lines not listed`, {file: 'events.jsonl'}))
  }
  // the evidence manifest: per-file hashes and names
  const manifest = await findManifest(caseDir)
  const manifestHits: IocHit[] = manifest.manifest ? matchManifest(manifest.manifest, d.index) : []
  for (const hit of manifestHits) if (scan.hits.length < MAX_HITS) scan.hits.push({hit})
  return {caseDir, eventsPath, scan, caseHost, hitsTotal: scan.hitsTotal + manifestHits.length, manifest, unverified: unverified || scan.unverified, diagnostics}
}

/** Step 1b: the Sigma matches the scan made, completed (skipped rules are reported, never dropped silently). */
async function matchSigma(cs: CaseScan, sigma: HuntSigma): Promise<SigmaResult> {
  if (sigma.skipped.length > 0)
    cs.diagnostics.push(diag('HUNT_SIGMA_RULES_SKIPPED', 'warning', `${sigma.skipped.length} Sigma rule(s) could not be run (listed with the reason under "sigma" in findings.json): ${sigma.skipped.slice(0, 3).map((k) => `${k.path}: ${k.reason}`).join('; ')}${sigma.skipped.length > 3 ? '; …' : ''}`))
  const r = await resolveSigma(cs.eventsPath, sigma, cs.scan.sigma, cs.caseHost, cs.scan.events)
  cs.diagnostics.push(...r.diagnostics)
  return r
}

/** Step 2: sessions from their skeletons, with the activity inside them read back from events.jsonl. */
async function rebuildSessions(cs: CaseScan, index: IocIndex): Promise<{built: BuiltSession[]; activity: NormalizedEvent[]}> {
  const {scan} = cs
  const built = buildSessions(scan.skeleton)
  const spans = new SessionSpans(built)
  const wanted = new Set<number>()
  if (!spans.empty) for (let i = 0; i < scan.candLine.length; i++) if (spans.covers(scan.candHost[i], scan.candTime[i])) wanted.add(scan.candLine[i])
  const activity: NormalizedEvent[] = []
  if (wanted.size > 0) {
    await pickLines(cs.eventsPath, (_b, _s, _e, n) => wanted.has(n), (line) => {
      const v: unknown = JSON.parse(line)
      // registry state (SAM accounts) is not a logged action: it feeds its own findings, not sessions
      if (!isEvent(v) || !loggedAccountEvent(v)) return
      if (!v.host && cs.caseHost) v.host = cs.caseHost
      activity.push(slim(v))
    })
  }
  finishSessions(built, activity)
  // each ScreenConnect session's relay, taken from its instance's launch parameters
  for (const b of built) {
    const s = b.session
    if (s.tool !== 'ScreenConnect' || !s.instance?.thumbprint || s.instance.relay_host) continue
    const r = scan.relayOf.get(`${s.host ?? ''}|${s.instance.thumbprint}`)
    if (r) {
      s.instance.relay_host = r.host
      if (r.port !== undefined) s.instance.relay_port = r.port
    }
  }
  // a session through a relay that is itself an indicator (the 2023 case: the vendor's abused server)
  for (const b of built) {
    const relay = b.session.instance?.relay_host
    if (!relay) continue
    const vh: ValueHit[] = []
    if (isIPv4(relay) || isIPv6(relay)) index.matchIp(canonicalIp(relay) as string, vh)
    else index.matchDomain(relay, vh)
    const lists = [...new Set(vh.map(({indicator}) => indicator.source))].sort()
    if (lists.length > 0) {
      b.session.suspicious = true
      b.session.reasons.push(sessionReason.relayIndicator(relay, lists))
    }
  }
  return {built, activity}
}

/** Step 3: suspect sessions, then findings from rules and built-ins correlated with them. */
function detectFindings(cs: CaseScan, d: Detection, sigma: SigmaResult, built: BuiltSession[], activity: NormalizedEvent[], windowMs: number): Finding[] {
  const {scan} = cs
  const facts: InstanceFacts = {instances: scan.instances, relays: scan.relays}
  // registry state (SAM accounts) is not a logged action: it feeds its own findings, not sessions or log-based ones
  const logged = scan.accounts.filter(loggedAccountEvent)
  const accountFacts = new AccountFacts(logged)
  // only sessions suspect on their own evidence may tie other events into the intrusion story
  const suspects = markSuspectSessions(built, scan.hits.filter((h) => !h.ev || loggedAccountEvent(h.ev)), facts, logged, accountFacts)
  const correlator = new Correlator(suspects, windowMs * 1000)
  const hitEventIds = new Set(scan.hits.map((h) => h.hit.event_id).filter((x): x is string => !!x))
  const findings: Finding[] = []
  // how far back the event logs reach, per host: a record missing from before that is history, not a finding
  const logStart = logCoverageStart([...scan.skeleton, ...logged, ...[...scan.ruleEvents.values()].flat()])
  for (const c of d.compiled) {
    let evs = scan.ruleEvents.get(c.rule.id)
    // a service in the SYSTEM hive is a finding of its own only where no 7045 already explains it
    if (evs && c.rule.id === 'remote-access-service-registry') evs = unexplainedServices(evs, scan.ruleEvents.get('remote-access-service-installed'), logStart)
    if (evs && evs.length > 0) findings.push(...matchRuleFindings(c.rule, evs, correlator, hitEventIds))
  }
  findings.push(
    ...runBuiltins(d.rules, {accounts: logged, allAccounts: scan.accounts, logStart, accountFacts, activity, instances: facts, hits: scan.hits, hitEventIds, correlator, collectionTime: cs.manifest.manifest?.ended_utc ?? ''}),
    ...sigmaFindings(sigma, correlator, hitEventIds, cs.diagnostics, new Set(d.rules.map((r) => r.id))),
  )
  return findings
}

/** Lines the read-backs for ScreenConnect events look at (bytesInclude: no other line is decoded). */
const SCREENCONNECT = Buffer.from('ScreenConnect')
const QUOTED_SCREENCONNECT = Buffer.from('"ScreenConnect"')

/** Step 4 (server cases, Session.db present): the customer machines the suspicious activity reached. */
async function blastRadius(cs: CaseScan, index: IocIndex): Promise<BlastRadiusFile | undefined> {
  if (!cs.scan.skeleton.some(isSessionDbEvent)) return undefined
  const server: NormalizedEvent[] = []
  let dropped = 0
  await pickLines(cs.eventsPath, (b, s, e) => bytesInclude(b, s, e, QUOTED_SCREENCONNECT), (line) => {
    let v: unknown
    try {
      v = JSON.parse(line)
    } catch {
      return // counted by the scan already
    }
    if (!isEvent(v) || !isServerEvent(v)) return
    if (server.length < MAX_SERVER_EVENTS) server.push(v)
    else dropped++
  })
  if (dropped > 0) cs.diagnostics.push(diag('HUNT_SERVER_EVENTS_TRUNCATED', 'warning', `${dropped} ScreenConnect server rows beyond ${MAX_SERVER_EVENTS} were not considered for the blast radius`, {file: 'events.jsonl'}))
  return computeBlastRadius({caseDir: cs.caseDir, events: server, index})
}

/** Step 5: a suspect session also lists the serious findings correlated with it, and the blast radius' verdicts. */
function linkSessions(built: BuiltSession[], findings: Finding[], blast: BlastRadiusFile | undefined): void {
  const byId = new Map(built.map((b) => [b.session.id, b.session]))
  for (const f of findings) {
    if (!f.correlated || (f.severity !== 'critical' && f.severity !== 'high')) continue
    for (const sid of f.session_ids) {
      const s = byId.get(sid)
      if (!s) continue
      s.suspicious = true
      s.reasons.push(sessionReason.finding(f.title, f.id))
    }
  }
  // server-side (Session.db) sessions: suspicious when the blast radius judged their operator connection so
  if (blast) {
    const byEvent = new Map<string, BuiltSession>()
    for (const b of built) for (const id of b.session.event_ids) byEvent.set(id, b)
    for (const m of blast.affected)
      for (const c of m.connections) {
        if (!c.suspicious) continue
        const b = byEvent.get(c.event_id)
        if (!b) continue
        b.session.suspicious = true
        for (const r of m.reasons) if (r.event_id === c.event_id) b.session.reasons.push(sessionReason.blast(m.machine, r.text))
      }
  }
  // in the order they were found: the session's own evidence first, then the findings tied to it
  for (const b of built) b.session.reasons = [...new Set(b.session.reasons)]
}

/** IOC hits in the order of their events, then by their facts: deterministic. */
function orderedHits(hits: HitEvent[]): IocHit[] {
  const hitTime = new Map<string, string>()
  for (const h of hits) if (h.ev) hitTime.set(h.ev.id, h.ev.datetime)
  const k = (h: IocHit): string => [h.indicator, h.type, h.source, h.field, h.event_id ?? '', h.member ?? '', h.value].join('\u0000')
  return hits
    .map((h) => h.hit)
    .sort((a, b) => {
      const ta = a.event_id ? (hitTime.get(a.event_id) ?? '') : ''
      const tb = b.event_id ? (hitTime.get(b.event_id) ?? '') : ''
      return ta < tb ? -1 : ta > tb ? 1 : k(a) < k(b) ? -1 : k(a) > k(b) ? 1 : 0
    })
}

/** Step 6: findings.json, sessions.json (and for server cases blast-radius.json, affected-machines.csv), redacted. */
function writeOutputs(cs: CaseScan, d: Detection, built: BuiltSession[], findings: Finding[], blast: BlastRadiusFile | undefined, windowMs: number): HuntResult {
  const sigmaRules = d.sigma.set.rules.map((r) => ({id: sigmaRuleName(r.id), title: r.title, source: r.path}))
  const {caseDir, scan} = cs
  const iocHits = orderedHits(scan.hits)
  const sessions = built.map((b) => redactDeep(b.session))
  const findingsFile: FindingsFile = {
    format: 'ratchet-findings/1',
    case_dir: caseDir,
    unverified: cs.unverified,
    window_ms: windowMs,
    iocs: {loaded: d.iocs.loaded, skipped: d.iocs.skipped},
    rules: [...d.rules.map((r) => ({id: r.id, title: r.title, source: `artefacts/rules/${r.id}.yaml`})), ...sigmaRules, ...(blast ? SERVER_RULES : [])].sort((a, b) => (a.id < b.id ? -1 : 1)),
    sigma: {rules_loaded: d.sigma.set.rules.length, rules_skipped: d.sigma.skipped.map((k) => ({path: k.path, ...(k.id ? {id: k.id} : {}), reason: k.reason}))},
    findings: redactDeep(findings),
    ioc_hits: redactDeep(iocHits),
    manifest: cs.manifest.check,
    stats: {
      events: scan.events,
      indicators: d.iocs.indicators.length,
      ioc_hits_total: cs.hitsTotal,
      ioc_hits_kept: iocHits.length,
      findings: findings.length,
      sessions: sessions.length,
    },
    diagnostics: cs.diagnostics,
  }
  const sessionsFile: SessionsFile = {format: 'ratchet-sessions/1', sessions}
  const findingsPath = casePath(caseDir, 'findings')
  const sessionsPath = casePath(caseDir, 'sessions')
  writeJson(findingsPath, findingsFile)
  writeJson(sessionsPath, sessionsFile)
  let blastPaths: {blast_radius: string; affected_machines: string} | undefined
  if (blast) {
    blastPaths = {blast_radius: casePath(caseDir, 'blastRadius'), affected_machines: casePath(caseDir, 'affectedMachines')}
    writeJson(blastPaths.blast_radius, redactDeep(blast))
    writeText(blastPaths.affected_machines, affectedMachinesCsv(blast))
  }
  return {
    findings: findingsPath,
    sessions: sessionsPath,
    ...blastPaths,
    counts: {
      events: scan.events,
      indicators: d.iocs.indicators.length,
      indicators_skipped: d.iocs.skipped.length,
      ioc_hits: cs.hitsTotal,
      findings: findings.length,
      correlated_findings: findings.filter((f) => f.correlated).length,
      sessions: sessions.length,
      suspicious_sessions: sessions.filter((s) => s.suspicious).length,
      ...(blast ? {affected_machines: blast.affected.length, routine_machines: blast.routine_only} : {}),
    },
    unverified: cs.unverified,
    diagnostics: scan.diagCount,
  }
}

/**
 * `ratchet hunt`: streams events.jsonl once, matching every event against the IOC index and the data
 * rules while keeping only the events sessions and findings need; then rebuilds sessions, correlates, and
 * writes findings.json and sessions.json (sorted, byte-identical on rerun).
 */
export async function runHunt(opts: HuntOptions): Promise<HuntResult> {
  const caseDir = resolve(opts.caseDir)
  const detection = await loadDetection(opts)
  const cs = await scanCase(caseDir, detection, opts)
  const sigma = await matchSigma(cs, detection.sigma)
  const {built, activity} = await rebuildSessions(cs, detection.index)
  const findings = detectFindings(cs, detection, sigma, built, activity, opts.windowMs)
  const blast = await blastRadius(cs, detection.index)
  if (blast) findings.push(...blastFindings(blast))
  sortFindings(findings)
  linkSessions(built, findings, blast)
  return writeOutputs(cs, detection, built, findings, blast, opts.windowMs)
}

export interface MultiHuntResult {
  cases: HuntResult[]
  cross_host: {links: number; unmatched_client_sessions: number; linked_sessions: string[]}
}

async function readJsonFile<T>(path: string): Promise<T | undefined> {
  if (!existsSync(path)) return undefined
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T
  } catch (e) {
    throw new RatchetError('E_INPUT_FORMAT', `${path} is not valid JSON: ${(e as Error).message}`, {file: path})
  }
}

/**
 * `ratchet hunt <case>…`: hunts each case, then joins ScreenConnect client sessions with the server's record
 * of the same session (cross-host.ts) and adds the same `cross_host` object to every case's sessions.json and
 * findings.json, so each side's report can show what the other side saw.
 */
export async function runHuntCases(opts: Omit<HuntOptions, 'caseDir'> & {caseDirs: string[]}): Promise<MultiHuntResult> {
  const dirs = [...new Set(opts.caseDirs.map((d) => resolve(d)))]
  const cases: HuntResult[] = []
  for (const caseDir of dirs) cases.push(await runHunt({...opts, caseDir}))
  const facts: CaseFacts[] = []
  for (const caseDir of dirs) {
    const col = new CaseFactCollector()
    await pickLines(casePath(caseDir, 'events'), (b, s, e) => bytesInclude(b, s, e, SCREENCONNECT), (line) => {
      try {
        const v: unknown = JSON.parse(line)
        if (isEvent(v)) col.add(v)
      } catch {
        // bad lines were reported by the hunt itself
      }
    })
    const sessions = (await readJsonFile<SessionsFile>(casePath(caseDir, 'sessions')))?.sessions ?? []
    const blastFile = await readJsonFile<BlastRadiusFile>(casePath(caseDir, 'blastRadius'))
    const server = col.serverSessions()
    facts.push({caseDir, sessions, blast: blastFile, clientGuids: col.clientGuids, serverSessions: server.sessions, serverHost: server.host, hosts: [...col.hosts].sort()})
  }
  const cross = joinCases(facts)
  for (const caseDir of dirs) {
    const sp = casePath(caseDir, 'sessions')
    const fp = casePath(caseDir, 'findings')
    const s = await readJsonFile<SessionsFile>(sp)
    const f = await readJsonFile<FindingsFile>(fp)
    if (s) writeJson(sp, {...s, cross_host: cross})
    if (f) writeJson(fp, {...f, cross_host: cross})
  }
  return {
    cases,
    cross_host: {links: cross.links.length, unmatched_client_sessions: cross.unmatched_client_sessions, linked_sessions: [...new Set(cross.links.map((l) => l.session_guid))].sort()},
  }
}
