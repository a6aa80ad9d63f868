import {diag, type Diagnostic} from '../core/diagnostics.js'
import {compareEvents} from '../events/order.js'
import type {Correlator} from './correlate.js'
import {makeFinding} from './finding.js'
import {severityRank} from './severity.js'
import {attackOfTags, confidenceOfStatus, severityOfLevel, sigmaEntities, sigmaRuleName, type SigmaResult} from './sigma-hunt.js'
import type {Finding, Near, Severity} from './types.js'
import {DURING_SESSION_NOTE, example, sigmaCorrelationFacts, sigmaGroupLabel, sigmaRationale, when} from './wording.js'

/**
 * Sigma matches → findings: one per rule per host with all its events (never one per event), severity from
 * `level`, ATT&CK from `tags`, the rule's description and references in the rationale, correlated with the
 * suspect sessions like every finding. A rule may name a built-in (`ratchet: {builtin: <name>}`) for what
 * Sigma cannot say; the built-ins are the small registry below.
 */

/**
 * A built-in a Sigma rule names: either a verdict Sigma cannot express (given where the events lie against
 * the suspect sessions), or `reportedBy`: the records are reported by a code built-in that knows more (the
 * account built-in joins name and SID, knows Windows' own accounts and which session an account was made
 * in), so the rule makes no finding of its own.
 */
export type SigmaBuiltin = {verdict: (near: Near[], severity: Severity) => {severity: Severity; note: string}} | {reportedBy: string}

const atLeast = (s: Severity, floor: Severity): Severity => (severityRank(s) <= severityRank(floor) ? s : floor)

export const SIGMA_BUILTINS: Record<string, SigmaBuiltin> = {
  /** The rule is a lead on its own; during or right after a suspicious session it is part of the intrusion. */
  'during-suspicious-session': {verdict: (near, severity) => (near.length > 0 ? {severity: atLeast(severity, 'high'), note: DURING_SESSION_NOTE} : {severity, note: ''})},
  /** Account created / enabled / made privileged: one finding per account by accounts.ts (builtins.ts `account-change-*`). */
  'account-change': {reportedBy: 'accounts.ts'},
  /**
   * More than one ScreenConnect instance: builtins.ts correlates only the later instances' first appearance
   * with sessions, never the original instance's routine sessions.
   */
  'multiple-screenconnect-instances': {reportedBy: 'builtins.ts'},
}

/**
 * `dataRules`: ids of ratchet's data rules (artefacts/rules) loaded in this hunt. A Sigma rule naming one of
 * them as its built-in is reported by that rule, which groups per subject (service, instance) and tells the
 * records outside the suspicious sessions apart (an administrator's log clear weeks before the intruder's).
 */
export function sigmaFindings(result: SigmaResult, c: Correlator, hitEventIds: Set<string>, diagnostics: Diagnostic[], dataRules: Set<string> = new Set()): Finding[] {
  const out: Finding[] = []
  const unknown = new Set<string>()
  for (const hosts of result.byRule.values())
    for (const [host, h] of [...hosts.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      if (h.events.length === 0) continue
      const r = h.rule
      if (r.builtin && dataRules.has(r.builtin)) continue
      const builtin = r.builtin ? SIGMA_BUILTINS[r.builtin] : undefined
      if (r.builtin && !builtin) unknown.add(`${r.id}|${r.builtin}`)
      if (builtin && 'reportedBy' in builtin) continue
      const near = c.nearAll(h.events)
      const base = severityOfLevel(r.level)
      const verdict = builtin ? builtin.verdict(near, base) : {severity: base, note: ''}
      const label = h.correlation ? sigmaGroupLabel(h.correlation.groups) : ''
      out.push(
        makeFinding({
          rule: {
            id: sigmaRuleName(r.id),
            title: r.title,
            severity: base,
            confidence: confidenceOfStatus(r.status),
            attack: attackOfTags(r.tags),
            rationale: sigmaRationale(r),
            kind: 'match',
            group_by: [],
            entities: {},
            correlate: true,
          },
          key: [],
          host: host || undefined,
          events: h.events,
          near,
          correlated: near.length > 0 || h.events.some((e) => hitEventIds.has(e.id)),
          title: `${r.title}${label ? `: ${label}` : ''}`,
          severity: verdict.severity,
          facts: [
            when(h.events),
            h.correlation ? sigmaCorrelationFacts(h.correlation.type, h.correlation.groups, h.total) : example(h.events.slice().sort(compareEvents)[0]),
            h.total > h.events.length ? `${h.total} matches in all.` : '',
          ]
            .filter(Boolean)
            .join(' '),
          followUp: verdict.note,
          entities: sigmaEntities(h.events),
        }),
      )
    }
  for (const u of [...unknown].sort()) {
    const [id, name] = u.split('|')
    diagnostics.push(diag('HUNT_SIGMA_UNKNOWN_BUILTIN', 'warning', `Sigma rule ${id} names the built-in "${name}", which ratchet does not have: it ran as a plain Sigma rule`))
  }
  return out
}
