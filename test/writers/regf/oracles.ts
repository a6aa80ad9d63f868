import {spawnSync} from 'node:child_process'
import {REG_TYPES} from '../../../src/writers/regf/index.js'

/**
 * Independent regf readers used as test oracles: `hivexregedit --export` (Debian libwin-hivex-perl, on hivex)
 * and libyal's `regfexport` (libregf-utils). Each parses its tool's text into keys and values; tests skip with
 * a message where a tool is absent.
 */

function has(tool: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`], {encoding: 'utf8'}).status === 0
}

export const hasHivexregedit = has('hivexregedit')
export const hasRegfexport = has('regfexport')
if (!hasHivexregedit) console.warn('hivexregedit not installed (Debian libwin-hivex-perl): hivex oracle tests skipped')
if (!hasRegfexport) console.warn('regfexport not installed (Debian libregf-utils): libregf oracle tests skipped')

export interface OracleValue {
  name: string
  /** REG_* type number. */
  type: number
  data: Buffer
}

export interface OracleKey {
  path: string
  className?: string
  values: OracleValue[]
}

function hexBytes(text: string): Buffer {
  const t = text.replace(/\\\r?\n\s*/g, '').trim()
  return t === '' ? Buffer.alloc(0) : Buffer.from(t.split(',').map((h) => parseInt(h, 16)))
}

/** `.reg` string literal: backslash escapes `\\` and `\"`. */
const unquote = (s: string): string => s.slice(1, -1).replace(/\\(.)/g, '$1')

/**
 * `hivexregedit --export <hive> '\'`: `[\path]` sections, `"name"=` or `@=` then `dword:xxxxxxxx` or
 * `hex(t):bytes`. Key names come out in UTF-8, value names one byte a character (Latin-1).
 */
export function hivexExport(file: string): Map<string, OracleKey> {
  const r = spawnSync('hivexregedit', ['--export', file, '\\'], {maxBuffer: 1 << 28})
  if (r.status !== 0) throw new Error(`hivexregedit failed: ${r.stderr.toString()}`)
  const keys = new Map<string, OracleKey>()
  let cur: OracleKey | undefined
  for (const raw of r.stdout.toString('latin1').split(/\r?\n/)) {
    if (raw.startsWith('[')) {
      const path = Buffer.from(raw.slice(1, -1), 'latin1').toString('utf8')
      cur = {path, values: []}
      keys.set(path, cur)
      continue
    }
    const m = /^(@|"(?:[^"\\]|\\.)*")=(?:dword:([0-9a-f]{8})|hex\(([0-9a-f]+)\):(.*))$/.exec(raw)
    if (!m || !cur) continue
    const name = m[1] === '@' ? '' : unquote(m[1])
    if (m[2] !== undefined) {
      const d = Buffer.alloc(4)
      d.writeUInt32LE(parseInt(m[2], 16))
      cur.values.push({name, type: 4, data: d})
    } else {
      cur.values.push({name, type: parseInt(m[3], 16), data: hexBytes(m[4])})
    }
  }
  return keys
}

/** regfexport names the REG_* constants, with `_LITTLE_ENDIAN` on DWORD and QWORD. */
const TYPE_NAMES: Record<string, number> = {...REG_TYPES, REG_DWORD_LITTLE_ENDIAN: REG_TYPES.REG_DWORD, REG_QWORD_LITTLE_ENDIAN: REG_TYPES.REG_QWORD}

export interface RegfexportValue {
  name: string
  type: number
  size: number
  /** The text after `Data:` (strings, integers) or the hexdump's bytes. */
  text?: string
  bytes?: Buffer
}

export interface RegfexportKey {
  path: string
  className?: string
  values: RegfexportValue[]
}

/**
 * `regfexport <hive>`: `Key path:` blocks with `Class name:`, then per value `Value: <n> <name>`, `Type: …
 * (REG_…)`, `Data size:`, `Data: <text>` or `Data:` and a hexdump. Paths start with the root key's name.
 */
export function regfexportKeys(file: string): Map<string, RegfexportKey> {
  const r = spawnSync('regfexport', [file], {maxBuffer: 1 << 28})
  if (r.status !== 0) throw new Error(`regfexport failed: ${r.stderr.toString()}`)
  const keys = new Map<string, RegfexportKey>()
  let key: RegfexportKey | undefined
  let val: RegfexportValue | undefined
  for (const line of r.stdout.toString('utf8').split('\n')) {
    let m: RegExpExecArray | null
    if ((m = /^Key path: (.*)$/.exec(line))) {
      key = {path: m[1], values: []}
      keys.set(m[1], key)
      val = undefined
    } else if (key && (m = /^Class name: (.*)$/.exec(line))) {
      key.className = m[1]
    } else if (key && (m = /^Value: \d+ (.*)$/.exec(line))) {
      val = {name: m[1] === '(default)' ? '' : m[1], type: -1, size: 0}
      key.values.push(val)
    } else if (val && (m = /^Type: .*\((REG_\w+)\)$/.exec(line))) {
      val.type = TYPE_NAMES[m[1]] ?? -1
    } else if (val && (m = /^Type: unknown: 0x([0-9a-f]+)$/i.exec(line))) {
      val.type = parseInt(m[1], 16)
    } else if (val && (m = /^Data size: (\d+)$/.exec(line))) {
      val.size = Number(m[1])
    } else if (val && (m = /^Data: (.+)$/.exec(line))) {
      val.text = m[1]
    } else if (val && (m = /^[0-9a-f]{8}: (.*)$/.exec(line))) {
      const hex = m[1].slice(0, 49).match(/[0-9a-f]{2}/g) ?? []
      val.bytes = Buffer.concat([val.bytes ?? Buffer.alloc(0), Buffer.from(hex.map((h) => parseInt(h, 16)))])
    }
  }
  return keys
}
