import {diag, type Diagnostic} from '../../core/diagnostics.js'

/**
 * SQLite write-ahead log (https://www.sqlite.org/fileformat2.html#walformat). sql.js has no file system,
 * so pages that live only in `<db>-wal` are applied here: the WAL header (32 bytes) and frames (24-byte
 * header + one page) are validated by salts and the cumulative checksum; the last *committed* version of
 * each page wins; frames after the last commit frame (an unfinished transaction) are ignored.
 */
export const WAL_HEADER_SIZE = 32
export const WAL_FRAME_HEADER_SIZE = 24

export interface WalHeader {
  bigEndianChecksum: boolean
  version: number
  pageSize: number
  checkpointSeq: number
  salt1: number
  salt2: number
}

export interface WalResult {
  header?: WalHeader
  /** page number → page image (last committed version). */
  pages: Map<number, Uint8Array>
  /** Database size in pages after the last commit; 0 when nothing committed. */
  dbPages: number
  framesValid: number
  framesCommitted: number
  diagnostics: Diagnostic[]
}

function checksum(data: Uint8Array, start: number, end: number, bigEndian: boolean, s: [number, number]): [number, number] {
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength)
  let s0 = s[0]
  let s1 = s[1]
  for (let i = start; i < end; i += 8) {
    const x0 = dv.getUint32(i, !bigEndian)
    const x1 = dv.getUint32(i + 4, !bigEndian)
    s0 = (s0 + x0 + s1) >>> 0
    s1 = (s1 + x1 + s0) >>> 0
  }
  return [s0, s1]
}

export function parseWal(wal: Uint8Array, file = '-wal'): WalResult {
  const res: WalResult = {pages: new Map(), dbPages: 0, framesValid: 0, framesCommitted: 0, diagnostics: []}
  if (wal.length === 0) return res
  if (wal.length < WAL_HEADER_SIZE) {
    res.diagnostics.push(diag('SQLITE_WAL_TRUNCATED', 'warning', `WAL is ${wal.length} bytes, shorter than its 32-byte header; ignored`, {file}))
    return res
  }
  const dv = new DataView(wal.buffer, wal.byteOffset, wal.byteLength)
  const magic = dv.getUint32(0, false)
  if (magic !== 0x377f0682 && magic !== 0x377f0683) {
    res.diagnostics.push(diag('SQLITE_WAL_BAD_MAGIC', 'error', `WAL magic 0x${magic.toString(16)} is not SQLite's; WAL ignored`, {file, offset: 0}))
    return res
  }
  const bigEndian = (magic & 1) === 1
  const pageSize = dv.getUint32(8, false)
  const header: WalHeader = {bigEndianChecksum: bigEndian, version: dv.getUint32(4, false), pageSize, checkpointSeq: dv.getUint32(12, false), salt1: dv.getUint32(16, false), salt2: dv.getUint32(20, false)}
  res.header = header
  if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) {
    res.diagnostics.push(diag('SQLITE_WAL_BAD_PAGE_SIZE', 'error', `WAL page size ${pageSize} is invalid; WAL ignored`, {file, offset: 8}))
    return res
  }
  let sum = checksum(wal, 0, 24, bigEndian, [0, 0])
  if (sum[0] !== dv.getUint32(24, false) || sum[1] !== dv.getUint32(28, false)) {
    res.diagnostics.push(diag('SQLITE_WAL_BAD_HEADER_CHECKSUM', 'error', 'WAL header checksum mismatch; WAL ignored (SQLite would ignore it too)', {file, offset: 24}))
    return res
  }
  const frameSize = WAL_FRAME_HEADER_SIZE + pageSize
  const pending = new Map<number, Uint8Array>()
  let off = WAL_HEADER_SIZE
  let frame = 0
  while (off + frameSize <= wal.length) {
    const pgno = dv.getUint32(off, false)
    const commitSize = dv.getUint32(off + 4, false)
    const s1 = dv.getUint32(off + 8, false)
    const s2 = dv.getUint32(off + 12, false)
    if (s1 !== header.salt1 || s2 !== header.salt2) break // stale frame from an earlier WAL generation
    sum = checksum(wal, off, off + 8, bigEndian, sum)
    sum = checksum(wal, off + WAL_FRAME_HEADER_SIZE, off + frameSize, bigEndian, sum)
    if (sum[0] !== dv.getUint32(off + 16, false) || sum[1] !== dv.getUint32(off + 20, false)) {
      res.diagnostics.push(diag('SQLITE_WAL_BAD_FRAME_CHECKSUM', 'warning', `WAL frame ${frame} fails its checksum; it and later frames are not part of the log`, {file, offset: off}))
      break
    }
    if (pgno === 0) break
    res.framesValid++
    pending.set(pgno, wal.subarray(off + WAL_FRAME_HEADER_SIZE, off + frameSize))
    if (commitSize !== 0) {
      for (const [p, img] of pending) res.pages.set(p, img)
      pending.clear()
      res.dbPages = commitSize
      res.framesCommitted = res.framesValid
    }
    off += frameSize
    frame++
  }
  if (pending.size) {
    res.diagnostics.push(diag('SQLITE_WAL_UNCOMMITTED', 'info', `${res.framesValid - res.framesCommitted} WAL frame(s) after the last commit belong to an unfinished transaction and were not applied`, {file}))
  }
  const trailing = wal.length - off
  if (trailing > 0 && trailing < frameSize && pending.size === 0 && off + frameSize > wal.length) {
    res.diagnostics.push(diag('SQLITE_WAL_TRAILING_BYTES', 'info', `${trailing} trailing byte(s) after the last whole WAL frame`, {file, offset: off}))
  }
  return res
}

