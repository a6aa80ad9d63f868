import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../cli/base.js'
import type {ReportResult} from '../report/generate.js'
import {caseInputs, refuseWritingOnInputs, requireFileOrAbsent} from '../core/output-guard.js'

export default class Report extends BaseCommand {
  static override summary = 'Write the self-contained HTML case report (and a PDF with --pdf)'
  static override description = `Builds report.html from a case folder analysed by ratchet analyze (and hunted by ratchet hunt):
cover, executive summary in plain language, recommended actions, findings, remote sessions, key timeline,
evidence integrity, and chain of custody. One HTML file with inline CSS and SVG: it loads nothing from the
network and needs no JavaScript to read. --pdf prints it with a locally installed Chromium/Chrome/Edge
(RATCHET_CHROMIUM overrides the path); without one it exits 7 after writing the HTML.
Set SOURCE_DATE_EPOCH to fix the recorded generation time (reproducible output).`

  static override examples = [
    '<%= config.bin %> report case',
    "<%= config.bin %> report case --pdf --classification 'Privileged & Confidential — prepared at the direction of counsel'",
  ]

  static override args = {
    caseDir: Args.string({description: 'case folder (events.jsonl, analysis.json, findings.json, sessions.json)', required: true}),
  }

  static override flags = {
    out: Flags.string({description: 'output HTML file (default <case-dir>/report.html)'}),
    pdf: Flags.boolean({description: 'also print a PDF beside the HTML with headless Chromium', default: false}),
    title: Flags.string({description: 'report title (default "Incident report — <case id>")'}),
    classification: Flags.string({description: 'classification marking shown on the cover and every printed page', default: 'Confidential'}),
  }

  async run(): Promise<ReportResult> {
    const {args, flags} = await this.parse(Report)
    const {generateReport} = await import('../report/generate.js')
    requireFileOrAbsent('--out', flags.out)
    refuseWritingOnInputs([{what: '--out', path: flags.out}], caseInputs(args.caseDir))
    const result = await generateReport({
      caseDir: args.caseDir,
      out: flags.out,
      pdf: flags.pdf,
      title: flags.title,
      classification: flags.classification,
      commandLine: ['ratchet', 'report', ...this.argv],
    })
    this.say(`report: ${result.file}`)
    this.say(`  ${result.findings} findings, ${result.sessions} sessions, ${result.events} events; evidence ${result.unverified ? 'NOT VERIFIED' : result.verification}`)
    this.say(`  report fingerprint (cover): ${result.report_hash}`)
    if (result.pdf) this.say(`pdf: ${result.pdf}`)
    for (const n of result.notes) this.warnLine(`  note: ${n}`)
    if (result.unverified) this.warnLine('  warning: the evidence failed verification; the report says so on its cover')
    return result
  }
}
