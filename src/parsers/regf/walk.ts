import {HBINS_START} from './base-block.js'
import {MAX_DEPTH, type Hive, type KeyNode, type ValueNode} from './hive.js'

export interface WalkedKey {
  key: KeyNode
  /** Path below the root, backslash-separated; "" for the root. */
  path: string
  depth: number
}

/**
 * Depth-first, pre-order walk from the root in subkey-list order (the order Windows keeps: sorted by
 * upper-case name). A key reached twice (a loop or a cross-linked list) is reported and not walked again;
 * so is nesting deeper than Windows allows.
 */
export function* walkKeys(h: Hive, visited: Set<number> = new Set()): Generator<WalkedKey> {
  const root = h.readKey(h.rootCell)
  if (!root) return
  const stack: WalkedKey[] = [{key: root, path: '', depth: 0}]
  visited.add(root.cell)
  while (stack.length) {
    const w = stack.pop()!
    yield w
    if (w.depth >= MAX_DEPTH) {
      h.report('REGF_TOO_DEEP', 'error', `key "${w.path}" is nested ${w.depth} levels deep; its subkeys are not walked`, HBINS_START + w.key.cell)
      continue
    }
    const subs = h.subkeys(w.key)
    for (let i = subs.length - 1; i >= 0; i--) {
      const off = subs[i]!
      if (visited.has(off)) {
        h.report('REGF_KEY_LOOP', 'error', `subkey at 0x${off.toString(16)} of "${w.path}" was already reached (loop or cross-linked list); not walked again`, HBINS_START + off)
        continue
      }
      const k = h.readKey(off)
      if (!k) continue
      visited.add(off)
      stack.push({key: k, path: w.path ? `${w.path}\\${k.name}` : k.name, depth: w.depth + 1})
    }
  }
}

/** Values of a key in value-list order; unreadable entries are reported by the hive and left out. */
export function keyValues(h: Hive, k: KeyNode, seen?: Set<number>): ValueNode[] {
  const out: ValueNode[] = []
  for (const off of h.valueOffsets(k)) {
    const v = h.readValue(off)
    if (!v) continue
    seen?.add(off)
    out.push(v)
  }
  return out
}

/** Finds a key by path below the root (case-insensitive, as Windows compares names). */
export function findKey(h: Hive, path: string, from?: KeyNode): KeyNode | undefined {
  let k = from ?? h.readKey(h.rootCell)
  if (!path) return k
  for (const part of path.split('\\')) {
    if (!k) return undefined
    const want = part.toUpperCase()
    let next: KeyNode | undefined
    for (const off of h.subkeys(k)) {
      const c = h.readKey(off)
      if (c && c.name.toUpperCase() === want) {
        next = c
        break
      }
    }
    k = next
  }
  return k
}

/** Subkeys of a key as nodes (unreadable ones reported and left out). */
export function subkeyNodes(h: Hive, k: KeyNode): KeyNode[] {
  const out: KeyNode[] = []
  for (const off of h.subkeys(k)) {
    const c = h.readKey(off)
    if (c) out.push(c)
  }
  return out
}

/** A value of a key by name (case-insensitive; "" is the default value). */
export function findValue(h: Hive, k: KeyNode, name: string): ValueNode | undefined {
  const want = name.toUpperCase()
  for (const off of h.valueOffsets(k)) {
    const v = h.readValue(off)
    if (v && v.name.toUpperCase() === want) return v
  }
  return undefined
}
