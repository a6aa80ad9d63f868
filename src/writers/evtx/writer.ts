import {crc32} from 'node:zlib'
import {cloneChunkTables, newChunkTables, writeEventBinXml, type ChunkTables} from './binxml.js'
import {ByteSink} from './bytes.js'
import {buildEventTemplate, type EvtxEventSpec} from './event.js'

/**
 * EVTX file writer: a 4 KiB file header followed by 64 KiB chunks, each with a 512-byte header (record
 * range, last-record and free-space offsets, CRC32 of the records and of the header, common-string and
 * template-pointer tables) and its event records. Layouts follow the libevtx format notes.
 *
 * The whole file is built in memory: demo and test logs are small, and a chunk's header can only be
 * written once its records are known.
 */

export const FILE_HEADER_SIZE = 4096
export const CHUNK_SIZE = 65536
export const CHUNK_HEADER_SIZE = 512
const RECORD_SIGNATURE = 0x00002a2a

interface ChunkState {
  buf: Buffer
  /** Next free offset in the chunk (also the free-space offset once closed). */
  pos: number
  tables: ChunkTables
  firstRecordId: bigint | null
  lastRecordId: bigint
  lastRecordOffset: number
}

function newChunk(): ChunkState {
  return {buf: Buffer.alloc(CHUNK_SIZE), pos: CHUNK_HEADER_SIZE, tables: newChunkTables(), firstRecordId: null, lastRecordId: 0n, lastRecordOffset: 0}
}

/** Encodes one record at `base` in a chunk; returns its bytes. */
function encodeRecord(tables: ChunkTables, base: number, recordId: bigint, spec: EvtxEventSpec): Buffer {
  const out = new ByteSink(base, 2048)
  out.u32(RECORD_SIGNATURE)
  const sizeAt = out.u32(0)
  out.u64(recordId)
  out.u64(spec.writtenTime ?? spec.timeCreated)
  writeEventBinXml(out, tables, buildEventTemplate(spec, recordId))
  // Windows keeps records 8-byte aligned: zero padding before the size copy.
  while ((out.length + 4) % 8 !== 0) out.u8(0)
  const size = out.length + 4
  out.u32(size) // copy of the size closes the record
  out.patchU32(sizeAt, size)
  return out.toBuffer()
}

function closeChunk(c: ChunkState): Buffer {
  const b = c.buf
  b.write('ElfChnk\0', 0, 'latin1')
  const first = c.firstRecordId ?? 0n
  b.writeBigUInt64LE(first, 8) // first event record number
  b.writeBigUInt64LE(c.lastRecordId, 16) // last event record number
  b.writeBigUInt64LE(first, 24) // first event record identifier
  b.writeBigUInt64LE(c.lastRecordId, 32) // last event record identifier
  b.writeUInt32LE(128, 40) // header size
  b.writeUInt32LE(c.lastRecordOffset, 44)
  b.writeUInt32LE(c.pos, 48) // free space offset
  b.writeUInt32LE(1, 120) // flags: Windows sets 1 in closed chunks (meaning undocumented)
  b.writeUInt32LE(crc32(b.subarray(CHUNK_HEADER_SIZE, c.pos)), 52)
  c.tables.stringBuckets.forEach((off, i) => b.writeUInt32LE(off, 128 + i * 4))
  c.tables.templateBuckets.forEach((off, i) => b.writeUInt32LE(off, 384 + i * 4))
  // Header checksum covers bytes 0–119 and 128–511 (the tables included), so it is computed last.
  const headerCrc = crc32(b.subarray(128, CHUNK_HEADER_SIZE), crc32(b.subarray(0, 120)))
  b.writeUInt32LE(headerCrc, 124)
  return b
}

export class EvtxWriter {
  private readonly chunks: Buffer[] = []
  private current: ChunkState = newChunk()
  private nextRecordId: bigint

  constructor(opts: {firstRecordId?: bigint} = {}) {
    this.nextRecordId = opts.firstRecordId ?? 1n
  }

  /** Appends one event; returns its EventRecordID (sequential from firstRecordId). */
  add(spec: EvtxEventSpec): bigint {
    const id = this.nextRecordId
    let c = this.current
    let tables = cloneChunkTables(c.tables)
    let rec = encodeRecord(tables, c.pos, id, spec)
    if (c.pos + rec.length > CHUNK_SIZE) {
      if (c.firstRecordId === null) throw new RangeError(`event ${spec.eventId} does not fit in one chunk (${rec.length} bytes)`)
      this.chunks.push(closeChunk(c))
      c = this.current = newChunk()
      tables = cloneChunkTables(c.tables)
      rec = encodeRecord(tables, c.pos, id, spec)
      if (c.pos + rec.length > CHUNK_SIZE) throw new RangeError(`event ${spec.eventId} does not fit in one chunk (${rec.length} bytes)`)
    }
    rec.copy(c.buf, c.pos)
    c.tables = tables
    c.firstRecordId ??= id
    c.lastRecordId = id
    c.lastRecordOffset = c.pos
    c.pos += rec.length
    this.nextRecordId = id + 1n
    return id
  }

  get recordCount(): number {
    return Number(this.nextRecordId - 1n)
  }

  /** The complete file: header plus every chunk (an empty log is a header and one empty chunk, as Windows leaves it). */
  toBuffer(): Buffer {
    const chunks = [...this.chunks, closeChunk(cloneChunk(this.current))]
    const header = Buffer.alloc(FILE_HEADER_SIZE)
    header.write('ElfFile\0', 0, 'latin1')
    header.writeBigUInt64LE(0n, 8) // first chunk number
    header.writeBigUInt64LE(BigInt(chunks.length - 1), 16) // last chunk number
    header.writeBigUInt64LE(this.nextRecordId, 24) // next record identifier
    header.writeUInt32LE(128, 32) // header size
    header.writeUInt16LE(1, 36) // minor version
    header.writeUInt16LE(3, 38) // major version
    header.writeUInt16LE(FILE_HEADER_SIZE, 40) // header block size
    header.writeUInt16LE(chunks.length, 42)
    header.writeUInt32LE(0, 120) // flags: clean, not full
    header.writeUInt32LE(crc32(header.subarray(0, 120)), 124)
    return Buffer.concat([header, ...chunks])
  }
}

function cloneChunk(c: ChunkState): ChunkState {
  return {...c, buf: Buffer.from(c.buf), tables: cloneChunkTables(c.tables)}
}
