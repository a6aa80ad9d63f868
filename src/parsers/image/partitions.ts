import {hasAscii, u16, u32, u64n} from '../../binary/le.js'
import {type Diagnostic, diag} from '../../core/diagnostics.js'
import {guidString} from '../evtx/values.js'
import {crc32} from './checksums.js'
import {type FilesystemKind, detectFilesystem} from './filesystem.js'
import type {ByteSource} from './types.js'

export type PartitionScheme = 'mbr' | 'gpt'

export interface Partition {
  /**
   * The number `--partition N` takes, as Linux numbers partitions (sdaN): MBR primary slots 1–4 (empty
   * slots keep their number), logical partitions of the extended partition from 5; GPT entry index + 1.
   */
  number: number
  scheme: PartitionScheme
  startSector: number
  sectorCount: number
  /** Byte offset and size inside the disk. */
  offset: number
  size: number
  /** MBR type byte as `0x07`, or the GPT type GUID (upper case, braces). */
  type: string
  typeName: string
  /** GPT partition name. */
  name?: string
  /** MBR status byte 0x80. */
  bootable?: boolean
  /** A logical partition inside an MBR extended partition. */
  logical?: boolean
  /** File system found by signature at the partition's start. */
  filesystem?: FilesystemKind
}

export interface PartitionTable {
  scheme: PartitionScheme | 'none'
  sectorSize: number
  partitions: Partition[]
  /** GPT disk GUID or MBR disk signature (hex). */
  diskId?: string
  diagnostics: Diagnostic[]
}

const MBR_TYPES: Record<number, string> = {
  0x01: 'FAT12',
  0x04: 'FAT16 <32M',
  0x05: 'DOS Extended',
  0x06: 'FAT16',
  0x07: 'NTFS / exFAT / HPFS',
  0x0b: 'FAT32',
  0x0c: 'FAT32 (LBA)',
  0x0e: 'FAT16 (LBA)',
  0x0f: 'Win95 Extended (LBA)',
  0x11: 'Hidden FAT12',
  0x12: 'Compaq diagnostics',
  0x17: 'Hidden NTFS',
  0x1b: 'Hidden FAT32',
  0x1c: 'Hidden FAT32 (LBA)',
  0x27: 'Windows RE (hidden NTFS)',
  0x42: 'Windows dynamic disk (LDM)',
  0x82: 'Linux swap',
  0x83: 'Linux',
  0x85: 'Linux Extended',
  0x8e: 'Linux LVM',
  0xa5: 'FreeBSD',
  0xaf: 'HFS / HFS+',
  0xee: 'GPT protective',
  0xef: 'EFI System',
  0xfd: 'Linux RAID',
}

const GPT_TYPES: Record<string, string> = {
  '{EBD0A0A2-B9E5-4433-87C0-68B6B72699C7}': 'Microsoft basic data',
  '{E3C9E316-0B5C-4DB8-817D-F92DF00215AE}': 'Microsoft reserved',
  '{DE94BBA4-06D1-4D40-A16A-BFD50179D6AC}': 'Windows recovery',
  '{5808C8AA-7E8F-42E0-85D2-E1E90434CFB3}': 'Windows LDM metadata',
  '{AF9B60A0-1431-4F62-BC68-3311714A69AD}': 'Windows LDM data',
  '{E75CAF8F-F680-4CEE-AFA3-B001E56EFC2D}': 'Windows Storage Spaces',
  '{C12A7328-F81F-11D2-BA4B-00A0C93EC93B}': 'EFI System',
  '{21686148-6449-6E6F-744E-656564454649}': 'BIOS boot',
  '{0FC63DAF-8483-4772-8E79-3D69D8477DE4}': 'Linux filesystem',
  '{0657FD6D-A4AB-43C4-84E5-0933C84B4F4F}': 'Linux swap',
  '{E6D6D379-F507-44C2-A23C-238F2A3DF928}': 'Linux LVM',
  '{48465300-0000-11AA-AA11-00306543ECAC}': 'Apple HFS+',
  '{7C3457EF-0000-11AA-AA11-00306543ECAC}': 'Apple APFS',
}

const isExtended = (t: number): boolean => t === 0x05 || t === 0x0f || t === 0x85
/** An MBR extended chain longer than this is a loop or damage, not a real disk. */
const MAX_LOGICAL = 256
const MAX_GPT_ENTRIES = 4096

/**
 * Reads the partition table of a disk: GPT when the MBR is protective (type 0xEE) or a GPT header is
 * present, else MBR with its extended/logical chain. A bare volume (a boot sector of a file system at
 * sector 0, e.g. an NTFS volume image — which also ends in 55 AA) gives scheme `none`.
 */
