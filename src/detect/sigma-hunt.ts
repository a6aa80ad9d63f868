import {existsSync} from 'node:fs'
import {join, resolve} from 'node:path'
import {diag, type Diagnostic} from '../core/diagnostics.js'
import {RatchetError} from '../core/errors.js'
import {sortedGroups} from '../core/collections.js'
import {compareEvents} from '../events/order.js'
import type {NormalizedEvent} from '../events/types.js'
import {artefactsDir} from './data-dir.js'
import {attr} from './event-util.js'
import {isEvent, MAX_RULE_EVENTS, pickLines, slim, streamLines} from './scan.js'
import {compileRuleSet, createMatcher, loadSigmaRules, normalizedEvent, type CompiledRuleSet, type RuleInfo, type SigmaMatcher, type SigmaRule, type SkippedRule} from './sigma/index.js'
import type {SigmaPart} from './sigma-range.js'
import type {Finding, Severity} from './types.js'

/**
 * Sigma in hunt: ratchet's own Sigma rules (artefacts/sigma/rules) and the analyst's (`--sigma`) run over
 * every event of events.jsonl — the Windows view (full EventData, System fields) of event-log events and the
 * `product: ratchet` view of all events. Hits are kept per rule and host, as the events themselves, so that
 * sigma-findings.ts can make one finding per rule per host and correlate it with the suspect sessions.
 */

export const sigmaRulesDir = (): string => join(artefactsDir(), 'sigma', 'rules')

export interface HuntSigma {
  /** The rules that run, as loaded: the scan's worker threads compile them again (same order, same indices). */
  rules: SigmaRule[]
  set: CompiledRuleSet
  /** Rules that could not be read, parsed or compiled, with the reason. */
  skipped: SkippedRule[]
}

/** Loads the built-in Sigma rules (unless `builtinDir` is '') plus the given files and folders, compiled once. */
export async function loadHuntSigma(paths: string[] = [], builtinDir: string = sigmaRulesDir()): Promise<HuntSigma> {
  // a rule path the analyst named that is not there is a usage error, not a rule to skip
  for (const p of paths) if (!existsSync(p)) throw new RatchetError('E_INPUT_MISSING', `--sigma ${p}: no such file or folder`, {path: p})
  const {rules: all, skipped} = await loadSigmaRules([...new Set([...(builtinDir ? [builtinDir] : []), ...paths].map((p) => resolve(p)))])
  // the same rule twice (a file named twice, or copied beside its original) would report twice, and a second
  // copy of a correlation's base rule would report on its own: the first one loaded runs
  const first = new Map<string, string>()
  const rules = all.filter((r) => {
    const seen = first.get(r.id)
    if (seen === undefined) {
      first.set(r.id, r.path)
      return true
    }
    skipped.push({path: r.path, id: r.id, title: r.title, reason: `same rule id as ${seen}, which runs`})
    return false
  })
  const set = compileRuleSet(rules)
  return {rules, set, skipped: [...skipped, ...set.skipped]}
}

/** One rule's matches: detection hits, or a correlation's groups; events kept (bounded), totals counted. */
export interface SigmaRuleHits {
  rule: RuleInfo
  correlation?: {type: string; groups: Record<string, string>[]}
  events: NormalizedEvent[]
  total: number
}

export interface SigmaResult {
  /** rule id → host → hits */
  byRule: Map<string, Map<string, SigmaRuleHits>>
  events: number
  diagnostics: Diagnostic[]
}

const ID_AT_START = /^\{"id":"([^"]+)"/
const ID_PREFIX = Buffer.from('{"id":"')

/**
 * ID_AT_START on a line's bytes, true when the id is one of `ids`: the id's bytes end at the first `"` (no
 * byte of a multi-byte UTF-8 character is one), so decoding them gives the text the pattern captures.
 */
