import {Writable} from 'node:stream'
import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../../cli/base.js'
import {ExitCode} from '../../core/exit-codes.js'
import type {RegistryDumpResult} from '../../parsers/regf/dump-file.js'

export default class RegistryDump extends BaseCommand {
  static override summary = 'Dump the keys and values of a registry hive (regf) as JSON lines or a .reg export'
  static override description =
    'Transaction logs beside the hive (<hive>.LOG1, .LOG2, .LOG, any case) are replayed in memory when the hive is dirty; ' +
    'the files are only read. Damage is reported as diagnostics on stderr and the walk goes on. ' +
    'Exit code 3 when an error-severity diagnostic occurred, 4 when the file is missing or not a hive.'

  static override examples = [
    '<%= config.bin %> registry dump SYSTEM > system.jsonl',
    '<%= config.bin %> registry dump NTUSER.DAT --deleted',
    '<%= config.bin %> registry dump SAM --no-logs --format reg > sam.reg',
  ]

  static override args = {
    hive: Args.string({description: 'hive file to read', required: true}),
  }

  static override flags = {
    log: Flags.string({description: 'transaction log to apply (repeatable; replaces discovery beside the hive)', multiple: true}),
    'no-logs': Flags.boolean({description: 'read the primary file as it is, without replaying logs', default: false}),
    deleted: Flags.boolean({description: 'also carve deleted keys and values from unallocated cells (marked deleted)', default: false}),
    format: Flags.string({description: 'output format', options: ['jsonl', 'reg'], default: 'jsonl'}),
    prefix: Flags.string({description: 'key prefix for --format reg', default: 'HKEY_LOCAL_MACHINE\\HIVE'}),
  }

  async run(): Promise<RegistryDumpResult> {
    const {args, flags} = await this.parse(RegistryDump)
    const {dumpRegistryFile} = await import('../../parsers/regf/dump-file.js')
    const sink = this.jsonEnabled() ? new Writable({write: (_c, _e, cb) => cb()}) : process.stdout
    const result = await dumpRegistryFile(args.hive, sink, {
      format: flags.format === 'reg' ? 'reg' : 'jsonl',
      logs: flags.log,
      noLogs: flags['no-logs'],
      deleted: flags.deleted,
      prefix: flags.prefix,
    })
    for (const d of result.diagnostics) {
      this.warnLine(`ratchet: ${d.severity} ${d.code}: ${d.message}${d.offset !== undefined ? ` (offset ${d.offset})` : ''}${d.file && d.file !== args.hive ? ` [${d.file}]` : ''}`)
    }
    if (result.errors > 0) this.setExitCode(ExitCode.PARTIAL)
    return result
  }
}
