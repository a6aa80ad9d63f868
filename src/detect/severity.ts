import type {Severity} from './types.js'

/** The one severity order, most serious first: findings, summaries and triage all sort by it. */
export const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'info']

export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s)
}

/** One level less serious (low and info stay): used for the records of a rule that no suspicious session explains. */
export function lowerSeverity(s: Severity): Severity {
  return s === 'critical' ? 'high' : s === 'high' ? 'medium' : s === 'medium' ? 'low' : s
}
