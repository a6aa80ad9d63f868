import {diag, type Diagnostic, type Severity} from '../../core/diagnostics.js'
import {RatchetError} from '../../core/errors.js'
import {hasAscii, u16, u32, u64} from '../../binary/le.js'
import {HBINS_START, readBaseBlock, type BaseBlock} from './base-block.js'

/**
 * Read-only view of a regf hive held in one buffer. Cells are read in place on demand; a key or value
 * becomes an object only when asked for. Offsets inside the hive (cell offsets) are relative to the start
 * of the hive bins (file offset 4096); diagnostics and `offset` fields report FILE offsets.
 * Every offset and size read from the file is checked against the hive-bins end before use.
 */

/** nk flags (KEY_*), from the spec. */
export const KEY_HIVE_ENTRY = 0x0004
export const KEY_SYM_LINK = 0x0010
export const KEY_COMP_NAME = 0x0020
/** vk flag: the name is stored as (extended) ASCII. */
export const VALUE_COMP_NAME = 0x0001
/** Big data (db) is used above this many bytes of value data, from format 1.4 on. */
export const BIG_DATA_SEGMENT = 16344
/** Windows refuses keys nested deeper than 512 levels; deeper means a loop or damage. */
export const MAX_DEPTH = 512
/** Diagnostics kept per hive; past this they are counted (fuzzed input must not grow memory without bound). */
const MAX_DIAGNOSTICS = 500

export interface KeyNode {
  /** Cell offset (relative to the hive bins). */
  cell: number
  flags: number
  /** FILETIME. */
  lastWritten: bigint
  parent: number
  subkeyCount: number
  subkeyList: number
  valueCount: number
  valueList: number
  security: number
  classOffset: number
  classLength: number
  name: string
}

export interface ValueNode {
  cell: number
  name: string
  type: number
  /** Declared data size (flag bit removed). */
  size: number
  /** The data actually readable (may be shorter than `size` when damaged; diagnostics say so). */
  data: Uint8Array
  flags: number
}

const utf16 = new TextDecoder('utf-16le')

function latin1(b: Uint8Array, p: number, n: number): string {
  let s = ''
  for (let i = 0; i < n; i++) s += String.fromCharCode(b[p + i]!)
  return s
}

export interface HiveOptions {
  /** Name used in diagnostics. */
  file?: string
}

export class Hive {
  readonly bytes: Uint8Array
  readonly base: BaseBlock
  readonly file?: string
  /** File offset where the hive bins end (declared size, bounded by the buffer). */
  readonly end: number
  readonly diagnostics: Diagnostic[] = []
  /** Diagnostics beyond MAX_DIAGNOSTICS, counted only. */
  droppedDiagnostics = 0
  /** Data length of the cell last returned by cell(); -1 after a failure. */
  len = -1
  /** Whether that cell is allocated (negative size field). */
  allocated = false
  /** Why the last peekCell() failed: offset outside the hive bins (else the size field `rawSize` was bad). */
  outside = false
  rawSize = 0
  rootCell: number

  constructor(bytes: Uint8Array, opts: HiveOptions = {}) {
    this.bytes = bytes
    this.file = opts.file
    const base = readBaseBlock(bytes)
    if (!base) {
      throw new RatchetError('E_INPUT_FORMAT', `${opts.file ?? 'input'} is not a registry hive (no "regf" signature)`, {file: opts.file})
    }
    this.base = base
    if (!base.checksumOk) {
      this.report('REGF_BASE_CHECKSUM', 'warning', `base block checksum 0x${base.checksumStored.toString(16)} != computed 0x${base.checksumComputed.toString(16)}`, 508)
    }
    if (base.major !== 1 || base.minor < 2 || base.minor > 6) {
      this.report('REGF_VERSION', 'warning', `unexpected format version ${base.major}.${base.minor} (1.3 to 1.6 are known); read as 1.${Math.min(Math.max(base.minor, 3), 6)}`, 20)
    }
    let end = HBINS_START + base.hiveBinsSize
    if (base.hiveBinsSize === 0 || base.hiveBinsSize % 4096 !== 0) {
      this.report('REGF_HBINS_SIZE', 'warning', `base block declares ${base.hiveBinsSize} bytes of hive bins (not a positive multiple of 4096); using the file size`, 40)
      end = bytes.length
    }
    if (end > bytes.length) {
      this.report('REGF_TRUNCATED', 'error', `file is ${bytes.length} bytes but declares hive bins up to ${end}: truncated; only the first ${Math.max(0, bytes.length - HBINS_START)} bytes of hive bins are read`, bytes.length)
      end = bytes.length
    }
    this.end = end
    this.rootCell = base.rootCell
    if (!this.readKey(base.rootCell)) this.findRoot()
  }

