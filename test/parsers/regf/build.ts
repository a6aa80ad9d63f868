/**
 * Test-only builder of small regf hives from a key tree, laid out as the format specification describes
 * (base block, one hive bin, nk/vk/lf/lh/li/ri/db cells). Tests damage the result on purpose.
 */
import {writeBaseBlockChecksum, putU32} from '../../../src/parsers/regf/base-block.js'

export interface TValue {
  name: string
  type: number
  data: Uint8Array
  /** Store the name as UTF-16LE (default: ASCII when it is Latin-1). */
  utf16Name?: boolean
}

export interface TKey {
  name: string
  values?: TValue[]
  subkeys?: TKey[]
  className?: string
  time?: bigint
  list?: 'lf' | 'lh' | 'li' | 'ri'
}

export interface Built {
  bytes: Uint8Array
  /** Cell offset (relative to the hive bins) of every key by path ("" = root). */
  keys: Map<string, number>
  values: Map<string, number>
}

export const utf16z = (s: string): Uint8Array => new Uint8Array(Buffer.from(s + '\u0000', 'utf16le'))
export const dword = (n: number): Uint8Array => {
  const b = new Uint8Array(4)
  putU32(b, 0, n)
  return b
}

const T0 = 133_000_000_000_000_000n // 2022-06-18

