import {RatchetError} from '../core/errors.js'
import {ExitCode} from '../core/exit-codes.js'
import {runExitCleanups} from '../core/exit-cleanup.js'

/** Signals that end a run: Ctrl-C, kill, and the terminal closing (SIGHUP would otherwise kill node at once). */
export const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const

/** How long the run may take to stop on its own (kill 7-Zip, remove staging, close the `.partial`) before it is forced. */
export const STOP_GRACE_MS = 1500

/**
 * SIGINT/SIGTERM/SIGHUP abort the run: library code sees `signal` between units of work (files, chunks,
 * stages), kills any 7-Zip it runs and removes its staging, and the command ends with E_INTERRUPTED (130).
 * Should the run not have ended after STOP_GRACE_MS, or on a second signal, the registered exit
 * clean-ups run and the process exits 130 at once. Call dispose() when the run is over.
 */
export function abortOnSignals(graceMs = STOP_GRACE_MS): {signal: AbortSignal; dispose: () => void} {
  const ac = new AbortController()
  let timer: NodeJS.Timeout | undefined
  let which = 'a signal'
  const force = (): never => {
    runExitCleanups()
    const message = `interrupted by ${which}; stopped without waiting for the current step`
    // the same contract as any other failure: one error object with --json, one error line without
    if (process.argv.includes('--json')) process.stdout.write(JSON.stringify({error: {code: 'E_INTERRUPTED', message, details: {}}}, null, 2) + '\n')
    else process.stderr.write(`ratchet: error E_INTERRUPTED: ${message}\n`)
    process.exit(ExitCode.INTERRUPTED)
  }
  const onSignal = (sig: NodeJS.Signals): void => {
    if (ac.signal.aborted) force()
    which = sig
    ac.abort(new RatchetError('E_INTERRUPTED', `interrupted by ${sig}`, {signal: sig}))
    timer = setTimeout(force, graceMs)
    timer.unref()
  }
  for (const s of STOP_SIGNALS) process.on(s, onSignal)
  return {
    signal: ac.signal,
    dispose: () => {
      if (timer) clearTimeout(timer)
      for (const s of STOP_SIGNALS) process.off(s, onSignal)
    },
  }
}
