/**
 * ratchet's Sigma engine: public API (stable; hunt/triage and `ratchet sigma` use only this file).
 *
 *   const {rules, skipped} = await loadSigmaRules([ratchetSigmaRulesDir(), 'rules/windows'])   // YAML → typed rules
 *   const set = compileRuleSet(rules)        // compiled once, indexed by channel + event id ({lazy: true}: built on first use)
 *   // set.skipped: rules that parse but cannot run here (unsupported modifier, unmapped logsource…)
 *   const m = createMatcher(set)
 *   for (const rec of evtxRecords) hits.push(...m.push(evtxRecordEvent(rec, file)))      // raw EVTX
 *   for (const ev of normalizedEvents) hits.push(...m.push(normalizedEvent(ev)))           // events.jsonl
 *   const correlated = m.finish()            // correlation rule hits (event_count, value_count, temporal…)
 *
 * A SigmaHit names the rule (id, title, level, tags, references, falsepositives, description, path, and
 * `builtin` when the rule names a code-side check via `ratchet: {builtin: …}`) and
 * the event (file or archive member, recordId, timeCreated, eventId, computer, and `eventRef` = the
 * normalized event id when it came from events.jsonl). A CorrelationHit names its own rule, the group-by
 * values and every event it grouped. Rules referenced by a correlation report only through it unless the
 * correlation says `generate: true`.
 *
 * Logsources: `product: windows` (service → channels, category → Sysmon and built-in event ids with field
 * renames) comes from artefacts/sigma/logsources.yaml; `product: ratchet` runs over normalized events with
 * their own field names (`event_type`, `user`, `src_ip`, `attributes.<name>`…) and `service:` = the event's
 * source family lower-cased (`screenconnect`, `anydesk`, `evtx`, `volatile`, …).
 */
export {loadSigmaRules, ratchetSigmaRulesDir, type LoadOptions} from './load.js'
export {parseSigmaYaml} from './parse.js'
export {compileRuleSet, createMatcher, type CompiledRuleSet, type CompileOptions, type CorrelationFeedInput, type MatcherOptions, type SigmaMatcher} from './matcher.js'
export {evtxRecordEvent, normalizedEvent} from './record.js'
export {defaultLogsourceMap, parseLogsourceMap, LogsourceMapSchema, type LogsourceMap} from './logsources.js'
export {SUPPORTED_MODIFIERS} from './values.js'
export type {
  CorrelationHit,
  RuleInfo,
  SigmaCorrelationRule,
  SigmaDetectionRule,
  SigmaEvent,
  SigmaEventRef,
  SigmaHit,
  SigmaLevel,
  SigmaRule,
  SkippedRule,
} from './types.js'
