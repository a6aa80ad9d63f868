import type {NormalizedEvent} from '../../events/types.js'
import type {IocHit} from '../types.js'
import type {IocIndex, ValueHit} from './matcher.js'

const MAX_CACHED = 64
const NONE: ValueHit[] = []

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
  private readonly attrField = new Map<string, string>()
  /** Members whose path / hash were already matched once: the evidence file is reported once, not per event. */
  private readonly seenMembers = new Set<string>()
  // per-event state, reused (this runs once per event: no closures or sets allocated per call)
  private hits: IocHit[] = []
  private readonly seen = new Set<string>()
  private readonly done = new Set<string>()
  private eventId = ''

  constructor(private readonly index: IocIndex, private readonly cacheLimit = 100_000) {}

  private valueHits(v: string): ValueHit[] {
    // short values repeat (hosts, paths, providers); long ones (command lines, messages) rarely do
    if (v.length > MAX_CACHED) {
      const r: ValueHit[] = []
      this.index.matchText(v, r)
      return r
    }
    let r = this.cache.get(v)
    if (r === undefined) {
      r = []
      this.index.matchText(v, r)
      if (this.cache.size >= this.cacheLimit) this.cache.clear()
      this.cache.set(v, r.length === 0 ? NONE : r)
    }
    return r
  }

  private userHits(v: string): ValueHit[] {
    let r = this.userCache.get(v)
    if (r === undefined) {
      r = []
      this.index.matchUser(v, r)
      if (this.userCache.size >= this.cacheLimit) this.userCache.clear()
      this.userCache.set(v, r.length === 0 ? NONE : r)
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

  private add(field: string, vh: ValueHit[]): void {
    for (const {indicator, matched} of vh) {
      const k = `${indicator.type}\u0000${indicator.value}\u0000${indicator.source}`
      if (this.seen.has(k)) continue
      this.seen.add(k)
      const h: IocHit = {indicator: indicator.value, type: indicator.type, source: indicator.source, field, value: matched, event_id: this.eventId}
      if (indicator.description) h.description = indicator.description
      this.hits.push(h)
    }
  }

  private visit(field: string, key: string, v: unknown, depth: number): void {
    if (typeof v === 'string') {
      if (v.length === 0) return
      if (this.isUserField(key)) {
        const u = this.userHits(v)
        if (u.length > 0) this.add(field, u)
      }
      if (v.length > 64) {
        if (this.done.has(v)) return
        this.done.add(v)
      }
      const r = this.valueHits(v)
      if (r.length > 0) this.add(field, r)
    } else if (typeof v === 'number') {
      // AnyDesk IDs and similar may arrive as numbers
      if (Number.isInteger(v) && v >= 1e8) {
        const r = this.valueHits(String(v))
        if (r.length > 0) this.add(field, r)
      }
    } else if (depth < 8 && Array.isArray(v)) {
      for (const x of v) this.visit(field, key, x, depth + 1)
    } else if (depth < 8 && v !== null && typeof v === 'object') {
      const o = v as Record<string, unknown>
      for (const k in o) this.visit(`${field}.${k}`, k, o[k], depth + 1)
    }
  }

  match(ev: NormalizedEvent): IocHit[] {
    if (this.index.size === 0) return []
    this.hits = []
    this.seen.clear()
    this.done.clear()
    this.eventId = ev.id
    const rec = ev as unknown as Record<string, unknown>
    for (const k in rec) {
      if (SKIP_TOP.has(k)) continue
      this.visit(k, k, rec[k], 0)
    }
    const attrs = ev.attributes
    if (attrs) {
      for (const k in attrs) {
        let f = this.attrField.get(k)
        if (f === undefined) {
          f = `attributes.${k}`
          if (this.attrField.size < 10_000) this.attrField.set(k, f)
        }
        this.visit(f, k, attrs[k], 0)
      }
    }
    if (ev.evidence && !this.seenMembers.has(ev.evidence.member)) {
      this.seenMembers.add(ev.evidence.member)
      if (typeof ev.evidence.member === 'string') this.add('evidence.member', this.valueHits(ev.evidence.member))
      if (typeof ev.evidence.sha256 === 'string') this.add('evidence.sha256', this.valueHits(ev.evidence.sha256))
    }
    if (typeof ev.message === 'string') this.visit('message', 'message', ev.message, 0)
    return this.hits
  }
}
