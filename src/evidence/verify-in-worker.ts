import {RatchetError} from '../core/errors.js'
import {workerThreadsAvailable} from '../core/runtime.js'
import {awaitWorker, spawnModuleWorker} from '../core/worker.js'
import {verifyArchive, type VerifyReport} from './verify.js'

/**
 * verifyArchive in a worker thread, so that its hashing and inflating run on another core while the caller
 * extracts the same archive (analyze) — the two read the archive side by side instead of one after the other.
 * Same report; the same errors with their stable codes. Where worker threads cannot start (the standalone
 * executable), or the worker dies without replying, it verifies in this thread.
 */
export async function verifyArchiveInWorker(path: string, opts: Parameters<typeof verifyArchive>[1] = {}): Promise<VerifyReport> {
  if (!workerThreadsAvailable()) return verifyArchive(path, opts)
  try {
    return await awaitWorker<VerifyReport>(spawnModuleWorker(import.meta.url, 'verify-worker', {workerData: {path, opts}}))
  } catch (e) {
    if (e instanceof RatchetError) throw e
    return verifyArchive(path, opts)
  }
}
