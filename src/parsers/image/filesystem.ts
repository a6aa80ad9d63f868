import {hasAscii, u16} from '../../binary/le.js'
import type {ByteSource} from './types.js'

export type FilesystemKind = 'ntfs' | 'bitlocker' | 'exfat' | 'fat' | 'refs' | 'ext' | 'hfs+' | 'apfs'

/**
 * The file system a volume holds, from the signatures at its start (boot sector OEM id, FAT type string,
 * the ext superblock magic at 1024+56, …). Only a label for listings and for picking NTFS partitions:
 * nothing here trusts it further.
 */
export function detectFilesystem(src: ByteSource, offset = 0): FilesystemKind | undefined {
  const b = src.read(offset, 2048)
  if (b.length < 512) return undefined
  if (hasAscii(b, 3, 'NTFS    ')) return 'ntfs'
  if (hasAscii(b, 3, '-FVE-FS-')) return 'bitlocker'
  if (hasAscii(b, 3, 'EXFAT   ')) return 'exfat'
  if (hasAscii(b, 3, 'ReFS')) return 'refs'
  if (hasAscii(b, 82, 'FAT32   ') || hasAscii(b, 54, 'FAT12   ') || hasAscii(b, 54, 'FAT16   ') || hasAscii(b, 54, 'FAT     ')) {
    return 'fat'
  }
  if (b.length >= 1024 + 58 && u16(b, 1024 + 56) === 0xef53) return 'ext'
  if (b.length >= 1026 && (hasAscii(b, 1024, 'H+') || hasAscii(b, 1024, 'HX'))) return 'hfs+'
  if (hasAscii(b, 32, 'NXSB')) return 'apfs'
  return undefined
}
