import * as os from 'node:os'
import {Writable} from 'node:stream'
import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../../cli/base.js'
import {makesPartial} from '../../core/diagnostics.js'
import {ExitCode} from '../../core/exit-codes.js'
import type {DumpResult} from '../../parsers/evtx/dump.js'

export default class EvtxDump extends BaseCommand {
  static override summary = 'Dump the records of an EVTX file as JSON lines or XML'
  static override description =
    'Reads every chunk slot (stale headers are not trusted), reports damage as diagnostics on stderr and goes on. ' +
    'Exit code 3 when an error-severity diagnostic occurred or chunks the header declares are missing (a truncated copy), ' +
    '4 when the file is missing, a folder or not EVTX. ' +
    'With --json, records are not printed: the summary object (counts and diagnostics) is.'

  static override examples = ['<%= config.bin %> evtx dump Security.evtx > security.jsonl', '<%= config.bin %> evtx dump System.evtx --format xml --threads 4']

  static override args = {
    file: Args.string({description: 'EVTX file to read', required: true}),
  }

  static override flags = {
    format: Flags.string({description: 'output format', options: ['jsonl', 'xml'], default: 'jsonl'}),
    threads: Flags.integer({description: 'worker threads parsing chunks (default: available cores)', min: 1, max: 64}),
    carve: Flags.boolean({description: 'also recover records from unallocated chunk space (marked recovered)', default: false}),
  }

  async run(): Promise<DumpResult> {
    const {args, flags} = await this.parse(EvtxDump)
    const {dumpEvtx} = await import('../../parsers/evtx/dump.js')
    const format = flags.format === 'xml' ? 'xml' : 'jsonl'
    const threads = flags.threads ?? os.availableParallelism()
    const sink = this.jsonEnabled() ? new Writable({write: (_c, _e, cb) => cb()}) : process.stdout
    const result = await dumpEvtx(args.file, sink, {format, threads, carve: flags.carve})
    if (!this.jsonEnabled()) {
      for (const d of result.diagnostics) {
        const where = [d.chunk !== undefined ? `chunk ${d.chunk}` : '', d.record !== undefined ? `record ${d.record}` : '', d.offset !== undefined ? `offset ${d.offset}` : '']
          .filter(Boolean)
          .join(', ')
        this.logToStderr(`ratchet: ${d.severity} ${d.code}: ${d.message}${where ? ` (${where})` : ''}`)
      }
    }
    if (result.diagnostics.some(makesPartial)) this.setExitCode(ExitCode.PARTIAL)
    return result
  }
}
