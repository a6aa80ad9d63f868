import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../../cli/base.js'
import {ExitCode} from '../../core/exit-codes.js'
import type {ListSummary} from '../../ntfs/list.js'

export default class NtfsLs extends BaseCommand {
  static override summary = 'List every file of an NTFS volume inside an image, with its MFT reference and $SI/$FN times'
  static override description =
    'Reads the volume straight from a raw volume or disk (MBR/GPT), an E01, VHDX or VHD image; no mount. Deleted entries and orphans ' +
    '(under /$OrphanFiles) are included. --format bodyfile writes the Sleuth Kit 3.x body format as `fls -r -m /` does ' +
    '(documented differences in the README); jsonl writes one object per name with both sets of MACB times. ' +
    'Damage goes to stderr as diagnostics; exit code 3 when some records were unusable, 4 when there is no NTFS volume.'

  static override examples = ['<%= config.bin %> ntfs ls disk.E01 > disk.body', '<%= config.bin %> ntfs ls disk.raw --partition 2 --format jsonl --deleted']

  static override args = {
    image: Args.string({description: 'raw volume or disk, E01, VHDX or VHD image', required: true}),
  }

  static override flags = {
    partition: Flags.integer({description: 'partition number (as mmls / Linux count them); default: the only NTFS partition', min: 1}),
    offset: Flags.integer({description: 'byte offset of the volume inside the image (instead of the partition table)', min: 0}),
    deleted: Flags.boolean({description: 'only deleted entries', default: false}),
    format: Flags.string({description: 'output format', options: ['bodyfile', 'jsonl'], default: 'bodyfile'}),
  }

  async run(): Promise<ListSummary> {
    const {args, flags} = await this.parse(NtfsLs)
    const {openNtfsVolume} = await import('../../ntfs/open-volume.js')
    const {listNames} = await import('../../ntfs/list.js')
    const {untilPipeCloses, writeAllSync} = await import('../../ntfs/output.js')
    const {diagnosticLine} = await import('../../ntfs/report.js')
    const opened = openNtfsVolume(args.image, {partition: flags.partition, offset: flags.offset})
    try {
      const vol = opened.volume
      const write = this.jsonEnabled() ? () => {} : (c: string) => writeAllSync(1, c)
      const summary = untilPipeCloses(
        () =>
          listNames(vol.mft, flags.format === 'jsonl' ? 'jsonl' : 'bodyfile', write, {
            deletedOnly: flags.deleted,
            directoryIndex: (n) => vol.indexedEntries(n),
            file: args.image,
          }),
        () => ({records: vol.mft.count, lines: 0, deleted: 0, orphans: 0, diagnostics: []}),
      )
      summary.diagnostics.unshift(...opened.diagnostics)
      if (!this.jsonEnabled()) for (const d of summary.diagnostics) this.logToStderr(diagnosticLine(d))
      if (summary.diagnostics.some((d) => d.severity === 'error')) this.setExitCode(ExitCode.PARTIAL)
      return summary
    } finally {
      opened.close()
    }
  }
}
