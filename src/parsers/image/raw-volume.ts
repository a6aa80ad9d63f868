import {hasAscii, u16, u64n} from '../../binary/le.js'
import {RatchetError} from '../../core/errors.js'
import {FileSource} from './file-source.js'

/**
 * Opens a raw NTFS volume device (`\\.\C:` on Windows; a volume image file works the same) as a ByteSource.
 * A device reports size 0, so the size comes from the boot sector: total sectors × bytes per sector, plus the
 * one sector after them that holds the backup boot sector. Reads stay 64 KiB-aligned (the block cache), as
 * Windows requires sector-aligned reads of a volume handle.
 */
export function openRawNtfsVolume(devicePath: string): FileSource {
  const probe = new FileSource(devicePath, Number.MAX_SAFE_INTEGER)
  let size: number
  try {
    const boot = probe.read(0, 512)
    if (boot.length < 512 || !hasAscii(boot, 3, 'NTFS    ')) {
      throw new RatchetError('E_INPUT_FORMAT', `${devicePath} does not start with an NTFS boot sector`, {file: devicePath, offset: 0})
    }
    const bytesPerSector = u16(boot, 0x0b)
    const sectors = u64n(boot, 0x28)
    if (bytesPerSector < 256 || bytesPerSector > 4096 || (bytesPerSector & (bytesPerSector - 1)) !== 0 || sectors === 0) {
      throw new RatchetError('E_INPUT_FORMAT', `${devicePath}: implausible NTFS geometry (${bytesPerSector}-byte sectors, ${sectors} sectors)`, {file: devicePath, offset: 0x0b})
    }
    size = (sectors + 1) * bytesPerSector
  } finally {
    probe.close()
  }
  const src = new FileSource(devicePath, size)
  // An image file may end before the backup boot sector: never claim bytes the file lacks.
  return src.fileSize !== undefined && src.fileSize > 0 && src.fileSize < size ? (src.close(), new FileSource(devicePath)) : src
}
