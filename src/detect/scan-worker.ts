import {parentPort, workerData} from 'node:worker_threads'
import {isRatchetError} from '../core/errors.js'
import {scanRange, type ScanRules} from './scan.js'

/** Worker entry: scans one byte range of events.jsonl and posts the result (or the error) back. */
const data = workerData as {path: string; rules: ScanRules; range: {start: number; end: number}}
scanRange(data.path, data.rules, data.range).then(
  (result) => parentPort?.postMessage({ok: true, result}),
  (e: unknown) =>
    parentPort?.postMessage({
      ok: false,
      error: isRatchetError(e) ? {code: e.code, message: e.message, details: e.details} : {message: e instanceof Error ? e.message : String(e)},
    }),
)