export function buildHive(root: TKey, opts: {minor?: number; fileSize?: number} = {}): Built {
  const minor = opts.minor ?? 5
  let buf = new Uint8Array(1 << 20)
  let top = 32 // cells start after the 32-byte hbin header
  const alloc = (len: number): number => {
    const size = (4 + len + 7) & ~7
    while (4096 + top + size + 8 > buf.length) {
      const nb = new Uint8Array(buf.length * 2)
      nb.set(buf)
      buf = nb
    }
    const off = top
    putU32(buf, 4096 + off, -size >>> 0)
    top += size
    return off
  }
  const at = (off: number): number => 4096 + off + 4
  const keys = new Map<string, number>()
  const values = new Map<string, number>()
  const putU16 = (p: number, v: number): void => {
    buf[p] = v & 0xff
    buf[p + 1] = (v >> 8) & 0xff
  }
  const isLatin1 = (s: string): boolean => [...s].every((c) => c.charCodeAt(0) < 256)
  const data = (bytes: Uint8Array): number => {
    if (minor >= 4 && bytes.length > 16344) {
      const segs: number[] = []
      for (let i = 0; i < bytes.length; i += 16344) {
        const chunk = bytes.subarray(i, i + 16344)
        const s = alloc(chunk.length)
        buf.set(chunk, at(s))
        segs.push(s)
      }
      const list = alloc(segs.length * 4)
      segs.forEach((s, i) => putU32(buf, at(list) + i * 4, s))
      const db = alloc(8)
      buf.set([0x64, 0x62], at(db))
      putU16(at(db) + 2, segs.length)
      putU32(buf, at(db) + 4, list)
      return db
    }
    const c = alloc(bytes.length)
    buf.set(bytes, at(c))
    return c
  }
  const writeKey = (k: TKey, parent: number, path: string, isRoot: boolean): number => {
    const ascii = isLatin1(k.name)
    const nameBytes = ascii ? Buffer.from(k.name, 'latin1') : Buffer.from(k.name, 'utf16le')
    const nk = alloc(76 + nameBytes.length)
    keys.set(path, nk)
    const p = at(nk)
    buf.set([0x6e, 0x6b], p)
    putU16(p + 2, (isRoot ? 0x4 : 0) | (ascii ? 0x20 : 0))
    const t = k.time ?? T0
    putU32(buf, p + 4, Number(t & 0xffffffffn))
    putU32(buf, p + 8, Number(t >> 32n))
    putU32(buf, p + 16, parent)
    putU32(buf, p + 28, 0xffffffff)
    putU32(buf, p + 32, 0xffffffff)
    putU32(buf, p + 40, 0xffffffff)
    putU32(buf, p + 44, 0xffffffff)
    putU32(buf, p + 48, 0xffffffff)
    putU16(p + 72, nameBytes.length)
    buf.set(nameBytes, p + 76)
    const vals = k.values ?? []
    if (vals.length) {
      const offs = vals.map((v) => {
        const vAscii = !v.utf16Name && isLatin1(v.name)
        const vn = vAscii ? Buffer.from(v.name, 'latin1') : Buffer.from(v.name, 'utf16le')
        const vk = alloc(20 + vn.length)
        values.set(`${path}:${v.name}`, vk)
        const q = at(vk)
        buf.set([0x76, 0x6b], q)
        putU16(q + 2, vn.length)
        if (v.data.length <= 4) {
          putU32(buf, q + 4, (0x80000000 | v.data.length) >>> 0)
          buf.set(v.data, q + 8)
        } else {
          putU32(buf, q + 4, v.data.length)
          putU32(buf, q + 8, data(v.data))
        }
        putU32(buf, q + 12, v.type)
        putU16(q + 16, vAscii ? 1 : 0)
        buf.set(vn, q + 20)
        return vk
      })
      const list = alloc(offs.length * 4)
      offs.forEach((o, i) => putU32(buf, at(list) + i * 4, o))
      putU32(buf, at(nk) + 36, vals.length)
      putU32(buf, at(nk) + 40, list)
    }
    if (k.className !== undefined) {
      const cb = Buffer.from(k.className, 'utf16le')
      const c = alloc(cb.length)
      buf.set(cb, at(c))
      putU32(buf, at(nk) + 48, c)
      putU16(at(nk) + 74, cb.length)
    }
    const subs = k.subkeys ?? []
    if (subs.length) {
      const childOffs = subs.map((s) => writeKey(s, nk, path ? `${path}\\${s.name}` : s.name, false))
      const kind = k.list ?? 'lh'
      const leaf = (items: number[], sig: string): number => {
        const step = sig === 'li' ? 4 : 8
        const l = alloc(4 + items.length * step)
        buf.set(Buffer.from(sig, 'latin1'), at(l))
        putU16(at(l) + 2, items.length)
        items.forEach((o, i) => putU32(buf, at(l) + 4 + i * step, o))
        return l
      }
      let list: number
      if (kind === 'ri') {
        const half = Math.ceil(childOffs.length / 2)
        const parts = [leaf(childOffs.slice(0, half), 'li'), leaf(childOffs.slice(half), 'lf')]
        list = alloc(4 + parts.length * 4)
        buf.set([0x72, 0x69], at(list))
        putU16(at(list) + 2, parts.length)
        parts.forEach((o, i) => putU32(buf, at(list) + 4 + i * 4, o))
      } else list = leaf(childOffs, kind)
      putU32(buf, at(nk) + 20, subs.length)
      putU32(buf, at(nk) + 28, list)
    }
    return nk
  }
  const rootOff = writeKey(root, 0xffffffff, '', true)
  // One hive bin holding every cell; the rest of the bin is one free cell.
  const binSize = Math.ceil((top + 8) / 4096) * 4096
  putU32(buf, 4096 + top, binSize - top)
  buf.set([0x68, 0x62, 0x69, 0x6e], 4096)
  putU32(buf, 4096 + 8, binSize)
  const out = new Uint8Array(Math.max(opts.fileSize ?? 0, 4096 + binSize))
  out.set(buf.subarray(0, 4096 + binSize))
  out.set([0x72, 0x65, 0x67, 0x66], 0)
  putU32(out, 4, 1)
  putU32(out, 8, 1)
  putU32(out, 20, 1)
  putU32(out, 24, minor)
  putU32(out, 32, 1)
  putU32(out, 36, rootOff)
  putU32(out, 40, binSize)
  putU32(out, 44, 1)
  writeBaseBlockChecksum(out)
  return {bytes: out, keys, values}
}
