import {baseBlockChecksum} from '../../parsers/regf/base-block.js'
import {BIG_DATA_SEGMENT} from '../../parsers/regf/hive.js'
import {filetimeFromIso} from '../evtx/values.js'
import {HiveBins} from './bins.js'
import {defaultKeySecurity} from './security.js'
import type {RegfKey, RegfValue, RegfWriteOptions} from './types.js'
import {encodeValueData, typeNumber} from './values.js'

/**
 * A regf (Windows registry hive) writer: the tree in, the file's bytes out. Layout facts from Maxim Suhanov's
 * "Windows registry file format specification" and libyal's REGF notes:
 * - base block (4096 bytes) "regf", equal primary/secondary sequence numbers (a clean hive), version 1.3 or
 *   1.5, root cell offset and hive bins data size, XOR checksum of the first 508 bytes at 508;
 * - every key an nk cell with its last-written FILETIME, class name cell, one shared sk cell, a value list of
 *   vk cells and a subkey list: lf (1.3) or lh (1.5) leaves sorted by upper-cased name, under an ri index when
 *   a key has more subkeys than one leaf takes;
 * - value data of 4 bytes or less inside the vk, longer data in its own cell, and over 16344 bytes (1.4 on) a
 *   db record with a list of segments of at most 16344 bytes.
 */

const BASE_BLOCK_SIZE = 4096
const NONE = 0xffffffff
// The checksum and the big-data segment size are the parser's (src/parsers/regf): one definition of each.
export {baseBlockChecksum, BIG_DATA_SEGMENT}

// nk flags (Suhanov, "Key node"): the root is KEY_HIVE_ENTRY | KEY_NO_DELETE; KEY_COMP_NAME marks an
// ASCII (compressed) name.
const KEY_HIVE_ENTRY = 0x0004
const KEY_NO_DELETE = 0x0008
const KEY_COMP_NAME = 0x0020
// vk flags: VALUE_COMP_NAME.
const VALUE_COMP_NAME = 0x0001

const DEFAULT_MAX_LEAF = 512

interface EncodedName {
  bytes: Buffer
  compressed: boolean
}

/** ASCII names are stored one byte a character (compressed); anything else as UTF-16LE. */
function encodeName(name: string): EncodedName {
  if (/^[\x00-\x7f]*$/.test(name)) return {bytes: Buffer.from(name, 'latin1'), compressed: true}
  return {bytes: Buffer.from(name, 'utf16le'), compressed: false}
}

/** Upper-cases code unit by code unit (Windows compares key names with RtlUpcaseUnicodeChar). */
export function upcaseName(name: string): string {
  // ASCII: only a-z change, exactly as toUpperCase changes them.
  if (/^[\x00-\x7f]*$/.test(name)) return name.toUpperCase()
  let out = ''
  for (const ch of name) {
    const u = ch.toUpperCase()
    out += u.length === ch.length ? u : ch
  }
  return out
}

/** lh hash: for each upper-cased character, hash = hash * 37 + character (32-bit). */
export function lhHash(name: string): number {
  const up = upcaseName(name)
  let h = 0
  for (let i = 0; i < up.length; i++) h = (Math.imul(h, 37) + up.charCodeAt(i)) >>> 0
  return h
}

/** lf name hint: the first 4 characters as bytes, zero-padded; 0 in the first byte when one is not ASCII. */
function lfHint(name: string): Buffer {
  const out = Buffer.alloc(4)
  const head = name.slice(0, 4)
  if (!/^[\x00-\x7f]*$/.test(head)) return out
  out.write(head, 0, 'latin1')
  return out
}

const toFiletime = (t: string | bigint): bigint => (typeof t === 'bigint' ? t : filetimeFromIso(t))

function checkTree(key: RegfKey, path: string): void {
  if (key.name.length > 255 && path !== '') throw new RangeError(`key name longer than 255 characters: ${path}`)
  const seen = new Set<string>()
  for (const k of key.subkeys ?? []) {
    const up = upcaseName(k.name)
    if (k.name === '' || k.name.includes('\\')) throw new RangeError(`bad key name "${k.name}" under "${path}"`)
    if (seen.has(up)) throw new RangeError(`duplicate subkey "${k.name}" under "${path}" (names are case-insensitive)`)
    seen.add(up)
    checkTree(k, path === '' ? k.name : `${path}\\${k.name}`)
  }
  const names = new Set<string>()
  for (const v of key.values ?? []) {
    const up = upcaseName(v.name)
    if (names.has(up)) throw new RangeError(`duplicate value "${v.name}" in "${path}"`)
    names.add(up)
  }
}

class Builder {
  readonly bins: HiveBins
  private readonly skOffset: number
  private keyCount = 0
  private readonly bigData: boolean
  private readonly hashLeaves: boolean
  private readonly maxLeaf: number

