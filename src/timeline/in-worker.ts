import {rm} from 'node:fs/promises'
import {RatchetError} from '../core/errors.js'
import {interrupted} from '../core/interrupted.js'
import {workerThreadsAvailable} from '../core/runtime.js'
import {awaitWorker, spawnModuleWorker} from '../core/worker.js'
import {timelinePath, writeTimeline, type TimelineOptions, type TimelineResult} from './write.js'

/**
 * writeTimeline in a worker thread, so a caller can do other work meanwhile: triage writes the timeline
 * while hunt runs (the timeline reads only events.jsonl; hunt's Sigma and session work leave a core free).
 * Same file, same result as writeTimeline. An abort stops the worker and removes its `.partial` file;
 * where worker threads cannot start (the standalone executable) it runs in this thread.
 */
export async function writeTimelineInWorker(opts: TimelineOptions, signal?: AbortSignal): Promise<TimelineResult> {
  if (!workerThreadsAvailable()) return writeTimeline(opts)
  const out = timelinePath(opts) // usage errors (bad --out) surface here, before a thread starts
  const w = spawnModuleWorker(import.meta.url, 'write-worker', {workerData: opts})
  try {
    return await awaitWorker<TimelineResult>(w, signal, () => interrupted(signal, 'timeline interrupted', {file: out}))
  } catch (e) {
    if (e instanceof RatchetError && e.code !== 'E_INTERRUPTED') throw e
    await w.terminate()
    await rm(`${out}.partial`, {force: true})
    if (e instanceof RatchetError) throw e
    // the worker could not run (a module that failed to load, a thread that died): the same work here
    return writeTimeline(opts)
  }
}