  get minor(): number {
    return this.base.minor
  }

  report(code: string, severity: Severity, message: string, offset?: number): void {
    if (this.diagnostics.length >= MAX_DIAGNOSTICS) {
      this.droppedDiagnostics++
      return
    }
    this.diagnostics.push(diag(code, severity, message, {file: this.file, offset}))
  }

  /**
   * Data position (file offset) of the cell at hive offset `off`, or -1 when it lies outside the hive
   * bins or its size field is implausible. Sets `len` and `allocated`.
   */
  cell(off: number, what: string): number {
    const p = this.peekCell(off)
    if (p >= 0) return p
    const at = HBINS_START + off
    if (this.outside) this.report('REGF_CELL_OUT_OF_BOUNDS', 'error', `${what}: cell offset 0x${off.toString(16)} outside the hive bins`, at)
    else this.report('REGF_CELL_SIZE', 'error', `${what}: cell at 0x${off.toString(16)} has implausible size ${this.rawSize}`, at)
    return -1
  }

  /** The key node at hive offset `off`, or undefined (with a diagnostic) when it is not a readable nk. */
  readKey(off: number, quiet = false): KeyNode | undefined {
    const p = quiet ? this.peekCell(off) : this.cell(off, 'key node')
    if (p < 0) return undefined
    return this.keyAt(p, this.len, off, quiet)
  }

  /** Like cell() but silent (carving, where most candidates are garbage); sets `outside` / `rawSize` on failure. */
  peekCell(off: number): number {
    const p = HBINS_START + off
    this.len = -1
    this.outside = off < 0 || off % 4 !== 0 || p + 8 > this.end
    if (this.outside) return -1
    const raw = this.bytes[p]! | (this.bytes[p + 1]! << 8) | (this.bytes[p + 2]! << 16) | (this.bytes[p + 3]! << 24)
    this.rawSize = raw
    this.allocated = raw < 0
    const size = raw < 0 ? -raw : raw
    if (size < 8 || p + size > this.end) return -1
    this.len = size - 4
    return p + 4
  }

  /** Parses an nk record at file position `p` with `len` bytes available (used for carving too). */
  keyAt(p: number, len: number, cell: number, quiet = false): KeyNode | undefined {
    const b = this.bytes
    if (len < 76 || !hasAscii(b, p, 'nk')) {
      if (!quiet) this.report('REGF_NOT_NK', 'error', `expected a key node ("nk") at 0x${(p - HBINS_START - 4).toString(16)}`, p)
      return undefined
    }
    const flags = u16(b, p + 2)
    const name = this.nameAt(p, 76, u16(b, p + 72), len, (flags & KEY_COMP_NAME) !== 0, 'key', quiet)
    return {
      cell,
      flags,
      lastWritten: u64(b, p + 4),
      parent: u32(b, p + 16),
      subkeyCount: u32(b, p + 20),
      subkeyList: u32(b, p + 28),
      valueCount: u32(b, p + 36),
      valueList: u32(b, p + 40),
      security: u32(b, p + 44),
      classOffset: u32(b, p + 48),
      classLength: u16(b, p + 74),
      name,
    }
  }

  /** A record's name at `p + at`: (extended) ASCII when compressed, else UTF-16LE; cut to its cell. */
  private nameAt(p: number, at: number, nameLen: number, len: number, compressed: boolean, what: string, quiet: boolean): string {
    if (at + nameLen > len) {
      if (!quiet) this.report('REGF_NAME_TRUNCATED', 'warning', `${what} name length ${nameLen} exceeds its cell`, p)
      nameLen = len - at
    }
    return compressed ? latin1(this.bytes, p + at, nameLen) : utf16.decode(this.bytes.subarray(p + at, p + at + (nameLen & ~1)))
  }