export function readPartitionTable(disk: ByteSource, sectorSize = 512): PartitionTable {
  const diagnostics: Diagnostic[] = []
  const s0 = disk.read(0, 512)
  if (s0.length < 512 || s0[510] !== 0x55 || s0[511] !== 0xaa) return {scheme: 'none', sectorSize, partitions: [], diagnostics}
  // A volume boot record also carries 55 AA; its partition entries are boot code, not a table.
  const fs = detectFilesystem(disk, 0)
  if (fs && fs !== 'ext') return {scheme: 'none', sectorSize, partitions: [], diagnostics}
  const protective = [0, 1, 2, 3].some((i) => s0[0x1be + i * 16 + 4] === 0xee)
  const gptAt = [sectorSize, 512, 4096].find((ss) => hasAscii(disk.read(ss, 8), 0, 'EFI PART'))
  if (gptAt !== undefined) {
    const gpt = readGpt(disk, gptAt, diagnostics)
    if (gpt) return gpt
  } else if (protective) {
    diagnostics.push(diag('IMAGE_GPT_HEADER_MISSING', 'error', 'protective MBR (type 0xEE) but no GPT header at LBA 1', {offset: sectorSize}))
  }
  return readMbr(disk, s0, sectorSize, diagnostics)
}

function mbrEntry(b: Uint8Array, p: number): {status: number; type: number; lba: number; count: number} {
  return {status: b[p]!, type: b[p + 4]!, lba: u32(b, p + 8), count: u32(b, p + 12)}
}

function readMbr(disk: ByteSource, s0: Uint8Array, ss: number, diagnostics: Diagnostic[]): PartitionTable {
  const partitions: Partition[] = []
  const diskSectors = Math.floor(disk.size / ss)
  const add = (number: number, e: {status: number; type: number; lba: number; count: number}, logical: boolean): void => {
    const p: Partition = {
      number,
      scheme: 'mbr',
      startSector: e.lba,
      sectorCount: e.count,
      offset: e.lba * ss,
      size: e.count * ss,
      type: '0x' + e.type.toString(16).padStart(2, '0'),
      typeName: MBR_TYPES[e.type] ?? 'unknown',
      bootable: e.status === 0x80,
      ...(logical ? {logical: true} : {}),
    }
    if (e.lba + e.count > diskSectors) {
      diagnostics.push(
        diag('IMAGE_PARTITION_BEYOND_DISK', 'warning', `partition ${number} ends at sector ${e.lba + e.count}, beyond the disk's ${diskSectors} sectors`, {
          offset: p.offset,
        }),
      )
    }
    const fs = e.lba < diskSectors ? detectFilesystem(disk, p.offset) : undefined
    if (fs) p.filesystem = fs
    partitions.push(p)
  }
  let extended: number | undefined
  for (let i = 0; i < 4; i++) {
    const e = mbrEntry(s0, 0x1be + i * 16)
    if (e.type === 0 || e.count === 0) continue
    if (e.status !== 0 && e.status !== 0x80) {
      diagnostics.push(diag('IMAGE_MBR_BAD_STATUS', 'warning', `MBR entry ${i + 1} has status 0x${e.status.toString(16)} (expected 0x00 or 0x80)`, {offset: 0x1be + i * 16}))
    }
    if (isExtended(e.type)) {
      if (extended === undefined) extended = e.lba
      else diagnostics.push(diag('IMAGE_MBR_TWO_EXTENDED', 'warning', `second extended partition in MBR entry ${i + 1} ignored`, {offset: 0x1be + i * 16}))
      continue
    }
    add(i + 1, e, false)
  }
  if (extended !== undefined) {
    // EBR chain: entry 1 is a logical partition relative to this EBR; entry 2 points at the next EBR,
    // relative to the start of the extended partition.
    const seen = new Set<number>()
    let ebr: number | undefined = extended
    let number = 5
    while (ebr !== undefined) {
      if (seen.has(ebr) || seen.size >= MAX_LOGICAL) {
        diagnostics.push(diag('IMAGE_MBR_EBR_LOOP', 'error', `extended partition chain loops or exceeds ${MAX_LOGICAL} entries at sector ${ebr}`, {offset: ebr * ss}))
        break
      }
      seen.add(ebr)
      const b = disk.read(ebr * ss, 512)
      if (b.length < 512 || b[510] !== 0x55 || b[511] !== 0xaa) {
        diagnostics.push(diag('IMAGE_MBR_EBR_BAD', 'error', `extended boot record at sector ${ebr} lacks the 55 AA signature`, {offset: ebr * ss}))
        break
      }
      const first = mbrEntry(b, 0x1be)
      if (first.type !== 0 && first.count !== 0) add(number++, {...first, lba: ebr + first.lba}, true)
      const next = mbrEntry(b, 0x1ce)
      ebr = next.type !== 0 && isExtended(next.type) && next.lba !== 0 ? extended + next.lba : undefined
    }
  }
  return {scheme: 'mbr', sectorSize: ss, partitions, diskId: u32(s0, 0x1b8).toString(16).padStart(8, '0'), diagnostics}
}

