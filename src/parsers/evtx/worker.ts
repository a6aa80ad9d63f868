import {parentPort} from 'node:worker_threads'
import {runJobForTransfer, type ChunkJob} from './job.js'
import {laneReply} from './lane-reply.js'

/** Worker side of pool.ts: parses one chunk slot per message and posts the result back. */
parentPort?.on('message', (job: ChunkJob) => {
  const {msg, transfer} = laneReply(job, runJobForTransfer)
  parentPort!.postMessage(msg, transfer)
})
