import {hasAscii, u16, u32, u64n} from '../../binary/le.js'
import {type Diagnostic, diag} from '../../core/diagnostics.js'
import {RatchetError} from '../../core/errors.js'
import {guidString} from '../evtx/values.js'
import {BlockCache, readThroughCache} from './block-cache.js'
import {crc32c} from './checksums.js'
import type {ByteSource} from './types.js'

/**
 * VHDX (MS-VHDX v1.0), as libyal's notes and the Microsoft specification describe it:
 *   0        file type identifier `vhdxfile` + creator (UTF-16)
 *   64 KiB   header 1, 128 KiB header 2 (`head`, CRC-32C, sequence number; the valid one with the higher
 *            sequence number is current; a non-zero log GUID means the log holds unreplayed writes)
 *   192 KiB  region table 1, 256 KiB region table 2 (`regi`, CRC-32C; entries name the BAT and metadata regions)
 *   metadata `metadata` table: file parameters (block size, has-parent), virtual disk size, logical sector size
 *   BAT      u64 entries: state in bits 0–2, file offset in MiB in bits 20–63; after every `chunk ratio`
 *            payload entries comes one sector-bitmap entry (chunk ratio = 2^23 × logical sector size / block size)
 */

const BAT_GUID = '{2DC27766-F623-4200-9D64-115E9BFD4A08}'
const METADATA_GUID = '{8B7CA206-4790-4B9A-B8FE-575F050F886E}'
const FILE_PARAMETERS = '{CAA16737-FA36-4D43-B3B6-33F0AA44E76B}'
const VIRTUAL_DISK_SIZE = '{2FA54224-CD1B-4876-B211-5DBED83BF4B8}'
const LOGICAL_SECTOR_SIZE = '{8141BF1D-A96F-4709-BA47-F233A8FAAB5F}'
const PHYSICAL_SECTOR_SIZE = '{CDA348C7-445D-4471-9CC9-E9885251C556}'
const ZERO_GUID = '{00000000-0000-0000-0000-000000000000}'

const MiB = 1 << 20
const PAYLOAD_FULLY_PRESENT = 6
const PAYLOAD_PARTIALLY_PRESENT = 7
/** Refuse BATs that would not fit a sane disk (64 TiB of the minimum 1 MiB blocks). */
const MAX_BAT_ENTRIES = 1 << 26

export interface VhdxInfo {
  blockSize: number
  logicalSectorSize: number
  physicalSectorSize: number
  virtualSize: number
  /** Number of payload blocks with data in the file. */
  allocatedBlocks: number
  headerSequence: number
  /** A log with entries Windows would replay on mount; ratchet reads the blocks as they are. */
  logPending: boolean
  creator: string
}

export function isVhdx(b: Uint8Array): boolean {
  return hasAscii(b, 0, 'vhdxfile')
}

export class VhdxImage implements ByteSource {
  readonly size: number
  readonly info: VhdxInfo
  readonly diagnostics: Diagnostic[] = []
  private readonly bat: Float64Array
  private readonly chunkRatio: number
  private readonly cache: BlockCache

