import {join} from 'node:path'

/**
 * File names inside a case folder. Each stage reads what the previous one wrote, so these names are the
 * contract between stages (and between ratchet versions: never rename one).
 */
export const CaseFiles = {
  evidenceDir: 'evidence',
  verify: 'verify.json',
  events: 'events.jsonl',
  analysis: 'analysis.json',
  findings: 'findings.json',
  sessions: 'sessions.json',
  blastRadius: 'blast-radius.json',
  affectedMachines: 'affected-machines.csv',
  timelineCsv: 'timeline.csv',
  timelineJsonl: 'timeline.jsonl',
  report: 'report.html',
  reportPdf: 'report.pdf',
  triageState: 'triage-state.json',
} as const

export function casePath(caseDir: string, name: keyof typeof CaseFiles): string {
  return join(caseDir, CaseFiles[name])
}
