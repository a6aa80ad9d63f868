import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../../cli/base.js'
import {DEFAULT_DEMO_SEED, generateDemoHost, type DemoHostResult} from '../../demo/index.js'

export default class DemoGenerate extends BaseCommand {
  static override summary = 'Write a synthetic compromised Windows Server 2019 volume to try ratchet on'
  static override description = [
    'Writes <dir>/volume, a directory tree shaped like a Windows Server 2019 system drive whose event logs (real EVTX',
    'files), ScreenConnect and AnyDesk artefacts tell the Nov 2023 supply-chain ScreenConnect intrusion with routine',
    'noise around it, and <dir>/iocs.txt with the alert-style indicators (defanged). The same seed always gives the',
    'same bytes. <dir> must be empty or not exist.',
  ].join('\n')
  static override examples = ['<%= config.bin %> demo generate ./demo-host', '<%= config.bin %> demo generate ./demo-host --seed 7 --json']

  static override args = {
    dir: Args.string({description: 'folder to create the demo host in (must be empty or absent)', required: true}),
  }

  static override flags = {
    seed: Flags.integer({description: 'seed for the routine noise (the intrusion itself is fixed)', default: DEFAULT_DEMO_SEED, min: 0, max: 0xffffffff}),
  }

  async run(): Promise<DemoHostResult> {
    const {args, flags} = await this.parse(DemoGenerate)
    const result = await generateDemoHost(args.dir, {seed: flags.seed})
    const records = result.logs.reduce((n, l) => n + l.records, 0)
    this.say(`Demo host ${result.host} written to ${result.volume}`)
    this.say(`  ${result.files.length} files, ${result.logs.length} event logs with ${records} records (seed ${result.seed})`)
    this.say(`  indicators: ${result.iocs}`)
    this.say('What happened on it:')
    for (const line of result.story) this.say(`  ${line}`)
    return result
  }
}
