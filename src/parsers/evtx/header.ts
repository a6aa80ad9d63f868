import {hasAscii, u16, u32, u64n} from '../../binary/le.js'
import {crc32} from './crc32.js'

/** File header ("ElfFile\0"), 4096 bytes; the first 128 carry the fields, CRC32 over the first 120. */
export const FILE_HEADER_SIZE = 4096
export const CHUNK_SIZE = 65536
export const CHUNK_HEADER_SIZE = 512
export const FILE_MAGIC = 'ElfFile\0'
export const CHUNK_MAGIC = 'ElfChnk\0'
/** File/chunk flag: checksums were not written (format 3.2 "no CRC32"). */
export const FLAG_NO_CRC32 = 0x4

export interface EvtxFileHeader {
  /** False when the "ElfFile" signature is missing (the chunks may still be readable). */
  valid: boolean
  firstChunkNumber: number
  lastChunkNumber: number
  nextRecordIdentifier: number
  headerSize: number
  minorVersion: number
  majorVersion: number
  headerBlockSize: number
  /** Chunk count as the header states it; real files often understate it (never trusted for reading). */
  numberOfChunks: number
  /** 0x1 dirty, 0x2 full, 0x4 no CRC32. */
  flags: number
  dirty: boolean
  full: boolean
  checksum: number
  checksumOk: boolean
}

export function isFileHeader(b: Uint8Array): boolean {
  return hasAscii(b, 0, FILE_MAGIC)
}

export function parseFileHeader(b: Uint8Array): EvtxFileHeader {
  const valid = b.length >= 128 && isFileHeader(b)
  if (!valid) {
    return {
      valid: false, firstChunkNumber: 0, lastChunkNumber: 0, nextRecordIdentifier: 0, headerSize: 0,
      minorVersion: 0, majorVersion: 0, headerBlockSize: FILE_HEADER_SIZE, numberOfChunks: 0, flags: 0,
      dirty: false, full: false, checksum: 0, checksumOk: false,
    }
  }
  const flags = u32(b, 120)
  const checksum = u32(b, 124)
  const computed = crc32(b.subarray(0, 120))
  return {
    valid,
    firstChunkNumber: u64n(b, 8),
    lastChunkNumber: u64n(b, 16),
    nextRecordIdentifier: u64n(b, 24),
    headerSize: u32(b, 32),
    minorVersion: u16(b, 36),
    majorVersion: u16(b, 38),
    headerBlockSize: u16(b, 40),
    numberOfChunks: u16(b, 42),
    flags,
    dirty: (flags & 1) !== 0,
    full: (flags & 2) !== 0,
    checksum,
    checksumOk: computed === checksum || ((flags & FLAG_NO_CRC32) !== 0 && checksum === 0),
  }
}

export interface ChunkHeader {
  firstEventRecordNumber: number
  lastEventRecordNumber: number
  firstEventRecordIdentifier: number
  lastEventRecordIdentifier: number
  headerSize: number
  lastEventRecordOffset: number
  freeSpaceOffset: number
  eventRecordsChecksum: number
  flags: number
  checksum: number
}

export function parseChunkHeader(b: Uint8Array): ChunkHeader {
  return {
    firstEventRecordNumber: u64n(b, 8),
    lastEventRecordNumber: u64n(b, 16),
    firstEventRecordIdentifier: u64n(b, 24),
    lastEventRecordIdentifier: u64n(b, 32),
    headerSize: u32(b, 40),
    lastEventRecordOffset: u32(b, 44),
    freeSpaceOffset: u32(b, 48),
    eventRecordsChecksum: u32(b, 52),
    flags: u32(b, 120),
    checksum: u32(b, 124),
  }
}

/** Chunk header CRC32 covers bytes 0–119 and 128–511 (the string and template offset tables). */
export function chunkHeaderCrc(b: Uint8Array): number {
  return crc32(b.subarray(128, CHUNK_HEADER_SIZE), crc32(b.subarray(0, 120)))
}
