import * as fs from 'node:fs'
import {join} from 'node:path'
import * as readline from 'node:readline'
import {CaseFiles} from '../../core/case-layout.js'
import {diag, type Diagnostic} from '../../core/diagnostics.js'
import {RatchetError, isRatchetError} from '../../core/errors.js'
import type {NormalizedEvent} from '../../events/types.js'
import {openEvtx} from '../../parsers/evtx/index.js'
import {loadSigmaRules} from './load.js'
import {compileRuleSet, createMatcher} from './matcher.js'
import {evtxRecordEvent, normalizedEvent} from './record.js'
import type {CorrelationHit, SigmaEventRef, SigmaHit, SigmaLevel, SkippedRule} from './types.js'

/**
 * `ratchet sigma`: runs Sigma rules over EVTX files, folders of them, or case folders (events.jsonl),
 * without a case. Inputs are read once, in order; every unreadable input is a diagnostic, never a silent gap.
 */

export interface SigmaScanOptions {
  inputs: string[]
  rules: string[]
  /** Worker threads parsing EVTX chunks. */
  threads?: number
  /** Called for every hit as it is found (writes --out). */
  onHit?: (hit: SigmaHit | CorrelationHit) => void
}

export interface RuleMatches {
  rule_id: string
  title: string
  level: SigmaLevel | null
  tags: string[]
  /** Matching records (for a correlation: the events its hits grouped). */
  count: number
  first: string | null
  last: string | null
  /** Correlation rules: the correlation type and how many groups fired. */
  correlation?: {type: string; hits: number}
  events: SigmaEventRef[]
}

export interface SigmaScanResult {
  rules_loaded: number
  rules_skipped: {path: string; reason: string}[]
  inputs: {path: string; kind: 'evtx' | 'events'; events: number; error?: string}[]
  events: number
  matches: RuleMatches[]
  diagnostics: Diagnostic[]
  /** Inputs that could not be read at all. */
  failed: number
}

const LEVEL_ORDER: Record<string, number> = {critical: 0, high: 1, medium: 2, low: 3, informational: 4}

interface Source {
  path: string
  kind: 'evtx' | 'events'
}

function listInputs(paths: string[], diagnostics: Diagnostic[]): Source[] {
  const out: Source[] = []
  const walk = (dir: string): void => {
    let names: fs.Dirent[]
    try {
      names = fs.readdirSync(dir, {withFileTypes: true}).sort((a, b) => (a.name < b.name ? -1 : 1))
    } catch (e) {
      diagnostics.push(diag('SIGMA_INPUT_UNREADABLE', 'error', `cannot list ${dir}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, {file: dir}))
      return
    }
    for (const d of names) {
      const p = join(dir, d.name)
      if (d.isDirectory()) walk(p)
      else if (d.isFile() && /\.evtx$/i.test(d.name)) out.push({path: p, kind: 'evtx'})
    }
  }
  for (const p of paths) {
    let st: fs.Stats
    try {
      st = fs.statSync(p)
    } catch (e) {
      diagnostics.push(diag('SIGMA_INPUT_MISSING', 'error', `cannot read ${p}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, {file: p}))
      continue
    }
    if (st.isDirectory()) {
      // A case folder is read through its normalized events; anything else is searched for .evtx files.
      const events = join(p, CaseFiles.events)
      if (fs.existsSync(events)) out.push({path: events, kind: 'events'})
      else walk(p)
    } else {
      out.push({path: p, kind: /\.jsonl$/i.test(p) ? 'events' : 'evtx'})
    }
  }
  return out
}

async function* eventsJsonl(path: string, diagnostics: Diagnostic[]): AsyncIterable<NormalizedEvent> {
  const rl = readline.createInterface({input: fs.createReadStream(path), crlfDelay: Infinity})
  let line = 0
  for await (const text of rl) {
    line++
    if (!text.trim()) continue
    try {
      yield JSON.parse(text) as NormalizedEvent
    } catch {
      diagnostics.push(diag('SIGMA_EVENT_UNPARSED', 'error', 'line is not a JSON event', {file: path, line}))
    }
  }
}

export async function runSigmaScan(opts: SigmaScanOptions): Promise<SigmaScanResult> {
  for (const r of opts.rules) {
    if (!fs.existsSync(r)) throw new RatchetError('E_USAGE', `--rules ${r}: no such file or directory`, {path: r})
  }
  const loaded = await loadSigmaRules(opts.rules)
  const set = compileRuleSet(loaded.rules)
  const skipped: SkippedRule[] = [...loaded.skipped, ...set.skipped]
  if (set.rules.length === 0) throw new RatchetError('E_USAGE', `no runnable Sigma rule in ${opts.rules.join(', ')} (${skipped.length} skipped)`, {skipped: skipped.length})
  const diagnostics: Diagnostic[] = []
  const sources = listInputs(opts.inputs, diagnostics)
  let failed = diagnostics.length
  const matcher = createMatcher(set)
  const byRule = new Map<string, RuleMatches>()
  const entry = (hit: SigmaHit | CorrelationHit): RuleMatches => {
    let m = byRule.get(hit.rule.id)
    if (!m) byRule.set(hit.rule.id, (m = {rule_id: hit.rule.id, title: hit.rule.title, level: hit.rule.level ?? null, tags: hit.rule.tags, count: 0, first: null, last: null, events: []}))
    return m
  }
  const addEvent = (m: RuleMatches, e: SigmaEventRef): void => {
    m.count++
    m.events.push(e)
    const t = e.timeCreated
    if (t) {
      if (m.first === null || t < m.first) m.first = t
      if (m.last === null || t > m.last) m.last = t
    }
  }
  const onHits = (hits: SigmaHit[]): void => {
    for (const h of hits) {
      addEvent(entry(h), h.event)
      opts.onHit?.(h)
    }
  }
  const inputs: SigmaScanResult['inputs'] = []
  for (const src of sources) {
    const before = matcher.events
    try {
      if (src.kind === 'evtx') {
        const reader = openEvtx(src.path, {threads: opts.threads})
        for await (const rec of reader.records()) onHits(matcher.push(evtxRecordEvent(rec, src.path)))
        for (const d of reader.diagnostics) diagnostics.push({...d, file: d.file ?? src.path})
      } else {
        for await (const ev of eventsJsonl(src.path, diagnostics)) onHits(matcher.push(normalizedEvent(ev)))
      }
      inputs.push({path: src.path, kind: src.kind, events: matcher.events - before})
    } catch (e) {
      if (!isRatchetError(e) && !(e as NodeJS.ErrnoException).code) throw e
      const message = e instanceof Error ? e.message : String(e)
      failed++
      inputs.push({path: src.path, kind: src.kind, events: matcher.events - before, error: message})
      diagnostics.push(diag(isRatchetError(e) ? e.code : 'SIGMA_INPUT_UNREADABLE', 'error', message, {file: src.path}))
    }
  }
  for (const c of matcher.finish()) {
    const m = entry(c)
    m.correlation = {type: c.type, hits: (m.correlation?.hits ?? 0) + 1}
    for (const e of c.events) addEvent(m, e)
    opts.onHit?.(c)
  }
  const matches = [...byRule.values()].sort((a, b) => (LEVEL_ORDER[a.level ?? ''] ?? 5) - (LEVEL_ORDER[b.level ?? ''] ?? 5) || b.count - a.count || a.title.localeCompare(b.title))
  return {
    rules_loaded: set.rules.length,
    rules_skipped: skipped.map((s) => ({path: s.path, reason: s.reason})),
    inputs,
    events: matcher.events,
    matches,
    diagnostics,
    failed,
  }
}
