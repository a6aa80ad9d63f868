import {RatchetError} from './errors.js'

/** Throws E_INTERRUPTED (exit 130) when `signal` has fired: library code calls it between units of work. */
export function throwIfInterrupted(signal: AbortSignal | undefined, what: string, details: Record<string, unknown> = {}): void {
  if (signal?.aborted) throw interrupted(signal, what, details)
}

export function interrupted(signal: AbortSignal | undefined, what: string, details: Record<string, unknown> = {}): RatchetError {
  const r: unknown = signal?.reason
  const why = r instanceof Error ? r.message : 'stopped by a signal'
  return new RatchetError('E_INTERRUPTED', `${what} (${why})`, details)
}
