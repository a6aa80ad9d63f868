import * as fs from 'node:fs'
import * as path from 'node:path'
import {crc32} from '../src/parsers/evtx/crc32.js'

/**
 * Writes a large EVTX file for benchmarks by replicating the valid chunks of a real sample until the file
 * reaches `mb` MB, with the file header's chunk numbers, count, dirty flag and CRC fixed up. A file of the
 * right size already at `out` is reused.
 */
export function replicateEvtx(sample: string, out: string, mb: number): string {
  const src = new Uint8Array(fs.readFileSync(sample))
  const chunks: Uint8Array[] = []
  for (let off = 4096; off + 65536 <= src.length; off += 65536) {
    const c = src.subarray(off, off + 65536)
    if (Buffer.from(c.subarray(0, 8)).toString('latin1') === 'ElfChnk\0') chunks.push(c)
  }
  const count = Math.ceil((mb * 1e6 - 4096) / 65536)
  const want = 4096 + count * 65536
  if (fs.existsSync(out) && fs.statSync(out).size === want) return out
  const header = src.slice(0, 4096)
  const dv = new DataView(header.buffer)
  dv.setBigUint64(8, 0n, true) // first chunk number
  dv.setBigUint64(16, BigInt(count - 1), true) // last chunk number
  dv.setUint16(42, Math.min(count, 0xffff), true) // number of chunks
  dv.setUint32(120, dv.getUint32(120, true) & ~1, true) // not dirty
  dv.setUint32(124, crc32(header.subarray(0, 120)), true)
  fs.mkdirSync(path.dirname(out), {recursive: true})
  const fd = fs.openSync(out, 'w')
  fs.writeSync(fd, header)
  for (let i = 0; i < count; i++) fs.writeSync(fd, chunks[i % chunks.length]!)
  fs.closeSync(fd)
  return out
}
