import * as fs from 'node:fs'
import * as path from 'node:path'
import {RatchetError, errorMessage} from '../core/errors.js'
import {EwfImage, isEwf, segmentExtension} from '../parsers/image/ewf.js'
import {FileSource} from '../parsers/image/file-source.js'
import {readPartitionTable, type Partition} from '../parsers/image/partitions.js'
import {SliceSource} from '../parsers/image/slice.js'
import type {ByteSource} from '../parsers/image/types.js'
import {isNtfsBoot} from '../parsers/ntfs/boot.js'
import {NtfsDamage} from '../parsers/ntfs/errors.js'
import {NtfsVolume} from '../parsers/ntfs/volume.js'
import type {Diagnostic} from '../core/diagnostics.js'

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
  container: 'raw' | 'ewf'
  diagnostics: Diagnostic[]
  close(): void
}

/** Opens the container: EWF segments (.E01, .E02, …) when the file has the EWF signature, else raw bytes. */
function openContainer(file: string): {src: ByteSource; container: 'raw' | 'ewf'; diagnostics: Diagnostic[]; close: () => void} {
  const first = new FileSource(file)
  if (!isEwf(first.read(0, 8))) return {src: first, container: 'raw', diagnostics: [], close: () => first.close()}
  const segments: ByteSource[] = [first]
  const names = [file]
  const ext = path.extname(file).slice(1)
  for (let n = 2; ext.length === 3 && n < 1000; n++) {
    const next = file.slice(0, -3) + segmentExtension(ext, n)
    if (!fs.existsSync(next)) break
    segments.push(new FileSource(next))
    names.push(next)
  }
  const ewf = new EwfImage(segments, names)
  return {src: ewf, container: 'ewf', diagnostics: ewf.diagnostics, close: () => segments.forEach((s) => s.close())}
}

/**
 * An NTFS volume inside an image file: a bare volume, a disk with an MBR/GPT table (the NTFS partition, or the
 * one `--partition` names), or a volume at `--offset`. Throws RatchetError E_INPUT_* with the reason.
 */
export function openNtfsVolume(file: string, opts: OpenVolumeOptions = {}): OpenedVolume {
  let c: ReturnType<typeof openContainer>
  try {
    c = openContainer(file)
  } catch (err) {
    throw new RatchetError('E_INPUT_MISSING', `cannot open ${file}: ${errorMessage(err)}`, {file})
  }
  try {
    let offset = opts.offset ?? 0
    let partition: Partition | undefined
    if (opts.offset === undefined && (opts.partition !== undefined || !isNtfsBoot(c.src.read(0, 512)))) {
      const table = readPartitionTable(c.src)
      c.diagnostics.push(...table.diagnostics)
      const parts = table.partitions
      if (opts.partition !== undefined) {
        partition = parts.find((p) => p.number === opts.partition)
        if (!partition) throw new RatchetError('E_USAGE', `no partition ${opts.partition} in ${file} (partitions: ${parts.map((p) => p.number).join(', ') || 'none'})`, {file})
      } else {
        const ntfs = parts.filter((p) => p.filesystem === 'ntfs')
        if (ntfs.length === 0) throw new RatchetError('E_INPUT_FORMAT', `${file} is neither an NTFS volume nor a disk with an NTFS partition (${table.scheme} table, ${parts.length} partitions)`, {file})
        if (ntfs.length > 1) throw new RatchetError('E_USAGE', `${file} holds ${ntfs.length} NTFS partitions (${ntfs.map((p) => p.number).join(', ')}): choose one with --partition`, {file})
        partition = ntfs[0]
      }
      offset = partition!.offset
    }
    const src = offset || partition ? new SliceSource(c.src, offset, partition?.size ?? c.src.size - offset) : c.src
    let volume: NtfsVolume
    try {
      volume = NtfsVolume.open(src)
    } catch (err) {
      if (err instanceof NtfsDamage) throw new RatchetError('E_INPUT_FORMAT', `${file}: no readable NTFS volume at offset ${offset}: ${err.message}`, {file, offset, code: err.code})
      throw err
    }
    return {volume, offset, partition, container: c.container, diagnostics: c.diagnostics, close: c.close}
  } catch (err) {
    c.close()
    throw err
  }
}