  constructor(
    private readonly file: ByteSource,
    private readonly name = 'vhdx',
  ) {
    const id = file.read(0, 8 + 512)
    if (!isVhdx(id)) throw new RatchetError('E_INPUT_FORMAT', `${name} is not a VHDX file (no vhdxfile signature)`, {file: name, offset: 0})
    let creator = ''
    for (let i = 0; i < 256; i++) {
      const c = u16(id, 8 + i * 2)
      if (c === 0) break
      creator += String.fromCharCode(c)
    }
    const header = this.currentHeader()
    const regions = this.regions()
    const bat = regions.get(BAT_GUID)
    const meta = regions.get(METADATA_GUID)
    if (!bat || !meta) throw new RatchetError('E_INPUT_FORMAT', `${name}: region table lacks the ${bat ? 'metadata' : 'BAT'} region`, {file: name})
    const m = this.metadata(meta.offset, meta.length)
    if (m.hasParent) {
      throw new RatchetError('E_INPUT_FORMAT', `${name} is a differencing VHDX: it needs its parent disk, which ratchet does not follow`, {file: name})
    }
    this.size = m.virtualSize
    this.chunkRatio = Math.floor((2 ** 23 * m.logicalSectorSize) / m.blockSize)
    const payloadBlocks = Math.ceil(m.virtualSize / m.blockSize)
    const entries = payloadBlocks + Math.floor((payloadBlocks - 1) / this.chunkRatio)
    if (entries > MAX_BAT_ENTRIES || entries * 8 > bat.length) {
      throw new RatchetError('E_INPUT_FORMAT', `${name}: BAT region (${bat.length} bytes) too small for ${entries} entries`, {file: name, offset: bat.offset})
    }
    const raw = file.read(bat.offset, entries * 8)
    if (raw.length < entries * 8) throw new RatchetError('E_INPUT_FORMAT', `${name}: BAT truncated`, {file: name, offset: bat.offset})
    // Payload block i → file offset (or -state when the block has no data): small and flat, 8 bytes a block.
    this.bat = new Float64Array(payloadBlocks)
    let allocated = 0
    for (let i = 0; i < payloadBlocks; i++) {
      const p = (i + Math.floor(i / this.chunkRatio)) * 8
      const state = raw[p]! & 7
      const offsetMb = Math.floor(u64n(raw, p) / MiB)
      if (state === PAYLOAD_FULLY_PRESENT || state === PAYLOAD_PARTIALLY_PRESENT) {
        const at = offsetMb * MiB
        if (at + m.blockSize > file.size) {
          this.diagnostics.push(diag('VHDX_BLOCK_BEYOND_FILE', 'error', `payload block ${i} at file offset ${at} lies beyond the file end (reads as zeros)`, {file: name, offset: bat.offset + p}))
          this.bat[i] = -1
        } else {
          this.bat[i] = at
          allocated++
        }
      } else this.bat[i] = -1
    }
    this.info = {
      blockSize: m.blockSize,
      logicalSectorSize: m.logicalSectorSize,
      physicalSectorSize: m.physicalSectorSize,
      virtualSize: m.virtualSize,
      allocatedBlocks: allocated,
      headerSequence: header.sequence,
      logPending: header.logPending,
      creator,
    }
    if (header.logPending) {
      this.diagnostics.push(
        diag('VHDX_LOG_NOT_REPLAYED', 'warning', `the VHDX log (${header.logLength} bytes at ${header.logOffset}) holds writes not yet applied; ratchet reads the blocks as stored, without replaying it`, {
          file: name,
          offset: header.logOffset,
        }),
      )
    }
    const cacheBlock = Math.min(m.blockSize, MiB)
    this.cache = new BlockCache(cacheBlock, 8, (i) => this.readBlockPiece(i * cacheBlock, cacheBlock))
  }

  read(offset: number, length: number): Uint8Array {
    return readThroughCache(this.cache, this.size, offset, length)
  }

  close(): void {
    this.file.close()
    this.cache.clear()
  }

  /** `length` bytes of virtual disk at `offset`, inside one payload block. */
  private readBlockPiece(offset: number, length: number): Uint8Array {
    const n = Math.min(length, this.size - offset)
    const block = Math.floor(offset / this.info.blockSize)
    const at = this.bat[block]!
    if (at < 0) return new Uint8Array(n)
    const got = this.file.read(at + (offset - block * this.info.blockSize), n)
    if (got.length === n) return got.slice()
    const out = new Uint8Array(n)
    out.set(got)
    return out
  }

