import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../../cli/base.js'
import type {DemoHostResult, DemoServerResult} from '../../demo/index.js'
import {DEFAULT_DEMO_SEED} from '../../demo/seed.js'

export default class DemoGenerate extends BaseCommand {
  static override summary = 'Write a synthetic compromised Windows Server 2019 volume (or, with --server, the vendor ScreenConnect server) to try ratchet on'
  static override description = [
    'Writes <dir>/volume, a directory tree shaped like a Windows Server 2019 system drive whose event logs (real EVTX',
    'files), ScreenConnect and AnyDesk artefacts tell the Nov 2023 supply-chain ScreenConnect intrusion with routine',
    'noise around it, and <dir>/iocs.txt with the alert-style indicators (defanged). The same seed always gives the',
    'same bytes. <dir> must be empty or not exist.',
    '',
    'With --server it writes the vendor side instead: the self-hosted ScreenConnect server serving ~40 pharmacies',
    '(Program Files (x86)/ScreenConnect/App_Data/Session.db with uncheckpointed rows in Session.db-wal, security.db,',
    'User.xml, App_Extensions/) with routine maintenance and an intruder who reached a handful of them. The',
    'Session.db schema is reconstructed from public incident queries, not published by ConnectWise.',
  ].join('\n')
  static override examples = ['<%= config.bin %> demo generate ./demo-host', '<%= config.bin %> demo generate ./demo-host --seed 7 --json', '<%= config.bin %> demo generate ./demo-server --server']

  static override args = {
    dir: Args.string({description: 'folder to create the demo host in (must be empty or absent)', required: true}),
  }

  static override flags = {
    seed: Flags.integer({description: 'seed for the routine noise (the intrusion itself is fixed)', default: DEFAULT_DEMO_SEED, min: 0, max: 0xffffffff}),
    server: Flags.boolean({description: 'write the vendor ScreenConnect server instead of the client host', default: false}),
  }

  async run(): Promise<DemoHostResult | DemoServerResult> {
    const {args, flags} = await this.parse(DemoGenerate)
    const {generateDemoHost, generateDemoServer} = await import('../../demo/index.js')
    if (flags.server) {
      const result = await generateDemoServer(args.dir, {seed: flags.seed})
      this.say(`Demo ScreenConnect server ${result.host} written to ${result.volume}`)
      this.say(`  ${result.files.length} files, ${result.machines} customer machines (seed ${result.seed})`)
      this.say(`  indicators: ${result.iocs}`)
      this.say('What happened on it:')
      for (const line of result.story) this.say(`  ${line}`)
      return result
    }
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
