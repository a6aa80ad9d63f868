import type {Diagnostic} from '../core/diagnostics.js'
import {SEVERITIES} from '../detect/severity.js'
import type {Finding, RemoteSession} from '../detect/types.js'
import type {NormalizedEvent} from '../events/types.js'
import {attackView} from './attack.js'
import {blastSentence, blastView, crossHostView} from './blast.js'
import type {CaseData, ReportRun} from './case-data.js'
import {histogram, swimlane} from './charts.js'
import {activitySpan, eventAnchor, isActivity, findingRef, sessionRef, str} from './facts.js'
import {buildRecommendations} from './recommendations.js'
import {buildSummary} from './summary.js'
import {durationText, eventTimeView, isoToMs, timeView} from './time-format.js'

/** How long before its first suspicious session a finding's records still count as the story (see buildViewModel). */
const BACKGROUND_MS = 24 * 3600_000
import type {EventRow, FindingCtx, FindingView, KeyValue, ReportViewModel, RuleContext, SessionCtx, SessionView} from './vm-types.js'
import {redactSecrets} from './redact.js'
import {resolveHostZone} from './zones.js'
import {foldHostNames} from '../events/host-names.js'

/**
 * Builds the report view model from the case data. Pure: same input → same model (the only clock value is
 * `run.generated_utc`, passed in). Templates only present this model.
 */

export const LIMITS = {evidencePerFinding: 25, activityPerSession: 15, files: 400, diagnostics: 200, notParsed: 200, iocSkipped: 100, suspiciousSessions: 300, routineSessions: 50} as const

const SEV_LABEL: Record<string, string> = {critical: 'Critical', high: 'High', medium: 'Medium', low: 'Low', info: 'Info'}
const sevRank = (s: string): number => {
  const i = (SEVERITIES as readonly string[]).indexOf(s)
  return i < 0 ? SEVERITIES.length : i
}
const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

const safeAnchor = (prefix: string, n: number): string => `${prefix}${n}`

function bytesText(n: number | null | undefined): string {
  if (n === null || n === undefined) return 'unknown'
  if (n < 1024) return `${n} B`
  const units = ['KiB', 'MiB', 'GiB', 'TiB']
  let v = n / 1024
  let i = 0
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024
    i++
  }
  return `${v.toFixed(1)} ${units[i]} (${n.toLocaleString('en-US')} bytes)`
}

export function locator(e: NormalizedEvent): string {
  const parts: string[] = []
  if (e.evidence.record !== undefined && e.evidence.record !== null && e.evidence.record !== '') parts.push(`record ${e.evidence.record}`)
  if (typeof e.evidence.line === 'number') parts.push(`line ${e.evidence.line}`)
  if (typeof e.evidence.offset === 'number') parts.push(`offset ${e.evidence.offset}`)
  return parts.join(', ')
}

/** A short line of the pivots that matter for reading an event (who, from where, what ran or moved). */
function eventDetail(e: NormalizedEvent): string {
  const bits: string[] = []
  const tool = str(e.attributes.tool)
  if (tool) bits.push(tool)
  if (e.src_ip) bits.push(`from ${e.src_ip}${e.src_port ? `:${e.src_port}` : ''}`)
  if (e.dst_ip) bits.push(`to ${e.dst_ip}${e.dst_port ? `:${e.dst_port}` : ''}`)
  if (e.remote_id) bits.push(`remote id ${e.remote_id}`)
  if (e.file_name) bits.push(`file ${e.file_name}`)
  if (e.command_line) bits.push(`command ${e.command_line.length > 300 ? `${e.command_line.slice(0, 299)}…` : e.command_line}`)
  else if (e.process) bits.push(`process ${e.process}`)
  return bits.join(' · ')
}

