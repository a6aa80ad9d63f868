import * as fs from 'node:fs'
import {u16, u32} from '../src/binary/le.js'

/**
 * Builds a big $MFT by appending copies of a real one until `bytes` is reached. Copy k's records keep their
 * names and parent references (so every copy hangs under the original directories and paths resolve), while
 * their own record numbers (header 0x2C) and base references (0x20, extension records) move by k × records, so
 * each copy's extension records join that copy's base record, not the original's. Returns the path.
 */
export function replicateMft(sample: string, out: string, bytes: number): string {
  if (fs.existsSync(out) && fs.statSync(out).size >= bytes) return out
  const src = new Uint8Array(fs.readFileSync(sample))
  const recordSize = u32(src, 0x1c)
  const records = Math.floor(src.length / recordSize)
  const fd = fs.openSync(out + '.tmp', 'w')
  const copy = new Uint8Array(records * recordSize)
  for (let k = 0, written = 0; written < bytes; k++) {
    copy.set(src.subarray(0, records * recordSize))
    for (let i = 0; i < records; i++) {
      const p = i * recordSize
      if (copy[p] !== 0x46) continue // 'F' of FILE
      const shift = k * records
      const n = u32(copy, p + 0x2c) + shift
      copy[p + 0x2c] = n & 0xff
      copy[p + 0x2d] = (n >>> 8) & 0xff
      copy[p + 0x2e] = (n >>> 16) & 0xff
      copy[p + 0x2f] = (n >>> 24) & 0xff
      const base = u32(copy, p + 0x20) + u16(copy, p + 0x24) * 0x100000000
      if (base !== 0 && k > 0) {
        const nb = base + shift
        copy[p + 0x20] = nb & 0xff
        copy[p + 0x21] = (nb >>> 8) & 0xff
        copy[p + 0x22] = (nb >>> 16) & 0xff
        copy[p + 0x23] = (nb >>> 24) & 0xff
        copy[p + 0x24] = Math.floor(nb / 0x100000000) & 0xff
      }
    }
    fs.writeSync(fd, copy)
    written += copy.length
  }
  fs.closeSync(fd)
  fs.renameSync(out + '.tmp', out)
  return out
}
