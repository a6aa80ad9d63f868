import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../../cli/base.js'
import {RatchetError} from '../../core/errors.js'

export default class NtfsCat extends BaseCommand {
  static override enableJsonFlag = false
  static override summary = 'Write the bytes of a file or alternate data stream of an NTFS image to stdout (like icat)'
  static override description =
    'The target is a path (case-insensitive, / or \\ separated, found through the directory indexes) or an MFT reference: ' +
    'N, N-SEQ (the sequence number must match) or the Sleuth Kit address N-TYPE-ID. Append :stream for an alternate data ' +
    'stream (e.g. Downloads/AnyDesk.exe:Zone.Identifier). Sparse ranges read as zeros, compressed data is decompressed; ' +
    'deleted files are readable by reference as long as their clusters were not reused. Exit code 4 when not found.'

  static override examples = [
    '<%= config.bin %> ntfs cat disk.E01 "/Users/bob/Downloads/AnyDesk.exe:Zone.Identifier"',
    '<%= config.bin %> ntfs cat volume.raw 114 > recovered.bin',
  ]

  static override args = {
    image: Args.string({description: 'raw volume or disk, E01, VHDX or VHD image', required: true}),
    target: Args.string({description: 'path or MFT reference, optionally followed by :stream', required: true}),
  }

  static override flags = {
    partition: Flags.integer({description: 'partition number; default: the only NTFS partition', min: 1}),
    offset: Flags.integer({description: 'byte offset of the volume inside the image', min: 0}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(NtfsCat)
    const {openNtfsVolume} = await import('../../ntfs/open-volume.js')
    const {parseCatTarget, resolveCatTarget} = await import('../../parsers/ntfs/target.js')
    const fs = await import('node:fs')
    const opened = openNtfsVolume(args.image, {partition: flags.partition, offset: flags.offset})
    try {
      const r = resolveCatTarget(opened.volume, parseCatTarget(args.target))
      if ('error' in r) throw new RatchetError('E_INPUT_MISSING', r.message, {target: args.target})
      const chunk = 4 * 1024 * 1024
      for (let off = 0; off < r.stream.size; off += chunk) {
        const bytes = r.stream.read(off, chunk)
        let done = 0
        while (done < bytes.length) {
          try {
            done += fs.writeSync(1, bytes, done)
          } catch (err) {
            const code = (err as NodeJS.ErrnoException).code
            if (code === 'EPIPE') return
            if (code !== 'EAGAIN') throw err
          }
        }
      }
    } finally {
      opened.close()
    }
  }
}
