/**
 * Process exit codes. They are part of ratchet's documented contract (README, "Exit codes"):
 * scripts around ratchet branch on them, so never renumber one.
 */
export const ExitCode = {
  /** Everything the command set out to do was done and nothing needs attention. */
  OK: 0,
  /** An unexpected internal error (a bug): the message and stack go to stderr. */
  INTERNAL: 1,
  /** Bad flags or arguments. (oclif uses 2 for its own parse errors too.) */
  USAGE: 2,
  /** The command finished, but some input could not be read or was damaged; see the diagnostics. */
  PARTIAL: 3,
  /** The input is unusable as a whole (missing, not the expected format, unreadable). */
  INPUT: 4,
  /** Evidence verification failed: a hash mismatch, a missing or extra member, a bad signature. */
  VERIFY_FAILED: 5,
  /** The archive is incomplete (a `.partial` left by an interrupted collection). */
  INCOMPLETE: 6,
  /** A required external program (7-Zip, Chromium for --pdf) is not available. */
  DEPENDENCY: 7,
  /** Interrupted by SIGINT/SIGTERM. */
  INTERRUPTED: 130,
} as const

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode]
