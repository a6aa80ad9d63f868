/**
 * Types of the Sigma engine (src/detect/sigma). Rules as loaded (validated YAML), the record view the
 * matcher reads, and the hits it produces. No logic here: every other module imports its types from this file.
 */

export type SigmaLevel = 'informational' | 'low' | 'medium' | 'high' | 'critical'

export interface SigmaLogsource {
  product?: string
  category?: string
  service?: string
}

/** Metadata every rule (detection or correlation) keeps, so a hit can explain itself. */
export interface SigmaMeta {
  /** `id` of the rule; rules without one get `path#document` so they remain addressable. */
  id: string
  /** Correlation rules reference rules by `name` as well as by id. */
  name?: string
  title: string
  status?: string
  level?: SigmaLevel
  description?: string
  tags: string[]
  references: string[]
  falsepositives: string[]
  author?: string
  date?: string
  /**
   * ratchet extension (`ratchet: {builtin: <name>}`): a check the rule needs that Sigma cannot say (a join
   * with remote sessions), done in code by the built-in of that name.
   */
  builtin?: string
  /** File the rule came from, and the YAML document index in it (0-based). */
  path: string
  document: number
}

/** A detection value as written in YAML: string, number, boolean or null. */
export type SigmaScalar = string | number | boolean | null

/** One `field|mod|mod: values` item of a selection map (keyword items have `field` null). */
export interface SigmaFieldItem {
  field: string | null
  modifiers: string[]
  values: SigmaScalar[]
}

/** A search identifier: a map (AND of items), a list of maps (OR), or a keyword list. */
export type SigmaSearch = {kind: 'and'; items: SigmaFieldItem[]} | {kind: 'or'; alternatives: SigmaSearch[]}

export interface SigmaDetectionRule extends SigmaMeta {
  kind: 'detection'
  logsource: SigmaLogsource
  searches: Record<string, SigmaSearch>
  /** One or more condition strings (a list is OR-ed). */
  conditions: string[]
}

export type CorrelationType = 'event_count' | 'value_count' | 'temporal' | 'temporal_ordered'

export interface CountCondition {
  gt?: number
  gte?: number
  lt?: number
  lte?: number
  eq?: number
  neq?: number
}

export interface SigmaCorrelationRule extends SigmaMeta {
  kind: 'correlation'
  type: CorrelationType
  /** Referenced rules (id or name). */
  rules: string[]
  groupBy: string[]
  /** Timespan in milliseconds. */
  timespanMs: number
  condition: CountCondition
  /** value_count: the field whose distinct values are counted. */
  field?: string
  /** alias → (rule name → field). */
  aliases: Record<string, Record<string, string>>
  /** When true the referenced rules also report their own hits. */
  generate: boolean
}

export type SigmaRule = SigmaDetectionRule | SigmaCorrelationRule

export interface SkippedRule {
  path: string
  /** Rule id when it was known. */
  id?: string
  title?: string
  reason: string
}

/** Where a matched event came from: enough to find it again in the evidence. */
export interface SigmaEventRef {
  /** File path (EVTX input) or archive member (normalized events). */
  file: string
  recordId: number | null
  timeCreated: string | null
  eventId: number | null
  computer: string | null
  /** Normalized event id when the event came from events.jsonl. */
  eventRef?: string
}

/** One product's view of an event: how rules of that product index and read it. */
export interface SigmaFieldSource {
  /** Lower-cased channel (windows) or source family (ratchet): the rule index key. */
  key: string
  eventId: number | null
  /** Raw field value by Sigma field name; undefined when absent. */
  get(field: string): unknown
  /** Every value of the event, for keyword search. */
  values(): Iterable<unknown>
}

/**
 * What the matcher reads. Built by the adapters in record.ts (raw EvtxRecord, NormalizedEvent). `windows`
 * events meet `product: windows` rules (indexed by channel and event id), `ratchet` ones meet
 * `product: ratchet` rules; a normalized event from an event log has both views.
 */
export interface SigmaEvent {
  windows?: SigmaFieldSource
  ratchet?: SigmaFieldSource
  /** Milliseconds since the epoch (NaN when unknown): correlations window on it. */
  timeMs: number
  ref: SigmaEventRef
}

export interface RuleInfo {
  id: string
  title: string
  level?: SigmaLevel
  status?: string
  tags: string[]
  references: string[]
  falsepositives: string[]
  description?: string
  builtin?: string
  path: string
}

export interface SigmaHit {
  rule: RuleInfo
  event: SigmaEventRef
}

export interface CorrelationHit {
  rule: RuleInfo
  type: CorrelationType
  /** group-by field → value for this group. */
  group: Record<string, string>
  /** The events the correlation grouped (base events, flattened through chained correlations), in time order. */
  events: SigmaEventRef[]
  /** First and last event time (ISO) of the group. */
  first: string | null
  last: string | null
}
