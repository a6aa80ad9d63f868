import {parentPort, workerData} from 'node:worker_threads'
import {isRatchetError} from '../core/errors.js'
import {scanRange} from './scan.js'
import type {Rule} from './schema.js'
import type {Indicator} from './types.js'

/** Worker entry: scans one byte range of events.jsonl and posts the result (or the error) back. */
const data = workerData as {path: string; indicators: Indicator[]; rules: Rule[]; range: {start: number; end: number}}
scanRange(data.path, data.indicators, data.rules, data.range).then(
  (result) => parentPort?.postMessage({ok: true, result}),
  (e: unknown) =>
    parentPort?.postMessage({
      ok: false,
      error: isRatchetError(e) ? {code: e.code, message: e.message, details: e.details} : {message: e instanceof Error ? e.message : String(e)},
    }),
)
