import {existsSync} from 'node:fs'
import {basename, extname} from 'node:path'

import {hasAscii} from '../../binary/le.js'
import type {Diagnostic} from '../../core/diagnostics.js'
import {RatchetError} from '../../core/errors.js'
import {EwfImage, type EwfInfo, isEwf, segmentExtension} from './ewf.js'
import {FileSource} from './file-source.js'
import {type FilesystemKind, detectFilesystem} from './filesystem.js'
import {type Partition, type PartitionScheme, readPartitionTable} from './partitions.js'
import {SliceSource} from './slice.js'
import type {ByteSource} from './types.js'
import {type VhdInfo, isVhdFooter, openVhd} from './vhd.js'
import {VhdxImage, type VhdxInfo, isVhdx} from './vhdx.js'

export type ContainerKind = 'raw' | 'ewf' | 'vhdx' | 'vhd'

/** EWF segment files beyond this count are refused (E01…EZZ…: far more than any acquisition writes). */
const MAX_SEGMENTS = 14_971

export interface DiskImage {
  path: string
  container: ContainerKind
  /** Every file the image is made of (EWF segments in order; otherwise the one file). */
  files: string[]
  /** The logical media: what the acquired disk or volume held. */
  media: ByteSource
  sectorSize: number
  scheme: PartitionScheme | 'none'
  partitions: Partition[]
  diskId?: string
  /** File system at offset 0 when the image is a bare volume rather than a partitioned disk. */
  volumeFilesystem?: FilesystemKind
  ewf?: EwfInfo
  vhdx?: VhdxInfo
  vhd?: VhdInfo
  /**
   * Damage found while opening; for EWF and VHDX also damage met later while reading (the array grows).
   * Callers report it with their results.
   */
  readonly diagnostics: Diagnostic[]
  close(): void
}

/**
 * Opens a disk or volume image read-only, whatever its container, detected by signature (never by file
 * name): EWF (`EVF` segment header), VHDX (`vhdxfile`), VHD (`conectix` footer), else raw. For EWF the
 * other segment files are found beside the first by their extensions (.E02, .E03, …).
 */
export function openImage(path: string): DiskImage {
  const file = new FileSource(path)
  let head: Uint8Array
  try {
    head = file.read(0, 512).slice()
  } catch (e) {
    file.close()
    throw e
  }
  const diagnostics: Diagnostic[] = []
  let container: ContainerKind = 'raw'
  let media: ByteSource = file
  let files = [path]
  let sectorSize = 512
  const extra: Pick<DiskImage, 'ewf' | 'vhdx' | 'vhd'> = {}
  try {
    if (hasAscii(head, 0, 'EVF2') || hasAscii(head, 0, 'LVF')) {
      throw new RatchetError('E_INPUT_FORMAT', `${path} is an EWF2 (Ex01) or logical evidence (L01) file, which ratchet does not read`, {file: path})
    }
    if (isEwf(head)) {
      container = 'ewf'
      files = ewfSegments(path)
      const sources: ByteSource[] = [file]
      try {
        for (const f of files.slice(1)) sources.push(new FileSource(f))
        const img = new EwfImage(sources, files)
        media = img
        extra.ewf = img.info
        sectorSize = img.info.bytesPerSector
        linkDiagnostics(diagnostics, img.diagnostics)
      } catch (e) {
        for (const s of sources.slice(1)) s.close()
        throw e
      }
    } else if (isVhdx(head)) {
      container = 'vhdx'
      const img = new VhdxImage(file, path)
      media = img
      extra.vhdx = img.info
      sectorSize = img.info.logicalSectorSize
      linkDiagnostics(diagnostics, img.diagnostics)
    } else if (isVhdFooter(file.read(file.size - 512, 512)) || isVhdFooter(file.read(file.size - 511, 511)) || isVhdFooter(head)) {
      container = 'vhd'
      const v = openVhd(file, path)
      media = v.media
      extra.vhd = v.info
      diagnostics.push(...v.diagnostics)
    }
  } catch (e) {
    file.close()
    throw e
  }
  const table = readPartitionTable(media, sectorSize)
  diagnostics.push(...table.diagnostics)
  const volumeFilesystem = table.scheme === 'none' ? detectFilesystem(media, 0) : undefined
  return {
    path,
    container,
    files,
    media,
    sectorSize: table.sectorSize,
    scheme: table.scheme,
    partitions: table.partitions,
    ...(table.diskId ? {diskId: table.diskId} : {}),
    ...(volumeFilesystem ? {volumeFilesystem} : {}),
    ...extra,
    diagnostics,
    close: () => media.close(),
  }
}

/**
 * Diagnostics a reader appends while it is read (EWF chunk damage) must reach the image's list: share the
 * array by copying what is there now and forwarding later pushes.
 */
function linkDiagnostics(into: Diagnostic[], from: Diagnostic[]): void {
  into.push(...from)
  const push = from.push.bind(from)
  from.push = (...items: Diagnostic[]): number => {
    into.push(...items)
    return push(...items)
  }
}

/** The segment files of an EWF set, in order, starting from the first (`.E01`, `.s01`, …). */
export function ewfSegments(first: string): string[] {
  const ext = extname(first).slice(1)
  if (!/^[A-Za-z]01$/.test(ext)) return [first]
  const stem = first.slice(0, first.length - ext.length)
  const out = [first]
  for (let n = 2; n <= MAX_SEGMENTS; n++) {
    const next = stem + segmentExtension(ext, n)
    if (!existsSync(next)) break
    out.push(next)
  }
  return out
}

export interface VolumeChoice {
  source: ByteSource
  /** Byte offset of the volume inside the media. */
  offset: number
  partition?: Partition
}

/**
 * The NTFS volume to read: partition `number` when given; otherwise the image itself when it is a bare NTFS
 * volume, else its only NTFS partition. Ambiguity or absence is a usage/input error naming the choices.
 */
export function selectNtfsVolume(img: DiskImage, number?: number): VolumeChoice {
  const list = img.partitions.map((p) => `${p.number} (${p.typeName}${p.filesystem ? ', ' + p.filesystem : ''}, ${p.size} bytes at ${p.offset})`).join('; ')
  if (number !== undefined) {
    const p = img.partitions.find((x) => x.number === number)
    if (!p) {
      throw new RatchetError('E_USAGE', `${basename(img.path)} has no partition ${number}${list ? `; partitions: ${list}` : ' (no partition table)'}`, {partition: number})
    }
    return {source: new SliceSource(img.media, p.offset, p.size), offset: p.offset, partition: p}
  }
  if (img.volumeFilesystem === 'ntfs') return {source: img.media, offset: 0}
  const ntfs = img.partitions.filter((p) => p.filesystem === 'ntfs')
  if (ntfs.length === 1) {
    const p = ntfs[0]!
    return {source: new SliceSource(img.media, p.offset, p.size), offset: p.offset, partition: p}
  }
  if (ntfs.length > 1) {
    throw new RatchetError('E_USAGE', `${basename(img.path)} has ${ntfs.length} NTFS partitions: choose one with --partition N; partitions: ${list}`, {})
  }
  throw new RatchetError('E_INPUT_FORMAT', `${basename(img.path)} holds no NTFS volume${list ? `; partitions: ${list}` : ''}`, {file: img.path})
}