  /** Class name of a key (UTF-16LE), undefined when it has none or it cannot be read. */
  className(k: KeyNode): string | undefined {
    if (k.classOffset === 0xffffffff || k.classLength === 0) return undefined
    const p = this.cell(k.classOffset, 'class name')
    if (p < 0) return undefined
    const n = Math.min(k.classLength, this.len) & ~1
    return utf16.decode(this.bytes.subarray(p, p + n))
  }

  /**
   * Subkey cell offsets of a key, through lf/lh/li lists and one level of ri index. Damaged lists give a
   * diagnostic and whatever elements were readable.
   */
  subkeys(k: KeyNode): number[] {
    const out: number[] = []
    if (k.subkeyCount === 0 || k.subkeyList === 0xffffffff) return out
    this.readList(k.subkeyList, out, 0)
    if (out.length !== k.subkeyCount) {
      this.report('REGF_SUBKEY_COUNT', 'warning', `key "${k.name}" declares ${k.subkeyCount} subkeys, its lists hold ${out.length}`, HBINS_START + k.cell)
    }
    return out
  }

  private readList(off: number, out: number[], depth: number): void {
    const p = this.cell(off, 'subkey list')
    if (p < 0) return
    const b = this.bytes
    const len = this.len
    if (len < 4) return
    const sig = latin1(b, p, 2)
    let count = u16(b, p + 2)
    const step = sig === 'lf' || sig === 'lh' ? 8 : sig === 'li' || sig === 'ri' ? 4 : 0
    if (!step) {
      this.report('REGF_BAD_SUBKEY_LIST', 'error', `unknown subkey list signature ${JSON.stringify(sig)} at 0x${off.toString(16)}`, p)
      return
    }
    if (4 + count * step > len) {
      this.report('REGF_LIST_TRUNCATED', 'error', `subkey list at 0x${off.toString(16)} declares ${count} elements, its cell holds ${Math.floor((len - 4) / step)}`, p)
      count = Math.floor((len - 4) / step)
    }
    if (sig === 'ri') {
      // An index root points at leaves only; a nested ri is damage (and a possible loop).
      if (depth > 0) {
        this.report('REGF_NESTED_INDEX_ROOT', 'error', `index root inside an index root at 0x${off.toString(16)}`, p)
        return
      }
      for (let i = 0; i < count; i++) this.readList(u32(b, p + 4 + i * 4), out, depth + 1)
      return
    }
    for (let i = 0; i < count; i++) out.push(u32(b, p + 4 + i * step))
  }

  /** Value (vk) cell offsets of a key. */
  valueOffsets(k: KeyNode): number[] {
    const out: number[] = []
    if (k.valueCount === 0 || k.valueList === 0xffffffff) return out
    const p = this.cell(k.valueList, 'value list')
    if (p < 0) return out
    let count = k.valueCount
    if (count * 4 > this.len) {
      this.report('REGF_LIST_TRUNCATED', 'error', `key "${k.name}" declares ${count} values, its value list holds ${Math.floor(this.len / 4)}`, p)
      count = Math.floor(this.len / 4)
    }
    for (let i = 0; i < count; i++) out.push(u32(this.bytes, p + i * 4))
    return out
  }

  readValue(off: number, quiet = false): ValueNode | undefined {
    const p = quiet ? this.peekCell(off) : this.cell(off, 'value')
    if (p < 0) return undefined
    return this.valueAt(p, this.len, off, quiet)
  }

  valueAt(p: number, len: number, cell: number, quiet = false): ValueNode | undefined {
    const b = this.bytes
    if (len < 20 || !hasAscii(b, p, 'vk')) {
      if (!quiet) this.report('REGF_NOT_VK', 'error', `expected a value ("vk") at 0x${cell.toString(16)}`, p)
      return undefined
    }
    const rawSize = u32(b, p + 4)
    const dataOff = u32(b, p + 8)
    const type = u32(b, p + 12)
    const flags = u16(b, p + 16)
    const name = this.nameAt(p, 20, u16(b, p + 2), len, (flags & VALUE_COMP_NAME) !== 0, 'value', quiet)
    const resident = rawSize >= 0x80000000
    const size = resident ? rawSize - 0x80000000 : rawSize
    let data: Uint8Array
    if (resident) data = b.subarray(p + 8, p + 8 + Math.min(size, 4))
    else if (size === 0) data = b.subarray(p, p)
    else data = this.valueData(dataOff, size, name, quiet)
    return {cell, name, type, size, data, flags}
  }

