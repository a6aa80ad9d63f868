/**
 * Synchronous clean-ups that must run however the process ends: normal exit, process.exit() (the signal
 * watchdog), or an uncaught exception (Node emits 'exit' for it too). Plaintext 7z staging and a running
 * 7-Zip are registered here, so neither outlives ratchet. Only synchronous work is possible in 'exit'.
 */
const cleanups = new Set<() => void>()
let hooked = false

export function runExitCleanups(): void {
  for (const fn of [...cleanups]) {
    cleanups.delete(fn)
    try {
      fn()
    } catch {
      // best effort: one failed clean-up must not stop the others
    }
  }
}

/** Registers `fn`; returns the function that unregisters it (call it once the resource is gone). */
export function onExitCleanup(fn: () => void): () => void {
  if (!hooked) {
    hooked = true
    process.on('exit', runExitCleanups)
  }
  cleanups.add(fn)
  return () => {
    cleanups.delete(fn)
  }
}

/** Kills a child and, where it leads its own process group (node-7z spawns detached), the whole group. */
export function killTree(pid: number | undefined): void {
  if (pid === undefined) return
  if (process.platform !== 'win32') {
    try {
      process.kill(-pid, 'SIGKILL')
      return
    } catch {
      // not a group leader: fall through to the single process
    }
  }
  try {
    process.kill(pid, 'SIGKILL')
  } catch {
    // already gone
  }
}
