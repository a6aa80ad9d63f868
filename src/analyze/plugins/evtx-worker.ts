import {parentPort} from 'node:worker_threads'
import type {ChunkJob} from '../../parsers/evtx/job.js'
import {laneReply} from '../../parsers/evtx/lane-reply.js'
import {runEventsJob, toWire} from './evtx-job.js'

/** Worker side of the EVTX analyze lanes (see evtx.ts): one chunk slot per message, events back as text. */
parentPort?.on('message', (job: ChunkJob) => {
  const {msg, transfer} = laneReply(job, (j) => toWire(runEventsJob(j)))
  parentPort!.postMessage(msg, transfer)
})
