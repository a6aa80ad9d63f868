import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../../cli/base.js'
import {ExitCode} from '../../core/exit-codes.js'
import type {ListSummary} from '../../ntfs/list.js'

export default class MftDump extends BaseCommand {
  static override summary = 'Dump a standalone $MFT file (collected by KAPE, Velociraptor, icat, …) as JSON lines or bodyfile'
  static override description =
    'One line per file name: path (rebuilt from parent references with sequence checks; broken chains under /$OrphanFiles), ' +
    'MFT entry and sequence, deleted flag, $STANDARD_INFORMATION and $FILE_NAME MACB times, streams. The record size is read ' +
    'from the first record header (1 KiB or 4 KiB). Unusable records (BAAD, bad signature, torn writes) are diagnostics on ' +
    'stderr; exit code 3 when there were any.'

  static override examples = ['<%= config.bin %> mft dump $MFT > mft.jsonl', '<%= config.bin %> mft dump $MFT --format bodyfile > mft.body']

  static override args = {
    file: Args.string({description: 'the $MFT file', required: true}),
  }

  static override flags = {
    format: Flags.string({description: 'output format', options: ['jsonl', 'bodyfile'], default: 'jsonl'}),
    deleted: Flags.boolean({description: 'only deleted entries', default: false}),
  }

  async run(): Promise<ListSummary> {
    const {args, flags} = await this.parse(MftDump)
    const {openMftFile} = await import('../../ntfs/open-mft.js')
    const {listNames} = await import('../../ntfs/list.js')
    const {untilPipeCloses, writeAllSync} = await import('../../ntfs/output.js')
    const {diagnosticLine} = await import('../../ntfs/report.js')
    const {mft, close} = openMftFile(args.file)
    try {
      const write = this.jsonEnabled() ? () => {} : (c: string) => writeAllSync(1, c)
      const summary = untilPipeCloses(
        () => listNames(mft, flags.format === 'bodyfile' ? 'bodyfile' : 'jsonl', write, {deletedOnly: flags.deleted, file: args.file}),
        () => ({records: mft.count, lines: 0, deleted: 0, orphans: 0, diagnostics: []}),
      )
      if (!this.jsonEnabled()) for (const d of summary.diagnostics) this.logToStderr(diagnosticLine(d))
      if (summary.diagnostics.some((d) => d.severity === 'error')) this.setExitCode(ExitCode.PARTIAL)
      return summary
    } finally {
      close()
    }
  }
}
