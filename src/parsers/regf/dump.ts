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

function dumpKey(h: Hive, k: KeyNode, path: string, values: DumpValue[], deleted: boolean): DumpKey {
  return {
    path,
    last_written: filetimeToIso(k.lastWritten) ?? null,
    class_name: h.className(k) ?? null,
    values,
    deleted,
    offset: HBINS_START + k.cell,
  }
}

/**
 * Every key of the hive in walk order, then (with `deleted`) the carved deleted keys and, as one record
 * with path `(orphan values)`, deleted values no key claims. `raw` receives the undecoded values (for
 * the .reg writer, which prints bytes exactly).
 */
export function* dumpKeys(h: Hive, opts: {deleted?: boolean} = {}): Generator<{key: DumpKey; raw: ValueNode[]}> {
  const live = new Map<number, string>()
  const liveValues = new Set<number>()
  const visited = new Set<number>()
  for (const w of walkKeys(h, visited)) {
    const raw = keyValues(h, w.key, liveValues)
    if (opts.deleted) live.set(w.key.cell, w.path)
    yield {key: dumpKey(h, w.key, w.path, raw.map((v) => dumpValue(v)), false), raw}
  }
  if (!opts.deleted) return
  const carved = carveDeleted(h, live, liveValues)
  for (const c of carved.keys) {
    yield {key: dumpKey(h, c.key, c.path, c.values.map((v) => dumpValue(v, true)), true), raw: c.values}
  }
  if (carved.orphanValues.length) {
    const first = carved.orphanValues[0]!
    yield {
      key: {path: '(orphan values)', last_written: null, class_name: null, values: carved.orphanValues.map((v) => dumpValue(v, true)), deleted: true, offset: HBINS_START + first.cell},
      raw: carved.orphanValues,
    }
  }
}

const escapeRegName = (s: string): string => s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')

/**
 * A key in the `.reg` (regedit 5.00) form `hivexregedit --export` writes: every value as `hex(TYPE):`
 * with its exact bytes (DWORDs as `dword:`), so both outputs compare line for line. Values are sorted by name
 * as hivexregedit does; keys stay in hive order (hivexregedit sorts them, case-sensitively).
 */
export function regLines(prefix: string, key: DumpKey, raw: ValueNode[]): string {
  let s = `[${prefix}\\${key.path}]\n`
  const vals = raw.slice().sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  for (const v of vals) {
    const name = v.name === '' ? '@' : `"${escapeRegName(v.name)}"`
    if (v.type === 4 && v.data.length === 4) {
      const d = v.data
      s += `${name}=dword:${HEX[d[3]!]}${HEX[d[2]!]}${HEX[d[1]!]}${HEX[d[0]!]}\n`
      continue
    }
    const bytes: string[] = new Array(v.data.length)
    for (let i = 0; i < v.data.length; i++) bytes[i] = HEX[v.data[i]!]!
    s += `${name}=hex(${v.type.toString(16)}):${bytes.join(',')}\n`
  }
  return s + '\n'
}

const HEX = Array.from({length: 256}, (_, i) => i.toString(16).padStart(2, '0'))

export const REG_HEADER = 'Windows Registry Editor Version 5.00\n\n'
