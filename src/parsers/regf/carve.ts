import {hasAscii, u16, u32} from '../../binary/le.js'
import {HBINS_START} from './base-block.js'
import type {Hive, KeyNode, ValueNode} from './hive.js'

/**
 * Deleted keys and values: nk/vk records left in free cells (Windows marks a deleted cell free and may merge
 * it with free neighbours, so a record can start at any 8-byte cell boundary inside a larger free cell),
 * plus allocated records no live key references (a hive "healed" by Windows). Carved data is as it was
 * left: a cell it points at may have been reused since, so values of deleted keys are best effort.
 */
export interface CarvedKey {
  key: KeyNode
  path: string
  values: ValueNode[]
}

export interface CarveResult {
  keys: CarvedKey[]
  /** Deleted values no carved key claims. */
  orphanValues: ValueNode[]
}

/** FILETIMEs between 1990 and 2100: a carved key with a time outside is garbage that happens to read "nk". */
const FT_MIN = 125_911_584_000_000_000n
const FT_MAX = 157_766_880_000_000_000n
const MAX_VALUES_PER_CARVED_KEY = 65_536

function plausibleKey(k: KeyNode): boolean {
  return k.name.length > 0 && k.lastWritten >= FT_MIN && k.lastWritten < FT_MAX
}

export function carveDeleted(h: Hive, live: Map<number, string>, liveValues: Set<number>): CarveResult {
  const b = h.bytes
  const keys = new Map<number, KeyNode>()
  const vks = new Map<number, ValueNode>()
  for (const c of h.cells()) {
    const end = c.data + c.len
    // Allocated cells hold one record; free cells may hold several merged ones.
    for (let q = c.data; q + 4 <= end; q += 8) {
      const cell = q - 4 - HBINS_START
      if (hasAscii(b, q, 'nk')) {
        if (!(c.allocated && live.has(cell))) {
          const k = h.keyAt(q, end - q, cell, true)
          if (k && plausibleKey(k) && !live.has(cell)) keys.set(cell, k)
        }
      } else if (hasAscii(b, q, 'vk')) {
        if (!liveValues.has(cell)) {
          const v = h.valueAt(q, end - q, cell, true)
          if (v && u16(b, q + 2) <= 16383) vks.set(cell, v)
        }
      }
      if (c.allocated) break
    }
  }
  const result: CarveResult = {keys: [], orphanValues: []}
  const claimed = new Set<number>()
  const pathOf = (k: KeyNode, guard: number): string => {
    const parent = live.get(k.parent)
    if (parent !== undefined) return parent ? `${parent}\\${k.name}` : k.name
    const dk = keys.get(k.parent)
    if (dk && guard < 64 && dk !== k) return `${pathOf(dk, guard + 1)}\\${k.name}`
    return `(orphan)\\${k.name}`
  }
  for (const k of keys.values()) {
    const values: ValueNode[] = []
    if (k.valueCount > 0 && k.valueCount <= MAX_VALUES_PER_CARVED_KEY) {
      const lp = h.peekCell(k.valueList)
      if (lp >= 0) {
        const n = Math.min(k.valueCount, Math.floor(h.len / 4))
        for (let i = 0; i < n; i++) {
          const off = u32(b, lp + i * 4)
          if (liveValues.has(off)) continue
          const v = vks.get(off) ?? h.readValue(off, true)
          if (v) {
            values.push(v)
            claimed.add(off)
          }
        }
      }
    }
    result.keys.push({key: k, path: pathOf(k, 0), values})
  }
  for (const [off, v] of vks) if (!claimed.has(off)) result.orphanValues.push(v)
  return result
}
