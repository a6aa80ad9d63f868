import {hasAscii, u16, u32, u64n} from '../../binary/le.js'
import {NtfsDamage} from './errors.js'

/** The BIOS parameter block of an NTFS boot sector ($Boot, first 512 bytes of the volume). */
export interface NtfsBoot {
  bytesPerSector: number
  sectorsPerCluster: number
  clusterSize: number
  totalSectors: number
  mftLcn: number
  mftMirrLcn: number
  /** Bytes per MFT record (1024 on most volumes, 4096 on 4Kn disks). */
  mftRecordSize: number
  /** Bytes per $INDEX_ALLOCATION block. */
  indexRecordSize: number
  /** Volume serial number, 16 upper-case hex digits as `fsstat` prints it. */
  serial: string
  hiddenSectors: number
}

/** Signed size byte: positive = clusters, negative = 2^-v bytes (e.g. 0xF6 → 1024). */
function sizeFromByte(v: number, clusterSize: number): number {
  return v < 0x80 ? v * clusterSize : 2 ** (256 - v)
}

export function isNtfsBoot(b: Uint8Array): boolean {
  return b.length >= 512 && hasAscii(b, 3, 'NTFS    ')
}

export function parseBoot(b: Uint8Array): NtfsBoot {
  if (!isNtfsBoot(b)) throw new NtfsDamage('NTFS_BOOT_SIGNATURE', 'no "NTFS    " OEM id at offset 3 of the boot sector', 3)
  const bytesPerSector = u16(b, 0x0b)
  const spcByte = b[0x0d]!
  // Values above 0x80 encode 2^(256-v) sectors (64 KiB clusters on 512-byte sectors and beyond).
  const sectorsPerCluster = spcByte <= 0x80 ? spcByte : 2 ** (256 - spcByte)
  if (![256, 512, 1024, 2048, 4096].includes(bytesPerSector)) throw new NtfsDamage('NTFS_BOOT_SECTOR_SIZE', `bytes per sector ${bytesPerSector} is not a power of two in 256..4096`, 0x0b)
  if (sectorsPerCluster === 0) throw new NtfsDamage('NTFS_BOOT_CLUSTER_SIZE', 'sectors per cluster is 0', 0x0d)
  const clusterSize = bytesPerSector * sectorsPerCluster
  if (clusterSize > 2 * 1024 * 1024) throw new NtfsDamage('NTFS_BOOT_CLUSTER_SIZE', `cluster size ${clusterSize} beyond 2 MiB`, 0x0d)
  const mftRecordSize = sizeFromByte(b[0x40]!, clusterSize)
  const indexRecordSize = sizeFromByte(b[0x44]!, clusterSize)
  if (mftRecordSize < 256 || mftRecordSize > 65536 || (mftRecordSize & (mftRecordSize - 1)) !== 0) {
    throw new NtfsDamage('NTFS_BOOT_RECORD_SIZE', `MFT record size ${mftRecordSize} is not a power of two in 256..65536`, 0x40)
  }
  const serialHex = [...b.subarray(0x48, 0x50)].reverse().map((x) => x.toString(16).padStart(2, '0')).join('').toUpperCase()
  return {
    bytesPerSector,
    sectorsPerCluster,
    clusterSize,
    totalSectors: u64n(b, 0x28),
    mftLcn: u64n(b, 0x30),
    mftMirrLcn: u64n(b, 0x38),
    mftRecordSize,
    indexRecordSize,
    serial: serialHex,
    hiddenSectors: u32(b, 0x1c),
  }
}
