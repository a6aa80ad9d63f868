import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../cli/base.js'
import {ExitCode} from '../core/exit-codes.js'
import {caseInputs, refuseWritingOnInputs, requireFileOrAbsent} from '../core/output-guard.js'
import {TIMELINE_FORMATS, type TimelineFormat} from '../timeline/columns.js'
import type {TimelineResult} from '../timeline/write.js'

export default class Timeline extends BaseCommand {
  static override summary = 'Write the case timeline as CSV or JSONL (ratchet or Timesketch columns)'
  static override description = `Reads <case-dir>/events.jsonl (written by ratchet analyze) and streams it into one file.
All times are UTC; --tz adds a local_time column. CSV cells that a spreadsheet would run as a formula
(starting with = + - @, tab or CR) are prefixed with ' and no cell spans lines. The timesketch-* formats
import into Timesketch without header mapping (message, datetime, timestamp_desc, timestamp first).
Reruns on the same input give byte-identical files.`

  static override examples = [
    '<%= config.bin %> timeline case',
    '<%= config.bin %> timeline case --format timesketch-csv --from 2023-10-28 --to 2023-11-08',
    "<%= config.bin %> timeline case --type 'remote_access.*' --type 'account.*' --tz America/Chicago --out remote.csv",
  ]

  static override args = {
    caseDir: Args.string({description: 'case folder (holds events.jsonl)', required: true}),
  }

  static override flags = {
    format: Flags.string({description: 'output format', options: [...TIMELINE_FORMATS], default: 'csv'}),
    from: Flags.string({description: 'keep events at or after this time (ISO-8601; a bare date is midnight UTC)'}),
    to: Flags.string({description: 'keep events at or before this time (a bare date includes that whole day, UTC)'}),
    type: Flags.string({description: 'keep event types matching this glob (repeatable; e.g. remote_access.*)', multiple: true}),
    tz: Flags.string({description: 'IANA time zone for an added local_time column (e.g. America/Chicago)'}),
    out: Flags.string({description: 'output file (default <case-dir>/timeline.ratchet.csv, timeline.jsonl, timeline.timesketch.csv/.jsonl)'}),
  }

  async run(): Promise<TimelineResult> {
    const {args, flags} = await this.parse(Timeline)
    const {writeTimeline} = await import('../timeline/write.js')
    requireFileOrAbsent('--out', flags.out)
    refuseWritingOnInputs([{what: '--out', path: flags.out}], caseInputs(args.caseDir))
    const result = await writeTimeline({
      caseDir: args.caseDir,
      format: flags.format as TimelineFormat,
      from: flags.from,
      to: flags.to,
      types: flags.type,
      tz: flags.tz,
      out: flags.out,
    })
    this.say(`timeline: ${result.events_written} of ${result.events_read} events → ${result.file}`)
    this.say(`sha256: ${result.sha256}`)
    if (result.bad_lines > 0 || result.out_of_order > 0) {
      for (const d of result.diagnostics.slice(0, 10)) this.warnLine(`  ${d.severity} ${d.code} line ${d.line ?? '?'}: ${d.message}`)
      this.warnLine(`timeline: ${result.bad_lines} unreadable line(s), ${result.out_of_order} out of order — see --json diagnostics`)
      this.setExitCode(ExitCode.PARTIAL)
    }
    return result
  }
}
