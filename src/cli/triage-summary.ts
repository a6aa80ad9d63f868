import type {TriageResult} from '../triage/triage.js'

/** The terminal summary a triage ends with: top findings one line each, then where everything is. */
export function triageSummaryLines(r: TriageResult): string[] {
  const n = r.counts
  const out = [
    '',
    `ratchet triage: ${n.findings} finding(s) (${n.correlated_findings} part of an intrusion), ${n.sessions} remote session(s) (${n.suspicious_sessions} suspicious), ${n.ioc_hits} IOC hit(s), ${n.events} events`,
  ]
  for (const f of r.top_findings.slice(0, 10)) out.push(`  ${f.severity.toUpperCase().padEnd(8)} ${f.title}${f.correlated ? '' : '  (not linked to a suspicious session)'}`)
  if (r.top_findings.length > 10) out.push(`  … ${r.top_findings.length - 10} more in the report`)
  out.push(
    '',
    `archive   ${r.archive}`,
    `sha256    ${r.archive_sha256}  (verification: ${r.verification})`,
    `timeline  ${r.timeline}`,
    `report    ${r.report}`,
  )
  if (r.report_pdf) out.push(`pdf       ${r.report_pdf}`)
  if (r.blast_radius) {
    const b = r.blast_radius
    out.push(`blast     ${b.affected} of ${b.machines_total} customer machine(s) reached (${b.routine_only} saw only routine access): ${b.file}, ${b.csv}`)
  }
  return out
}
