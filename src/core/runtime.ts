import * as sea from 'node:sea'

/** True inside the standalone executable (a Node single-executable application). */
export function isStandalone(): boolean {
  return sea.isSea()
}

/**
 * Whether worker_threads can load ratchet's worker modules. Inside the standalone executable there are no
 * module files on disk for a Worker to load, so parallel paths fall back to the calling thread.
 */
export function workerThreadsAvailable(): boolean {
  return !isStandalone()
}

/** Clamps a requested thread count to what this runtime can do. */
export function usableThreads(requested: number): number {
  return workerThreadsAvailable() ? requested : 1
}
