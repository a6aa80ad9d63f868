import {hasAscii} from '../../binary/le.js'
import {type Diagnostic, diag} from '../../core/diagnostics.js'
import {RatchetError} from '../../core/errors.js'
import {BlockCache, readThroughCache} from './block-cache.js'
import {SliceSource} from './slice.js'
import type {ByteSource} from './types.js'

/**
 * VHD (Microsoft Virtual Hard Disk Image Format Specification 1.0), big-endian throughout:
 *   footer (512 bytes; 511 in pre-2004 files) at the end, and a copy at 0 in dynamic disks: `conectix`,
 *   data offset u64 @16 (dynamic header, or all ones for fixed), current size u64 @48, disk type u32 @60
 *   (2 fixed, 3 dynamic, 4 differencing), checksum u32 @64 (one's complement of the byte sum without it)
 *   dynamic header (1024 bytes): `cxsparse`, BAT offset u64 @16, max table entries u32 @28, block size u32 @32
 *   BAT: u32 sector numbers, 0xFFFFFFFF = block not allocated (reads as zeros); each allocated block is a
 *   sector bitmap (rounded up to 512 bytes) followed by the block's data.
 */

const DISK_FIXED = 2
const DISK_DYNAMIC = 3
const DISK_DIFFERENCING = 4
const UNALLOCATED = 0xffffffff
const MAX_BAT_ENTRIES = 1 << 24

export interface VhdInfo {
  diskType: 'fixed' | 'dynamic'
  virtualSize: number
  blockSize?: number
  allocatedBlocks?: number
  creatorApplication: string
}

const be32 = (b: Uint8Array, p: number): number => ((b[p]! << 24) >>> 0) + (b[p + 1]! << 16) + (b[p + 2]! << 8) + b[p + 3]!
const be64 = (b: Uint8Array, p: number): number => be32(b, p) * 0x100000000 + be32(b, p + 4)

/** True when `footer` (the last 512 bytes, or the first 512 of a dynamic disk) is a VHD footer. */
export function isVhdFooter(footer: Uint8Array): boolean {
  return hasAscii(footer, 0, 'conectix')
}

function footerChecksumOk(f: Uint8Array): boolean {
  let sum = 0
  for (let i = 0; i < 512; i++) if (i < 64 || i >= 68) sum += f[i]!
  return (~sum >>> 0) === be32(f, 64)
}

/** Opens a VHD file as the ByteSource of its virtual disk (fixed: a slice of the file; dynamic: through the BAT). */
export function openVhd(file: ByteSource, name = 'vhd'): {media: ByteSource; info: VhdInfo; diagnostics: Diagnostic[]} {
  const diagnostics: Diagnostic[] = []
  let footer = file.read(file.size - 512, 512)
  if (!isVhdFooter(footer)) {
    // Microsoft Virtual PC before 2004 wrote a 511-byte footer.
    const old = file.read(file.size - 511, 511)
    if (isVhdFooter(old)) {
      footer = new Uint8Array(512)
      footer.set(old)
    }
  }
  if (!isVhdFooter(footer) || !footerChecksumOk(footer)) {
    const head = file.read(0, 512)
    if (isVhdFooter(head) && footerChecksumOk(head)) {
      diagnostics.push(diag('VHD_FOOTER_DAMAGED', 'warning', 'footer at the end of the file missing or damaged: the copy at offset 0 was used', {file: name, offset: file.size - 512}))
      footer = head
    } else if (!isVhdFooter(footer)) throw new RatchetError('E_INPUT_FORMAT', `${name} is not a VHD file (no conectix footer)`, {file: name, offset: file.size - 512})
    else diagnostics.push(diag('VHD_FOOTER_CHECKSUM', 'warning', 'VHD footer checksum mismatch', {file: name, offset: file.size - 512}))
  }
  const type = be32(footer, 60)
  const virtualSize = be64(footer, 48)
  let creatorApplication = ''
  for (let i = 24; i < 28; i++) if (footer[i]! >= 0x20 && footer[i]! < 0x7f) creatorApplication += String.fromCharCode(footer[i]!)
  if (type === DISK_FIXED) {
    if (virtualSize > file.size - 512) {
      diagnostics.push(diag('VHD_TRUNCATED', 'error', `fixed VHD declares ${virtualSize} bytes but holds ${file.size - 512}`, {file: name}))
    }
    return {media: new OwnedSlice(file, virtualSize), info: {diskType: 'fixed', virtualSize, creatorApplication: creatorApplication.trim()}, diagnostics}
  }
  if (type === DISK_DIFFERENCING) throw new RatchetError('E_INPUT_FORMAT', `${name} is a differencing VHD: it needs its parent disk, which ratchet does not follow`, {file: name})
  if (type !== DISK_DYNAMIC) throw new RatchetError('E_INPUT_FORMAT', `${name}: unknown VHD disk type ${type}`, {file: name, offset: file.size - 512 + 60})
  const image = new VhdDynamic(file, footer, name, diagnostics)
  return {media: image, info: {diskType: 'dynamic', virtualSize, blockSize: image.blockSize, allocatedBlocks: image.allocated, creatorApplication: creatorApplication.trim()}, diagnostics}
}