  private currentHeader(): {sequence: number; logPending: boolean; logOffset: number; logLength: number} {
    const found: Array<{sequence: number; logPending: boolean; logOffset: number; logLength: number}> = []
    for (const at of [64 * 1024, 128 * 1024]) {
      const h = this.file.read(at, 4096)
      if (h.length < 4096 || !hasAscii(h, 0, 'head')) {
        this.diagnostics.push(diag('VHDX_HEADER_MISSING', 'warning', `no VHDX header at ${at}`, {file: this.name, offset: at}))
        continue
      }
      const copy = h.slice()
      copy.fill(0, 4, 8)
      if (crc32c(copy) !== u32(h, 4)) {
        this.diagnostics.push(diag('VHDX_HEADER_CRC', 'warning', `VHDX header at ${at}: CRC-32C mismatch (ignored)`, {file: this.name, offset: at}))
        continue
      }
      found.push({sequence: u64n(h, 8), logPending: guidString(h, 48) !== ZERO_GUID, logLength: u32(h, 68), logOffset: u64n(h, 72)})
    }
    if (found.length === 0) throw new RatchetError('E_INPUT_FORMAT', `${this.name}: neither VHDX header is valid`, {file: this.name, offset: 64 * 1024})
    return found.reduce((a, b) => (b.sequence > a.sequence ? b : a))
  }

  private regions(): Map<string, {offset: number; length: number}> {
    for (const at of [192 * 1024, 256 * 1024]) {
      const r = this.file.read(at, 64 * 1024)
      if (r.length < 64 * 1024 || !hasAscii(r, 0, 'regi')) continue
      const copy = r.slice()
      copy.fill(0, 4, 8)
      if (crc32c(copy) !== u32(r, 4)) {
        this.diagnostics.push(diag('VHDX_REGION_CRC', 'warning', `VHDX region table at ${at}: CRC-32C mismatch (ignored)`, {file: this.name, offset: at}))
        continue
      }
      const count = Math.min(u32(r, 8), 2047)
      const out = new Map<string, {offset: number; length: number}>()
      for (let i = 0; i < count; i++) {
        const p = 16 + i * 32
        out.set(guidString(r, p), {offset: u64n(r, p + 16), length: u32(r, p + 24)})
      }
      return out
    }
    throw new RatchetError('E_INPUT_FORMAT', `${this.name}: no valid VHDX region table`, {file: this.name, offset: 192 * 1024})
  }

  private metadata(offset: number, length: number): {blockSize: number; hasParent: boolean; virtualSize: number; logicalSectorSize: number; physicalSectorSize: number} {
    const t = this.file.read(offset, Math.min(length, 64 * 1024))
    if (t.length < 32 || !hasAscii(t, 0, 'metadata')) throw new RatchetError('E_INPUT_FORMAT', `${this.name}: metadata table signature missing`, {file: this.name, offset})
    const count = Math.min(u16(t, 10), 2047)
    const items = new Map<string, Uint8Array>()
    for (let i = 0; i < count && 32 + i * 32 + 32 <= t.length; i++) {
      const p = 32 + i * 32
      const itemOffset = u32(t, p + 16)
      const itemLength = Math.min(u32(t, p + 20), 4096)
      items.set(guidString(t, p), this.file.read(offset + itemOffset, itemLength))
    }
    const need = (guid: string, what: string, len: number): Uint8Array => {
      const v = items.get(guid)
      if (!v || v.length < len) throw new RatchetError('E_INPUT_FORMAT', `${this.name}: metadata item "${what}" missing`, {file: this.name, offset})
      return v
    }
    const fp = need(FILE_PARAMETERS, 'file parameters', 8)
    const blockSize = u32(fp, 0)
    const logicalSectorSize = u32(need(LOGICAL_SECTOR_SIZE, 'logical sector size', 4), 0)
    const physical = items.get(PHYSICAL_SECTOR_SIZE)
    const virtualSize = u64n(need(VIRTUAL_DISK_SIZE, 'virtual disk size', 8), 0)
    // The specification bounds: block size 1–256 MiB, a power of two; sectors of 512 or 4096 bytes.
    if (blockSize < MiB || blockSize > 256 * MiB || (blockSize & (blockSize - 1)) !== 0 || (logicalSectorSize !== 512 && logicalSectorSize !== 4096)) {
      throw new RatchetError('E_INPUT_FORMAT', `${this.name}: block size ${blockSize} / logical sector size ${logicalSectorSize} outside the specification`, {file: this.name, offset})
    }
    return {blockSize, hasParent: (u32(fp, 4) & 2) !== 0, virtualSize, logicalSectorSize, physicalSectorSize: physical && physical.length >= 4 ? u32(physical, 0) : logicalSectorSize}
  }
}