/** Page size from a database header (offset 16, big-endian; 1 means 65536). */
export function dbPageSize(db: Uint8Array): number | undefined {
  if (db.length < 100) return undefined
  if (new TextDecoder().decode(db.subarray(0, 16)) !== 'SQLite format 3\u0000') return undefined
  const v = (db[16]! << 8) | db[17]!
  return v === 1 ? 65536 : v
}

/**
 * Returns a private copy of the database with the committed WAL pages applied and the header switched to
 * rollback-journal mode (read/write version bytes 18/19 = 1), so an in-memory SQLite opens it without a WAL.
 */
export function applyWal(db: Uint8Array, wal: WalResult, file = 'db'): {image: Uint8Array; diagnostics: Diagnostic[]; appliedPages: number} {
  const diagnostics: Diagnostic[] = []
  const pageSize = dbPageSize(db) ?? wal.header?.pageSize
  if (!pageSize) throw new Error('not an SQLite database and no WAL page size')
  if (wal.header && wal.header.pageSize !== pageSize) {
    diagnostics.push(diag('SQLITE_WAL_PAGE_SIZE_MISMATCH', 'error', `WAL page size ${wal.header.pageSize} differs from the database's ${pageSize}; WAL not applied`, {file}))
    return {image: toRollback(db.slice()), diagnostics, appliedPages: 0}
  }
  const basePages = Math.floor(db.length / pageSize)
  const pages = wal.dbPages > 0 ? wal.dbPages : basePages
  const image = new Uint8Array(pages * pageSize)
  image.set(db.subarray(0, Math.min(db.length, image.length)))
  let applied = 0
  for (const [pgno, img] of wal.pages) {
    if (pgno > pages) continue // page beyond the committed size (freed by a truncating commit)
    image.set(img, (pgno - 1) * pageSize)
    applied++
  }
  if (wal.dbPages > 0 && image.length >= 32) {
    // In-header database size: keep it consistent with the pages actually present.
    new DataView(image.buffer).setUint32(28, pages, false)
  }
  return {image: toRollback(image), diagnostics, appliedPages: applied}
}

export function toRollback(image: Uint8Array): Uint8Array {
  if (image.length >= 20) {
    image[18] = 1
    image[19] = 1
  }
  return image
}
