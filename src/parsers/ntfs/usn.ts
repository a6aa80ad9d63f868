import {u16, u32, u64n} from '../../binary/le.js'
import {diag, type Diagnostic} from '../../core/diagnostics.js'
import type {ByteSource} from '../image/types.js'
import {ntTimeIso, readNtTime} from './time.js'

/** USN_REASON_* bits (winioctl.h), in bit order. */
export const USN_REASONS: [number, string][] = [
  [0x00000001, 'DATA_OVERWRITE'],
  [0x00000002, 'DATA_EXTEND'],
  [0x00000004, 'DATA_TRUNCATION'],
  [0x00000010, 'NAMED_DATA_OVERWRITE'],
  [0x00000020, 'NAMED_DATA_EXTEND'],
  [0x00000040, 'NAMED_DATA_TRUNCATION'],
  [0x00000100, 'FILE_CREATE'],
  [0x00000200, 'FILE_DELETE'],
  [0x00000400, 'EA_CHANGE'],
  [0x00000800, 'SECURITY_CHANGE'],
  [0x00001000, 'RENAME_OLD_NAME'],
  [0x00002000, 'RENAME_NEW_NAME'],
  [0x00004000, 'INDEXABLE_CHANGE'],
  [0x00008000, 'BASIC_INFO_CHANGE'],
  [0x00010000, 'HARD_LINK_CHANGE'],
  [0x00020000, 'COMPRESSION_CHANGE'],
  [0x00040000, 'ENCRYPTION_CHANGE'],
  [0x00080000, 'OBJECT_ID_CHANGE'],
  [0x00100000, 'REPARSE_POINT_CHANGE'],
  [0x00200000, 'STREAM_CHANGE'],
  [0x00400000, 'TRANSACTED_CHANGE'],
  [0x00800000, 'INTEGRITY_CHANGE'],
  [0x01000000, 'DESIRED_STORAGE_CLASS_CHANGE'],
  [0x80000000, 'CLOSE'],
]

export function decodeReasons(flags: number): string[] {
  const out: string[] = []
  let known = 0
  for (const [bit, name] of USN_REASONS) {
    known |= bit
    if ((flags & bit) >>> 0 === bit) out.push(name)
  }
  const unknown = (flags & ~known) >>> 0
  if (unknown) out.push(`0x${unknown.toString(16).padStart(8, '0')}`)
  return out
}

export interface UsnRecord {
  /** Byte offset of the record in the $J stream (or file). */
  offset: number
  usn: number
  majorVersion: number
  minorVersion: number
  /** MFT entry and sequence of the file (low 64 bits of a V3/V4 128-bit id). */
  entry: number
  sequence: number
  parentEntry: number
  parentSequence: number
  /** V3/V4 128-bit file ids as 32 hex digits (big-endian), for ReFS; undefined for V2. */
  fileId128?: string
  parentFileId128?: string
  /** ISO-8601 UTC (7 fractional digits); undefined for V4 (no timestamp). */
  timestamp?: string
  reason: number
  reasons: string[]
  sourceInfo: number
  securityId?: number
  fileAttributes?: number
  name?: string
  /** V4 only: data ranges changed. */
  extents?: {offset: number; length: number}[]
}

export interface UsnWalkResult {
  records: number
  /** Bytes of zero fill skipped (sparse leading region, page padding). */
  zeroBytes: number
  /** Bytes that were neither zero nor a valid record (resynchronised 8 bytes at a time). */
  garbageBytes: number
  diagnostics: Diagnostic[]
}

const BLOCK = 1024 * 1024
/** Windows caps USN records well below this (a 255-character name is 0x23C bytes in V3). */
const MAX_RECORD = 64 * 1024
const MAX_DIAGNOSTICS = 200

function id128(b: Uint8Array, p: number): string {
  let s = ''
  for (let i = 15; i >= 0; i--) s += b[p + i]!.toString(16).padStart(2, '0')
  return s
}

function utf16(b: Uint8Array, p: number, bytes: number): string {
  let s = ''
  for (let i = 0; i + 1 < bytes; i += 2) s += String.fromCharCode(u16(b, p + i))
  return s
}

/**
 * Field offsets of USN_RECORD_V2 and V3: V3 widens both file references to 128 bits, which moves every later
 * field by 16 bytes; the name follows the fixed part in both.
 */
const NAMED_LAYOUT = {
  2: {parent: 16, usn: 24, time: 32, reason: 40, source: 44, security: 48, attrs: 52, nameLen: 56, nameOff: 58, fixed: 60},
  3: {parent: 24, usn: 40, time: 48, reason: 56, source: 60, security: 64, attrs: 68, nameLen: 72, nameOff: 74, fixed: 76},
} as const

