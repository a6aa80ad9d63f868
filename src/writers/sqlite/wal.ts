/**
 * Writes an SQLite write-ahead log (https://www.sqlite.org/fileformat2.html#walformat) that turns database
 * image `before` into `after`: every page that differs becomes one frame, the last frame is the commit frame
 * (it carries the database size in pages). Used by the demo server and the tests to put rows *only* in
 * `<db>-wal`, as a live ScreenConnect server does between checkpoints. Pure: bytes in, bytes out.
 *
 * Header: magic 0x377f0682 (checksums over little-endian 32-bit words), version 3007000, page size,
 * checkpoint sequence, salt-1, salt-2, then the checksum of those 24 bytes. Each frame header: page number,
 * commit size (0 except on the commit frame), the two salts, then the cumulative checksum over the frame
 * header's first 8 bytes and the page, continued from the previous frame (or the WAL header).
 */

const MAGIC_LE = 0x377f0682
const VERSION = 3007000

function checksum(data: Uint8Array, start: number, end: number, s: [number, number]): [number, number] {
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength)
  let s0 = s[0]
  let s1 = s[1]
  for (let i = start; i < end; i += 8) {
    s0 = (s0 + dv.getUint32(i, true) + s1) >>> 0
    s1 = (s1 + dv.getUint32(i + 4, true) + s0) >>> 0
  }
  return [s0, s1]
}

export function pageSizeOf(db: Uint8Array): number {
  if (db.length < 100 || Buffer.from(db.subarray(0, 16)).toString('latin1') !== 'SQLite format 3\u0000') throw new Error('not an SQLite 3 database image')
  const v = (db[16]! << 8) | db[17]!
  return v === 1 ? 65536 : v
}

/** Marks an image as WAL mode (file format read/write version bytes = 2), as a WAL database is on disk. */
export function markWalMode(db: Uint8Array): Uint8Array {
  const out = db.slice()
  out[18] = 2
  out[19] = 2
  return out
}

export interface WalWriteOptions {
  salt1: number
  salt2: number
  checkpointSeq?: number
}

/** The WAL bytes that bring `before` to `after` in one committed transaction. */
export function buildWal(before: Uint8Array, after: Uint8Array, opts: WalWriteOptions): {wal: Uint8Array; frames: number} {
  const pageSize = pageSizeOf(after)
  if (pageSizeOf(before) !== pageSize) throw new Error('before and after images have different page sizes')
  if (after.length % pageSize !== 0) throw new Error('after image is not a whole number of pages')
  const pages = after.length / pageSize
  const changed: number[] = []
  for (let p = 0; p < pages; p++) {
    const a = after.subarray(p * pageSize, (p + 1) * pageSize)
    const b = before.subarray(p * pageSize, (p + 1) * pageSize)
    if (b.length !== pageSize || Buffer.compare(Buffer.from(a), Buffer.from(b)) !== 0) changed.push(p + 1)
  }
  if (changed.length === 0) changed.push(1) // a commit needs at least one frame
  const frameSize = 24 + pageSize
  const wal = new Uint8Array(32 + changed.length * frameSize)
  const dv = new DataView(wal.buffer)
  dv.setUint32(0, MAGIC_LE, false)
  dv.setUint32(4, VERSION, false)
  dv.setUint32(8, pageSize, false)
  dv.setUint32(12, opts.checkpointSeq ?? 0, false)
  dv.setUint32(16, opts.salt1 >>> 0, false)
  dv.setUint32(20, opts.salt2 >>> 0, false)
  let sum = checksum(wal, 0, 24, [0, 0])
  dv.setUint32(24, sum[0], false)
  dv.setUint32(28, sum[1], false)
  changed.forEach((pgno, i) => {
    const off = 32 + i * frameSize
    dv.setUint32(off, pgno, false)
    dv.setUint32(off + 4, i === changed.length - 1 ? pages : 0, false)
    dv.setUint32(off + 8, opts.salt1 >>> 0, false)
    dv.setUint32(off + 12, opts.salt2 >>> 0, false)
    const page = after.subarray((pgno - 1) * pageSize, pgno * pageSize)
    // page 1 in a WAL database says so in its header, like the file on disk
    const img = pgno === 1 ? markWalMode(page) : page
    wal.set(img, off + 24)
    sum = checksum(wal, off, off + 8, sum)
    sum = checksum(wal, off + 24, off + frameSize, sum)
    dv.setUint32(off + 16, sum[0], false)
    dv.setUint32(off + 20, sum[1], false)
  })
  return {wal, frames: changed.length}
}