const idIn =
  (ids: ReadonlyMap<string, unknown>) =>
  (buf: Buffer, start: number, end: number): boolean => {
    const from = start + ID_PREFIX.length
    if (end <= from || buf.compare(ID_PREFIX, 0, ID_PREFIX.length, start, from) !== 0) return false
    const q = buf.subarray(from, end).indexOf(0x22)
    return q > 0 && ids.has(buf.toString('utf8', from, from + q))
  }

/** Hits per rule and host as a sequential pass meets them: totals counted, events kept up to the bound. */
class SigmaHits {
  readonly byRule = new Map<string, Map<string, SigmaRuleHits>>()
  slot(rule: RuleInfo, host: string): SigmaRuleHits {
    const hosts = this.byRule.get(rule.id) ?? this.byRule.set(rule.id, new Map()).get(rule.id)!
    return hosts.get(host) ?? hosts.set(host, {rule, events: [], total: 0}).get(host)!
  }
  add(rule: RuleInfo, host: string, kept: NormalizedEvent | undefined): void {
    const s = this.slot(rule, host)
    s.total++
    if (s.events.length < MAX_RULE_EVENTS) s.events.push(kept!)
  }
}

/** Matches one whole event on this thread (the case host given to it first), as the general pass does. */
function matchHere(m: SigmaMatcher, hits: SigmaHits, v: NormalizedEvent, caseHost: string | undefined): void {
  if (!v.host && caseHost) v.host = caseHost
  const found = m.push(normalizedEvent(v))
  if (found.length === 0) return
  const kept = slim(v)
  for (const h of found) hits.add(h.rule, v.host ?? '', kept)
}

/**
 * The general path: streams events.jsonl through the matcher (one pass of its own), then evaluates the
 * correlations. Hunt runs it only when the scan could not match for it (see resolveSigma).
 */
export async function runSigma(eventsPath: string, sigma: HuntSigma, caseHost: string | undefined): Promise<SigmaResult> {
  const m = createMatcher(sigma.set)
  const hits = new SigmaHits()
  let events = 0
  await streamLines(eventsPath, (line) => {
    if (line.trim() === '') return
    let v: unknown
    try {
      v = JSON.parse(line)
    } catch {
      return // reported by the scan
    }
    if (!isEvent(v)) return
    if (!v.attributes || typeof v.attributes !== 'object') v.attributes = {}
    events++
    matchHere(m, hits, v, caseHost)
  })
  return finishSigma(eventsPath, m, hits, caseHost, events)
}

/**
 * The Sigma result from the scan's records (sigma-range.ts), equal to runSigma's: records in file order, the
 * case host given to events without one, the events whose match read that host matched again here, the
 * correlation inputs fed in file order. When such events were too many to keep, the general pass runs.
 */
export async function resolveSigma(eventsPath: string, sigma: HuntSigma, part: SigmaPart, caseHost: string | undefined, events: number): Promise<SigmaResult> {
  if (part.overflow && caseHost) return runSigma(eventsPath, sigma, caseHost)
  const m = createMatcher(sigma.set)
  const hits = new SigmaHits()
  const rules = sigma.set.rules
  for (const r of part.records) {
    if (r.again && caseHost) {
      matchHere(m, hits, r.again, caseHost)
      continue
    }
    const fill = r.hostless && caseHost !== undefined && caseHost !== ''
    for (const f of r.feeds) {
      if (fill) for (const e of f.input.events) e.computer = caseHost
      m.addFeed(f)
    }
    if (fill && r.ev) r.ev.host = caseHost
    for (const i of r.rules) hits.add(rules[i]!, (fill ? caseHost : r.host) as string, r.ev)
  }
  return finishSigma(eventsPath, m, hits, caseHost, events)
}

/**
 * Evaluates the correlation rules and reads back the events they grouped (a second pass over the lines whose
 * ids are wanted; only when a correlation fired); then each rule's events in event order, each once.
 */
