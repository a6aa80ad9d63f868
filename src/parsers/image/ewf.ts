import {inflate, inflateSync} from 'node:zlib'

import {hasAscii, u32, u64n} from '../../binary/le.js'
import {type Diagnostic, diag} from '../../core/diagnostics.js'
import {RatchetError} from '../../core/errors.js'
import {BlockCache, readThroughCache} from './block-cache.js'
import {adler32} from './checksums.js'
import type {ByteSource} from './types.js'

/**
 * EWF (Expert Witness Compression Format, EnCase 1–7 `.E01`, SMART `.s01`) as libyal's format notes describe
 * it. A segment file starts with a 13-byte header (`EVF\t\r\n\xff\0`, 1, segment number u16, 0) and is a
 * chain of sections, each a 76-byte descriptor (type[16], next offset u64, section size u64, padding[40],
 * Adler-32 u32) followed by its data:
 *   header/header2  zlib-compressed acquisition metadata (ASCII / UTF-16LE tab-separated)
 *   volume/disk     media geometry (first segment); `data` is its copy in later segments
 *   sectors         the chunk bytes
 *   table/table2    chunk offsets (u32: bit 31 = compressed, 31-bit offset from the table's base offset)
 *   hash / digest   stored MD5 / MD5 + SHA-1 of the media
 *   error2          sector ranges the acquisition could not read
 *   next / done     end of this segment; `done` ends the set
 * A chunk is `sectors per chunk × bytes per sector` of media: compressed, a zlib stream; uncompressed, the
 * bytes followed by their Adler-32.
 */

export const EWF_SIGNATURE = [0x45, 0x56, 0x46, 0x09, 0x0d, 0x0a, 0xff, 0x00]
const EWF2_SIGNATURE = 'EVF2\r\n'
const DESCRIPTOR = 76
/** A segment with more sections than this is damaged (a real one has a handful per GiB of media). */
const MAX_SECTIONS = 1_000_000
/** Bounds for decompressing the header sections: metadata, never media. */
const MAX_HEADER_BYTES = 1 << 20

export interface EwfChunk {
  segment: number
  /** Absolute offset of the stored chunk inside its segment file. */
  offset: number
  storedSize: number
  compressed: boolean
}

export interface EwfMetadata {
  caseNumber?: string
  description?: string
  examiner?: string
  evidenceNumber?: string
  notes?: string
  acquiredAt?: string
  systemDate?: string
  acquisitionOs?: string
  acquisitionSoftware?: string
}

export interface EwfInfo {
  segments: number
  bytesPerSector: number
  sectorsPerChunk: number
  chunkSize: number
  sectorCount: number
  mediaSize: number
  chunkCount: number
  /** Stored MD5/SHA-1 of the media (lower-case hex) from the `hash`/`digest` sections, when present. */
  storedMd5?: string
  storedSha1?: string
  metadata: EwfMetadata
  /** Sector ranges the acquisition recorded as unreadable (error2 section). */
  acquisitionErrors: Array<{firstSector: number; sectorCount: number}>
}

interface PendingChunk {
  index: number
  want: number
  where: string
  c: EwfChunk
  bytes: Uint8Array
}

interface Section {
  type: string
  offset: number
  next: number
  size: number
  /** The descriptor's own Adler-32 matched. */
  descriptorOk: boolean
}

/** True when `b` starts with the EWF (v1) segment signature. */
export function isEwf(b: Uint8Array): boolean {
  return EWF_SIGNATURE.every((v, i) => b[i] === v)
}

/** The n-th (1-based) segment file extension after `first` (E01 → E02 … E99, EAA … EZZ, FAA …; case kept). */
export function segmentExtension(first: string, n: number): string {
  const lower = first[0] !== first[0]!.toUpperCase()
  const letter = first[0]!.toUpperCase().charCodeAt(0)
  let ext: string
  if (n <= 99) ext = String.fromCharCode(letter) + String(n).padStart(2, '0')
  else {
    const k = n - 100
    ext = String.fromCharCode(letter + Math.floor(k / 676)) + String.fromCharCode(65 + (Math.floor(k / 26) % 26)) + String.fromCharCode(65 + (k % 26))
  }
  return lower ? ext.toLowerCase() : ext
}

/**
 * An EWF image over its segment files (already opened, in order). Reads decompress whole chunks through a
 * small cache; damage met while reading (a chunk that does not inflate, a checksum mismatch, a chunk
 * missing from the tables) reads as zeros and is recorded once in `diagnostics`, never thrown.
 */