function readGpt(disk: ByteSource, ss: number, diagnostics: Diagnostic[]): PartitionTable | undefined {
  let header = gptHeader(disk, ss, ss, diagnostics)
  if (!header) {
    const lastLba = Math.floor(disk.size / ss) - 1
    header = gptHeader(disk, lastLba * ss, ss, diagnostics)
    if (!header) return undefined
    diagnostics.push(diag('IMAGE_GPT_BACKUP_USED', 'warning', 'primary GPT header damaged: the backup header at the last LBA was used', {offset: lastLba * ss}))
  }
  const {entriesLba, count, entrySize, entriesCrc, diskGuid} = header
  const table = disk.read(entriesLba * ss, count * entrySize)
  if (table.length < count * entrySize) {
    diagnostics.push(diag('IMAGE_GPT_ENTRIES_TRUNCATED', 'error', `GPT entry array truncated (${table.length} of ${count * entrySize} bytes)`, {offset: entriesLba * ss}))
  } else if (crc32(table) !== entriesCrc) {
    diagnostics.push(diag('IMAGE_GPT_ENTRIES_CRC', 'warning', 'GPT partition entry array CRC-32 mismatch', {offset: entriesLba * ss}))
  }
  const partitions: Partition[] = []
  for (let i = 0; i < count && (i + 1) * entrySize <= table.length; i++) {
    const p = i * entrySize
    let zero = true
    for (let k = 0; k < 16; k++) if (table[p + k] !== 0) zero = false
    if (zero) continue
    const type = guidString(table, p)
    const first = u64n(table, p + 32)
    const last = u64n(table, p + 40)
    let name = ''
    for (let k = 0; k < 36; k++) {
      const c = u16(table, p + 56 + k * 2)
      if (c === 0) break
      name += String.fromCharCode(c)
    }
    if (last < first) {
      diagnostics.push(diag('IMAGE_GPT_BAD_ENTRY', 'warning', `GPT entry ${i + 1} ends (LBA ${last}) before it starts (LBA ${first})`, {offset: entriesLba * ss + p}))
      continue
    }
    const part: Partition = {
      number: i + 1,
      scheme: 'gpt',
      startSector: first,
      sectorCount: last - first + 1,
      offset: first * ss,
      size: (last - first + 1) * ss,
      type,
      typeName: GPT_TYPES[type] ?? 'unknown',
      name,
    }
    const fs = part.offset < disk.size ? detectFilesystem(disk, part.offset) : undefined
    if (fs) part.filesystem = fs
    partitions.push(part)
  }
  return {scheme: 'gpt', sectorSize: ss, partitions, diskId: diskGuid, diagnostics}
}

function gptHeader(
  disk: ByteSource,
  at: number,
  ss: number,
  diagnostics: Diagnostic[],
): {entriesLba: number; count: number; entrySize: number; entriesCrc: number; diskGuid: string} | undefined {
  const h = disk.read(at, ss)
  if (h.length < 92 || !hasAscii(h, 0, 'EFI PART')) return undefined
  const size = u32(h, 12)
  if (size < 92 || size > h.length) {
    diagnostics.push(diag('IMAGE_GPT_HEADER_SIZE', 'error', `GPT header size ${size} out of range`, {offset: at}))
    return undefined
  }
  const copy = h.slice(0, size)
  copy.fill(0, 16, 20)
  if (crc32(copy) !== u32(h, 16)) {
    diagnostics.push(diag('IMAGE_GPT_HEADER_CRC', 'error', 'GPT header CRC-32 mismatch', {offset: at}))
    return undefined
  }
  const count = u32(h, 80)
  const entrySize = u32(h, 84)
  if (count > MAX_GPT_ENTRIES || entrySize < 128 || entrySize > 4096 || entrySize % 8 !== 0) {
    diagnostics.push(diag('IMAGE_GPT_ENTRY_GEOMETRY', 'error', `GPT declares ${count} entries of ${entrySize} bytes`, {offset: at}))
    return undefined
  }
  return {entriesLba: u64n(h, 72), count, entrySize, entriesCrc: u32(h, 88), diskGuid: guidString(h, 56)}
}
