import {buildPredicate, planDetection, type Predicate} from './compile.js'
import {evaluateCorrelation, type CorrelationInput} from './correlation.js'
import {defaultLogsourceMap, resolveLogsource, type LogsourceMap} from './logsources.js'
import type {
  CorrelationHit,
  RuleInfo,
  SigmaCorrelationRule,
  SigmaEvent,
  SigmaFieldSource,
  SigmaHit,
  SigmaRule,
  SkippedRule,
} from './types.js'
import {CompileError, type FieldAccess, type ValueOptions} from './values.js'

/**
 * Compiles a rule set once (predicates prebuilt, regexes compiled, names renamed) and indexes it by product,
 * channel and event id, so each event meets only the rules that can match it. The matcher is streaming:
 * push events, collect detection hits; finish() evaluates the correlations.
 */

export interface CompileOptions extends ValueOptions {
  /** The logsource mapping (default: artefacts/sigma/logsources.yaml). */
  logsources?: LogsourceMap
  /**
   * Build a rule's value tests when the first event that can meet it arrives, not up front. Saves most of
   * the start-up on a log that touches few channels; a rule that then fails to build is added to `skipped`
   * at that moment (so `skipped` is complete only after the run). Default false: everything is built and
   * checked now.
   */
  lazy?: boolean
}

/** What a correlation needs captured from each hit of a rule it references. */
interface CorrelationFeed {
  corr: number
  ruleIndex: number
  /** correlation-side field name → Sigma field name to read on this rule's events. */
  fields: [string, string][]
}

interface RuleSlot {
  info: RuleInfo
  /** Reported as a standalone hit (false when only a correlation without `generate` uses it). */
  report: boolean
  feeds: CorrelationFeed[]
}

interface Entry {
  slot: number
  predicate: Predicate
  /** Sigma field → record field for this target. */
  rename: Record<string, string>
}

interface Bucket {
  byId: Map<number, Entry[]>
  any: Entry[]
}

interface CompiledCorrelation {
  rule: SigmaCorrelationRule
  info: RuleInfo
  slot: number
  /** Correlations this one feeds (chains). */
  feeds: CorrelationFeed[]
}

export interface CompiledRuleSet {
  /** Every rule that will run (detection and correlation). */
  readonly rules: RuleInfo[]
  /** Rules that could not be compiled, with the reason. */
  readonly skipped: SkippedRule[]
  readonly detectionCount: number
  readonly correlationCount: number
  /** @internal */
  readonly slots: RuleSlot[]
  /** @internal */
  readonly index: {windows: Map<string, Bucket>; ratchet: Map<string, Bucket>}
  /** @internal in evaluation order (referenced correlations first). */
  readonly correlations: CompiledCorrelation[]
}

export function ruleInfo(r: SigmaRule): RuleInfo {
  return {id: r.id, title: r.title, level: r.level, status: r.status, tags: r.tags, references: r.references, falsepositives: r.falsepositives, description: r.description, builtin: r.builtin, path: r.path}
}

function bucketOf(m: Map<string, Bucket>, key: string): Bucket {
  let b = m.get(key)
  if (!b) m.set(key, (b = {byId: new Map(), any: []}))
  return b
}

