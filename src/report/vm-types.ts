import type {BlastView, CrossHostView} from './blast.js'
import type {Finding, RemoteSession} from '../detect/types.js'
import type {NormalizedEvent} from '../events/types.js'
import type {AttackView} from './attack.js'
import type {TimeView} from './time-format.js'
import type {HostZone} from './zones.js'

/**
 * The report view model: plain data the templates only present. Every string that came from evidence stays
 * a plain string here and is HTML-escaped by `{{ }}` in the templates; nothing in the model is HTML.
 */

export interface Ref {
  /** Always `#<anchor>` built by ratchet from sanitised ids. */
  href: string
  label: string
  title: string
}

export interface Segment {
  text: string
  /** Evidence value (name, address, time) set in a distinct style. */
  value?: boolean
}

export interface Sentence {
  topic: string
  topicLabel: string
  segments: Segment[]
  refs: Ref[]
}

export interface Recommendation {
  priority: 'Immediately' | 'Next' | 'Ongoing'
  action: string
  detail: Segment[]
  refs: Ref[]
}

/** Context shared by the rule-based writers (summary, recommendations). */
export interface FindingCtx {
  f: Finding
  no: number
  label: string
  anchor: string
  events: NormalizedEvent[]
  /**
   * When the finding's activity happened (UTC ISO): its earliest and latest events that are activity —
   * not configuration or state (a config file's date, an account snapshot) and not a host-local time in an
   * unknown zone. first_seen / last_seen when it has no such event.
   */
  start: string
  end: string
  /** True when the span comes from activity events (false: only state/config records). */
  dated: boolean
}

export interface SessionCtx {
  s: RemoteSession
  no: number
  label: string
  anchor: string
}

export interface RuleContext {
  findings: FindingCtx[]
  sessions: SessionCtx[]
  eventsById: Map<string, NormalizedEvent>
  zone: HostZone
  hosts: string[]
  unverified: boolean
  verification: 'verified' | 'failed' | 'not-applicable' | 'unknown'
  hasFindingsFile: boolean
  diagnosticCount: number
  unreadableFiles: number
  notParsed: number
  iocSkipped: number
  iocLoaded: number
  archiveNames: {name: string; sha256: string | null}[]
  eventsTotal: number
}

export interface EventRow {
  anchor: string
  id: string
  time: TimeView | null
  host: string
  type: string
  message: string
  user: string
  detail: string
  locator: string
  member: string
  sha256: string
  cited: boolean
  findings: Ref[]
  unverified: boolean
}

export interface FindingView {
  no: number
  label: string
  anchor: string
  id: string
  rule: string
  title: string
  severity: string
  severityLabel: string
  confidence: string
  attack: AttackView[]
  rationale: string
  first: TimeView | null
  last: TimeView | null
  host: string
  correlated: boolean
  entities: {kind: string; values: string[]}[]
  iocHits: {indicator: string; type: string; field: string; value: string; source: string; description: string}[]
  sessions: Ref[]
  evidence: EventRow[]
  evidenceMore: number
  missingEvents: number
}

export interface SessionView {
  no: number
  label: string
  anchor: string
  tool: string
  host: string
  direction: string
  remote: string
  operator: string
  auth: string
  start: TimeView | null
  end: TimeView | null
  duration: string
  suspicious: boolean
  reasons: string[]
  instance: string
  activity: {time: TimeView | null; type: string; summary: string; href: string}[]
  activityMore: number
  findings: Ref[]
}

export interface Tick {
  x: number
  label: string
  anchor: 'start' | 'middle' | 'end'
}

export interface HistogramView {
  width: number
  height: number
  plotTop: number
  plotBottom: number
  binLabel: string
  bars: {x: number; w: number; y: number; h: number; keyY: number; keyH: number; title: string}[]
  ticks: Tick[]
  max: number
  empty: boolean
  /** Outlying events left off the axis (a 2019 config file date, a 1970 unknown time), told in the caption. */
  omitted: string
}

export interface SwimlaneView {
  width: number
  height: number
  labelWidth: number
  lanes: {y: number; h: number; label: string; sub: string}[]
  bars: {x: number; y: number; w: number; h: number; cls: string; title: string; href: string; openEnd: boolean}[]
  markers: {x: number; y: number; cls: string; title: string; href: string; label: string}[]
  ticks: Tick[]
  empty: boolean
}

export interface KeyValue {
  key: string
  value: string
  mono?: boolean
}

export interface ReportViewModel {
  meta: {
    title: string
    classification: string
    generated: TimeView | null
    generatedUtc: string
    ratchetVersion: string
    caseId: string
    caseName: string
    examiner: string
    hosts: string[]
    hostZone: string
    hostZoneKnown: boolean
    activityFrom: TimeView | null
    activityTo: TimeView | null
    /** What the activity window is: 'Intrusion activity', 'Activity in findings' or 'Events recorded'. */
    activityLabel: string
    collectedFrom: TimeView | null
    collectedTo: TimeView | null
  }
  integrity: {
    unverified: boolean
    status: 'verified' | 'failed' | 'not-applicable' | 'unknown'
    statusLabel: string
    statusText: string
    signature: string
    problems: string[]
    archives: {name: string; sha256: string; size: string; source: string}[]
    inputPath: string
    inputSha256: string
    files: {member: string; sha256: string; parser: string; events: number; diagnostics: number; artefact: string}[]
    filesMore: number
    diagnostics: {severity: string; code: string; where: string; message: string}[]
    diagnosticsMore: number
    diagnosticsTotal: number
    notParsed: {member: string; artefact: string; reason: string}[]
    notParsedMore: number
    loadNotes: string[]
    verifyFile: {status: string; checked: string; problems: string[]; checks: string[]} | null
  }
  headline: {
    severityCounts: {severity: string; label: string; count: number}[]
    findings: number
    sessions: number
    suspiciousSessions: number
    events: number
    verdict: string
    verdictClass: string
  }
  summary: Sentence[]
  recommendations: Recommendation[]
  findings: FindingView[]
  noFindingsText: string
  sessions: SessionView[]
  /** Routine sessions left out of the table and chart (all are in sessions.json). */
  sessionsHidden: number
  swimlane: SwimlaneView
  histogram: HistogramView
  /** ScreenConnect server cases: the machines the intrusion reached (null otherwise). */
  blast: BlastView | null
  /** `ratchet hunt <case>…`: the other side's record of this case's ScreenConnect sessions. */
  crossHost: CrossHostView[]
  keyTimeline: {
    rows: EventRow[]
    total: number
    shown: number
    truncated: boolean
    inlinedAll: boolean
    files: {name: string; size: string}[]
    byType: {type: string; count: number}[]
    badLines: number
  }
  custody: {
    collection: KeyValue[]
    collectionCommand: string
    host: KeyValue[]
    analysis: KeyValue[]
    parsers: {name: string; version: string}[]
    rules: {id: string; title: string; source: string}[]
    iocLoaded: {source: string; count: number}[]
    iocSkipped: {source: string; line: string; value: string; reason: string}[]
    iocSkippedMore: number
    report: KeyValue[]
    reportCommand: string
  }
}

export type {HostZone}
