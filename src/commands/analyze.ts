import {Args, Flags} from '@oclif/core'
import type {AnalyzeResult} from '../analyze/index.js'
import {BaseCommand} from '../cli/base.js'
import {abortOnSignals} from '../cli/interrupt.js'
import {ExitCode} from '../core/exit-codes.js'
import {refuseWritingOnInputs, requireDirOrAbsent} from '../core/output-guard.js'

export default class Analyze extends BaseCommand {
  static override summary = 'Parse every artefact of an evidence archive or folder into normalized events'
  static override description = `Reads a ratchet evidence archive (.zip/.7z, verified first), an extracted collection folder (has manifest.json; every hash is checked) or a mounted image folder, and writes events.jsonl (sorted, byte-identical on rerun) and analysis.json into the case folder.

Exit codes: 0 clean; 3 some input was damaged or missing, nothing matched, or the evidence failed verification and --allow-unverified analysed it anyway; 2 bad flags (--out on or inside the input); 4 unusable input; 5 verification failed (without --allow-unverified); 130 interrupted.`
  static override examples = [
    '<%= config.bin %> analyze evidence.zip --out case',
    '<%= config.bin %> analyze /mnt/image --out case --json',
  ]
  static override args = {
    input: Args.string({description: 'evidence archive (.zip/.7z) or directory (extracted collection or mounted image)', required: true}),
  }
  static override flags = {
    out: Flags.string({description: 'case folder to write events.jsonl and analysis.json into', required: true}),
    'password-file': Flags.string({description: 'file holding the archive password (first line)'}),
    'allow-unverified': Flags.boolean({description: 'analyze even when verification fails; every output is marked unverified', default: false}),
    'mft-all-files': Flags.boolean({description: 'map every file of a collected $MFT to timeline events, not only user, temp, ProgramData and remote-access folders', default: false}),
    threads: Flags.integer({description: 'threads parsing event logs (default: available cores); output is the same for any count', min: 1, max: 64}),
  }

  async run(): Promise<AnalyzeResult> {
    const {args, flags} = await this.parse(Analyze)
    const {analyze} = await import('../analyze/index.js')
    requireDirOrAbsent('--out', flags.out)
    refuseWritingOnInputs([{what: '--out', path: flags.out}], [{what: 'the input', path: args.input}, {what: '--password-file', path: flags['password-file']}])
    const stop = abortOnSignals()
    const result = await analyze(args.input, {
      out: flags.out,
      passwordFile: flags['password-file'],
      allowUnverified: flags['allow-unverified'],
      threads: flags.threads,
      mftAllFiles: flags['mft-all-files'],
      signal: stop.signal,
    }).finally(() => stop.dispose())
    this.say(`analyzed ${args.input}: ${result.totals.events} events from ${result.totals.files} files`)
    this.say(`verification: ${result.verification.status}${result.unverified ? ' (analysis marked UNVERIFIED)' : ''}`)
    this.say(`diagnostics: ${result.diagnostics.error} error(s), ${result.diagnostics.warning} warning(s), ${result.diagnostics.info} info`)
    this.say(`wrote ${result.files.events}`)
    this.say(`wrote ${result.files.analysis}`)
    if (result.exitCode !== ExitCode.OK) this.setExitCode(result.exitCode)
    return result
  }
}