async function finishSigma(eventsPath: string, m: SigmaMatcher, hits: SigmaHits, caseHost: string | undefined, events: number): Promise<SigmaResult> {
  const corr = m.finish()
  const diagnostics: Diagnostic[] = []
  if (corr.length > 0) {
    const wanted = new Map<string, NormalizedEvent | undefined>()
    for (const c of corr) for (const e of c.events) if (e.eventRef) wanted.set(e.eventRef, undefined)
    await pickLines(eventsPath, idIn(wanted), (line) => {
      const id = ID_AT_START.exec(line)![1]!
      try {
        const v: unknown = JSON.parse(line)
        if (isEvent(v)) {
          if (!v.host && caseHost) v.host = caseHost
          wanted.set(id, slim(v))
        }
      } catch {
        // reported by the scan
      }
    })
    for (const c of corr) {
      const evs = c.events.map((e) => (e.eventRef ? wanted.get(e.eventRef) : undefined)).filter((e): e is NormalizedEvent => e !== undefined)
      if (evs.length < c.events.length)
        diagnostics.push(diag('HUNT_SIGMA_CORRELATION_EVENTS', 'warning', `correlation rule ${c.rule.id}: ${c.events.length - evs.length} of its ${c.events.length} events could not be read back from events.jsonl`, {file: 'events.jsonl'}))
      for (const [host, list] of sortedGroups(evs, (e) => e.host ?? '')) {
        const s = hits.slot(c.rule, host)
        s.correlation ??= {type: c.type, groups: []}
        s.correlation.groups.push(c.group)
        s.total += list.length
        for (const e of list) if (s.events.length < MAX_RULE_EVENTS) s.events.push(e)
      }
    }
  }
  // an event two correlation groups share is listed once
  for (const hosts of hits.byRule.values()) for (const s of hosts.values()) s.events = [...new Map(s.events.map((e) => [e.id, e])).values()].sort(compareEvents)
  return {byRule: hits.byRule, events, diagnostics}
}

// ---- rule metadata → finding fields ----

const LEVELS: Record<string, Severity> = {critical: 'critical', high: 'high', medium: 'medium', low: 'low', informational: 'info'}

export const severityOfLevel = (level: string | undefined): Severity => LEVELS[level ?? ''] ?? 'medium'

/** `attack.t1543.003` → `T1543.003`; tactic tags (`attack.persistence`) are not technique ids. */
export function attackOfTags(tags: string[]): string[] {
  return [...new Set(tags.map((t) => /^attack\.(t\d{4}(?:\.\d{3})?)$/i.exec(t)?.[1]?.toUpperCase()).filter((x): x is string => !!x))].sort()
}

/** Sigma has no confidence: a rule's `status` says how much it has been tried. */
export function confidenceOfStatus(status: string | undefined): Finding['confidence'] {
  return status === 'stable' ? 'high' : status === 'test' ? 'medium' : 'low'
}

/** A finding's rule name for a Sigma rule: `sigma-<id>` in the characters finding ids use. */
export const sigmaRuleName = (id: string): string => `sigma-${id.toLowerCase().replace(/[^a-z0-9-]+/g, '-')}`

/** What a Sigma finding names: accounts, addresses, services, files, tools, from the usual fields. */
export function sigmaEntities(events: NormalizedEvent[]): Finding['entities'] {
  const pick = (keys: string[]): string[] =>
    events.flatMap((e) => keys.map((k) => attr(e, k)).filter((v): v is string => v !== undefined && v !== '-' && !v.endsWith('$')))
  return {
    accounts: [...pick(['TargetUserName']), ...events.map((e) => e.user).filter((u): u is string => !!u && !u.endsWith('$'))],
    addresses: [...pick(['IpAddress']), ...events.map((e) => e.src_ip).filter((a): a is string => !!a && a !== '-')],
    services: pick(['ServiceName', 'service_name']),
    files: [...pick(['ImagePath', 'ServiceFileName']), ...events.map((e) => e.file_name).filter((f): f is string => !!f)],
    tools: pick(['tool']),
  }
}
