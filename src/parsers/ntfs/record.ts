import {hasAscii, u16, u32, u64n} from '../../binary/le.js'
import {applyFixups} from './fixup.js'

/** Attribute type codes ($AttrDef). */
export const AttrType = {
  STANDARD_INFORMATION: 0x10,
  ATTRIBUTE_LIST: 0x20,
  FILE_NAME: 0x30,
  OBJECT_ID: 0x40,
  SECURITY_DESCRIPTOR: 0x50,
  VOLUME_NAME: 0x60,
  VOLUME_INFORMATION: 0x70,
  DATA: 0x80,
  INDEX_ROOT: 0x90,
  INDEX_ALLOCATION: 0xa0,
  BITMAP: 0xb0,
  REPARSE_POINT: 0xc0,
  END: 0xffffffff,
} as const

/** One attribute header inside an MFT record; `valueOffset` is absolute within the record buffer. */
export interface AttrHeader {
  type: number
  /** Attribute name ("" when unnamed), e.g. the ADS name or `$I30`. */
  name: string
  flags: number
  id: number
  resident: boolean
  /** Offset of the attribute header in the record. */
  offset: number
  length: number
  // resident
  valueOffset: number
  valueLength: number
  // non-resident
  startVcn: number
  lastVcn: number
  runsOffset: number
  compressionUnit: number
  allocatedSize: number
  dataSize: number
  initializedSize: number
}

export const ATTR_FLAG_COMPRESSED = 0x0001
export const ATTR_FLAG_ENCRYPTED = 0x4000
export const ATTR_FLAG_SPARSE = 0x8000

export interface MftRecord {
  /** Position in the $MFT (record number), not the (optional) number stored in the header. */
  entry: number
  sequence: number
  linkCount: number
  inUse: boolean
  isDirectory: boolean
  /** Base record reference (entry) for extension records; 0 for base records. */
  baseEntry: number
  baseSequence: number
  usedSize: number
  /** First 512-byte stride whose fixup failed (its last two bytes are unreliable); -1 when all matched. */
  fixupError: number
  attrs: AttrHeader[]
  /** Attributes were cut short by a bad length or offset: what follows is lost. */
  truncated: boolean
  /** The record bytes (fixups applied). */
  buf: Uint8Array
}

export const MFT_RECORD_IN_USE = 0x0001
export const MFT_RECORD_IS_DIRECTORY = 0x0002

export type RecordStatus = 'ok' | 'empty' | 'bad-signature' | 'baad' | 'bad-header'

/**
 * Parses one MFT record in place (fixups are applied to `buf`, so pass a private copy). Returns the status
 * and, for 'ok', the record. Every offset is checked against the record's used size.
 */
export function parseRecord(buf: Uint8Array, entry: number): {status: RecordStatus; record?: MftRecord} {
  if (!hasAscii(buf, 0, 'FILE')) {
    if (hasAscii(buf, 0, 'BAAD')) return {status: 'baad'}
    for (let i = 0; i < Math.min(buf.length, 64); i++) if (buf[i] !== 0) return {status: 'bad-signature'}
    return {status: 'empty'}
  }
  const size = buf.length
  const fixupError = applyFixups(buf, 0, size)
  if (fixupError === -2) return {status: 'bad-header'}
  const flags = u16(buf, 0x16)
  const usedSize = Math.min(u32(buf, 0x18), size)
  const firstAttr = u16(buf, 0x14)
  if (firstAttr < 0x18 || firstAttr >= size) return {status: 'bad-header'}
  const baseLo = u32(buf, 0x20) + (u16(buf, 0x24) * 0x100000000)
  const rec: MftRecord = {
    entry,
    sequence: u16(buf, 0x10),
    linkCount: u16(buf, 0x12),
    inUse: (flags & MFT_RECORD_IN_USE) !== 0,
    isDirectory: (flags & MFT_RECORD_IS_DIRECTORY) !== 0,
    baseEntry: baseLo,
    baseSequence: u16(buf, 0x26),
    usedSize,
    fixupError,
    attrs: [],
    truncated: false,
    buf,
  }
  // Attributes are walked to the end marker within the whole record, not the used size: a deleted record's
  // used size may be stale (smaller than its attributes), and its attributes are still evidence.
  const limit = size
  let p = firstAttr
  while (p + 4 <= limit) {
    const type = u32(buf, p)
    if (type === AttrType.END) break
    if (p + 16 > limit) {
      rec.truncated = true
      break
    }
    const length = u32(buf, p + 4)
    if (length < 16 || (length & 7) !== 0 || p + length > limit) {
      rec.truncated = true
      break
    }
    const a = parseAttrHeader(buf, p, length, type)
    if (!a) {
      rec.truncated = true
      break
    }
    rec.attrs.push(a)
    p += length
  }
  return {status: 'ok', record: rec}
}

function readName(buf: Uint8Array, p: number, chars: number): string {
  if (chars === 0) return ''
  let s = ''
  for (let i = 0; i < chars; i++) s += String.fromCharCode(u16(buf, p + 2 * i))
  return s
}

function parseAttrHeader(buf: Uint8Array, p: number, length: number, type: number): AttrHeader | undefined {
  const nonResident = buf[p + 8]! !== 0
  const nameLen = buf[p + 9]!
  const nameOff = u16(buf, p + 10)
  if (nameLen > 0 && nameOff + nameLen * 2 > length) return undefined
  const a: AttrHeader = {
    type,
    name: readName(buf, p + nameOff, nameLen),
    flags: u16(buf, p + 12),
    id: u16(buf, p + 14),
    resident: !nonResident,
    offset: p,
    length,
    valueOffset: 0,
    valueLength: 0,
    startVcn: 0,
    lastVcn: -1,
    runsOffset: 0,
    compressionUnit: 0,
    allocatedSize: 0,
    dataSize: 0,
    initializedSize: 0,
  }
  if (!nonResident) {
    if (length < 24) return undefined
    const vlen = u32(buf, p + 16)
    const voff = u16(buf, p + 20)
    if (voff + vlen > length) return undefined
    a.valueOffset = p + voff
    a.valueLength = vlen
    a.dataSize = vlen
    a.initializedSize = vlen
    a.allocatedSize = vlen
  } else {
    if (length < 64) return undefined
    a.startVcn = u64n(buf, p + 16)
    a.lastVcn = u64n(buf, p + 24)
    const runs = u16(buf, p + 32)
    if (runs < 64 || runs > length) return undefined
    a.runsOffset = p + runs
    a.compressionUnit = buf[p + 34]!
    a.allocatedSize = u64n(buf, p + 40)
    a.dataSize = u64n(buf, p + 48)
    a.initializedSize = u64n(buf, p + 56)
  }
  return a
}

/** End (exclusive) of the attribute containing `a`: run lists stop there. */
export function attrEnd(a: AttrHeader): number {
  return a.offset + a.length
}
