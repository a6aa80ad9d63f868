import {filetimeToIso} from '../../../core/time.js'
import {HBINS_START} from '../base-block.js'
import type {Hive, KeyNode, ValueNode} from '../hive.js'
import {decodeData, type ValueData} from '../values.js'
import {findKey, subkeyNodes} from '../walk.js'

/**
 * Helpers the hive readers (SAM, SYSTEM, SOFTWARE, NTUSER, Amcache) share: every record they return carries
 * where it came from (key path, value name, file offset) so events can point at the evidence.
 */
export interface RegLocator {
  /** Key path below the hive root. */
  key: string
  /** Value name, when the record comes from one value ("" = default value). */
  value?: string
  /** File offset of the vk (value) or nk (key) cell. */
  offset: number
  /** Key last-written time (ISO UTC). */
  keyTime?: string
}

export interface KeyRef {
  node: KeyNode
  path: string
}

/** A key by path (case-insensitive, as Windows looks names up); the result's path has the names as stored. */
export function openKey(h: Hive, path: string, from?: KeyRef): KeyRef | undefined {
  let node = from?.node ?? findKey(h, '')
  let actual = from?.path ?? ''
  for (const part of path ? path.split('\\') : []) {
    node = node && findKey(h, part, node)
    if (!node) return undefined
    actual = actual ? `${actual}\\${node.name}` : node.name
  }
  return node ? {node, path: actual} : undefined
}

export function children(h: Hive, k: KeyRef): KeyRef[] {
  return subkeyNodes(h, k.node).map((node) => ({node, path: k.path ? `${k.path}\\${node.name}` : node.name}))
}

export function child(h: Hive, k: KeyRef, name: string): KeyRef | undefined {
  return openKey(h, name, k)
}

/** All values of a key by upper-case name. */
export function valueMap(h: Hive, k: KeyRef): Map<string, ValueNode> {
  const m = new Map<string, ValueNode>()
  for (const off of h.valueOffsets(k.node)) {
    const v = h.readValue(off)
    if (v && !m.has(v.name.toUpperCase())) m.set(v.name.toUpperCase(), v)
  }
  return m
}

export function values(h: Hive, k: KeyRef): ValueNode[] {
  return [...valueMap(h, k).values()]
}

export const keyTime = (k: KeyRef): string | undefined => filetimeToIso(k.node.lastWritten)

export function loc(k: KeyRef, v?: ValueNode): RegLocator {
  return {key: k.path, value: v?.name, offset: HBINS_START + (v ? v.cell : k.node.cell), keyTime: keyTime(k)}
}

export function data(v: ValueNode | undefined): ValueData | undefined {
  return v ? decodeData(v.type, v.data) : undefined
}

/** A string value (SZ/EXPAND_SZ, or the first of a MULTI_SZ); undefined when absent or empty. */
export function str(v: ValueNode | undefined): string | undefined {
  const d = data(v)
  const s = Array.isArray(d) ? d[0] : typeof d === 'number' ? String(d) : v && (v.type === 1 || v.type === 2) ? d : undefined
  return s ? s : undefined
}

export function num(v: ValueNode | undefined): number | undefined {
  const d = data(v)
  return typeof d === 'number' ? d : undefined
}

/** FILETIME at `p` of a binary value as ISO (undefined for 0 / never / out of range). */
export function filetimeAt(b: Uint8Array, p: number): string | undefined {
  if (p + 8 > b.length) return undefined
  const lo = (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16)) + b[p + 3]! * 0x1000000
  const hi = (b[p + 4]! | (b[p + 5]! << 8) | (b[p + 6]! << 16)) + b[p + 7]! * 0x1000000
  if ((lo === 0 && hi === 0) || hi >= 0x7fffffff) return undefined
  return filetimeToIso((BigInt(hi) << 32n) | BigInt(lo))
}

export const u32le = (b: Uint8Array, p: number): number => (p + 4 <= b.length ? (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16)) + b[p + 3]! * 0x1000000 : 0)
export const u16le = (b: Uint8Array, p: number): number => (p + 2 <= b.length ? b[p]! | (b[p + 1]! << 8) : 0)

/** A SID in binary form at `p` (revision, count, 6-byte big-endian authority, sub-authorities) and its length. */
export function readSid(b: Uint8Array, p: number): {sid: string; length: number} | undefined {
  if (p + 8 > b.length || b[p] !== 1) return undefined
  const n = b[p + 1]!
  const length = 8 + n * 4
  if (n > 15 || p + length > b.length) return undefined
  let auth = 0
  for (let i = 2; i < 8; i++) auth = auth * 256 + b[p + i]!
  let sid = `S-1-${auth}`
  for (let i = 0; i < n; i++) sid += `-${u32le(b, p + 8 + i * 4)}`
  return {sid, length}
}

/** The current control set (Select\Current) of a SYSTEM hive as a key path, e.g. `ControlSet001`. */
export function currentControlSet(h: Hive): {path: string; number: number} | undefined {
  const sel = openKey(h, 'Select')
  const cur = sel ? num(valueMap(h, sel).get('CURRENT')) : undefined
  const candidates = cur !== undefined ? [cur] : [1, 2, 3]
  for (const n of candidates) {
    const path = `ControlSet${String(n).padStart(3, '0')}`
    if (openKey(h, path)) return {path, number: n}
  }
  return undefined
}
