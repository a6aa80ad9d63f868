import {parentPort} from 'node:worker_threads'
import {runJobForTransfer, type ChunkJob} from './job.js'

/** Worker side of pool.ts: parses one chunk slot per message and posts the result back. */
parentPort?.on('message', (job: ChunkJob) => {
  const {result, transfer} = runJobForTransfer(job)
  parentPort!.postMessage(result, transfer)
})
