import {Flags} from '@oclif/core'
import {BaseCommand} from '../cli/base.js'
import {collectFlags, resolveCollection} from '../cli/collect-flags.js'
import {RatchetError} from '../core/errors.js'
import {parseDuration} from '../core/time.js'
import type {TriageResult} from '../triage/triage.js'

export default class Triage extends BaseCommand {
  static override summary = 'Collect, verify, analyze, hunt, timeline and report in one run'
  static override description = `Runs collect → verify → analyze → hunt → timeline → report into one case folder:
<out>/evidence/<archive> (+ .sha256), verify.json, events.jsonl, analysis.json, findings.json, sessions.json,
timeline.csv (Timesketch-ready) and report.html. Each stage's own command works on the same folder afterwards.
An interrupted triage resumes from the last completed stage when rerun with the same options.

Exit codes: 0 clean; 3 finished but some input could not be read (see the manifest and analysis.json);
5 the new archive did not verify; 4 unusable input; 130 interrupted.`

  static override examples = [
    '<%= config.bin %> triage --source /mnt/c --out case-42 --iocs alert-iocs.txt',
    '<%= config.bin %> triage --live --out case-42 --case IR-42 --examiner "J. Doe"',
  ]

  static override flags = {
    ...collectFlags,
    out: Flags.string({description: 'case folder (created if missing)', required: true}),
    iocs: Flags.string({description: 'IOC file: plain text, CSV or STIX 2.1 (repeatable)', multiple: true}),
    pack: Flags.string({description: 'built-in IOC pack to load (repeatable; default: all)', multiple: true}),
    window: Flags.string({description: 'correlation window after a remote session', default: '30m'}),
    sigma: Flags.string({description: 'Sigma rule file or folder run on top of the built-in rules (repeatable)', multiple: true}),
    pdf: Flags.boolean({description: 'also print the report to PDF with headless Chromium'}),
    title: Flags.string({description: 'report title'}),
    classification: Flags.string({description: 'classification banner on every report page'}),
  }

  async run(): Promise<TriageResult> {
    const {flags} = await this.parse(Triage)
    const [{abortOnSignals, collectProgressBar}, {triageSummaryLines}, {volatileStageFor}, {STAGES, triage}] = await Promise.all([
      import('../cli/progress.js'),
      import('../cli/triage-summary.js'),
      import('../collect/volatile/stage.js'),
      import('../triage/triage.js'),
    ])
    const windowMs = parseDuration(flags.window)
    if (windowMs === undefined) throw new RatchetError('E_USAGE', `--window: not a duration: ${flags.window} (use e.g. 30m, 2h)`)
    const c = await resolveCollection(flags, (flags.iocs ?? []).map((path) => ({what: '--iocs', path})))
    for (const n of c.notes) this.warnLine(`note: ${n}`)
    const progress = collectProgressBar(process.stderr.isTTY && !this.jsonEnabled(), '  collect')
    const started = Date.now()
    const stop = abortOnSignals()
    const image = c.image ? await (await import('../collect/image-source.js')).openImageSource(c.image, c.partition) : undefined
    const result = await triage({
      image,
      caseDir: flags.out,
      mode: c.mode,
      root: c.root,
      os: c.os,
      driveLetter: c.driveLetter,
      artefacts: c.artefacts,
      profile: c.profile,
      format: c.format,
      password: c.password,
      caseId: flags.case ?? null,
      examiner: flags.examiner ?? null,
      signKeyPem: c.signKeyPem,
      sourceNotes: c.notes,
      noVolatile: flags['no-volatile'],
      volatile: volatileStageFor(c.artefacts, c.os),
      level: flags.level,
      iocFiles: flags.iocs ?? [],
      packs: flags.pack,
      sigma: flags.sigma,
      windowMs,
      pdf: flags.pdf,
      title: flags.title,
      classification: flags.classification,
      commandLine: process.argv.slice(1),
      signal: stop.signal,
      onStage: (stage, i, state, detail) => {
        if (this.jsonEnabled()) return
        if (state === 'done' && stage === 'collect') progress.stop()
        const secs = ((Date.now() - started) / 1000).toFixed(1)
        if (state !== 'done') this.logToStderr(`[${i + 1}/${STAGES.length}] ${stage}${state === 'skipped' ? ` — ${detail}` : ' …'}  (${secs}s)`)
      },
      onCollectProgress: progress.onProgress,
    }).finally(() => {
      progress.stop()
      stop.dispose()
      image?.close()
    })
    for (const line of triageSummaryLines(result)) this.say(line)
    if (result.exit_code !== 0) this.warnLine(`finished with exit code ${result.exit_code}: some input could not be read; see analysis.json and the manifest`)
    this.setExitCode(result.exit_code)
    return result
  }
}