  constructor(firstBinTime: bigint, opts: RegfWriteOptions) {
    this.bins = new HiveBins(firstBinTime)
    const minor = opts.minorVersion ?? 5
    this.bigData = minor >= 4
    this.hashLeaves = minor >= 5
    this.maxLeaf = opts.maxLeafEntries ?? DEFAULT_MAX_LEAF
    if (!Number.isInteger(this.maxLeaf) || this.maxLeaf < 1 || this.maxLeaf > 0xffff) throw new RangeError(`bad maxLeafEntries ${this.maxLeaf}`)
    // One sk cell for all keys: a circular list of one (flink = blink = itself), reference count set at the end.
    const sd = defaultKeySecurity()
    this.skOffset = this.bins.alloc(20 + sd.length)
    const c = this.bins.content(this.skOffset)
    c.write('sk', 0, 'latin1')
    c.writeUInt32LE(this.skOffset, 4)
    c.writeUInt32LE(this.skOffset, 8)
    c.writeUInt32LE(sd.length, 16)
    sd.copy(c, 20)
  }

  finishSecurity(): void {
    this.bins.content(this.skOffset).writeUInt32LE(this.keyCount, 12)
  }

  key(k: RegfKey, parent: number, root: boolean): number {
    this.keyCount++
    const name = encodeName(k.name)
    const at = this.bins.alloc(76 + name.bytes.length)
    let classOffset = NONE
    let classLength = 0
    if (k.className !== undefined && k.className !== '') {
      const cls = Buffer.from(k.className, 'utf16le')
      classOffset = this.bins.put(cls)
      classLength = cls.length
    }
    const values = k.values ?? []
    let valueList = NONE
    let maxValueName = 0
    let maxValueData = 0
    if (values.length > 0) {
      const offsets = values.map((v) => {
        const {offset, nameBytes, dataSize} = this.value(v)
        maxValueName = Math.max(maxValueName, nameBytes)
        maxValueData = Math.max(maxValueData, dataSize)
        return offset
      })
      const list = Buffer.alloc(offsets.length * 4)
      offsets.forEach((o, i) => list.writeUInt32LE(o, i * 4))
      valueList = this.bins.put(list)
    }
    // Children in Windows order: sorted by upper-cased name, as lookups in lf/lh leaves require.
    const children = (k.subkeys ?? [])
      .map((c) => ({c, up: upcaseName(c.name)}))
      .sort((a, b) => (a.up < b.up ? -1 : a.up > b.up ? 1 : 0))
      .map((x) => x.c)
    const childOffsets = children.map((c) => this.key(c, at, false))
    const subkeyList = children.length > 0 ? this.subkeyList(children, childOffsets) : NONE

    const c = this.bins.content(at)
    c.write('nk', 0, 'latin1')
    c.writeUInt16LE((root ? KEY_HIVE_ENTRY | KEY_NO_DELETE : 0) | (name.compressed ? KEY_COMP_NAME : 0), 2)
    c.writeBigUInt64LE(toFiletime(k.lastWritten), 4)
    c.writeUInt32LE(parent >>> 0, 16)
    c.writeUInt32LE(children.length, 20)
    c.writeUInt32LE(0, 24)
    c.writeUInt32LE(subkeyList >>> 0, 28)
    c.writeUInt32LE(NONE, 32)
    c.writeUInt32LE(values.length, 36)
    c.writeUInt32LE(valueList >>> 0, 40)
    c.writeUInt32LE(this.skOffset, 44)
    c.writeUInt32LE(classOffset >>> 0, 48)
    // Largest subkey name / class name / value name: byte lengths as UTF-16LE; largest value data: bytes.
    c.writeUInt32LE(Math.max(0, ...children.map((x) => x.name.length * 2)), 52)
    c.writeUInt32LE(Math.max(0, ...children.map((x) => (x.className ?? '').length * 2)), 56)
    c.writeUInt32LE(maxValueName, 60)
    c.writeUInt32LE(maxValueData, 64)
    c.writeUInt16LE(name.bytes.length, 72)
    c.writeUInt16LE(classLength, 74)
    name.bytes.copy(c, 76)
    return at
  }

  private value(v: RegfValue): {offset: number; nameBytes: number; dataSize: number} {
    const name = encodeName(v.name)
    const data = encodeValueData(v)
    const at = this.bins.alloc(20 + name.bytes.length)
    let size = data.length
    let dataOffset = 0
    if (data.length <= 4) {
      // Resident data: stored in the data offset field itself, flagged by the size's top bit.
      size = (data.length | 0x80000000) >>> 0
      const c = this.bins.content(at)
      data.copy(c, 8)
    } else if (this.bigData && data.length > BIG_DATA_SEGMENT) {
      dataOffset = this.bigDataRecord(data)
    } else {
      dataOffset = this.bins.put(data)
    }
    const c = this.bins.content(at)
    c.write('vk', 0, 'latin1')
    c.writeUInt16LE(name.bytes.length, 2)
    c.writeUInt32LE(size, 4)
    if (data.length > 4) c.writeUInt32LE(dataOffset, 8)
    c.writeUInt32LE(typeNumber(v.type), 12)
    c.writeUInt16LE(name.compressed ? VALUE_COMP_NAME : 0, 16)
    name.bytes.copy(c, 20)
    return {offset: at, nameBytes: v.name.length * 2, dataSize: data.length}
  }

