import {writeFile} from 'node:fs/promises'
import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../cli/base.js'
import {passwordFromFile} from '../collect/password.js'
import {readKeyFlag} from '../cli/key-flags.js'
import {ExitCode} from '../core/exit-codes.js'
import {refuseWritingOnInputs, requireFileOrAbsent} from '../core/output-guard.js'
import type {VerifyReport} from '../evidence/verify.js'

export type VerifyResult = Omit<VerifyReport, 'manifest_data'> & {exit_code: number; files_written: string[]}

export default class Verify extends BaseCommand {
  static override summary = 'Re-hash every member of an evidence archive and check it against its manifest, SHA256SUMS, sidecar and signature'
  static override description = `Exit 0: everything verified. 5: a member is changed, missing or extra, SHA256SUMS or the sidecar
disagree, or the signature fails. 6: the archive is a .partial left by an interrupted collection. 4: not an archive.`

  static override examples = ['<%= config.bin %> verify case/host-20240101T000000Z.zip', '<%= config.bin %> verify ev.7z --password-file pw.txt --pubkey key.pub.pem']

  static override args = {archive: Args.string({description: 'evidence archive (.zip or .7z)', required: true})}

  static override flags = {
    'password-file': Flags.string({description: 'file whose first line is the archive password'}),
    pubkey: Flags.string({description: 'Ed25519 public key (PEM) to check manifest.json.sig'}),
    report: Flags.string({description: 'also write the JSON report to this file'}),
  }

  async run(): Promise<VerifyResult> {
    const {args, flags} = await this.parse(Verify)
    const {verifyArchive} = await import('../evidence/verify.js')
    requireFileOrAbsent('--report', flags.report)
    refuseWritingOnInputs(
      [{what: '--report', path: flags.report}],
      [{what: 'the archive', path: args.archive}, {what: 'its sidecar', path: `${args.archive}.sha256`}, {what: '--password-file', path: flags['password-file']}, {what: '--pubkey', path: flags.pubkey}],
    )
    const password = flags['password-file'] ? await passwordFromFile(flags['password-file']) : undefined
    let pubkey: Buffer | undefined
    if (flags.pubkey) pubkey = await readKeyFlag('--pubkey', flags.pubkey, 'public')
    const {manifest_data: _m, ...report} = await verifyArchive(args.archive, {password, pubkey})
    const exit = report.status === 'verified' ? ExitCode.OK : report.status === 'incomplete' ? ExitCode.INCOMPLETE : ExitCode.VERIFY_FAILED
    const files: string[] = []
    const result: VerifyResult = {...report, exit_code: exit, files_written: files}
    if (flags.report) {
      files.push(flags.report)
      await writeFile(flags.report, JSON.stringify(result, null, 2) + '\n')
    }
    const c = report.counts
    this.say(`${report.status.toUpperCase()}  ${report.archive}`)
    this.say(`members  ${c.ok} ok, ${c.mismatch} mismatch, ${c.missing} missing, ${c.extra} extra, ${c.unreadable} unreadable`)
    this.say(`SHA256SUMS ${report.sha256sums.state}; sidecar ${report.sidecar.state}; signature ${report.signature.state}`)
    for (const p of report.problems) this.say(`  ${p}`)
    this.setExitCode(exit)
    return result
  }
}