export class EwfImage implements ByteSource {
  readonly size: number
  readonly info: EwfInfo
  readonly diagnostics: Diagnostic[] = []
  private readonly chunks: EwfChunk[]
  private readonly cache: BlockCache
  private readonly damaged = new Set<number>()

  constructor(
    private readonly segments: ByteSource[],
    private readonly names: string[] = segments.map((_, i) => `segment ${i + 1}`),
  ) {
    const parsed = parseSegments(segments, names, this.diagnostics)
    this.info = parsed.info
    this.chunks = parsed.chunks
    this.size = parsed.info.mediaSize
    const capacity = Math.max(2, Math.floor((4 << 20) / parsed.info.chunkSize))
    this.cache = new BlockCache(parsed.info.chunkSize, capacity, (i) => this.chunk(i))
  }

  read(offset: number, length: number): Uint8Array {
    return readThroughCache(this.cache, this.size, offset, length)
  }

  /** The media bytes of chunk `index` (uncached; the last chunk may be short). Damage → zeros + diagnostic. */
  chunk(index: number): Uint8Array {
    const s = this.stored(index)
    if (s instanceof Uint8Array) return s
    let out: Uint8Array
    try {
      out = inflateSync(s.bytes, {maxOutputLength: this.info.chunkSize})
    } catch (e) {
      return this.inflateFailed(s, e)
    }
    return this.inflated(s, out)
  }

  /**
   * Like chunk(), but a compressed chunk is inflated in libuv's thread pool: `verify-image` keeps several
   * in flight and hashes on the main thread meanwhile.
   */
  chunkAsync(index: number): Promise<Uint8Array> {
    const s = this.stored(index)
    if (s instanceof Uint8Array) return Promise.resolve(s)
    return new Promise((resolve) => {
      inflate(s.bytes, {maxOutputLength: this.info.chunkSize}, (err, out) => resolve(err ? this.inflateFailed(s, err) : this.inflated(s, out)))
    })
  }

  /** The chunk's bytes when no inflation is needed (stored, missing, damaged), else what to inflate. */
  private stored(index: number): Uint8Array | PendingChunk {
    const {chunkSize} = this.info
    const want = Math.max(0, Math.min(chunkSize, this.size - index * chunkSize))
    const c = this.chunks[index]
    // Chunks past the end of the tables were reported once at open (EWF_CHUNKS_MISSING).
    if (!c) return new Uint8Array(want)
    const seg = this.segments[c.segment]!
    const stored = seg.read(c.offset, c.storedSize)
    const where = `${this.names[c.segment]} offset ${c.offset}`
    if (stored.length < c.storedSize) return this.damage(index, want, 'EWF_CHUNK_TRUNCATED', `chunk ${index} truncated at ${where}`, c)
    if (c.compressed) return {index, want, where, c, bytes: stored}
    // Uncompressed: the data, then its Adler-32. Some writers omit the checksum for the last chunk.
    if (stored.length >= want + 4 && adler32(stored, 0, want) !== u32(stored, want)) {
      this.note(index, 'EWF_CHUNK_CHECKSUM', `chunk ${index} at ${where}: Adler-32 mismatch`, c)
    }
    if (stored.length < want) return this.damage(index, want, 'EWF_CHUNK_SHORT', `chunk ${index} at ${where} holds ${stored.length} bytes, expected ${want}`, c)
    return stored.subarray(0, want)
  }

  private inflateFailed(s: PendingChunk, e: unknown): Uint8Array {
    return this.damage(s.index, s.want, 'EWF_CHUNK_INFLATE', `chunk ${s.index} at ${s.where} does not decompress: ${(e as Error).message}`, s.c)
  }

  private inflated(s: PendingChunk, out: Uint8Array): Uint8Array {
    if (out.length < s.want) return this.damage(s.index, s.want, 'EWF_CHUNK_SHORT', `chunk ${s.index} at ${s.where} inflates to ${out.length} bytes, expected ${s.want}`, s.c)
    return out.length === s.want ? out : out.subarray(0, s.want)
  }

  close(): void {
    for (const s of this.segments) s.close()
    this.cache.clear()
  }

  private damage(index: number, want: number, code: string, message: string, c: EwfChunk): Uint8Array {
    this.note(index, code, message + ' (read as zeros)', c)
    return new Uint8Array(want)
  }

  private note(index: number, code: string, message: string, c: EwfChunk): void {
    if (this.damaged.has(index)) return
    this.damaged.add(index)
    this.diagnostics.push(diag(code, 'error', message, {chunk: index, file: this.names[c.segment], offset: c.offset}))
  }
}

