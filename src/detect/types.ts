import type {Diagnostic} from '../core/diagnostics.js'
import type {NormalizedEvent} from '../events/types.js'
import type {CrossHostFile} from './cross-host.js'
import type {Rule} from './schema.js'

/**
 * The hunt stage's outputs: findings.json, sessions.json (and for server cases blast-radius.json).
 * The report and timeline read these; keep them plain JSON and deterministic.
 */

export type IocType =
  | 'ipv4'
  | 'ipv6'
  | 'cidr'
  | 'domain'
  | 'url'
  | 'sha256'
  | 'sha1'
  | 'md5'
  | 'file_name'
  | 'user_name'
  | 'anydesk_id'
  | 'screenconnect_relay'

export interface Indicator {
  type: IocType
  /** Canonical value (refanged, lower-cased where the type is case-insensitive). */
  value: string
  /** As written in the input (possibly defanged). */
  raw: string
  description?: string
  /** Where the indicator came from: pack name or `file:line`. */
  source: string
}

export interface IocHit {
  indicator: string
  type: IocType
  source: string
  description?: string
  /** Event field that matched (`src_ip`, `attributes.ImagePath`, …) or `manifest.sha256`. */
  field: string
  /** The matched value as it appears in the evidence. */
  value: string
  event_id?: string
  /** For manifest hash hits: the archive member. */
  member?: string
}

export type Severity = 'critical' | 'high' | 'medium' | 'low' | 'info'
export type Confidence = 'high' | 'medium' | 'low'

export interface Finding {
  /** Stable across reruns: `<rule>:<16 hex of the key facts>`. */
  id: string
  rule: string
  title: string
  severity: Severity
  confidence: Confidence
  /** MITRE ATT&CK technique ids, e.g. `T1136.001`. */
  attack: string[]
  /** One paragraph in plain language: what was seen and why it matters. */
  rationale: string
  first_seen: string
  last_seen: string
  host?: string
  /** Events that prove it (ids from events.jsonl), in time order. */
  event_ids: string[]
  session_ids: string[]
  ioc_hits: IocHit[]
  /** Named entities the finding is about, for the summary and recommended actions. */
  entities: {
    accounts?: string[]
    addresses?: string[]
    tools?: string[]
    instances?: string[]
    files?: string[]
    services?: string[]
    commands?: string[]
  }
  /** True when the finding is part of the correlated intrusion story (inside/after a remote session or IOC-linked). */
  correlated: boolean
}

export type RemoteTool = 'ScreenConnect' | 'AnyDesk' | 'RDP' | 'TeamViewer' | 'Other'

export interface SessionActivity {
  event_id: string
  datetime: string
  event_type: string
  summary: string
}

export interface RemoteSession {
  /** Stable id: `<tool>:<16 hex>` */
  id: string
  tool: RemoteTool
  host?: string
  instance?: {thumbprint?: string; relay_host?: string; relay_port?: number; session_guid?: string; local_id?: string}
  start: string | null
  end: string | null
  duration_seconds: number | null
  remote_address?: string
  remote_id?: string
  remote_alias?: string
  operator?: string
  auth_method?: string
  direction?: 'incoming' | 'outgoing'
  /** The events that make up the session (start, auth, stop…). */
  event_ids: string[]
  /** What happened inside it (file transfers, commands, process creations, account changes). */
  activity: SessionActivity[]
  /** True when the session has IOC hits or suspicious activity inside; routine sessions are false. */
  suspicious: boolean
  reasons: string[]
}

export interface FindingsFile {
  format: 'ratchet-findings/1'
  case_dir: string
  unverified: boolean
  window_ms: number
  iocs: {
    loaded: {source: string; count: number}[]
    skipped: {source: string; line?: number; value: string; reason: string}[]
  }
  rules: {id: string; title: string; source: string}[]
  /** Added by hunt: the Sigma rules run (built-in and `--sigma`) and those that could not be, with the reason. */
  sigma?: {rules_loaded: number; rules_skipped: {path: string; id?: string; reason: string}[]}
  findings: Finding[]
  ioc_hits: IocHit[]
  /** Added by hunt: how the evidence manifest's hashes were checked (absent when not run). */
  manifest?: ManifestCheck
  /** Added by hunt: totals so a reader knows when `ioc_hits` / event lists were capped. */
  stats?: HuntStats
  /** Added by hunt: damage met while reading events.jsonl (bad lines), with location. */
  diagnostics?: Diagnostic[]
  /** Added by `ratchet hunt <case>…` with several cases (same object as in sessions.json). */
  cross_host?: CrossHostFile
}

/** Whether the manifest's per-file hashes (and file names) were matched against the indicators. */
export interface ManifestCheck {
  status: 'checked' | 'absent' | 'unreadable'
  /** Where the manifest was read from (archive file name and member), when found. */
  location?: string
  items: number
  note?: string
}

export interface HuntStats {
  events: number
  indicators: number
  ioc_hits_total: number
  ioc_hits_kept: number
  findings: number
  sessions: number
}

export interface SessionsFile {
  format: 'ratchet-sessions/1'
  sessions: RemoteSession[]
  /** Added by `ratchet hunt <case>…` with several cases: what the other side of each ScreenConnect session saw. */
  cross_host?: CrossHostFile
}

// ---- in-memory types of a hunt (not written out) ----

/** A session in building: the records that make it up and what is known of it so far. */
export interface Draft extends Partial<Pick<RemoteSession, 'remote_address' | 'remote_id' | 'remote_alias' | 'operator' | 'auth_method' | 'direction'>> {
  tool: RemoteTool
  host?: string
  instance: NonNullable<RemoteSession['instance']>
  start?: NormalizedEvent
  end?: NormalizedEvent
  events: NormalizedEvent[]
  authenticated?: boolean
  activity: NormalizedEvent[]
  reasons: string[]
  /** µs of the last line known to belong to the session when its end is not logged (AnyDesk file preparation). */
  lastSeenUs?: number
}

/** A session in building and after: the draft plus its time span in µs (end = last event when not logged). */
export interface BuiltSession {
  draft: Draft
  startUs: number
  endUs: number
  session: RemoteSession
}

/** An event placed against a suspect session: inside it, or within the window after it. */
export interface Near {
  session: BuiltSession
  relation: 'during' | 'after'
  /** The event that lies during / after the session. */
  event: NormalizedEvent
}

/** An IOC hit with the event it was found in (none for evidence-manifest hits). */
export interface HitEvent {
  ev?: NormalizedEvent
  hit: IocHit
}

/** ScreenConnect instances and relays named on each host. */
export interface InstanceFacts {
  /** host → thumbprint → events naming it (bounded). */
  instances: Map<string, Map<string, NormalizedEvent[]>>
  /** host → relay host → events naming it (bounded). */
  relays: Map<string, Map<string, NormalizedEvent[]>>
}

/** Everything a finding is made of; makeFinding turns it into the Finding written out. */
export interface FindingInput {
  rule: Rule
  key: string[]
  host?: string
  events: NormalizedEvent[]
  near: Near[]
  iocHits?: IocHit[]
  title?: string
  severity?: Severity
  confidence?: Confidence
  correlated: boolean
  facts: string
  /** Said after the correlation sentence (what followed), before the rule's general explanation. */
  followUp?: string
  entities: Finding['entities']
  firstSeen?: string
  lastSeen?: string
}
