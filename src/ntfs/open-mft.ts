import {RatchetError, errorMessage} from '../core/errors.js'
import {FileSource} from '../parsers/image/file-source.js'
import {Mft} from '../parsers/ntfs/mft.js'

/** A standalone $MFT file (as KAPE, Velociraptor or `icat N 0` write it): record size from its first header. */
export function openMftFile(file: string): {mft: Mft; close: () => void} {
  let src: FileSource
  try {
    src = new FileSource(file)
  } catch (err) {
    throw new RatchetError('E_INPUT_MISSING', `cannot open ${file}: ${errorMessage(err)}`, {file})
  }
  const size = Mft.detectRecordSize(src)
  if (size === undefined) {
    src.close()
    throw new RatchetError('E_INPUT_FORMAT', `${file} is not an $MFT: no FILE record with a valid size in its first 64 KiB`, {file})
  }
  return {mft: new Mft(src, size), close: () => src.close()}
}
