import {NtfsDamage} from './errors.js'

/**
 * LZNT1 decompression (NTFS compressed attributes): a sequence of chunks, each a 2-byte header (bits 0–11 =
 * stored size − 3, bit 15 = compressed) and at most 4096 bytes of output. A compressed chunk is groups of a flag
 * byte and 8 tokens: literal byte, or a 16-bit back reference whose offset/length split depends on how far the
 * chunk has got (more offset bits as the position grows). Writes at most `out.length` bytes; returns the count.
 */
export function lznt1Decompress(src: Uint8Array, out: Uint8Array): number {
  let sp = 0
  let op = 0
  while (sp + 2 <= src.length && op < out.length) {
    const header = src[sp]! | (src[sp + 1]! << 8)
    if (header === 0) break
    const size = (header & 0x0fff) + 1
    const chunkEnd = Math.min(sp + 2 + size, src.length)
    sp += 2
    const chunkStart = op
    const chunkLimit = Math.min(out.length, chunkStart + 4096)
    if ((header & 0x8000) === 0) {
      // Stored chunk: copied as is.
      while (sp < chunkEnd && op < chunkLimit) out[op++] = src[sp++]!
      sp = chunkEnd
      continue
    }
    while (sp < chunkEnd && op < chunkLimit) {
      const flags = src[sp++]!
      for (let bit = 0; bit < 8 && sp < chunkEnd && op < chunkLimit; bit++) {
        if ((flags & (1 << bit)) === 0) {
          out[op++] = src[sp++]!
          continue
        }
        if (sp + 2 > chunkEnd) throw new NtfsDamage('NTFS_LZNT1_TRUNCATED', 'back reference cut by the chunk end', sp)
        const token = src[sp]! | (src[sp + 1]! << 8)
        sp += 2
        let lenMask = 0x0fff
        let offShift = 12
        for (let i = op - chunkStart - 1; i >= 0x10; i >>= 1) {
          lenMask >>= 1
          offShift--
        }
        const back = (token >> offShift) + 1
        let len = (token & lenMask) + 3
        if (back > op - chunkStart) throw new NtfsDamage('NTFS_LZNT1_BAD_REFERENCE', `back reference ${back} before the chunk start`, sp - 2)
        while (len-- > 0 && op < chunkLimit) {
          out[op] = out[op - back]!
          op++
        }
      }
    }
    sp = chunkEnd
    // A chunk that decompresses to less than 4096 bytes ends the data only at the stream end: pad with zeros.
    if (sp < src.length && op < chunkStart + 4096 && src[sp] !== 0) {
      while (op < chunkStart + 4096 && op < out.length) out[op++] = 0
    }
  }
  return op
}
