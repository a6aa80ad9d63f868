import * as zlib from 'node:zlib'

/**
 * CRC-32 (IEEE) as EVTX uses it for file header, chunk header and chunk record data. Node ≥ 20.15 has a
 * native zlib.crc32; the table fallback keeps older runtimes (and non-Node hosts) working.
 */
type Crc32Fn = (data: Uint8Array, value?: number) => number
const native = (zlib as unknown as {crc32?: Crc32Fn}).crc32

let table: Uint32Array | undefined
function makeTable(): Uint32Array {
  const t = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    t[n] = c >>> 0
  }
  return t
}

export function crc32(data: Uint8Array, prev = 0): number {
  if (native) return native(data, prev) >>> 0
  table ??= makeTable()
  let c = (prev ^ 0xffffffff) >>> 0
  for (let i = 0; i < data.length; i++) c = table[(c ^ data[i]!) & 0xff]! ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}
