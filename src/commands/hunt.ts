import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../cli/base.js'
import {ExitCode} from '../core/exit-codes.js'
import {RatchetError} from '../core/errors.js'
import {parseDuration} from '../core/time.js'
import type {HuntResult, MultiHuntResult} from '../detect/hunt.js'

export default class Hunt extends BaseCommand {
  static override summary = 'Match IOCs, rebuild remote sessions and correlate findings for an analysed case'
  static override description = `Reads <case-dir>/events.jsonl (from \`ratchet analyze\`) and the evidence manifest, and writes
findings.json (IOC hits and correlated findings with MITRE ATT&CK ids) and sessions.json (ScreenConnect,
AnyDesk and RDP sessions with what happened inside them) into the case folder.

IOC files may be plain text (one indicator per line; defanged forms such as 1.2.3[.]4 and hxxps:// are
accepted), CSV (type,value[,description,source]) or STIX 2.1 bundles. Built-in packs are all loaded unless
--pack names some. ratchet's own Sigma rules (artefacts/sigma/rules) always run; --sigma adds rule files or
folders: one finding per rule and host. Findings within --window after a remote session are correlated with it.

A ScreenConnect server case (Session.db rows present) also gets blast-radius.json and affected-machines.csv:
the customer machines the suspicious activity reached, and why each one is listed.

With several case folders each is hunted, then ScreenConnect client sessions are joined with the server's
record of the same session (session GUID, else guest machine name): every case's sessions.json and
findings.json get the same cross_host section.`
  static override examples = [
    '<%= config.bin %> hunt case/',
    '<%= config.bin %> hunt case/ --iocs alert-ips.txt feed.stix.json --window 1h',
    '<%= config.bin %> hunt case/ --pack hc3-screenconnect-2023 --json',
    '<%= config.bin %> hunt case/ --sigma sigma/rules/windows --sigma my-rule.yml',
    '<%= config.bin %> hunt client-case/ server-case/ --iocs iocs.txt',
  ]

  // further case folders after the first
  static override strict = false

  static override args = {
    'case-dir': Args.directory({description: 'case folder holding events.jsonl (give several to join client and server cases)', required: true}),
  }

  static override flags = {
    iocs: Flags.string({description: 'IOC file(s): text, CSV or STIX 2.1 (format detected)', multiple: true}),
    pack: Flags.string({description: 'built-in IOC pack(s) to load (default: all)', multiple: true}),
    window: Flags.string({description: 'how long after a remote session an account or service change is still tied to it', default: '30m'}),
    sigma: Flags.string({description: 'Sigma rule file or folder run on top of the built-in rules (repeatable)', multiple: true}),
  }

  async run(): Promise<HuntResult | MultiHuntResult> {
    const {args, argv, flags} = await this.parse(Hunt)
    const windowMs = parseDuration(flags.window)
    if (windowMs === undefined) throw new RatchetError('E_USAGE', `--window "${flags.window}" is not a duration (e.g. 30m, 2h, 90s, 1d)`, {window: flags.window})
    const {runHunt, runHuntCases} = await import('../detect/hunt.js')
    const dirs = (argv as string[]).filter((a) => typeof a === 'string')
    if (dirs.length > 1) {
      const multi = await runHuntCases({caseDirs: dirs, iocFiles: flags.iocs, packs: flags.pack, windowMs, sigma: flags.sigma})
      for (const r of multi.cases) this.report(r)
      this.say(`hunt: ${multi.cross_host.links} client session(s) joined with a server's record (${multi.cross_host.unmatched_client_sessions} ScreenConnect client session(s) no server case recorded)`)
      return multi
    }
    const result = await runHunt({caseDir: args['case-dir'], iocFiles: flags.iocs, packs: flags.pack, windowMs, sigma: flags.sigma})
    this.report(result)
    return result
  }

  private report(result: HuntResult): void {
    const c = result.counts
    this.say(`hunt: ${c.events} events, ${c.indicators} indicators, ${c.ioc_hits} IOC hits`)
    if (c.indicators_skipped > 0) this.warnLine(`hunt: ${c.indicators_skipped} indicator(s) skipped (STIX patterns ratchet cannot match, revoked or malformed; listed in findings.json iocs.skipped)`)
    this.say(`hunt: ${c.findings} findings (${c.correlated_findings} correlated with a remote session or IOC)`)
    this.say(`hunt: ${c.sessions} remote sessions (${c.suspicious_sessions} suspicious)`)
    this.say(`wrote ${result.findings}`)
    this.say(`wrote ${result.sessions}`)
    if (result.blast_radius) {
      this.say(`hunt: ScreenConnect server: ${c.affected_machines ?? 0} customer machine(s) reached by suspicious activity, ${c.routine_machines ?? 0} with routine access only`)
      this.say(`wrote ${result.blast_radius}`)
      this.say(`wrote ${result.affected_machines}`)
    }
    if (result.unverified) this.warnLine('hunt: the evidence failed verification: every output is marked unverified')
    if (result.diagnostics > 0) {
      this.warnLine(`hunt: ${result.diagnostics} damaged lines in events.jsonl (see findings.json diagnostics)`)
      this.setExitCode(ExitCode.PARTIAL)
    }
  }
}
