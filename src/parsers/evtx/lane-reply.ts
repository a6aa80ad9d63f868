import type {ChunkJob} from './job.js'

/** What a worker posts back when a job threw (the worker lives on; only that chunk's file fails). */
export interface JobFailure {
  seq: number
  failed: string
}

/** A worker's answer to one job: the result and the buffers to transfer, or the failure. */
export function laneReply<T>(job: ChunkJob, run: (job: ChunkJob) => {result: T; transfer: ArrayBuffer[]}): {msg: T | JobFailure; transfer: ArrayBuffer[]} {
  try {
    const {result, transfer} = run(job)
    return {msg: result, transfer}
  } catch (e) {
    return {msg: {seq: job.seq, failed: e instanceof Error ? e.message : String(e)}, transfer: []}
  }
}