  /** db record: "db", segment count, offset of the segment list; each segment holds up to 16344 bytes. */
  private bigDataRecord(data: Buffer): number {
    const segments: number[] = []
    for (let p = 0; p < data.length; p += BIG_DATA_SEGMENT) {
      // Each segment cell keeps 4 spare bytes, as a full one does (16344 + 4 + 4 = 16352, 8-aligned): readers
      // such as libregf take a segment's length from its cell size minus 8.
      const seg = data.subarray(p, p + BIG_DATA_SEGMENT)
      const at = this.bins.alloc(seg.length + 4)
      this.bins.content(at).set(seg)
      segments.push(at)
    }
    const list = Buffer.alloc(segments.length * 4)
    segments.forEach((o, i) => list.writeUInt32LE(o, i * 4))
    const listOffset = this.bins.put(list)
    const db = Buffer.alloc(8)
    db.write('db', 0, 'latin1')
    db.writeUInt16LE(segments.length, 2)
    db.writeUInt32LE(listOffset, 4)
    return this.bins.put(db)
  }

  private subkeyList(children: readonly RegfKey[], offsets: readonly number[]): number {
    if (children.length <= this.maxLeaf) return this.leaf(children, offsets)
    const leaves: number[] = []
    for (let i = 0; i < children.length; i += this.maxLeaf) {
      leaves.push(this.leaf(children.slice(i, i + this.maxLeaf), offsets.slice(i, i + this.maxLeaf)))
    }
    const ri = Buffer.alloc(4 + leaves.length * 4)
    ri.write('ri', 0, 'latin1')
    ri.writeUInt16LE(leaves.length, 2)
    leaves.forEach((o, i) => ri.writeUInt32LE(o, 4 + i * 4))
    return this.bins.put(ri)
  }

  /** lh (hash of the upper-cased name) or lf (first four characters) leaf: count, then offset + hint pairs. */
  private leaf(children: readonly RegfKey[], offsets: readonly number[]): number {
    const out = Buffer.alloc(4 + children.length * 8)
    out.write(this.hashLeaves ? 'lh' : 'lf', 0, 'latin1')
    out.writeUInt16LE(children.length, 2)
    children.forEach((k, i) => {
      out.writeUInt32LE(offsets[i], 4 + i * 8)
      if (this.hashLeaves) out.writeUInt32LE(lhHash(k.name), 8 + i * 8)
      else lfHint(k.name).copy(out, 8 + i * 8)
    })
    return this.bins.put(out)
  }
}

function newestTime(k: RegfKey): bigint {
  let t = toFiletime(k.lastWritten)
  for (const s of k.subkeys ?? []) {
    const u = newestTime(s)
    if (u > t) t = u
  }
  return t
}

/** Writes the hive: base block, then the hive bins. The root key's name is the hive's root name (e.g. `ROOT`). */
export function writeRegf(root: RegfKey, opts: RegfWriteOptions = {}): Buffer {
  checkTree(root, '')
  const minor = opts.minorVersion ?? 5
  if (minor !== 3 && minor !== 5) throw new RangeError(`unsupported minor version ${String(minor)}`)
  const stamp = opts.lastWritten === undefined ? newestTime(root) : toFiletime(opts.lastWritten)
  const b = new Builder(stamp, opts)
  const rootOffset = b.key(root, NONE, true)
  b.finishSecurity()
  const bins = b.bins.finish()

  const base = Buffer.alloc(BASE_BLOCK_SIZE)
  const seq = opts.sequence ?? 1
  base.write('regf', 0, 'latin1')
  base.writeUInt32LE(seq >>> 0, 4)
  base.writeUInt32LE(seq >>> 0, 8)
  base.writeBigUInt64LE(stamp, 12)
  base.writeUInt32LE(1, 20)
  base.writeUInt32LE(minor, 24)
  base.writeUInt32LE(0, 28) // file type: primary
  base.writeUInt32LE(1, 32) // file format: direct memory load
  base.writeUInt32LE(rootOffset, 36)
  base.writeUInt32LE(bins.length, 40)
  base.writeUInt32LE(1, 44) // clustering factor
  if (opts.fileName) base.write(opts.fileName.slice(-31), 48, 'utf16le')
  base.writeUInt32LE(baseBlockChecksum(base), 508)
  return Buffer.concat([base, bins])
}
