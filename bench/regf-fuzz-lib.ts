import {isRatchetError} from '../src/core/errors.js'
import {dumpJson, openWithLogs, type LogInput} from '../src/parsers/regf/index.js'

export {mutate, rng} from './evtx-fuzz-lib.js'

/**
 * Parses one (mutated) hive, with its (mutated) logs, walking every key and carving deleted records.
 * Any exception except E_INPUT_FORMAT (no "regf" signature left) is a crash.
 */
export function fuzzHive(bytes: Uint8Array, logs: LogInput[] = []): {crash?: string; ms: number; keys: number} {
  const t0 = performance.now()
  let keys = 0
  try {
    const o = openWithLogs(bytes, logs, 'fuzz')
    for (const k of dumpJson(o.hive, {deleted: true})) {
      keys++
      JSON.stringify(k)
    }
  } catch (e) {
    if (!(isRatchetError(e) && e.code === 'E_INPUT_FORMAT')) return {crash: e instanceof Error ? (e.stack ?? e.message) : String(e), ms: performance.now() - t0, keys}
  }
  return {ms: performance.now() - t0, keys}
}