export function compileRuleSet(rules: SigmaRule[], opts: CompileOptions = {}): CompiledRuleSet {
  const map = opts.logsources ?? defaultLogsourceMap()
  const skipped: SkippedRule[] = []
  const slots: RuleSlot[] = []
  const index = {windows: new Map<string, Bucket>(), ratchet: new Map<string, Bucket>()}
  const byRef = new Map<string, {slot: number; rule: SigmaRule}>()
  const skip = (r: SigmaRule, reason: string): void => {
    skipped.push({path: r.path, id: r.id, title: r.title, reason})
  }

  for (const r of rules) {
    if (r.kind !== 'detection') continue
    let compiled: {entry: Entry; keys: string[]; product: 'windows' | 'ratchet'; eventIds: number[] | null}[]
    const slot = slots.length
    try {
      compiled = resolveLogsource(r.logsource, map).map((t) => {
        const entry: Entry = {slot, predicate: () => false, rename: t.fields}
        // Lazy: a target with event ids from the mapping (every category) is indexed without reading the rule;
        // the rule's conditions are parsed and its tests built when the first record that can meet it arrives.
        // A service-only target is planned now: its EventID selections are its index.
        const plan = opts.lazy && t.eventIds !== null ? undefined : planDetection(r, t)
        if (opts.lazy) {
          entry.predicate = (ev) => {
            try {
              entry.predicate = buildPredicate(r, t, plan ?? planDetection(r, t), opts)
            } catch (e) {
              if (!(e instanceof CompileError)) throw e
              entry.predicate = () => false
              if (!skipped.some((x) => x.id === r.id && x.path === r.path)) skip(r, e.message)
              return false
            }
            return entry.predicate(ev)
          }
        } else {
          entry.predicate = buildPredicate(r, t, plan!, opts)
        }
        return {entry, keys: t.keys, product: t.product, eventIds: plan ? plan.eventIds : t.eventIds}
      })
    } catch (e) {
      if (!(e instanceof CompileError)) throw e
      skip(r, e.message)
      continue
    }
    slots.push({info: ruleInfo(r), report: true, feeds: []})
    for (const c of compiled) {
      for (const key of c.keys) {
        const b = bucketOf(index[c.product], key)
        if (c.eventIds === null) b.any.push(c.entry)
        else for (const id of c.eventIds) (b.byId.get(id) ?? b.byId.set(id, []).get(id)!).push(c.entry)
      }
    }
    byRef.set(r.id, {slot, rule: r})
    if (r.name) byRef.set(r.name, {slot, rule: r})
  }

  // Correlations: resolve references, order so that a correlation comes after those it uses.
  const corrRules = rules.filter((r): r is SigmaCorrelationRule => r.kind === 'correlation')
  const pending = new Map(corrRules.map((c) => [c.id, c]))
  for (const c of corrRules) {
    byRef.set(c.id, {slot: -1, rule: c})
    if (c.name) byRef.set(c.name, {slot: -1, rule: c})
  }
  const correlations: CompiledCorrelation[] = []
  const corrIndexById = new Map<string, number>()
  // A chained correlation reads its group-by values from the inner correlation's base events: make every
  // base rule under `ci` capture those fields too.
  const propagate = (ci: number, fields: string[]): void => {
    for (const s of slots) {
      for (const f of s.feeds) if (f.corr === ci) for (const x of fields) if (!f.fields.some(([n]) => n === x)) f.fields.push([x, x])
    }
    correlations.forEach((c, k) => {
      if (c.feeds.some((f) => f.corr === ci)) propagate(k, fields)
    })
  }
  let progress = true
  while (pending.size && progress) {
    progress = false
    for (const [id, c] of [...pending]) {
      const refs = c.rules.map((x) => byRef.get(x))
      const missing = c.rules.filter((_, i) => !refs[i])
      if (missing.length) {
        skip(c, `correlation references unknown or skipped rule(s): ${missing.join(', ')}`)
        pending.delete(id)
        progress = true
        continue
      }
      if (refs.some((x) => x!.rule.kind === 'correlation' && !corrIndexById.has(x!.rule.id))) {
        if (refs.some((x) => x!.rule.kind === 'correlation' && !pending.has(x!.rule.id) && !corrIndexById.has(x!.rule.id))) {
          skip(c, 'correlation references a skipped correlation')
          pending.delete(id)
          progress = true
        }
        continue
      }
      const ci = correlations.length
      const slot = slots.length
      slots.push({info: ruleInfo(c), report: true, feeds: []})
      correlations.push({rule: c, info: slots[slot]!.info, slot, feeds: []})
      corrIndexById.set(c.id, ci)
      c.rules.forEach((ref, ruleIndex) => {
        const target = refs[ruleIndex]!.rule
        const name = target.name ?? ref
        const wanted = [...c.groupBy, ...(c.field ? [c.field] : [])]
        const fields: [string, string][] = wanted.map((f) => [f, c.aliases[f]?.[name] ?? c.aliases[f]?.[ref] ?? f])
        const feed = {corr: ci, ruleIndex, fields}
        if (target.kind === 'detection') {
          const s = slots[byRef.get(target.id)!.slot]!
          s.feeds.push(feed)
          if (!c.generate) s.report = false
        } else {
          const innerIndex = corrIndexById.get(target.id)!
          const inner = correlations[innerIndex]!
          inner.feeds.push(feed)
          propagate(innerIndex, fields.map(([, f]) => f))
          if (!c.generate) slots[inner.slot]!.report = false
        }
      })
      pending.delete(id)
      progress = true
    }
  }
  for (const c of pending.values()) skip(c, 'correlation rules reference each other in a cycle')

  return {
    rules: slots.map((s) => s.info),
    skipped,
    detectionCount: slots.length - correlations.length,
    correlationCount: correlations.length,
    slots,
    index,
    correlations,
  }
}

// ---- per-event field access, cached ----

function toTexts(v: unknown): string[] | null {
  if (v === undefined || v === null) return null
  if (typeof v === 'string') return [v]
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return [String(v)]
  if (Array.isArray(v)) return v.filter((x) => x !== null && x !== undefined).map((x) => (typeof x === 'object' ? JSON.stringify(x) : String(x)))
  return [JSON.stringify(v)]
}

class Access implements FieldAccess {
  private readonly t = new Map<string, string[] | null>()
  private readonly l = new Map<string, string[] | null>()
  private all?: string[]
  private allLower?: string[]
  constructor(private readonly src: SigmaFieldSource) {}
  texts(f: string): readonly string[] | undefined {
    let v = this.t.get(f)
    if (v === undefined) this.t.set(f, (v = toTexts(this.src.get(f))))
    return v ?? undefined
  }
  lowers(f: string): readonly string[] | undefined {
    let v = this.l.get(f)
    if (v === undefined) {
      const t = this.texts(f)
      v = t ? t.map((x) => x.toLowerCase()) : null
      this.l.set(f, v)
    }
    return v ?? undefined
  }
  allTexts(lower: boolean): readonly string[] {
    if (!this.all) {
      this.all = []
      for (const v of this.src.values()) {
        const t = toTexts(v)
        if (t) this.all.push(...t)
      }
    }
    if (!lower) return this.all
    return (this.allLower ??= this.all.map((x) => x.toLowerCase()))
  }
}

