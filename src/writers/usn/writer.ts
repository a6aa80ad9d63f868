import {filetimeFromIso} from '../evtx/values.js'

/**
 * Writes a `$UsnJrnl:$J` stream of USN_RECORD_V2 records (winioctl.h), as NTFS lays it out on disk:
 *
 * - each record is RecordLength bytes, a multiple of 8; MajorVersion 2, MinorVersion 0; 64-bit file and parent
 *   references (48-bit MFT entry, 16-bit sequence); Usn = the record's byte offset in $J; TimeStamp a FILETIME;
 *   Reason, SourceInfo, SecurityId, FileAttributes; FileNameLength/FileNameOffset (0x3C, right after the fixed
 *   part) and the UTF-16LE name, zero-padded to the 8-byte boundary;
 * - records never straddle a 4 KiB page: the rest of a page that cannot hold the next record is zero, as in the
 *   streams Windows writes (libyal libfusn format notes; the parser skips this fill);
 * - the journal's start is usually deallocated (a sparse run that reads as zeros): `leadingZeroBytes` writes it.
 *
 * Pure: returns the bytes, no I/O.
 */

export interface UsnFileRef {
  /** MFT entry number (48 bits). */
  entry: number
  /** MFT sequence number (16 bits). */
  sequence: number
}

export interface UsnRecordSpec {
  file: UsnFileRef
  parent: UsnFileRef
  /** ISO-8601 time (7 fractional digits kept exactly). */
  time: string
  /** USN_REASON_* bits. */
  reason: number
  /** FILE_ATTRIBUTE_* bits (0x10 directory, 0x20 archive). */
  fileAttributes: number
  name: string
}

/** USN_REASON_* bits used by writers (the full table, for decoding, is in parsers/ntfs/usn.ts). */
export const USN_REASON = {
  DATA_OVERWRITE: 0x00000001,
  DATA_EXTEND: 0x00000002,
  DATA_TRUNCATION: 0x00000004,
  FILE_CREATE: 0x00000100,
  FILE_DELETE: 0x00000200,
  SECURITY_CHANGE: 0x00000800,
  RENAME_OLD_NAME: 0x00001000,
  RENAME_NEW_NAME: 0x00002000,
  BASIC_INFO_CHANGE: 0x00008000,
  CLOSE: 0x80000000,
} as const

export const FILE_ATTRIBUTE = {DIRECTORY: 0x10, ARCHIVE: 0x20} as const

/** Bytes a USN page holds; records do not cross one. */
export const USN_PAGE = 4096
const FIXED_V2 = 0x3c
const MAX_ENTRY = 2 ** 48 - 1

function reference(b: Buffer, p: number, ref: UsnFileRef, what: string): void {
  if (!Number.isInteger(ref.entry) || ref.entry < 0 || ref.entry > MAX_ENTRY) throw new RangeError(`${what} entry out of range: ${ref.entry}`)
  if (!Number.isInteger(ref.sequence) || ref.sequence < 0 || ref.sequence > 0xffff) throw new RangeError(`${what} sequence out of range: ${ref.sequence}`)
  b.writeUInt32LE(ref.entry % 0x100000000, p)
  b.writeUInt16LE(Math.floor(ref.entry / 0x100000000), p + 4)
  b.writeUInt16LE(ref.sequence, p + 6)
}

/** One USN_RECORD_V2 at `usn` (its offset in $J). */
export function encodeUsnRecordV2(r: UsnRecordSpec, usn: number): Buffer {
  const name = Buffer.from(r.name, 'utf16le')
  if (name.length === 0 || name.length > 255 * 2) throw new RangeError(`USN file name must be 1-255 UTF-16 units: ${JSON.stringify(r.name)}`)
  const length = (FIXED_V2 + name.length + 7) & ~7
  const b = Buffer.alloc(length)
  b.writeUInt32LE(length, 0)
  b.writeUInt16LE(2, 4)
  b.writeUInt16LE(0, 6)
  reference(b, 8, r.file, 'file')
  reference(b, 16, r.parent, 'parent')
  b.writeBigUInt64LE(BigInt(usn), 24)
  b.writeBigUInt64LE(filetimeFromIso(r.time), 32)
  b.writeUInt32LE(r.reason >>> 0, 40)
  b.writeUInt32LE(0, 44) // SourceInfo: a user's change, not the OS's or a replication's
  b.writeUInt32LE(0, 48) // SecurityId
  b.writeUInt32LE(r.fileAttributes >>> 0, 52)
  b.writeUInt16LE(name.length, 56)
  b.writeUInt16LE(FIXED_V2, 58)
  name.copy(b, FIXED_V2)
  return b
}

/** The $J bytes: `leadingZeroBytes` (a multiple of the page size) of zeros, then the records in order. */
export function writeUsnJournal(records: readonly UsnRecordSpec[], opts: {leadingZeroBytes?: number} = {}): Buffer {
  const lead = opts.leadingZeroBytes ?? 0
  if (!Number.isInteger(lead) || lead < 0 || lead % USN_PAGE !== 0) throw new RangeError(`leadingZeroBytes must be a multiple of ${USN_PAGE}: ${lead}`)
  const parts: Buffer[] = [Buffer.alloc(lead)]
  let offset = lead
  for (const r of records) {
    const probe = (FIXED_V2 + Buffer.byteLength(r.name, 'utf16le') + 7) & ~7
    const room = USN_PAGE - (offset % USN_PAGE)
    if (probe > room) {
      parts.push(Buffer.alloc(room))
      offset += room
    }
    const rec = encodeUsnRecordV2(r, offset)
    parts.push(rec)
    offset += rec.length
  }
  return Buffer.concat(parts, offset)
}