/** A fixed VHD: the data is the file minus its footer; closing closes the file. */
class OwnedSlice extends SliceSource {
  constructor(
    private readonly file: ByteSource,
    size: number,
  ) {
    super(file, 0, size)
  }

  override close(): void {
    this.file.close()
  }
}

class VhdDynamic implements ByteSource {
  readonly size: number
  readonly blockSize: number
  readonly allocated: number
  private readonly bat: Uint32Array
  private readonly bitmapBytes: number
  private readonly cache: BlockCache

  constructor(
    private readonly file: ByteSource,
    footer: Uint8Array,
    name: string,
    diagnostics: Diagnostic[],
  ) {
    const headerAt = be64(footer, 16)
    const h = file.read(headerAt, 1024)
    if (h.length < 1024 || !hasAscii(h, 0, 'cxsparse')) throw new RatchetError('E_INPUT_FORMAT', `${name}: dynamic header missing at ${headerAt}`, {file: name, offset: headerAt})
    this.size = be64(footer, 48)
    const batAt = be64(h, 16)
    const entries = be32(h, 28)
    this.blockSize = be32(h, 32)
    if (this.blockSize < 512 || this.blockSize % 512 !== 0 || this.blockSize > 256 * 1024 * 1024 || entries > MAX_BAT_ENTRIES) {
      throw new RatchetError('E_INPUT_FORMAT', `${name}: implausible block size ${this.blockSize} / ${entries} BAT entries`, {file: name, offset: headerAt})
    }
    const needed = Math.ceil(this.size / this.blockSize)
    if (entries < needed) diagnostics.push(diag('VHD_BAT_SHORT', 'error', `BAT has ${entries} entries, the disk needs ${needed}: the rest reads as zeros`, {file: name, offset: batAt}))
    const raw = file.read(batAt, entries * 4)
    this.bat = new Uint32Array(needed).fill(UNALLOCATED)
    let allocated = 0
    for (let i = 0; i < Math.min(needed, Math.floor(raw.length / 4)); i++) {
      const v = be32(raw, i * 4)
      this.bat[i] = v
      if (v !== UNALLOCATED) allocated++
    }
    this.allocated = allocated
    this.bitmapBytes = Math.ceil(this.blockSize / 512 / 8 / 512) * 512
    // Cache pieces must not straddle two VHD blocks.
    const cacheBlock = this.blockSize % (1 << 20) === 0 ? 1 << 20 : this.blockSize
    this.cache = new BlockCache(cacheBlock, 8, (i) => this.piece(i * cacheBlock, cacheBlock))
  }

  read(offset: number, length: number): Uint8Array {
    return readThroughCache(this.cache, this.size, offset, length)
  }

  close(): void {
    this.file.close()
    this.cache.clear()
  }

  private piece(offset: number, length: number): Uint8Array {
    const n = Math.min(length, this.size - offset)
    const block = Math.floor(offset / this.blockSize)
    const sector = this.bat[block]!
    if (sector === UNALLOCATED) return new Uint8Array(n)
    const got = this.file.read(sector * 512 + this.bitmapBytes + (offset - block * this.blockSize), n)
    const out = new Uint8Array(n)
    out.set(got)
    return out
  }
}