const EMPTY: Entry[] = []

export interface SigmaMatcher {
  /** Matches one event; returns the standalone hits (rules referenced only by correlations stay silent). */
  push(ev: SigmaEvent): SigmaHit[]
  /** Evaluates correlation rules over everything pushed. Call once, at the end. */
  finish(): CorrelationHit[]
  /** Events pushed so far. */
  readonly events: number
  /**
   * Adds a correlation input that a matcher over the same compiled rules handed to its `onFeed` (in a worker
   * thread, say). Inputs must arrive in event order, as push would have made them: time ties keep that order.
   */
  addFeed(feed: CorrelationFeedInput): void
}

/** One input of correlation `corr` (index in CompiledRuleSet.correlations), as one event made it. */
export interface CorrelationFeedInput {
  corr: number
  input: CorrelationInput
}

export interface MatcherOptions {
  /**
   * Receives the correlation inputs each push makes instead of keeping them (finish() then sees none of
   * them): for splitting one stream across threads, each input goes to the one matcher that evaluates.
   */
  onFeed?: (feed: CorrelationFeedInput) => void
}

export function createMatcher(set: CompiledRuleSet, opts: MatcherOptions = {}): SigmaMatcher {
  // key → the entries for no event id / per event id (nested maps: no lookup key is built per event)
  const cache = {windows: new Map<string, {none?: Entry[]; byId: Map<number, Entry[]>}>(), ratchet: new Map<string, {none?: Entry[]; byId: Map<number, Entry[]>}>()}
  const inputs: CorrelationInput[][] = set.correlations.map(() => [])
  const lastSeen = new Int32Array(set.slots.length).fill(-1)
  let seq = 0

  const candidates = (product: 'windows' | 'ratchet', key: string, eventId: number | null): Entry[] => {
    let kc = cache[product].get(key)
    if (!kc) cache[product].set(key, (kc = {byId: new Map()}))
    let list = eventId === null ? kc.none : kc.byId.get(eventId)
    if (list) return list
    list = []
    for (const k of key === '*' ? ['*'] : [key, '*']) {
      const b = set.index[product].get(k)
      if (!b) continue
      if (eventId !== null) list.push(...(b.byId.get(eventId) ?? EMPTY))
      list.push(...b.any)
    }
    if (eventId === null) kc.none = list
    else kc.byId.set(eventId, list)
    return list
  }

  const feed = (f: CorrelationFeed, timeMs: number, read: (field: string) => string | undefined, ev: SigmaEvent): void => {
    const values: Record<string, string> = {}
    for (const [name, field] of f.fields) {
      const v = read(field)
      if (v !== undefined) values[name] = v
    }
    const input = {ruleIndex: f.ruleIndex, timeMs, values, events: [ev.ref]}
    if (opts.onFeed) opts.onFeed({corr: f.corr, input})
    else inputs[f.corr]!.push(input)
  }

  const run = (product: 'windows' | 'ratchet', src: SigmaFieldSource, ev: SigmaEvent, hits: SigmaHit[]): void => {
    const list = candidates(product, src.key, src.eventId)
    if (list.length === 0) return
    const acc = new Access(src)
    for (let i = 0; i < list.length; i++) {
      const e = list[i]!
      if (lastSeen[e.slot] === seq || !e.predicate(acc)) continue
      lastSeen[e.slot] = seq
      const slot = set.slots[e.slot]!
      if (slot.report) hits.push({rule: slot.info, event: ev.ref})
      for (const f of slot.feeds) feed(f, ev.timeMs, (field) => acc.texts(e.rename[field] ?? field)?.[0], ev)
    }
  }

  let finished = false
  return {
    get events() {
      return seq
    },
    push(ev) {
      seq++
      const hits: SigmaHit[] = []
      if (ev.windows) run('windows', ev.windows, ev, hits)
      if (ev.ratchet) run('ratchet', ev.ratchet, ev, hits)
      return hits
    },
    addFeed({corr, input}) {
      inputs[corr]!.push(input)
    },
    finish() {
      if (finished) return []
      finished = true
      const out: CorrelationHit[] = []
      set.correlations.forEach((c, ci) => {
        const results = evaluateCorrelation(c.rule, c.info, inputs[ci]!)
        for (const r of results) {
          if (set.slots[c.slot]!.report) out.push(r.hit)
          for (const f of c.feeds) {
            const values: Record<string, string> = {}
            for (const [name, field] of f.fields) if (r.values[field] !== undefined) values[name] = r.values[field]!
            inputs[f.corr]!.push({ruleIndex: f.ruleIndex, timeMs: r.timeMs, values, events: r.hit.events})
          }
        }
      })
      return out
    },
  }
}

