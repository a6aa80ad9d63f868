/** The checksums the container formats store: Adler-32 (EWF), CRC-32C (VHDX); CRC-32 (GPT) is the EVTX one. */
export {crc32} from '../evtx/crc32.js'

/** Adler-32 (RFC 1950), as EWF stores it after section descriptors, table headers and uncompressed chunks. */
export function adler32(data: Uint8Array, start = 0, end = data.length): number {
  let a = 1
  let b = 0
  let i = start
  while (i < end) {
    // 3800 bytes keeps b below 2^32 before the modulo (zlib uses 5552 with 32-bit unsigned maths).
    const stop = Math.min(end, i + 3800)
    for (; i < stop; i++) {
      a += data[i]!
      b += a
    }
    a %= 65521
    b %= 65521
  }
  return (b * 65536 + a) >>> 0
}

let c32cTable: Uint32Array | undefined
function crc32cTable(): Uint32Array {
  const t = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1
    t[n] = c >>> 0
  }
  return t
}

/** CRC-32C (Castagnoli), as VHDX stores it in headers, region tables and log entries. */
export function crc32c(data: Uint8Array): number {
  const t = (c32cTable ??= crc32cTable())
  let c = 0xffffffff
  for (let i = 0; i < data.length; i++) c = t[(c ^ data[i]!) & 0xff]! ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}
