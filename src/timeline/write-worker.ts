import {parentPort, workerData} from 'node:worker_threads'
import {toWorkerError, type WorkerReply} from '../core/worker.js'
import {writeTimeline, type TimelineOptions, type TimelineResult} from './write.js'

/** Worker entry: writes one timeline (see timeline/in-worker.ts) and posts the result or the error back. */
writeTimeline(workerData as TimelineOptions).then(
  (result) => parentPort?.postMessage({ok: true, result} satisfies WorkerReply<TimelineResult>),
  (e: unknown) => parentPort?.postMessage({ok: false, error: toWorkerError(e)} satisfies WorkerReply<TimelineResult>),
)
