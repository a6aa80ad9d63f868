import {parentPort, workerData} from 'node:worker_threads'
import {toWorkerError, type WorkerReply} from '../core/worker.js'
import {scanRange, type ScanResult, type ScanRules} from './scan.js'

/** Worker entry: scans one byte range of events.jsonl and posts the result (or the error) back. */
const data = workerData as {path: string; rules: ScanRules; range: {start: number; end: number}}
scanRange(data.path, data.rules, data.range).then(
  (result) => parentPort?.postMessage({ok: true, result} satisfies WorkerReply<ScanResult>),
  (e: unknown) => parentPort?.postMessage({ok: false, error: toWorkerError(e)} satisfies WorkerReply<ScanResult>),
)
