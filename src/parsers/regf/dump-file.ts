import * as fs from 'node:fs'
import * as path from 'node:path'
import type {Writable} from 'node:stream'
import type {Diagnostic} from '../../core/diagnostics.js'
import {RatchetError, osErrorCode} from '../../core/errors.js'
import {dumpKeys, openWithLogs, regLines, REG_HEADER, toDumpKey} from './dump.js'
import type {LogInput, RecoveryReport} from './recover.js'

/** Largest hive read (real SOFTWARE hives reach a few hundred MiB; regf caps a hive near 2 GiB). */
export const MAX_HIVE_FILE = 2 * 1024 * 1024 * 1024 - 1

export interface RegistryDumpOptions {
  format: 'jsonl' | 'reg'
  /** Explicit logs; undefined = discover `<hive>.LOG`, `.LOG1`, `.LOG2` beside the hive (any case). */
  logs?: string[]
  noLogs: boolean
  deleted: boolean
  /** Key prefix for `--format reg` (hivexregedit's --prefix). */
  prefix: string
}

export interface RegistryDumpResult {
  file: string
  format: 'jsonl' | 'reg'
  keys: number
  values: number
  deleted_keys: number
  logs: string[]
  recovery: RecoveryReport
  diagnostics: Diagnostic[]
  errors: number
}

/** `<hive>.LOG`, `.LOG1`, `.LOG2` next to the hive, matched case-insensitively (images keep any case). */
export function findLogs(hive: string): string[] {
  const dir = path.dirname(hive)
  const base = path.basename(hive).toLowerCase()
  const want = new Set([`${base}.log`, `${base}.log1`, `${base}.log2`])
  let names: string[]
  try {
    names = fs.readdirSync(dir)
  } catch {
    return []
  }
  return names.filter((n) => want.has(n.toLowerCase())).sort().map((n) => path.join(dir, n))
}

export function readInput(file: string, what: string): Uint8Array {
  let st: fs.Stats
  try {
    st = fs.statSync(file)
  } catch (e) {
    throw new RatchetError(osErrorCode(e) === 'ENOENT' ? 'E_INPUT_MISSING' : 'E_INPUT_READ', `${what} ${file}: ${osErrorCode(e) ?? 'unreadable'}`, {file})
  }
  if (!st.isFile()) throw new RatchetError('E_INPUT_READ', `${what} ${file} is not a regular file`, {file})
  if (st.size > MAX_HIVE_FILE) throw new RatchetError('E_INPUT_FORMAT', `${what} ${file} is ${st.size} bytes, larger than any hive (${MAX_HIVE_FILE})`, {file})
  try {
    return new Uint8Array(fs.readFileSync(file))
  } catch (e) {
    throw new RatchetError('E_INPUT_READ', `${what} ${file}: ${osErrorCode(e) ?? 'unreadable'}`, {file})
  }
}

async function write(out: Writable, s: string): Promise<void> {
  if (!out.write(s)) await new Promise<void>((resolve) => out.once('drain', resolve))
}

/**
 * `ratchet registry dump`: reads the hive (and its logs, read-only; recovery happens on a copy in memory),
 * writes one JSON object per key or a .reg export, and returns counts and diagnostics.
 */
export async function dumpRegistryFile(file: string, out: Writable, opts: RegistryDumpOptions): Promise<RegistryDumpResult> {
  const bytes = readInput(file, 'hive')
  const logFiles = opts.noLogs ? [] : (opts.logs ?? findLogs(file))
  const logs: LogInput[] = logFiles.map((l) => ({name: l, bytes: readInput(l, 'transaction log')}))
  const opened = openWithLogs(bytes, logs, file)
  const h = opened.hive
  let keys = 0
  let values = 0
  let deletedKeys = 0
  let buf = opts.format === 'reg' ? REG_HEADER : ''
  for (const r of dumpKeys(h, {deleted: opts.deleted})) {
    keys++
    values += r.raw.length
    if (r.deleted) deletedKeys++
    buf += opts.format === 'reg' ? regLines(opts.prefix, r) : JSON.stringify(toDumpKey(h, r)) + '\n'
    if (buf.length > 65536) {
      await write(out, buf)
      buf = ''
    }
  }
  if (buf) await write(out, buf)
  const diagnostics = [...opened.diagnostics, ...h.diagnostics]
  if (h.droppedDiagnostics) {
    diagnostics.push({code: 'REGF_MORE_DIAGNOSTICS', severity: 'error', message: `${h.droppedDiagnostics} more diagnostics not listed`, file})
  }
  return {
    file,
    format: opts.format,
    keys,
    values,
    deleted_keys: deletedKeys,
    logs: logFiles,
    recovery: opened.recovery,
    diagnostics,
    errors: diagnostics.filter((d) => d.severity === 'error').length,
  }
}
