import type {NormalizedEvent} from '../../events/types.js'
import type {IocHit} from '../types.js'
import type {IocIndex, ValueHit} from './matcher.js'

/** Our own taxonomy and bookkeeping fields: never evidence, never matched. */
const SKIP_TOP = new Set(['id', 'datetime', 'timestamp', 'timestamp_desc', 'source', 'artefact', 'event_type', 'unverified', 'attributes', 'evidence', 'message'])
/** Fields that name accounts: user-name indicators are compared against the whole value there only. */
const USER_FIELD = /user|member|operator|account|participant|alias|login|logon_name|subject|target(user)?name/i

/**
 * Matches one event against the index over every field: the pivots, then every attribute (recursively),
 * the evidence locator (member path, member hash) and the message last. One hit per indicator per event,
 * naming the first (most specific) field that matched. Per-value results are memoised: hosts, providers and
 * paths repeat across millions of events.
 */
export class EventMatcher {
  private readonly cache = new Map<string, ValueHit[]>()
  private readonly userCache = new Map<string, ValueHit[]>()
  private readonly userKey = new Map<string, boolean>()
  /** Members whose path / hash were already matched once: the evidence file is reported once, not per event. */
  private readonly seenMembers = new Set<string>()

  constructor(private readonly index: IocIndex, private readonly cacheLimit = 200_000) {}

  private valueHits(v: string): ValueHit[] {
    let r = this.cache.get(v)
    if (r === undefined) {
      r = []
      this.index.matchText(v, r)
      if (this.cache.size >= this.cacheLimit) this.cache.clear()
      this.cache.set(v, r)
    }
    return r
  }

  private userHits(v: string): ValueHit[] {
    let r = this.userCache.get(v)
    if (r === undefined) {
      r = []
      this.index.matchUser(v, r)
      if (this.userCache.size >= this.cacheLimit) this.userCache.clear()
      this.userCache.set(v, r)
    }
    return r
  }

  private isUserField(key: string): boolean {
    let b = this.userKey.get(key)
    if (b === undefined) {
      b = USER_FIELD.test(key)
      this.userKey.set(key, b)
    }
    return b
  }

  match(ev: NormalizedEvent): IocHit[] {
    if (this.index.size === 0) return []
    const hits: IocHit[] = []
    const seen = new Set<string>()
    const add = (field: string, vh: ValueHit[]): void => {
      for (const {indicator, matched} of vh) {
        const k = `${indicator.type}\u0000${indicator.value}\u0000${indicator.source}`
        if (seen.has(k)) continue
        seen.add(k)
        const h: IocHit = {indicator: indicator.value, type: indicator.type, source: indicator.source, field, value: matched, event_id: ev.id}
        if (indicator.description) h.description = indicator.description
        hits.push(h)
      }
    }
    const visit = (field: string, key: string, v: unknown, depth: number): void => {
      if (typeof v === 'string') {
        if (v.length === 0) return
        if (this.isUserField(key)) add(field, this.userHits(v))
        add(field, this.valueHits(v))
      } else if (typeof v === 'number') {
        // AnyDesk IDs and similar may arrive as numbers
        if (Number.isInteger(v) && v >= 1e8) add(field, this.valueHits(String(v)))
      } else if (depth < 8 && Array.isArray(v)) {
        for (const x of v) visit(field, key, x, depth + 1)
      } else if (depth < 8 && v !== null && typeof v === 'object') {
        for (const k of Object.keys(v as Record<string, unknown>)) visit(`${field}.${k}`, k, (v as Record<string, unknown>)[k], depth + 1)
      }
    }
    const rec = ev as unknown as Record<string, unknown>
    for (const k of Object.keys(rec)) {
      if (SKIP_TOP.has(k)) continue
      visit(k, k, rec[k], 0)
    }
    if (ev.attributes) for (const k of Object.keys(ev.attributes)) visit(`attributes.${k}`, k, ev.attributes[k], 0)
    if (ev.evidence && !this.seenMembers.has(ev.evidence.member)) {
      this.seenMembers.add(ev.evidence.member)
      if (typeof ev.evidence.member === 'string') add('evidence.member', this.valueHits(ev.evidence.member))
      if (typeof ev.evidence.sha256 === 'string') add('evidence.sha256', this.valueHits(ev.evidence.sha256))
    }
    if (typeof ev.message === 'string') visit('message', 'message', ev.message, 0)
    return hits
  }
}
