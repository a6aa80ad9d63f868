import {Args} from '@oclif/core'
import {BaseCommand} from '../../cli/base.js'
import {RatchetError, errorMessage} from '../../core/errors.js'
import {ExitCode} from '../../core/exit-codes.js'
import type {UsnWalkResult} from '../../parsers/ntfs/usn.js'

export default class UsnDump extends BaseCommand {
  static override summary = 'Dump a $UsnJrnl:$J change journal as JSON lines'
  static override description =
    'Reads USN_RECORD_V2, V3 and V4 records; the sparse leading region and page padding are skipped; reasons are decoded ' +
    '(FILE_CREATE, RENAME_NEW_NAME, FILE_DELETE, …). Bytes that are neither zero nor a valid record are reported as ' +
    'diagnostics on stderr with their offsets (exit code 3).'

  static override examples = ['<%= config.bin %> usn dump \'$J\' > usn.jsonl']

  static override args = {
    file: Args.string({description: 'the $J stream, extracted', required: true}),
  }

  async run(): Promise<UsnWalkResult> {
    const {args} = await this.parse(UsnDump)
    const {FileSource} = await import('../../parsers/image/file-source.js')
    const {walkUsn} = await import('../../parsers/ntfs/usn.js')
    const {untilPipeCloses, writeAllSync} = await import('../../ntfs/output.js')
    const {diagnosticLine} = await import('../../ntfs/report.js')
    let src: InstanceType<typeof FileSource>
    try {
      src = new FileSource(args.file)
    } catch (err) {
      throw new RatchetError('E_INPUT_MISSING', `cannot open ${args.file}: ${errorMessage(err)}`, {file: args.file})
    }
    try {
      let buf = ''
      const json = this.jsonEnabled()
      const walk = (): UsnWalkResult => walkUsn(
        src,
        (r) => {
          if (json) return
          buf += JSON.stringify(r) + '\n'
          if (buf.length > 256 * 1024) {
            writeAllSync(1, buf)
            buf = ''
          }
        },
        args.file,
      )
      const result = untilPipeCloses(
        () => {
          const r = walk()
          if (buf) writeAllSync(1, buf)
          return r
        },
        () => ({records: 0, zeroBytes: 0, garbageBytes: 0, diagnostics: []}),
      )
      if (!json) for (const d of result.diagnostics) this.logToStderr(diagnosticLine(d))
      if (result.garbageBytes > 0) this.setExitCode(ExitCode.PARTIAL)
      return result
    } finally {
      src.close()
    }
  }
}
