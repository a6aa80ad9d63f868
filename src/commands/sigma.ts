import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {finished} from 'node:stream/promises'
import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../cli/base.js'
import {ExitCode} from '../core/exit-codes.js'
import {RatchetError} from '../core/errors.js'
import type {SigmaScanResult} from '../detect/sigma/scan.js'

export default class Sigma extends BaseCommand {
  static override summary = 'Run Sigma rules over EVTX files, folders or case folders'
  static override description = `Hunts with Sigma rules without a case: every record of every input meets the rules whose logsource
can match it (product: windows by channel and event id; product: ratchet over a case's events.jsonl).
Prints one line per rule that matched (level, count, first and last time). With --json the object is
{rules_loaded, rules_skipped[{path, reason}], matches[{rule_id, title, level, tags, count, events[{file,
recordId, timeCreated, eventId, computer}]}]}; correlation rules appear with their own id and the events
they grouped. --out writes every hit as a JSON line. Exit code 3 when an input could not be (fully) read,
4 when no input could be read, 2 for bad flags.`

  static override examples = [
    '<%= config.bin %> sigma Security.evtx --rules sigma/rules/windows',
    '<%= config.bin %> sigma C:/Windows/System32/winevt/Logs --rules my-rules/ --json',
    '<%= config.bin %> sigma case/ --rules sigma/rules/windows artefacts/sigma/rules --out matches.jsonl',
  ]

  static override strict = false

  static override args = {
    input: Args.string({description: 'EVTX file, folder of EVTX files, or case folder (events.jsonl); several allowed', required: true}),
  }

  static override flags = {
    rules: Flags.string({description: 'Sigma rule file or folder (repeatable)', multiple: true, required: true}),
    out: Flags.string({description: 'write every hit as one JSON line to this file (must not exist)'}),
    'rule-cache': Flags.boolean({description: 'reuse parsed rules from the cache folder (RATCHET_CACHE_DIR, default ~/.cache/ratchet)', default: true, allowNo: true}),
    threads: Flags.integer({description: 'worker threads parsing EVTX chunks (default: 1 for files under 16 MB, else available cores)', min: 1, max: 64}),
  }

  async run(): Promise<SigmaScanResult> {
    const {argv, flags} = await this.parse(Sigma)
    const {runSigmaScan} = await import('../detect/sigma/scan.js')
    const inputs = (argv as string[]).filter((a) => typeof a === 'string')
    let out: fs.WriteStream | undefined
    let outError: Error | undefined
    if (flags.out) {
      if (fs.existsSync(flags.out)) throw new RatchetError('E_OUTPUT_EXISTS', `--out ${flags.out} exists: ratchet never overwrites`, {path: flags.out})
      out = fs.createWriteStream(flags.out, {flags: 'wx'})
      // A write failure (disk full, open raced by another file) is reported after the scan, not thrown mid-stream.
      out.on('error', (e) => (outError ??= e))
    }
    let result: SigmaScanResult
    try {
      result = await runSigmaScan({
        inputs,
        rules: flags.rules,
        cacheDir: flags['rule-cache'] ? (process.env.RATCHET_CACHE_DIR ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'ratchet')) : undefined,
        threads: flags.threads,
        onHit: out
          ? (h) => {
              const base = {rule_id: h.rule.id, title: h.rule.title, level: h.rule.level ?? null, tags: h.rule.tags}
              out!.write(JSON.stringify('event' in h ? {...base, event: h.event} : {...base, correlation: h.type, group: h.group, events: h.events}) + '\n')
            }
          : undefined,
      })
    } finally {
      if (out) {
        out.end()
        await finished(out).catch((e: Error) => (outError ??= e))
      }
    }
    if (outError) throw new RatchetError('E_OUTPUT_WRITE', `--out ${flags.out}: ${outError.message}`, {path: flags.out})
    if (!this.jsonEnabled()) this.printTable(result)
    const errors = result.diagnostics.filter((d) => d.severity === 'error').length
    const readable = result.inputs.filter((i) => !i.error).length
    if (result.failed > 0 && readable === 0) this.setExitCode(ExitCode.INPUT)
    else if (result.failed > 0 || errors > 0) this.setExitCode(ExitCode.PARTIAL)
    return result
  }

  private printTable(r: SigmaScanResult): void {
    for (const d of r.diagnostics) this.logToStderr(`ratchet: ${d.severity} ${d.code}: ${d.message}${d.file ? ` (${d.file})` : ''}`)
    const rows = r.matches.map((m) => [m.level ?? '-', String(m.count), m.first ?? '-', m.last ?? '-', m.title + (m.correlation ? ` [${m.correlation.type}]` : '')])
    const head = ['LEVEL', 'COUNT', 'FIRST', 'LAST', 'RULE']
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)))
    const line = (cells: string[]): string => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')
    if (rows.length) {
      this.log(line(head))
      for (const row of rows) this.log(line(row))
    }
    this.log(`sigma: ${r.events} event(s) from ${r.inputs.length} input(s); ${r.rules_loaded} rule(s) run, ${r.rules_skipped.length} skipped; ${r.matches.length} rule(s) matched`)
    if (r.rules_skipped.length) {
      const reasons = new Map<string, number>()
      for (const s of r.rules_skipped) reasons.set(s.reason, (reasons.get(s.reason) ?? 0) + 1)
      for (const [reason, n] of [...reasons].sort((a, b) => b[1] - a[1]).slice(0, 10)) this.logToStderr(`ratchet: skipped ${n} rule(s): ${reason}`)
      if (reasons.size > 10) this.logToStderr(`ratchet: … ${reasons.size - 10} further skip reason(s); --json lists every skipped rule`)
    }
  }
}
