import {hasAscii, u32, u64} from '../../binary/le.js'

/**
 * The 4096-byte base block ("regf") at the start of a primary hive and the first 512 bytes of a transaction
 * log. Field offsets from M. Suhanov's "Windows registry file format specification" and libyal's REGF notes.
 */
export const BASE_BLOCK_SIZE = 4096
/** Hive bins start right after the base block; every cell offset in the hive is relative to this. */
export const HBINS_START = 4096
/** The checksum covers the first 508 bytes (127 dwords); it sits at offset 508. */
const CHECKSUM_OFFSET = 508

export interface BaseBlock {
  primarySequence: number
  secondarySequence: number
  /** FILETIME of the last write of the base block. */
  lastWritten: bigint
  major: number
  minor: number
  /** 0 primary, 1 and 2 old-format log, 6 new-format log. */
  fileType: number
  fileFormat: number
  /** Offset of the root key node, relative to the start of the hive bins. */
  rootCell: number
  hiveBinsSize: number
  clusteringFactor: number
  /** UTF-16LE tail of the hive's path (64 bytes), NULs dropped. */
  fileName: string
  checksumStored: number
  checksumComputed: number
  checksumOk: boolean
  /** Offline Registry Library ("OfRg" at 176) wrote or saved this hive. */
  offreg: boolean
}

/** XOR of the first 127 dwords; 0 becomes 1 and 0xFFFFFFFF becomes 0xFFFFFFFE (the spec's special cases). */
export function baseBlockChecksum(b: Uint8Array, at = 0): number {
  let x = 0
  for (let i = 0; i < CHECKSUM_OFFSET; i += 4) x ^= b[at + i]! | (b[at + i + 1]! << 8) | (b[at + i + 2]! << 16) | (b[at + i + 3]! << 24)
  x >>>= 0
  if (x === 0) return 1
  if (x === 0xffffffff) return 0xfffffffe
  return x
}

/** Reads a base block at `at`; undefined when fewer than 512 bytes are there or the signature is not "regf". */
export function readBaseBlock(b: Uint8Array, at = 0): BaseBlock | undefined {
  if (b.length < at + 512 || !hasAscii(b, at, 'regf')) return undefined
  let fileName = ''
  for (let i = 0; i < 64; i += 2) {
    const c = b[at + 48 + i]! | (b[at + 49 + i]! << 8)
    if (c === 0) break
    fileName += String.fromCharCode(c)
  }
  const checksumStored = u32(b, at + CHECKSUM_OFFSET)
  const checksumComputed = baseBlockChecksum(b, at)
  return {
    primarySequence: u32(b, at + 4),
    secondarySequence: u32(b, at + 8),
    lastWritten: u64(b, at + 12),
    major: u32(b, at + 20),
    minor: u32(b, at + 24),
    fileType: u32(b, at + 28),
    fileFormat: u32(b, at + 32),
    rootCell: u32(b, at + 36),
    hiveBinsSize: u32(b, at + 40),
    clusteringFactor: u32(b, at + 44),
    fileName,
    checksumStored,
    checksumComputed,
    checksumOk: checksumStored === checksumComputed,
    offreg: hasAscii(b, at + 176, 'OfRg'),
  }
}

/** Writes the checksum of the base block at `at` in place (only ever on a private in-memory copy). */
export function writeBaseBlockChecksum(b: Uint8Array, at = 0): void {
  const c = baseBlockChecksum(b, at)
  b[at + CHECKSUM_OFFSET] = c & 0xff
  b[at + CHECKSUM_OFFSET + 1] = (c >>> 8) & 0xff
  b[at + CHECKSUM_OFFSET + 2] = (c >>> 16) & 0xff
  b[at + CHECKSUM_OFFSET + 3] = (c >>> 24) & 0xff
}

export function putU32(b: Uint8Array, p: number, v: number): void {
  b[p] = v & 0xff
  b[p + 1] = (v >>> 8) & 0xff
  b[p + 2] = (v >>> 16) & 0xff
  b[p + 3] = (v >>> 24) & 0xff
}