  private valueData(off: number, size: number, name: string, quiet: boolean): Uint8Array {
    const b = this.bytes
    const p = quiet ? this.peekCell(off) : this.cell(off, `data of value "${name}"`)
    if (p < 0) return b.subarray(0, 0)
    if (size > BIG_DATA_SEGMENT && this.minor >= 4 && this.len >= 8 && hasAscii(b, p, 'db')) return this.bigData(p, size, name, quiet)
    if (size > this.len) {
      if (!quiet) this.report('REGF_DATA_TRUNCATED', 'warning', `value "${name}" declares ${size} bytes of data, its cell holds ${this.len}`, p)
      return b.subarray(p, p + this.len)
    }
    return b.subarray(p, p + size)
  }

  /** Big data: a "db" record pointing at a list of segments of up to 16344 bytes each. */
  private bigData(p: number, size: number, name: string, quiet: boolean): Uint8Array {
    const b = this.bytes
    const count = u16(b, p + 2)
    const listOff = u32(b, p + 4)
    const lp = quiet ? this.peekCell(listOff) : this.cell(listOff, `big-data segment list of "${name}"`)
    if (lp < 0) return b.subarray(0, 0)
    const n = Math.min(count, Math.floor(this.len / 4))
    const out = new Uint8Array(size)
    let filled = 0
    for (let i = 0; i < n && filled < size; i++) {
      const sp = quiet ? this.peekCell(u32(b, lp + i * 4)) : this.cell(u32(b, lp + i * 4), `big-data segment ${i} of "${name}"`)
      if (sp < 0) break
      const take = Math.min(this.len, BIG_DATA_SEGMENT, size - filled)
      out.set(b.subarray(sp, sp + take), filled)
      filled += take
    }
    if (filled < size && !quiet) this.report('REGF_DATA_TRUNCATED', 'warning', `big-data value "${name}" declares ${size} bytes, ${filled} readable`, p)
    return out.subarray(0, filled)
  }

  /**
   * When the base block's root cell is not a key node, look for the key flagged as hive entry (the root)
   * by walking the hive bins.
   */
  private findRoot(): void {
    for (const c of this.cells()) {
      if (!c.allocated) continue
      const k = this.keyAt(c.data, c.len, c.cell, true)
      if (k && k.flags & KEY_HIVE_ENTRY) {
        this.report('REGF_ROOT_FOUND_BY_SCAN', 'warning', `root cell 0x${this.base.rootCell.toString(16)} is not a key node; used the hive-entry key at 0x${k.cell.toString(16)}`, 36)
        this.rootCell = k.cell
        return
      }
    }
  }

  /**
   * Every cell of every hive bin, in file order. A bin with a bad header is reported and skipped to the
   * next "hbin" signature on a 4096-byte boundary; a cell with an impossible size ends its bin.
   */
  *cells(): Generator<{cell: number; data: number; len: number; allocated: boolean}> {
    const b = this.bytes
    let bin = HBINS_START
    while (bin + 32 <= this.end) {
      const binSize = u32(b, bin + 8)
      if (!hasAscii(b, bin, 'hbin') || binSize < 4096 || binSize % 4096 !== 0 || bin + binSize > this.end) {
        this.report('REGF_BAD_HBIN', 'error', `bad hive bin header at file offset ${bin}`, bin)
        bin += 4096
        while (bin + 32 <= this.end && !hasAscii(b, bin, 'hbin')) bin += 4096
        continue
      }
      const binEnd = bin + binSize
      let p = bin + 32
      while (p + 4 <= binEnd) {
        const raw = b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)
        const size = raw < 0 ? -raw : raw
        if (size < 8 || size % 8 !== 0 || p + size > binEnd) {
          this.report('REGF_BAD_CELL', 'warning', `cell with impossible size ${raw} in the hive bin at ${bin}; rest of the bin skipped`, p)
          break
        }
        yield {cell: p - HBINS_START, data: p + 4, len: size - 4, allocated: raw < 0}
        p += size
      }
      bin = binEnd
    }
  }
}

/** Opens a hive buffer (throws RatchetError E_INPUT_FORMAT when it is not one). */
export function openHive(bytes: Uint8Array, opts: HiveOptions = {}): Hive {
  return new Hive(bytes, opts)
}