function readSection(seg: ByteSource, offset: number): Section | undefined {
  const d = seg.read(offset, DESCRIPTOR)
  if (d.length < DESCRIPTOR) return undefined
  let type = ''
  for (let i = 0; i < 16 && d[i] !== 0; i++) type += String.fromCharCode(d[i]!)
  return {type, offset, next: u64n(d, 16), size: u64n(d, 24), descriptorOk: adler32(d, 0, 72) === u32(d, 72)}
}

interface Parsed {
  info: EwfInfo
  chunks: EwfChunk[]
}

function parseSegments(segments: ByteSource[], names: string[], diagnostics: Diagnostic[]): Parsed {
  const info: EwfInfo = {
    segments: segments.length,
    bytesPerSector: 0,
    sectorsPerChunk: 0,
    chunkSize: 0,
    sectorCount: 0,
    mediaSize: 0,
    chunkCount: 0,
    metadata: {},
    acquisitionErrors: [],
  }
  const chunks: EwfChunk[] = []
  let headerSeen = false
  let sawDone = false
  for (let s = 0; s < segments.length; s++) {
    const seg = segments[s]!
    const name = names[s]!
    const fh = seg.read(0, 13)
    if (hasAscii(fh, 0, EWF2_SIGNATURE)) {
      throw new RatchetError('E_INPUT_FORMAT', `${name} is EWF version 2 (Ex01/Lx01), which ratchet does not read`, {file: name})
    }
    if (fh.length < 13 || !isEwf(fh)) throw new RatchetError('E_INPUT_FORMAT', `${name} is not an EWF segment file (bad signature)`, {file: name, offset: 0})
    const number = fh[9]! | (fh[10]! << 8)
    if (number !== s + 1) {
      diagnostics.push(diag('EWF_SEGMENT_NUMBER', 'error', `${name} says it is segment ${number}, expected ${s + 1}`, {file: name, offset: 9}))
    }
    const sectorsRanges: Array<[number, number]> = []
    let tableGroup: {chunks: EwfChunk[]; ok: boolean} | undefined
    let pos = 13
    for (let n = 0; n < MAX_SECTIONS; n++) {
      const sec = readSection(seg, pos)
      if (!sec) {
        diagnostics.push(diag('EWF_SEGMENT_TRUNCATED', 'error', `${name} ends inside a section descriptor`, {file: name, offset: pos}))
        break
      }
      if (!sec.descriptorOk) {
        diagnostics.push(diag('EWF_SECTION_CHECKSUM', 'warning', `section "${sec.type}" descriptor Adler-32 mismatch`, {file: name, offset: pos}))
      }
      const dataOffset = pos + DESCRIPTOR
      // EnCase 1 wrote sizes without the descriptor; the distance to the next section is the reliable bound.
      const dataEnd = sec.next > pos ? sec.next : Math.min(seg.size, pos + Math.max(sec.size, DESCRIPTOR))
      const dataSize = Math.max(0, dataEnd - dataOffset)
      switch (sec.type) {
        case 'header2':
        case 'header':
          if (!headerSeen) headerSeen = readHeader(seg, dataOffset, dataSize, sec.type, info.metadata, name, diagnostics)
          break
        case 'volume':
        case 'disk':
        case 'data':
          if (info.chunkSize === 0) readVolume(seg.read(dataOffset, Math.min(dataSize, 1052)), info, name, dataOffset, diagnostics)
          break
        case 'sectors':
          sectorsRanges.push([dataOffset, dataEnd])
          break
        case 'table': {
          if (tableGroup) chunks.push(...tableGroup.chunks)
          tableGroup = readTable(seg, s, dataOffset, dataSize, sectorsRanges, [pos, dataEnd], name, diagnostics)
          break
        }
        case 'table2': {
          // A mirror of the preceding table; used only when that one is damaged.
          if (tableGroup && !tableGroup.ok) {
            const alt = readTable(seg, s, dataOffset, dataSize, sectorsRanges, [pos, dataEnd], name, diagnostics)
            if (alt.ok) {
              diagnostics.push(diag('EWF_TABLE2_USED', 'warning', 'table section damaged: its table2 copy was used', {file: name, offset: pos}))
              tableGroup = alt
            }
          }
          break
        }
        case 'hash': {
          const h = seg.read(dataOffset, 16)
          if (h.length === 16 && h.some((v) => v !== 0)) info.storedMd5 ??= hex(h)
          break
        }
        case 'digest': {
          const h = seg.read(dataOffset, 36)
          if (h.length === 36) {
            if (h.subarray(0, 16).some((v) => v !== 0)) info.storedMd5 = hex(h.subarray(0, 16))
            if (h.subarray(16, 36).some((v) => v !== 0)) info.storedSha1 = hex(h.subarray(16, 36))
          }
          break
        }
        case 'error2':
          readErrors(seg.read(dataOffset, Math.min(dataSize, 524 + 8 * 65536)), info)
          break
        default:
          break
      }
      if (sec.type === 'done' || sec.type === 'next') {
        if (sec.type === 'done') sawDone = true
        break
      }
      if (sec.next <= pos || sec.next >= seg.size) {
        diagnostics.push(diag('EWF_SECTION_CHAIN', 'error', `section "${sec.type}" points to offset ${sec.next}: the chain ends here`, {file: name, offset: pos}))
        break
      }
      pos = sec.next
    }
    if (tableGroup) chunks.push(...tableGroup.chunks)
  }
  if (info.chunkSize === 0) throw new RatchetError('E_INPUT_FORMAT', `${names[0]}: no volume section (media geometry unknown)`, {file: names[0]})
  if (!sawDone) diagnostics.push(diag('EWF_NO_DONE', 'error', `no "done" section: segment files after ${names.at(-1)} are missing or the last one is truncated`, {file: names.at(-1)}))
  const expected = Math.ceil(info.mediaSize / info.chunkSize)
  if (chunks.length < expected) {
    diagnostics.push(
      diag('EWF_CHUNKS_MISSING', 'error', `tables list ${chunks.length} chunks, the media needs ${expected}: media from byte ${chunks.length * info.chunkSize} reads as zeros`, {
        chunk: chunks.length,
      }),
    )
  } else if (chunks.length > expected) {
    diagnostics.push(diag('EWF_CHUNKS_EXTRA', 'warning', `tables list ${chunks.length} chunks, the media needs ${expected}`, {}))
  }
  if (info.chunkCount !== 0 && info.chunkCount !== expected) {
    diagnostics.push(diag('EWF_CHUNK_COUNT', 'warning', `volume section says ${info.chunkCount} chunks, media size implies ${expected}`, {}))
  }
  return {info, chunks}
}

