import {createHash} from 'node:crypto'
import {compareEvents} from '../events/order.js'
import {datedReliably} from './event-util.js'
import {severityRank} from './severity.js'
import type {Finding, FindingInput} from './types.js'
import {correlationSentence, moreEvents} from './wording.js'

/** A finding lists at most this many events (the rationale says how many there were). */
export const MAX_EVENTS_PER_FINDING = 1000

export function stableId(rule: string, parts: string[]): string {
  return `${rule}:${createHash('sha256').update([rule, ...parts].join('\u0000')).digest('hex').slice(0, 16)}`
}

export function uniqSorted(xs: (string | undefined)[]): string[] {
  return [...new Set(xs.filter((x): x is string => typeof x === 'string' && x !== ''))].sort()
}

/** The one way a finding is made: stable id, events in time order (bounded), rationale = facts, then why it matters. */
export function makeFinding(f: FindingInput): Finding {
  const events = f.events.slice().sort(compareEvents)
  const kept = events.slice(0, MAX_EVENTS_PER_FINDING)
  // first/last seen are UTC instants: a host-local time in an unknown zone only when nothing else dates it
  const reliable = events.filter(datedReliably)
  const dated = reliable.length > 0 ? reliable : events
  const first = dated[0]
  const last = dated[dated.length - 1]
  const entities: Finding['entities'] = {}
  for (const [k, v] of Object.entries(f.entities) as [keyof Finding['entities'], string[] | undefined][]) {
    const u = uniqSorted(v ?? [])
    if (u.length > 0) entities[k] = u
  }
  const finding: Finding = {
    id: stableId(f.rule.id, [f.host ?? '', ...f.key]),
    rule: f.rule.id,
    title: f.title ?? f.rule.title,
    severity: f.severity ?? f.rule.severity,
    confidence: f.confidence ?? f.rule.confidence,
    attack: [...f.rule.attack],
    // what was seen on this computer first, then why that kind of thing matters
    rationale: [f.facts, correlationSentence(f.near), f.followUp ?? '', f.rule.rationale.trim(), moreEvents(kept.length, events.length)].filter((x) => x !== '').join(' '),
    first_seen: first?.datetime ?? f.firstSeen ?? '',
    last_seen: last?.datetime ?? f.lastSeen ?? f.firstSeen ?? '',
    event_ids: kept.map((e) => e.id),
    session_ids: uniqSorted(f.near.map((n) => n.session.session.id)),
    ioc_hits: (f.iocHits ?? []).slice(0, MAX_EVENTS_PER_FINDING),
    entities,
    correlated: f.correlated,
  }
  if (f.host) finding.host = f.host
  return finding
}

/** By first seen, then severity (most serious first), then id: deterministic. */
export function sortFindings(fs: Finding[]): Finding[] {
  return fs.sort(
    (a, b) =>
      (a.first_seen < b.first_seen ? -1 : a.first_seen > b.first_seen ? 1 : 0) ||
      severityRank(a.severity) - severityRank(b.severity) ||
      (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  )
}
