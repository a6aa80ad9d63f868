import type {NormalizedEvent} from '../events/types.js'
import {compileRuleSet, createMatcher, normalizedEvent, type CompiledRuleSet, type CorrelationFeedInput, type RuleInfo, type SigmaMatcher, type SigmaRule} from './sigma/index.js'

/**
 * Sigma inside the scan of events.jsonl: each byte range's scan (scan.ts; a worker thread's on a large file)
 * matches the events it has just parsed and hands back, in file order, a record of every event that hit a
 * rule or fed a correlation. The main thread concatenates the ranges' records and does what needs the whole
 * file — the case host, the correlations (sigma-hunt.ts resolveSigma) — so the result is a sequential pass's.
 *
 * What a range cannot know is the case host (suspicion.ts adoptSingleHost, known after the whole scan),
 * which hunt gives an event without a host before matching it. A match that never read the event's host
 * cannot change when the host is filled in: an event without one is matched through a view that notices any
 * read of `host`, and only when its match did read it (a rule on `Computer`, `host`, keywords over every
 * value) is the whole event kept, to be matched again once the host is known.
 */

export interface SigmaRecord {
  /** The event as kept (slim); absent when every rule it hit has its kept maximum before it in this range. */
  ev?: NormalizedEvent
  /** The event's host as read (hits are kept per host; an event without one takes the case host). */
  host: unknown
  hostless: boolean
  /** Indices (CompiledRuleSet.rules) of the rules it hit (standalone hits). */
  rules: number[]
  feeds: readonly CorrelationFeedInput[]
  /** Its match read the host it lacks: the whole event, matched again on the main thread when the case host is known. */
  again?: NormalizedEvent
}

export interface SigmaPart {
  records: SigmaRecord[]
  /** Events whose match read the missing host, beyond the bound, were not kept (a case host then needs a full pass). */
  overflow: boolean
}

const NO_FEEDS: readonly CorrelationFeedInput[] = Object.freeze([])

export const emptySigmaPart = (): SigmaPart => ({records: [], overflow: false})

/** Events without a host kept for a second match, per range (each is a whole event: bounded memory). */
export const MAX_HOST_READS = 10_000

/** A view of `ev` that tells, once armed, whether anything read (or listed) its `host`. */
function watchHost(ev: NormalizedEvent): {view: NormalizedEvent; arm: () => void; read: () => boolean} {
  let armed = false
  let read = false
  const touch = (p: string | symbol): void => {
    if (armed && p === 'host') read = true
  }
  const view = new Proxy(ev, {
    get(t, p, r) {
      touch(p)
      return Reflect.get(t, p, r) as unknown
    },
    has(t, p) {
      touch(p)
      return Reflect.has(t, p)
    },
    getOwnPropertyDescriptor(t, p) {
      touch(p)
      return Reflect.getOwnPropertyDescriptor(t, p)
    },
    ownKeys(t) {
      touch('host')
      return Reflect.ownKeys(t)
    },
  })
  return {view, arm: () => (armed = true), read: () => read}
}

export class SigmaRangeMatcher {
  readonly part: SigmaPart = emptySigmaPart()
  private readonly set: CompiledRuleSet
  private readonly matcher: SigmaMatcher
  private readonly index: Map<RuleInfo, number>
  private feeds: CorrelationFeedInput[] = []
  /** rule index → host → events kept for it in this range. */
  private readonly kept: Map<unknown, number>[]
  private again = 0

  /** `rules`: the hunt's Sigma rules as loaded (compiled here exactly as on the main thread, so indices agree). */
  constructor(
    rules: SigmaRule[],
    private readonly maxKept: number,
    private readonly maxAgain: number,
  ) {
    this.set = compileRuleSet(rules)
    this.matcher = createMatcher(this.set, {onFeed: (f) => this.feeds.push(f)})
    this.index = new Map(this.set.rules.map((r, i) => [r, i]))
    this.kept = this.set.rules.map(() => new Map())
  }

  /** Matches one parsed event; `keep` gives the slim copy the scan keeps (shared, made once). */
  match(ev: NormalizedEvent, keep: () => NormalizedEvent): void {
    const hostless = !ev.host
    const watch = hostless ? watchHost(ev) : undefined
    const sev = normalizedEvent(watch ? watch.view : ev)
    watch?.arm()
    const hits = this.matcher.push(sev)
    // this event's correlation inputs (a fresh list for the next event: a record keeps its own)
    const feeds = this.feeds.length > 0 ? this.feeds : NO_FEEDS
    if (feeds !== NO_FEEDS) this.feeds = []
    const again = watch !== undefined && watch.read() && this.again < this.maxAgain
    if (watch?.read() && !again) this.part.overflow = true
    if (hits.length === 0 && feeds.length === 0 && !again) return
    const rec: SigmaRecord = {host: ev.host ?? '', hostless, rules: hits.map((h) => this.index.get(h.rule)!), feeds}
    if (again) {
      this.again++
      rec.again = ev
      if (hits.length > 0) rec.ev = keep()
    } else {
      // a rule's events past the bound in this range are past it in the file too: counted, not kept
      let want = false
      for (const i of rec.rules) {
        const n = this.kept[i]!.get(rec.host) ?? 0
        this.kept[i]!.set(rec.host, n + 1)
        if (n < this.maxKept) want = true
      }
      if (want) rec.ev = keep()
    }
    this.part.records.push(rec)
  }
}
