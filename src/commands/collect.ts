import {Flags} from '@oclif/core'
import {BaseCommand} from '../cli/base.js'
import {collectFlags, resolveCollection} from '../cli/collect-flags.js'
import type {CollectResult} from '../collect/collect.js'

export default class Collect extends BaseCommand {
  static override summary = 'Collect artefacts from a live host, a mounted image or a disk image (E01, VHDX, VHD, raw) into a hashed evidence archive'
  static override description = `Reads the selected artefacts (profile "triage" by default) without changing the source, hashing every file
(SHA-256, SHA-1, MD5) as it streams into <out>/<case|host>-<UTC>.zip (or .7z, AES-256 with encrypted headers when
a password is given). Inside: files/<original path>, manifest.json, SHA256SUMS, collection.log.jsonl. Beside it:
<archive>.sha256. Exit 0 when everything was collected, 3 when items were skipped (FIFOs, links out of the root,
size caps) or failed (see the manifest).`

  static override examples = [
    '<%= config.bin %> collect --live --out case',
    '<%= config.bin %> collect --source /mnt/c --out case --case IR-42 --examiner "J. Doe"',
    '<%= config.bin %> collect --source /mnt/c --out case --format 7z --password-file pw.txt',
    '<%= config.bin %> collect --image disk.E01 --partition 2 --out case',
  ]

  static override flags = {
    ...collectFlags,
    out: Flags.string({description: 'output folder for the archive', required: true}),
  }

  async run(): Promise<CollectResult> {
    const {flags} = await this.parse(Collect)
    const [{abortOnSignals, collectProgressBar}, {collect}, {volatileStageFor}] = await Promise.all([import('../cli/progress.js'), import('../collect/collect.js'), import('../collect/volatile/stage.js')])
    const c = await resolveCollection(flags)
    for (const n of c.notes) this.warnLine(`note: ${n}`)

    const image = c.image ? await (await import('../collect/image-source.js')).openImageSource(c.image, c.partition) : undefined
    const progress = collectProgressBar(process.stderr.isTTY && !this.jsonEnabled())
    const stop = abortOnSignals()
    const result = await collect({
      image,
      signal: stop.signal,
      mode: c.mode,
      root: c.root,
      os: c.os,
      driveLetter: c.driveLetter,
      outDir: flags.out,
      format: c.format,
      password: c.password,
      caseId: flags.case ?? null,
      examiner: flags.examiner ?? null,
      commandLine: process.argv.slice(1),
      artefacts: c.artefacts,
      profile: c.profile,
      signKeyPem: c.signKeyPem,
      sourceNotes: c.notes,
      noVolatile: flags['no-volatile'],
      volatile: volatileStageFor(c.artefacts, c.os),
      level: flags.level,
      onProgress: progress.onProgress,
    }).finally(() => {
      progress.stop()
      stop.dispose()
      image?.close()
    })

    const s = result.summary
    this.say(`archive  ${result.archive}`)
    this.say(`sha256   ${result.archive_sha256}  (${result.sidecar})`)
    this.say(`items    ${s.collected} collected, ${s.partial} partial, ${s.skipped} skipped, ${s.errors} errors, ${s.changed_during_read ?? 0} changed while read; ${s.bytes} bytes`)
    for (const e of result.stage_errors) this.warnLine(`warning: ${e}`)
    if (result.exit_code !== 0) this.warnLine('some items were skipped or failed: see manifest.json in the archive (exit 3)')
    this.setExitCode(result.exit_code as 0 | 3)
    return result
  }
}
