import {u16, u32, u64n} from '../../binary/le.js'
import {readNtTime, type NtTime} from './time.js'

/** $STANDARD_INFORMATION (0x10): the four times Windows updates on access through the API, plus flags. */
export interface StandardInformation {
  created: NtTime
  modified: NtTime
  mftModified: NtTime
  accessed: NtTime
  /** FILE_ATTRIBUTE_* (read-only 0x1, hidden 0x2, system 0x4, archive 0x20, compressed 0x800, ...). */
  flags: number
  /** NTFS 3.0+ fields (72-byte form); undefined in the 48-byte NTFS 1.2 form. */
  ownerId?: number
  securityId?: number
  usn?: number
  /** The 32 bits at content offset 0x30 as the Sleuth Kit reads them for its uid column (see bodyfile.ts). */
  tskOwnerField: number
}

export function decodeStandardInformation(buf: Uint8Array, off: number, len: number, recordEnd: number): StandardInformation | undefined {
  if (len < 48) return undefined
  const si: StandardInformation = {
    created: readNtTime(buf, off),
    modified: readNtTime(buf, off + 8),
    mftModified: readNtTime(buf, off + 16),
    accessed: readNtTime(buf, off + 24),
    flags: u32(buf, off + 32),
    tskOwnerField: off + 0x34 <= recordEnd ? u32(buf, off + 0x30) : 0,
  }
  if (len >= 72) {
    si.ownerId = u32(buf, off + 0x30)
    si.securityId = u32(buf, off + 0x34)
    si.usn = u64n(buf, off + 0x40)
  }
  return si
}

export const FileNameNamespace = {POSIX: 0, WIN32: 1, DOS: 2, WIN32_AND_DOS: 3} as const

/** $FILE_NAME (0x30): a name in a parent directory, with the times as of the last name change. */
export interface FileName {
  parentEntry: number
  parentSequence: number
  created: NtTime
  modified: NtTime
  mftModified: NtTime
  accessed: NtTime
  allocatedSize: number
  realSize: number
  flags: number
  namespace: number
  name: string
  /** The attribute id (bodyfile inode field `N-48-id`) and value length (its size column). */
  attrId: number
  valueLength: number
  /** The attribute sits in an extension record, not the base record. */
  inExtension?: boolean
}

export function decodeFileName(buf: Uint8Array, off: number, len: number, attrId: number): FileName | undefined {
  if (len < 66) return undefined
  const chars = buf[off + 0x40]!
  if (66 + chars * 2 > len) return undefined
  let name = ''
  for (let i = 0; i < chars; i++) name += String.fromCharCode(u16(buf, off + 0x42 + 2 * i))
  return {
    parentEntry: u32(buf, off) + u16(buf, off + 4) * 0x100000000,
    parentSequence: u16(buf, off + 6),
    created: readNtTime(buf, off + 8),
    modified: readNtTime(buf, off + 16),
    mftModified: readNtTime(buf, off + 24),
    accessed: readNtTime(buf, off + 32),
    allocatedSize: u64n(buf, off + 40),
    realSize: u64n(buf, off + 48),
    flags: u32(buf, off + 56),
    namespace: buf[off + 0x41]!,
    name,
    attrId,
    valueLength: len,
  }
}

/** $REPARSE_POINT (0xC0): the tag, and for mount points and symbolic links the substitute/print names. */
export interface ReparsePoint {
  tag: number
  substituteName?: string
  printName?: string
}

export const IO_REPARSE_TAG_MOUNT_POINT = 0xa0000003
export const IO_REPARSE_TAG_SYMLINK = 0xa000000c

function utf16At(buf: Uint8Array, p: number, bytes: number): string {
  let s = ''
  for (let i = 0; i + 1 < bytes; i += 2) s += String.fromCharCode(u16(buf, p + i))
  return s
}

export function decodeReparsePoint(buf: Uint8Array, off: number, len: number): ReparsePoint | undefined {
  if (len < 8) return undefined
  const tag = u32(buf, off)
  const dataLen = u16(buf, off + 4)
  const rp: ReparsePoint = {tag}
  const data = off + 8
  const dataEnd = Math.min(off + len, data + dataLen)
  // Mount points: 4 u16 offsets/lengths then the path buffer; symbolic links have 4 more bytes of flags.
  const pathBuf = tag === IO_REPARSE_TAG_MOUNT_POINT ? data + 8 : tag === IO_REPARSE_TAG_SYMLINK ? data + 12 : -1
  if (pathBuf > 0 && data + 8 <= dataEnd) {
    const subOff = u16(buf, data)
    const subLen = u16(buf, data + 2)
    const prOff = u16(buf, data + 4)
    const prLen = u16(buf, data + 6)
    if (pathBuf + subOff + subLen <= dataEnd) rp.substituteName = utf16At(buf, pathBuf + subOff, subLen)
    if (pathBuf + prOff + prLen <= dataEnd) rp.printName = utf16At(buf, pathBuf + prOff, prLen)
  }
  return rp
}

/** One $ATTRIBUTE_LIST (0x20) entry: where (which MFT record) an attribute of this file lives. */
export interface AttrListEntry {
  type: number
  name: string
  startVcn: number
  entry: number
  sequence: number
  id: number
}

export function decodeAttributeList(b: Uint8Array): AttrListEntry[] {
  const out: AttrListEntry[] = []
  let p = 0
  while (p + 26 <= b.length) {
    const type = u32(b, p)
    const len = u16(b, p + 4)
    if (len < 26 || p + len > b.length) break
    const nameLen = b[p + 6]!
    const nameOff = b[p + 7]!
    out.push({
      type,
      name: nameLen && nameOff + nameLen * 2 <= len ? utf16At(b, p + nameOff, nameLen * 2) : '',
      startVcn: u64n(b, p + 8),
      entry: u32(b, p + 16) + u16(b, p + 20) * 0x100000000,
      sequence: u16(b, p + 22),
      id: u16(b, p + 24),
    })
    p += len
  }
  return out
}
