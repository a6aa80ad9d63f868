import {readFile} from 'node:fs/promises'
import {Flags} from '@oclif/core'
import cliProgress from 'cli-progress'
import {loadDefinitions, requireValid, selectArtefacts} from '../artefacts/load.js'
import {BaseCommand} from '../cli/base.js'
import {type CollectResult, collect} from '../collect/collect.js'
import {passwordFromFile, passwordFromPrompt} from '../collect/password.js'
import {detectSourceOs, liveSource} from '../collect/source-os.js'
import {RatchetError, errorMessage} from '../core/errors.js'

export default class Collect extends BaseCommand {
  static override summary = 'Collect artefacts from a live host or a mounted image into a hashed evidence archive'
  static override description = `Reads the selected artefacts (profile "triage" by default) without changing the source, hashing every file
(SHA-256, SHA-1, MD5) as it streams into <out>/<case|host>-<UTC>.zip (or .7z, AES-256 with encrypted headers when
a password is given). Inside: files/<original path>, manifest.json, SHA256SUMS, collection.log.jsonl. Beside it:
<archive>.sha256. Exit 0 when everything was collected, 3 when items were skipped (FIFOs, links out of the root,
size caps) or failed (see the manifest).`

  static override examples = [
    '<%= config.bin %> collect --live --out case',
    '<%= config.bin %> collect --source /mnt/c --out case --case IR-42 --examiner "J. Doe"',
    '<%= config.bin %> collect --source /mnt/c --out case --format 7z --password-file pw.txt',
  ]

  static override flags = {
    source: Flags.string({description: 'mounted image root (a Windows volume such as a mounted C:, or a Linux root)', exactlyOne: ['source', 'live']}),
    live: Flags.boolean({description: 'collect the running host', exactlyOne: ['source', 'live']}),
    out: Flags.string({description: 'output folder for the archive', required: true}),
    profile: Flags.string({description: 'artefact profile (artefacts/profiles/*.yaml)', default: 'triage'}),
    artefact: Flags.string({description: 'artefact id or glob (repeatable); overrides --profile', multiple: true}),
    format: Flags.string({description: 'archive format (7z when a password is given)', options: ['zip', '7z']}),
    'password-file': Flags.string({description: 'file whose first line is the archive password (7z only)', exclusive: ['password-prompt']}),
    'password-prompt': Flags.boolean({description: 'ask for the archive password on the terminal (7z only)'}),
    case: Flags.string({description: 'case identifier recorded in the manifest'}),
    examiner: Flags.string({description: 'examiner name recorded in the manifest'}),
    'sign-key': Flags.string({description: 'Ed25519 private key (PEM) to sign manifest.json'}),
    os: Flags.string({description: 'OS of a --source image when it cannot be detected', options: ['windows', 'linux']}),
    'drive-letter': Flags.string({description: 'drive letter of a Windows --source in original paths', default: 'C'}),
    'no-volatile': Flags.boolean({description: 'skip volatile capture (processes, network…) in --live mode'}),
    'artefacts-dir': Flags.string({description: 'read artefact definitions from this folder instead of the built-in ones'}),
    level: Flags.integer({description: 'compression level (zip 0-9, 7z 0-9)', min: 0, max: 9, default: 1}),
  }

  async run(): Promise<CollectResult> {
    const {flags} = await this.parse(Collect)
    let password: string | undefined
    if (flags['password-file']) password = await passwordFromFile(flags['password-file'])
    else if (flags['password-prompt']) password = await passwordFromPrompt()
    const format = (flags.format ?? (password !== undefined ? '7z' : 'zip')) as 'zip' | '7z'
    if (password !== undefined && format === 'zip') throw new RatchetError('E_USAGE', 'a password needs --format 7z (zip cannot encrypt headers)')

    let root: string
    let os: 'windows' | 'linux'
    let drive = flags['drive-letter']
    if (flags.live) {
      const live = liveSource()
      root = live.root
      os = live.os
      drive = live.drive ?? drive
    } else {
      root = flags.source!
      os = (flags.os as 'windows' | 'linux' | undefined) ?? (await detectSourceOs(root))
    }
    const defs = await loadDefinitions(flags['artefacts-dir'])
    requireValid(defs)
    const sel = selectArtefacts(defs, {profile: flags.profile, ids: flags.artefact, os})
    let signKeyPem: Buffer | undefined
    if (flags['sign-key']) {
      signKeyPem = await readFile(flags['sign-key']).catch((e: unknown) => {
        throw new RatchetError('E_SIGNATURE', `cannot read --sign-key ${flags['sign-key']}: ${errorMessage(e)}`)
      })
    }

    const bar =
      process.stderr.isTTY && !this.jsonEnabled()
        ? new cliProgress.SingleBar(
            {stream: process.stderr, format: 'collect [{bar}] {value}/{total} files | {mb} MiB | {current}', hideCursor: true, clearOnComplete: true},
            cliProgress.Presets.shades_classic,
          )
        : undefined
    let started = false
    const result = await collect({
      mode: flags.live ? 'live' : 'image',
      root,
      os,
      driveLetter: drive,
      outDir: flags.out,
      format,
      password,
      caseId: flags.case ?? null,
      examiner: flags.examiner ?? null,
      commandLine: process.argv.slice(1),
      artefacts: sel.artefacts,
      profile: sel.profile,
      signKeyPem,
      noVolatile: flags['no-volatile'],
      level: flags.level,
      onProgress: bar
        ? (p) => {
            const payload = {mb: (p.bytesDone / 1048576).toFixed(1), current: (p.current ?? '').slice(-40)}
            if (!started) {
              bar.start(p.filesTotal, p.filesDone, payload)
              started = true
            } else bar.update(p.filesDone, payload)
          }
        : undefined,
    }).finally(() => bar?.stop())

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
