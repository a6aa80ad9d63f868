import {RatchetError, errorMessage} from '../core/errors.js'
import type {Diagnostic} from '../core/diagnostics.js'
import {openImage, selectNtfsVolume, type ContainerKind} from '../parsers/image/open.js'
import type {Partition} from '../parsers/image/partitions.js'
import {SliceSource} from '../parsers/image/slice.js'
import {NtfsDamage} from '../parsers/ntfs/errors.js'
import {NtfsVolume} from '../parsers/ntfs/volume.js'

export interface OpenVolumeOptions {
  /** Partition number as `mmls`/Linux count them (see partitions.ts); default: the only NTFS partition. */
  partition?: number
  /** Byte offset of the volume inside the image (overrides the partition table). */
  offset?: number
}

export interface OpenedVolume {
  volume: NtfsVolume
  /** Where the volume starts inside the (decoded) image, and which partition it is. */
  offset: number
  partition?: Partition
  container: ContainerKind
  /** Damage met opening (and, for EWF and VHDX, reading) the container. */
  diagnostics: Diagnostic[]
  close(): void
}

/**
 * An NTFS volume inside an image file of any container openImage reads (raw, E01, VHDX, VHD): a bare volume,
 * the NTFS partition of an MBR/GPT disk (or the one `--partition` names), or a volume at `--offset`. Throws
 * RatchetError E_INPUT_* / E_USAGE with the reason.
 */
export function openNtfsVolume(file: string, opts: OpenVolumeOptions = {}): OpenedVolume {
  let img: ReturnType<typeof openImage>
  try {
    img = openImage(file)
  } catch (err) {
    if (err instanceof RatchetError) throw err
    throw new RatchetError('E_INPUT_MISSING', `cannot open ${file}: ${errorMessage(err)}`, {file})
  }
  try {
    const choice =
      opts.offset !== undefined ? {source: new SliceSource(img.media, opts.offset, img.media.size - opts.offset), offset: opts.offset, partition: undefined} : selectNtfsVolume(img, opts.partition)
    let volume: NtfsVolume
    try {
      volume = NtfsVolume.open(choice.source)
    } catch (err) {
      if (err instanceof NtfsDamage) throw new RatchetError('E_INPUT_FORMAT', `${file}: no readable NTFS volume at offset ${choice.offset}: ${err.message}`, {file, offset: choice.offset, code: err.code})
      throw err
    }
    return {volume, offset: choice.offset, partition: choice.partition, container: img.container, diagnostics: img.diagnostics, close: () => img.close()}
  } catch (err) {
    img.close()
    throw err
  }
}
