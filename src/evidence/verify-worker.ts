import {parentPort, workerData} from 'node:worker_threads'
import {toWorkerError, type WorkerReply} from '../core/worker.js'
import {verifyArchive, type VerifyReport} from './verify.js'

/** Worker entry: verifies one archive (see verify-in-worker.ts) and posts the report or the error back. */
const data = workerData as {path: string; opts: Parameters<typeof verifyArchive>[1]}
verifyArchive(data.path, data.opts).then(
  (result) => parentPort?.postMessage({ok: true, result} satisfies WorkerReply<VerifyReport>),
  (e: unknown) => parentPort?.postMessage({ok: false, error: toWorkerError(e)} satisfies WorkerReply<VerifyReport>),
)