export function buildViewModel(data: CaseData, run: ReportRun): ReportViewModel {
  const a = data.analysis
  const zone = resolveHostZone(a?.host?.time_zone, a?.host?.utc_offset_minutes)
  const tv = (iso: string | null | undefined): ReturnType<typeof timeView> => timeView(iso, zone)
  const eventsById = new Map(data.events.key.map((e) => [e.id, e]))

  // Findings: the intrusion story first (correlated), most severe first, then in the order the activity
  // happened (not a config file's date), then id (stable); numbered F1… in that order.
  // A finding tied to suspicious sessions is part of the story from shortly before the first of them on: its
  // records from more than a day earlier (an instance's routine sessions weeks before) are background, not the
  // start of the intrusion; a service installed minutes before the session it serves still counts.
  const sessionStart = new Map((data.sessions?.sessions ?? []).filter((s) => s.suspicious && s.start).map((s) => [s.id, s.start as string]))
  const spans = new Map<Finding, ReturnType<typeof activitySpan>>()
  for (const f of data.findings?.findings ?? []) {
    const span = activitySpan(f, (f.event_ids ?? []).map((id) => eventsById.get(id)).filter((e): e is NormalizedEvent => e !== undefined))
    const linked = (f.session_ids ?? []).map((id) => sessionStart.get(id)).filter((t): t is string => t !== undefined).sort()[0]
    if (span.dated && linked && (isoToMs(linked) ?? 0) - (isoToMs(span.start) ?? 0) > BACKGROUND_MS) {
      const later = (f.event_ids ?? []).map((id) => eventsById.get(id)).filter((e): e is NormalizedEvent => e !== undefined && isActivity(e) && (isoToMs(e.datetime) ?? 0) >= (isoToMs(linked) ?? 0) - BACKGROUND_MS)
      span.start = later.map((e) => e.datetime).sort()[0] ?? linked
    }
    spans.set(f, span)
  }
  const startOf = (f: Finding): string => spans.get(f)?.start ?? f.first_seen
  const rawFindings: Finding[] = [...(data.findings?.findings ?? [])].sort(
    (x, y) => Number(y.correlated === true) - Number(x.correlated === true) || sevRank(x.severity) - sevRank(y.severity) || cmp(startOf(x), startOf(y)) || cmp(x.id, y.id),
  )
  const findings: FindingCtx[] = rawFindings.map((f, i) => ({
    f: {...f, event_ids: f.event_ids ?? [], session_ids: f.session_ids ?? [], ioc_hits: f.ioc_hits ?? [], entities: f.entities ?? {}, attack: f.attack ?? []},
    no: i + 1,
    label: `F${i + 1}`,
    anchor: safeAnchor('finding-', i + 1),
    events: (f.event_ids ?? []).map((id) => eventsById.get(id)).filter((e): e is NormalizedEvent => e !== undefined),
    ...(spans.get(f) ?? {start: f.first_seen, end: f.last_seen, dated: false}),
  }))
  const rawSessions: RemoteSession[] = [...(data.sessions?.sessions ?? [])].sort((x, y) => cmp(x.start ?? x.end ?? '', y.start ?? y.end ?? '') || cmp(x.id, y.id))
  const sessions: SessionCtx[] = rawSessions.map((s, i) => ({s: {...s, event_ids: s.event_ids ?? [], activity: s.activity ?? [], reasons: s.reasons ?? []}, no: i + 1, label: `S${i + 1}`, anchor: safeAnchor('session-', i + 1)}))
  // Every suspicious session is shown (up to a cap); routine ones (an admin's daily RDP) only the first few.
  let routineLeft: number = LIMITS.routineSessions
  let suspiciousLeft: number = LIMITS.suspiciousSessions
  const shownSessions = sessions.filter((sc) => (sc.s.suspicious ? suspiciousLeft-- > 0 : routineLeft-- > 0))
  // Links may only point at sessions that are in the document.
  const sessionById = new Map(shownSessions.map((s) => [s.s.id, s]))

  const findingsOfEvent = new Map<string, FindingCtx[]>()
  for (const fc of findings) for (const id of fc.f.event_ids) findingsOfEvent.set(id, [...(findingsOfEvent.get(id) ?? []), fc])

  const verification = a?.verification?.status ?? (data.verify?.status === 'verified' ? 'verified' : data.verify?.status === 'failed' ? 'failed' : 'unknown')
  const unverified = Boolean(a?.unverified || data.findings?.unverified || data.events.unverified_events > 0 || verification === 'failed' || data.verify?.status === 'failed')
  const huntDiagnostics = (data.findings as {diagnostics?: Diagnostic[]} | null)?.diagnostics ?? []
  const allDiagnostics = [...(a?.artefacts ?? []).flatMap((x) => x.diagnostics ?? []), ...data.events.diagnostics, ...(Array.isArray(huntDiagnostics) ? huntDiagnostics : [])]
  const unreadableFiles = new Set((a?.artefacts ?? []).flatMap((x) => (x.diagnostics ?? []).filter((d) => d.severity === 'error').map((d) => d.file ?? x.id))).size
  const hosts = foldHostNames([...(a?.host?.hostname ? [a.host.hostname] : []), ...data.events.hosts]).sort()

  const ctx: RuleContext = {
    findings,
    sessions: shownSessions,
    eventsById,
    zone,
    hosts,
    unverified,
    verification: verification as RuleContext['verification'],
    hasFindingsFile: data.findings !== null,
    diagnosticCount: allDiagnostics.length,
    unreadableFiles,
    notParsed: a?.not_parsed?.length ?? 0,
    iocSkipped: data.findings?.iocs?.skipped?.length ?? 0,
    iocLoaded: (data.findings?.iocs?.loaded ?? []).reduce((n, l) => n + l.count, 0),
    archiveNames: data.archives.map((x) => ({name: x.name, sha256: x.sha256})),
    eventsTotal: data.events.total,
  }

  const row = (e: NormalizedEvent): EventRow => ({
    anchor: eventAnchor(e.id),
    id: e.id,
    time: eventTimeView(e, zone),
    // a file's event carries no host name when the manifest has none (an image); the case is one host's evidence
    host: e.host ?? (hosts.length === 1 ? hosts[0]! : ''),
    type: e.event_type,
    message: redactSecrets(e.message),
    user: e.user ?? '',
    detail: redactSecrets(eventDetail(e)),
    locator: locator(e),
    member: e.evidence.member,
    sha256: e.evidence.sha256,
    cited: findingsOfEvent.has(e.id),
    findings: (findingsOfEvent.get(e.id) ?? []).map(findingRef),
    unverified: Boolean(e.unverified),
  })

  const findingViews: FindingView[] = findings.map((fc) => {
    const f = fc.f
    const entities = Object.entries(f.entities)
      .filter(([, v]) => Array.isArray(v) && v.length > 0)
      .map(([kind, values]) => ({kind: kind[0]!.toUpperCase() + kind.slice(1), values: (values as string[]).slice(0, 50).map((v) => redactSecrets(v))}))
    return {
      no: fc.no,
      label: fc.label,
      anchor: fc.anchor,
      id: f.id,
      rule: f.rule,
      title: f.title,
      severity: (SEVERITIES as readonly string[]).includes(f.severity) ? f.severity : 'info',
      severityLabel: SEV_LABEL[f.severity] ?? f.severity,
      confidence: f.confidence,
      attack: f.attack.map(attackView),
      rationale: redactSecrets(f.rationale),
      first: tv(f.first_seen),
      last: tv(f.last_seen),
      host: f.host ?? '',
      correlated: f.correlated,
      entities,
      iocHits: f.ioc_hits.slice(0, 50).map((h) => ({indicator: h.indicator, type: h.type, field: h.field, value: h.value, source: h.source, description: h.description ?? ''})),
      sessions: f.session_ids.map((id) => sessionById.get(id)).filter((s): s is SessionCtx => s !== undefined).map(sessionRef),
      evidence: fc.events.slice(0, LIMITS.evidencePerFinding).map(row),
      evidenceMore: Math.max(0, fc.events.length - LIMITS.evidencePerFinding),
      missingEvents: f.event_ids.length - fc.events.length,
    }
  })

  const labelOf = new Map(findings.map((fc) => [fc.f.id, fc.label]))
  const sessionViews: SessionView[] = shownSessions.map((sc) => {
    const s = sc.s
    const inst = s.instance
    return {
      no: sc.no,
      label: sc.label,
      anchor: sc.anchor,
      tool: s.tool,
      host: s.host ?? '',
      direction: s.direction ?? '',
      remote: [s.remote_address ?? (inst?.relay_host ? `via relay ${inst.relay_host}` : undefined), s.remote_id ? `ID ${s.remote_id}` : undefined, s.remote_alias ? `“${s.remote_alias}”` : undefined].filter(Boolean).join(' · '),
      operator: s.operator ?? '',
      auth: s.auth_method ?? '',
      start: tv(s.start),
      end: tv(s.end),
      duration: durationText(s.duration_seconds),
      suspicious: s.suspicious,
      // hunt names the findings behind a reason by id ("… (rule:0123456789abcdef)"): the reader knows them as F1…
      reasons: s.reasons.map((r) => redactSecrets(r.replace(/ \(([a-z0-9-]+:[0-9a-f]{16})\)$/, (m, id: string) => (labelOf.has(id) ? ` (${labelOf.get(id)!})` : m)))),
      instance: inst ? [inst.thumbprint, inst.relay_host ? `relay ${inst.relay_host}${inst.relay_port ? `:${inst.relay_port}` : ''}` : undefined, inst.local_id ? `local ID ${inst.local_id}` : undefined].filter(Boolean).join(' · ') : '',
      activity: s.activity.slice(0, LIMITS.activityPerSession).map((x) => ({time: tv(x.datetime), type: x.event_type, summary: redactSecrets(x.summary), href: eventsById.has(x.event_id) ? `#${eventAnchor(x.event_id)}` : ''})),
      activityMore: Math.max(0, s.activity.length - LIMITS.activityPerSession),
      findings: findings.filter((fc) => fc.f.session_ids.includes(s.id)).map(findingRef),
    }
  })

  const counts = SEVERITIES.map((s) => ({severity: s, label: SEV_LABEL[s]!, count: findings.filter((f) => f.f.severity === s).length}))
  const top = findings[0]
  const verdict = !data.findings
    ? 'Not yet assessed: hunt has not been run'
    : top && top.f.severity !== 'info' && top.f.severity !== 'low'
      ? findings.some((f) => f.f.correlated)
        ? 'Intrusion evidence found'
        : 'Suspicious activity found'
      : 'No intrusion evidence found'
  const verdictClass = !data.findings ? 'neutral' : top ? `sev-${top.f.severity}` : 'sev-ok'

  const files = (a?.artefacts ?? []).flatMap((x) => (x.files ?? []).map((f) => ({...f, artefact: x.id}))).sort((x, y) => cmp(x.member, y.member))
  const statusLabel = unverified ? 'NOT VERIFIED' : verification === 'verified' ? 'Verified' : verification === 'not-applicable' ? 'Not applicable' : 'Not checked'
  const statusText = unverified
    ? 'The evidence archive did not match its manifest (or was not checked) and was analysed anyway. Treat every finding as unconfirmed until the evidence is verified.'
    : verification === 'verified'
      ? 'Every file in the evidence archive was hashed again and matched the SHA-256 recorded in the manifest when it was collected.'
      : verification === 'not-applicable'
        ? 'The input was a folder or disk image, not a ratchet evidence archive, so there was no collection manifest to verify against. File hashes below were computed when it was read.'
        : 'No verification result is recorded for this case.'

  const coll = a?.collection
  const kv = (key: string, value: string | null | undefined, mono = false): KeyValue[] => (value ? [{key, value, ...(mono ? {mono} : {})}] : [])
  const ts = (iso: string | null | undefined): string => {
    const t = tv(iso)
    return t ? `${t.utc}${t.local ? ` — host time ${t.local}` : ''}` : ''
  }

  const keyRows = data.events.key.map(row)
  const blast = blastView(data.blast ?? null)
  // the cover's window: the intrusion story (correlated findings and the suspect sessions they are tied to),
  // else every dated finding, else the events; never a configuration file's date
  const story = findings.filter((f) => f.dated && f.f.correlated)
  const storySessions = new Set(story.flatMap((f) => f.f.session_ids))
  const storyTimes = [...story.flatMap((f) => [f.start, f.end]), ...sessions.filter((s) => s.s.suspicious && storySessions.has(s.s.id)).map((s) => s.s.start ?? '')].filter(Boolean).sort()
  const times = storyTimes.length > 0 ? storyTimes : findings.filter((f) => f.dated).flatMap((f) => [f.start, f.end]).filter(Boolean).sort()
  const activityLabel = storyTimes.length > 0 ? 'Intrusion activity' : times.length > 0 ? 'Activity in findings' : 'Events recorded'

  return {
    meta: {
      title: run.title ?? `Incident report${coll?.case_id ? ` — ${coll.case_id}` : hosts.length ? ` — ${hosts.slice(0, 2).join(', ')}${hosts.length > 2 ? ` and ${hosts.length - 2} more` : ''}` : ''}`,
      classification: run.classification ?? 'Confidential',
      generated: tv(run.generated_utc),
      generatedUtc: run.generated_utc,
      ratchetVersion: run.ratchet_version,
      caseId: coll?.case_id ?? '',
      caseName: data.caseName,
      examiner: coll?.examiner ?? '',
      hosts,
      hostZone: zone.label,
      hostZoneKnown: zone.kind !== 'unknown',
      activityFrom: tv(times[0] ?? data.events.first),
      activityTo: tv(times[times.length - 1] ?? data.events.last),
      activityLabel,
      collectedFrom: tv(coll?.started_utc),
      collectedTo: tv(coll?.ended_utc),
    },
    integrity: {
      unverified,
      status: verification as ReportViewModel['integrity']['status'],
      statusLabel,
      statusText,
      signature: a?.verification?.signature ?? data.verify?.signature ?? 'not-checked',
      problems: (a?.verification?.problems ?? []).slice(0, 200),
      archives: data.archives.map((x) => ({name: x.name, sha256: x.sha256 ?? 'no .sha256 file beside the archive', size: bytesText(x.size), source: x.sha256_file ?? ''})),
      inputPath: a?.input?.path ?? '',
      inputSha256: a?.input?.sha256 ?? '',
      files: files.slice(0, LIMITS.files).map((f) => ({member: f.member, sha256: f.sha256, parser: f.parser, events: f.events, diagnostics: f.diagnostics, artefact: f.artefact})),
      filesMore: Math.max(0, files.length - LIMITS.files),
      diagnostics: allDiagnostics.slice(0, LIMITS.diagnostics).map((d) => ({
        severity: d.severity,
        code: d.code,
        where: [d.file, d.record !== undefined ? `record ${d.record}` : undefined, d.line !== undefined ? `line ${d.line}` : undefined, d.chunk !== undefined ? `chunk ${d.chunk}` : undefined, d.offset !== undefined ? `offset ${d.offset}` : undefined].filter(Boolean).join(', '),
        message: d.message,
      })),
      diagnosticsMore: Math.max(0, allDiagnostics.length - LIMITS.diagnostics),
      diagnosticsTotal: (a?.totals?.diagnostics ?? 0) + data.events.diagnostics.length,
      notParsed: (a?.not_parsed ?? []).slice(0, LIMITS.notParsed),
      notParsedMore: Math.max(0, (a?.not_parsed?.length ?? 0) - LIMITS.notParsed),
      loadNotes: data.loadNotes,
      verifyFile: data.verify ? {status: data.verify.status, checked: ts(data.verify.checked_utc), problems: data.verify.problems, checks: data.verify.checks} : null,
    },
    headline: {
      severityCounts: counts,
      findings: findings.length,
      sessions: sessions.length,
      suspiciousSessions: sessions.filter((s) => s.s.suspicious).length,
      events: data.events.total,
      verdict,
      verdictClass,
    },
    summary: [blastSentence(blast, data.blast ?? null), ...buildSummary(ctx)].filter((x): x is NonNullable<typeof x> => x !== null),
    recommendations: buildRecommendations(ctx),
    findings: findingViews,
    noFindingsText: data.findings ? 'No findings: the rules and indicator lists listed under Method matched nothing in this evidence.' : 'ratchet hunt has not been run on this case, so there are no findings yet.',
    sessions: sessionViews,
    sessionsHidden: sessions.length - shownSessions.length,
    swimlane: swimlane(shownSessions, findings),
    histogram: histogram(data.events),
    blast,
    crossHost: crossHostView(data.sessions?.cross_host, data.caseDir),
    keyTimeline: {
      rows: keyRows,
      total: data.events.total,
      shown: keyRows.length,
      truncated: data.events.truncated,
      inlinedAll: data.events.total === keyRows.length,
      files: data.timelineFiles.map((f) => ({name: f.name, size: bytesText(f.bytes)})),
      byType: data.events.by_type.slice(0, 30),
      badLines: data.events.bad_lines,
    },
    custody: {
      collection: coll
        ? [
            ...kv('Case', coll.case_id),
            ...kv('Examiner', coll.examiner),
            ...kv('Source', `${coll.source.mode === 'live' ? 'live host' : 'mounted image'} (${coll.source.os}) at ${coll.source.root}`),
            ...kv('Profile', coll.profile),
            ...kv('Started', ts(coll.started_utc)),
            ...kv('Ended', ts(coll.ended_utc)),
            ...kv('Collected with', `ratchet ${coll.tool.version} on Node.js ${coll.tool.node}`),
          ]
        : [{key: 'Collection', value: 'No collection manifest: the evidence was not collected by ratchet (e.g. a mounted disk image), so who collected it and when is not recorded here.'}],
      collectionCommand: coll?.tool?.command_line?.join(' ') ?? '',
      host: a?.host
        ? [
            ...kv('Host name', a.host.hostname),
            ...kv('Operating system', [a.host.os, a.host.release].filter(Boolean).join(' ')),
            {key: 'Time zone', value: zone.label},
            ...kv('Host clock at collection', a.host.clock_utc_at_start),
          ]
        : [],
      analysis: a
        ? [
            {key: 'Input', value: `${a.input.path} (${a.input.kind})`, mono: true},
            ...kv('Input SHA-256', a.input.sha256, true),
            {key: 'Analysed with', value: `ratchet ${a.ratchet_version}`},
            {key: 'Totals', value: `${a.totals.files} files, ${a.totals.events} events, ${a.totals.diagnostics} diagnostics`},
          ]
        : [],
      parsers: a?.parsers ?? [],
      rules: data.findings?.rules ?? [],
      iocLoaded: data.findings?.iocs?.loaded ?? [],
      iocSkipped: (data.findings?.iocs?.skipped ?? []).slice(0, LIMITS.iocSkipped).map((s) => ({source: s.source, line: s.line !== undefined ? String(s.line) : '', value: s.value, reason: s.reason})),
      iocSkippedMore: Math.max(0, (data.findings?.iocs?.skipped?.length ?? 0) - LIMITS.iocSkipped),
      report: [
        {key: 'ratchet version', value: run.ratchet_version},
        {key: 'Case folder', value: data.caseName},
      ],
      reportCommand: run.command_line.join(' '),
    },
  }
}
