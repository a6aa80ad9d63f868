import {pathToFileURL} from 'node:url'
import {Flags} from '@oclif/core'
import {BaseCommand} from '../../cli/base.js'
import {abortOnSignals} from '../../cli/interrupt.js'
import type {DemoRunResult} from '../../demo/run.js'
import {DEFAULT_DEMO_SEED} from '../../demo/seed.js'

export default class DemoRun extends BaseCommand {
  static override summary = 'Generate the demo compromised host and triage it end to end'
  static override description = `Writes the synthetic Windows Server 2019 volume of \`ratchet demo generate\` into a temp folder, then runs
\`ratchet triage --source <volume> --iocs <iocs.txt>\` on it into --out, and prints where the report is.
--out is replaced on a rerun only if an earlier \`demo run\` made it.`
  static override examples = ['<%= config.bin %> demo run', '<%= config.bin %> demo run --out /tmp/demo-case']

  static override flags = {
    out: Flags.string({description: 'case folder to write', default: 'demo-case'}),
    seed: Flags.integer({description: 'seed for the routine noise', default: DEFAULT_DEMO_SEED, min: 0, max: 0xffffffff}),
    'keep-host': Flags.boolean({description: 'keep the generated host volume in the temp folder (removed by default)', default: false}),
  }

  async run(): Promise<DemoRunResult> {
    const {flags} = await this.parse(DemoRun)
    const [{triageSummaryLines}, {runDemo}, {STAGES}] = await Promise.all([import('../../cli/triage-summary.js'), import('../../demo/run.js'), import('../../triage/triage.js')])
    const started = Date.now()
    const stop = abortOnSignals()
    const result = await runDemo({
      keepHost: flags['keep-host'],
      signal: stop.signal,
      caseDir: flags.out,
      seed: flags.seed,
      commandLine: process.argv.slice(1),
      onStage: (stage, i, state) => {
        if (state === 'start' && !this.jsonEnabled()) this.logToStderr(`[${i + 1}/${STAGES.length}] ${stage} …  (${((Date.now() - started) / 1000).toFixed(1)}s)`)
      },
    }).finally(() => stop.dispose())
    this.say(`demo host ${result.host.host}: ${flags['keep-host'] ? result.host.volume : 'generated in a temp folder and removed (--keep-host keeps it)'}`)
    for (const line of triageSummaryLines(result.triage)) this.say(line)
    this.say('')
    this.say(`Open the report in a browser: ${pathToFileURL(result.triage.report).href}`)
    this.setExitCode(result.triage.exit_code)
    return result
  }
}