function readVolume(v: Uint8Array, info: EwfInfo, name: string, offset: number, diagnostics: Diagnostic[]): void {
  if (v.length < 24) {
    diagnostics.push(diag('EWF_VOLUME_SHORT', 'error', `volume section is ${v.length} bytes`, {file: name, offset}))
    return
  }
  info.chunkCount = u32(v, 4)
  info.sectorsPerChunk = u32(v, 8)
  info.bytesPerSector = u32(v, 12)
  // EnCase volume (1052 bytes) has a 64-bit sector count; the SMART/EWF-S01 volume (94 bytes) a 32-bit one.
  info.sectorCount = v.length >= 1052 ? u64n(v, 16) : u32(v, 16)
  const validSector = [512, 1024, 2048, 4096].includes(info.bytesPerSector)
  if (!validSector || info.sectorsPerChunk === 0 || info.sectorsPerChunk > 32768) {
    throw new RatchetError('E_INPUT_FORMAT', `${name}: implausible geometry (${info.sectorsPerChunk} sectors per chunk of ${info.bytesPerSector} bytes)`, {file: name, offset})
  }
  info.chunkSize = info.sectorsPerChunk * info.bytesPerSector
  info.mediaSize = info.sectorCount * info.bytesPerSector
}

function readTable(
  seg: ByteSource,
  segment: number,
  dataOffset: number,
  dataSize: number,
  sectors: Array<[number, number]>,
  self: [number, number],
  name: string,
  diagnostics: Diagnostic[],
): {chunks: EwfChunk[]; ok: boolean} {
  const h = seg.read(dataOffset, 24)
  if (h.length < 24) {
    diagnostics.push(diag('EWF_TABLE_TRUNCATED', 'error', 'table header truncated', {file: name, offset: dataOffset}))
    return {chunks: [], ok: false}
  }
  let ok = adler32(h, 0, 20) === u32(h, 20)
  const count = Math.min(u32(h, 0), Math.floor((dataSize - 24) / 4))
  if (count < u32(h, 0)) {
    diagnostics.push(diag('EWF_TABLE_TRUNCATED', 'error', `table declares ${u32(h, 0)} entries, room for ${count}`, {file: name, offset: dataOffset}))
    ok = false
  }
  if (!ok) diagnostics.push(diag('EWF_TABLE_CHECKSUM', 'warning', 'table header Adler-32 mismatch', {file: name, offset: dataOffset}))
  const base = u64n(h, 8)
  const e = seg.read(dataOffset + 24, count * 4)
  const chunks: EwfChunk[] = []
  let overflow = false
  let prev = -1
  for (let i = 0; i < count; i++) {
    const raw = u32(e, i * 4)
    let off = raw & 0x7fffffff
    let compressed = raw >= 0x80000000
    // Segments beyond 2 GiB: EnCase keeps counting into bit 31, so once offsets wrap the full 32 bits are
    // the offset and the chunks are stored uncompressed (libewf's "offset overflow").
    if (!overflow && prev >= 0 && off < prev && raw >= 0x80000000 && raw > prev) overflow = true
    if (overflow) {
      off = raw
      compressed = false
    }
    prev = off
    chunks.push({segment, offset: base + off, storedSize: 0, compressed})
  }
  // A chunk ends where the next begins; the last one at the end of the sectors section that holds it
  // (or, in EnCase 1 files without a sectors section, of the table section itself).
  for (let i = 0; i < chunks.length; i++) {
    const c = chunks[i]!
    let end: number
    if (i + 1 < chunks.length) end = chunks[i + 1]!.offset
    else {
      const region = sectors.find(([a, b]) => c.offset >= a && c.offset < b) ?? (c.offset >= self[0] && c.offset < self[1] ? self : undefined)
      end = region ? region[1] : self[0]
    }
    c.storedSize = Math.max(0, end - c.offset)
    if (end <= c.offset) {
      diagnostics.push(diag('EWF_TABLE_ENTRY', 'error', `table entry ${i} (offset ${c.offset}) is not before the next chunk`, {file: name, offset: dataOffset + 24 + i * 4}))
      ok = false
    }
  }
  return {chunks, ok}
}

