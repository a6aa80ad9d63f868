import {Args} from '@oclif/core'
import {BaseCommand} from '../cli/base.js'
import {ExitCode} from '../core/exit-codes.js'
import type {ImageReport} from '../parsers/image/verify.js'

export type VerifyImageResult = ImageReport & {exit_code: number}

export default class VerifyImage extends BaseCommand {
  static override summary = 'Check a disk image (raw, E01, VHDX, VHD): container, partitions, media hashes, and an E01\'s stored MD5/SHA-1'
  static override description = `Reads the whole logical media once and hashes it (MD5, SHA-1, SHA-256). For E01 the stored hashes
are compared with the computed ones. Exit 0: verified (or nothing stored to compare). 5: a stored hash differs.
3: the media was read but damage was found (a chunk that does not decompress, a missing segment). 4: not a readable image.`

  static override examples = ['<%= config.bin %> verify-image disk.E01', '<%= config.bin %> verify-image kape.vhdx --json']

  static override args = {image: Args.string({description: 'image file (for E01: the .E01 segment; the others are found beside it)', required: true})}

  async run(): Promise<VerifyImageResult> {
    const {args} = await this.parse(VerifyImage)
    const {openImage} = await import('../parsers/image/open.js')
    const {verifyImage} = await import('../parsers/image/verify.js')
    const img = openImage(args.image)
    let report: ImageReport
    try {
      report = await verifyImage(img)
    } finally {
      img.close()
    }
    const damaged = report.diagnostics.some((d) => d.severity === 'error')
    const exit = report.status === 'mismatch' ? ExitCode.VERIFY_FAILED : damaged ? ExitCode.PARTIAL : ExitCode.OK
    this.say(`${report.status === 'mismatch' ? 'MISMATCH' : damaged ? 'DAMAGED' : report.status === 'verified' ? 'VERIFIED' : 'READ'}  ${report.image}`)
    this.say(`container  ${report.container}${report.files.length > 1 ? ` (${report.files.length} segment files)` : ''}`)
    this.say(`media      ${report.media_size} bytes, ${report.sector_size}-byte sectors`)
    this.say(`table      ${report.scheme}${report.disk_id ? ` (disk id ${report.disk_id})` : ''}${report.volume_filesystem ? `; volume holds ${report.volume_filesystem}` : ''}`)
    for (const p of report.partitions) {
      const fs = p.filesystem ? ` [${p.filesystem}]` : ''
      this.say(`  ${String(p.number).padStart(3)}  start ${p.startSector}  sectors ${p.sectorCount}  ${p.type} ${p.typeName}${p.name ? ` "${p.name}"` : ''}${fs}`)
    }
    for (const s of report.stored) this.say(`${s.algorithm.padEnd(6)} stored ${s.stored}  computed ${s.computed}  ${s.match ? 'ok' : 'MISMATCH'}`)
    this.say(`md5    ${report.computed.md5}`)
    this.say(`sha1   ${report.computed.sha1}`)
    this.say(`sha256 ${report.computed.sha256}`)
    for (const d of report.diagnostics) this.warnLine(`ratchet: ${d.severity} ${d.code}: ${d.message}${d.offset !== undefined ? ` (offset ${d.offset})` : ''}`)
    this.setExitCode(exit)
    return {...report, exit_code: exit}
  }
}
