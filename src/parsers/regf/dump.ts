import type {Diagnostic} from '../../core/diagnostics.js'
import {filetimeToIso} from '../../core/time.js'
import {HBINS_START} from './base-block.js'
import {carveDeleted} from './carve.js'
import {Hive, type KeyNode, type ValueNode} from './hive.js'
import {recoverHive, type LogInput, type RecoveryReport} from './recover.js'
import {decodeData, typeName, type ValueData} from './values.js'
import {keyValues, walkKeys} from './walk.js'

/** One key of `ratchet registry dump` (the JSON-lines record). */
export interface DumpKey {
  /** Below the hive root, backslash-separated; "" for the root. Deleted keys whose parent is gone: `(orphan)\name`. */
  path: string
  last_written: string | null
  class_name: string | null
  values: DumpValue[]
  deleted: boolean
  /** File offset of the nk cell (in the recovered image when logs were applied). */
  offset: number
}

export interface DumpValue {
  name: string
  type: string
  data: ValueData
  deleted?: true
}

export interface OpenedHive {
  hive: Hive
  recovery: RecoveryReport
  /** Diagnostics of recovery (the hive's own accumulate in hive.diagnostics while it is read). */
  diagnostics: Diagnostic[]
}

/** Applies the logs (when given and the hive is dirty) on a copy, then opens the result. */
export function openWithLogs(bytes: Uint8Array, logs: LogInput[], file?: string): OpenedHive {
  const r = recoverHive(bytes, logs, file)
  const hive = new Hive(r.image, {file})
  return {hive, recovery: r.report, diagnostics: r.diagnostics}
}

export function dumpValue(v: ValueNode, deleted = false): DumpValue {
  const out: DumpValue = {name: v.name, type: typeName(v.type), data: decodeData(v.type, v.data)}
  if (deleted) out.deleted = true
  return out
}

/** A key as walked: its node, path and raw values (decoded only when a JSON record is asked for). */
export interface WalkedRecord {
  node?: KeyNode
  path: string
  raw: ValueNode[]
  deleted: boolean
  /** File offset of the nk cell (of the first value for the orphan-values record). */
  offset: number
}

/** The JSON-lines record of a walked key. */
export function toDumpKey(h: Hive, r: WalkedRecord): DumpKey {
  return {
    path: r.path,
    last_written: r.node ? (filetimeToIso(r.node.lastWritten) ?? null) : null,
    class_name: r.node ? (h.className(r.node) ?? null) : null,
    values: r.raw.map((v) => dumpValue(v, r.deleted)),
    deleted: r.deleted,
    offset: r.offset,
  }
}

/**
 * Every key of the hive in walk order, then (with `deleted`) the carved deleted keys and, as one record
 * with path `(orphan values)`, deleted values no key claims.
 */
export function* dumpKeys(h: Hive, opts: {deleted?: boolean} = {}): Generator<WalkedRecord> {
  const live = new Map<number, string>()
  const liveValues = new Set<number>()
  const visited = new Set<number>()
  for (const w of walkKeys(h, visited)) {
    const raw = keyValues(h, w.key, liveValues)
    if (opts.deleted) live.set(w.key.cell, w.path)
    yield {node: w.key, path: w.path, raw, deleted: false, offset: HBINS_START + w.key.cell}
  }
  if (!opts.deleted) return
  const carved = carveDeleted(h, live, liveValues)
  for (const c of carved.keys) yield {node: c.key, path: c.path, raw: c.values, deleted: true, offset: HBINS_START + c.key.cell}
  if (carved.orphanValues.length) {
    yield {path: '(orphan values)', raw: carved.orphanValues, deleted: true, offset: HBINS_START + carved.orphanValues[0]!.cell}
  }
}

const escapeRegName = (s: string): string => (s.includes('\\') || s.includes('"') ? s.replace(/\\/g, '\\\\').replace(/"/g, '\\"') : s)

/**
 * A key in the `.reg` (regedit 5.00) form `hivexregedit --export` writes: every value as `hex(TYPE):`
 * with its exact bytes (DWORDs as `dword:`), so both outputs compare line for line. Values are sorted by name
 * as hivexregedit does; keys stay in hive order (hivexregedit sorts them, case-sensitively).
 */
export function regLines(prefix: string, r: WalkedRecord): string {
  let s = `[${prefix}\\${r.path}]\n`
  const vals = r.raw.slice().sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  for (const v of vals) {
    const name = v.name === '' ? '@' : `"${escapeRegName(v.name)}"`
    if (v.type === 4 && v.data.length === 4) {
      const d = v.data
      s += `${name}=dword:${HEX[d[3]!]}${HEX[d[2]!]}${HEX[d[1]!]}${HEX[d[0]!]}\n`
      continue
    }
    s += `${name}=hex(${v.type.toString(16)}):${hexCommas(v.data)}\n`
  }
  return s + '\n'
}

const HEX = Array.from({length: 256}, (_, i) => i.toString(16).padStart(2, '0'))
const DIGITS = Buffer.from('0123456789abcdef', 'latin1')

/** `01,ab,ff`: written into one buffer (a string per byte made long values the bulk of the export's time). */
function hexCommas(b: Uint8Array): string {
  if (b.length === 0) return ''
  const out = Buffer.allocUnsafe(b.length * 3 - 1)
  let o = 0
  for (let i = 0; i < b.length; i++) {
    if (i) out[o++] = 0x2c
    out[o++] = DIGITS[b[i]! >> 4]!
    out[o++] = DIGITS[b[i]! & 15]!
  }
  return out.toString('latin1', 0, o)
}

export const REG_HEADER = 'Windows Registry Editor Version 5.00\n\n'

/** The JSON-lines records of a hive, in dump order. */
export function* dumpJson(h: Hive, opts: {deleted?: boolean} = {}): Generator<DumpKey> {
  for (const r of dumpKeys(h, opts)) yield toDumpKey(h, r)
}
