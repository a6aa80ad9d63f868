import type {Diagnostic} from '../core/diagnostics.js'

/** One stderr line per diagnostic, in the form every ratchet dump command uses. */
export function diagnosticLine(d: Diagnostic): string {
  const where = [d.record !== undefined ? `record ${d.record}` : '', d.offset !== undefined ? `offset ${d.offset}` : ''].filter(Boolean).join(', ')
  return `ratchet: ${d.severity} ${d.code}: ${d.message}${where ? ` (${where})` : ''}`
}