function readErrors(b: Uint8Array, info: EwfInfo): void {
  if (b.length < 4) return
  const count = u32(b, 0)
  // error2: entry count, 512 bytes padding, Adler-32, then (first sector u32, sector count u32) entries.
  for (let i = 0; i < count && 520 + i * 8 + 8 <= b.length; i++) {
    info.acquisitionErrors.push({firstSector: u32(b, 520 + i * 8), sectorCount: u32(b, 524 + i * 8)})
  }
}

/**
 * header2 is UTF-16LE (with BOM), header ASCII; both are zlib-compressed, tab-separated: line 1 the number
 * of categories, line 2 `main`, line 3 the field identifiers, line 4 the values.
 */
function readHeader(seg: ByteSource, offset: number, size: number, type: string, out: EwfMetadata, name: string, diagnostics: Diagnostic[]): boolean {
  let text: string
  try {
    const raw = inflateSync(seg.read(offset, Math.min(size, MAX_HEADER_BYTES)), {maxOutputLength: MAX_HEADER_BYTES})
    text = type === 'header2' ? new TextDecoder('utf-16le').decode(raw).replace(/^\uFEFF/, '') : new TextDecoder('latin1').decode(raw)
  } catch (e) {
    diagnostics.push(diag('EWF_HEADER_INFLATE', 'warning', `${type} section does not decompress: ${(e as Error).message}`, {file: name, offset}))
    return false
  }
  const lines = text.split(/\r?\n/)
  const keys = (lines[2] ?? '').split('\t')
  const values = (lines[3] ?? '').split('\t')
  const get = (k: string): string | undefined => {
    const i = keys.indexOf(k)
    const v = i >= 0 ? values[i]?.trim() : undefined
    return v ? v : undefined
  }
  const set = <K extends keyof EwfMetadata>(k: K, v: string | undefined): void => {
    if (v !== undefined) out[k] = v
  }
  set('caseNumber', get('c'))
  set('evidenceNumber', get('n'))
  set('description', get('a'))
  set('examiner', get('e'))
  set('notes', get('t'))
  set('acquisitionSoftware', get('av'))
  set('acquisitionOs', get('ov'))
  set('acquiredAt', headerDate(get('m')))
  set('systemDate', headerDate(get('u')))
  return true
}

/** header2 dates are Unix seconds; header dates `YYYY MM DD hh mm ss` (local time of the acquiring host). */
function headerDate(v: string | undefined): string | undefined {
  if (!v) return undefined
  if (/^\d+$/.test(v)) return new Date(Number(v) * 1000).toISOString()
  const m = /^(\d{4}) (\d{1,2}) (\d{1,2}) (\d{1,2}) (\d{1,2}) (\d{1,2})$/.exec(v)
  if (m) return `${m[1]}-${m[2]!.padStart(2, '0')}-${m[3]!.padStart(2, '0')}T${m[4]!.padStart(2, '0')}:${m[5]!.padStart(2, '0')}:${m[6]!.padStart(2, '0')} (acquisition host local time)`
  return v
}

function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')
}