/** Decodes one record at `p` of `b` (already checked: length, version, inside `b`); undefined when malformed. */
export function decodeUsnRecord(b: Uint8Array, p: number, offset: number): UsnRecord | undefined {
  const len = u32(b, p)
  const major = u16(b, p + 4)
  const minor = u16(b, p + 6)
  const ref = (q: number): {entry: number; sequence: number} => ({entry: u32(b, q) + u16(b, q + 4) * 0x100000000, sequence: u16(b, q + 6)})
  const file = ref(p + 8)
  if (major === 2 || major === 3) {
    const L = NAMED_LAYOUT[major]
    if (len < L.fixed) return undefined
    const nameLen = u16(b, p + L.nameLen)
    const nameOff = u16(b, p + L.nameOff)
    if (nameOff < L.fixed || nameOff + nameLen > len) return undefined
    const parent = ref(p + L.parent)
    const reason = u32(b, p + L.reason)
    const r: UsnRecord = {
      offset,
      usn: u64n(b, p + L.usn),
      majorVersion: major,
      minorVersion: minor,
      entry: file.entry,
      sequence: file.sequence,
      parentEntry: parent.entry,
      parentSequence: parent.sequence,
      timestamp: ntTimeIso(readNtTime(b, p + L.time)) ?? undefined,
      reason,
      reasons: decodeReasons(reason),
      sourceInfo: u32(b, p + L.source),
      securityId: u32(b, p + L.security),
      fileAttributes: u32(b, p + L.attrs),
      name: utf16(b, p + nameOff, nameLen),
    }
    if (major === 3) {
      r.fileId128 = id128(b, p + 8)
      r.parentFileId128 = id128(b, p + 24)
    }
    return r
  }
  if (major === 4) {
    // USN_RECORD_V4: 128-bit references, no time and no name; the changed ranges follow as extents.
    if (len < 64) return undefined
    const count = u16(b, p + 60)
    const extSize = u16(b, p + 62) || 16
    if (64 + count * extSize > len) return undefined
    const extents: {offset: number; length: number}[] = []
    for (let i = 0; i < count; i++) extents.push({offset: u64n(b, p + 64 + i * extSize), length: u64n(b, p + 72 + i * extSize)})
    const parent = ref(p + 24)
    const reason = u32(b, p + 48)
    return {
      offset,
      usn: u64n(b, p + 40),
      majorVersion: 4,
      minorVersion: minor,
      entry: file.entry,
      sequence: file.sequence,
      parentEntry: parent.entry,
      parentSequence: parent.sequence,
      fileId128: id128(b, p + 8),
      parentFileId128: id128(b, p + 24),
      reason,
      reasons: decodeReasons(reason),
      sourceInfo: u32(b, p + 52),
      extents,
    }
  }
  return undefined
}

/**
 * Walks a $UsnJrnl:$J stream (or a file holding one, or an excerpt): zero fill (the sparse leading region, the
 * padding at the end of each page) is skipped fast, each record is checked (length a multiple of 8 and ≥ 48,
 * inside the data, major version 2–4, name inside the record) and bytes that are neither become one
 * diagnostic per damaged run, resynchronising 8 bytes at a time. Offsets are within the source.
 */
export function walkUsn(src: ByteSource, fn: (r: UsnRecord) => void, file?: string): UsnWalkResult {
  const res: UsnWalkResult = {records: 0, zeroBytes: 0, garbageBytes: 0, diagnostics: []}
  let garbageStart = -1
  const flushGarbage = (end: number): void => {
    if (garbageStart < 0) return
    res.garbageBytes += end - garbageStart
    if (res.diagnostics.length < MAX_DIAGNOSTICS) {
      res.diagnostics.push(diag('USN_RECORD_DAMAGED', 'warning', `${end - garbageStart} bytes at offset ${garbageStart} are not a valid USN record (skipped)`, {file, offset: garbageStart}))
    }
    garbageStart = -1
  }
  let pos = 0
  while (pos < src.size) {
    const b = src.read(pos, BLOCK)
    if (b.length === 0) break
    let p = 0
    const end = b.length
    while (p + 8 <= end) {
      const len = u32(b, p)
      if (len === 0) {
        // Zero fill: jump to the next non-zero 8-byte word.
        let q = p
        while (q < end && b[q] === 0) q++
        q &= ~7
        if (q === p) q = p + 8
        flushGarbage(pos + p)
        res.zeroBytes += q - p
        p = q
        continue
      }
      const major = u16(b, p + 4)
      if (len % 8 !== 0 || len < 48 || len > MAX_RECORD || major < 2 || major > 4) {
        if (garbageStart < 0) garbageStart = pos + p
        p += 8
        continue
      }
      if (p + len > end) {
        if (pos + p + len > src.size) {
          if (garbageStart < 0) garbageStart = pos + p
          p += 8
          continue
        }
        break // re-read from this record
      }
      const r = decodeUsnRecord(b, p, pos + p)
      if (!r) {
        if (garbageStart < 0) garbageStart = pos + p
        p += 8
        continue
      }
      flushGarbage(pos + p)
      res.records++
      fn(r)
      p += len
    }
    if (p === 0 && b.length >= BLOCK) p = 8 // cannot happen with MAX_RECORD < BLOCK; keeps the loop finite
    if (pos + p >= src.size || b.length < BLOCK) {
      // The tail: fewer than 8 bytes, or a record cut by the end of the data.
      const tailEnd = Math.min(src.size, pos + b.length)
      if (pos + p < tailEnd && garbageStart < 0) garbageStart = pos + p
      flushGarbage(tailEnd)
      break
    }
    pos += p
  }
  flushGarbage(Math.min(pos, src.size))
  if (res.diagnostics.length >= MAX_DIAGNOSTICS) {
    res.diagnostics.push(diag('USN_DIAGNOSTICS_CAPPED', 'warning', `more than ${MAX_DIAGNOSTICS} damaged regions; ${res.garbageBytes} bytes skipped in all`, {file}))
  }
  return res
}
