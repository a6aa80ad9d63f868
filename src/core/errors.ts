import {ExitCode, type ExitCodeValue} from './exit-codes.js'

/**
 * Stable error codes. A code names one failure mode and never changes meaning; messages may be reworded.
 * Library code throws RatchetError only when the input is unusable as a whole; damage inside an input
 * becomes a Diagnostic instead (see diagnostics.ts).
 */
export type ErrorCode =
  | 'E_USAGE'
  | 'E_INPUT_MISSING'
  | 'E_INPUT_FORMAT'
  | 'E_INPUT_READ'
  | 'E_ARTEFACT_SCHEMA'
  | 'E_PROFILE_UNKNOWN'
  | 'E_ARTEFACT_UNKNOWN'
  | 'E_PASSWORD'
  | 'E_ARCHIVE_INCOMPLETE'
  | 'E_ARCHIVE_UNSAFE_MEMBER'
  | 'E_VERIFY_FAILED'
  | 'E_SIGNATURE'
  | 'E_DEPENDENCY_MISSING'
  | 'E_OUTPUT_EXISTS'
  | 'E_OUTPUT_WRITE'
  | 'E_EVTX_NOT_EVTX'
  | 'E_IOC_PARSE'
  | 'E_CASE_MISSING'
  | 'E_INTERNAL'
  | 'E_INTERRUPTED'

const defaultExit: Record<ErrorCode, ExitCodeValue> = {
  E_USAGE: ExitCode.USAGE,
  E_INPUT_MISSING: ExitCode.INPUT,
  E_INPUT_FORMAT: ExitCode.INPUT,
  E_INPUT_READ: ExitCode.INPUT,
  E_ARTEFACT_SCHEMA: ExitCode.INPUT,
  E_PROFILE_UNKNOWN: ExitCode.USAGE,
  E_ARTEFACT_UNKNOWN: ExitCode.USAGE,
  E_PASSWORD: ExitCode.USAGE,
  E_ARCHIVE_INCOMPLETE: ExitCode.INCOMPLETE,
  E_ARCHIVE_UNSAFE_MEMBER: ExitCode.INPUT,
  E_VERIFY_FAILED: ExitCode.VERIFY_FAILED,
  E_SIGNATURE: ExitCode.VERIFY_FAILED,
  E_DEPENDENCY_MISSING: ExitCode.DEPENDENCY,
  E_OUTPUT_EXISTS: ExitCode.USAGE,
  E_OUTPUT_WRITE: ExitCode.INPUT,
  E_EVTX_NOT_EVTX: ExitCode.INPUT,
  E_IOC_PARSE: ExitCode.INPUT,
  E_CASE_MISSING: ExitCode.INPUT,
  E_INTERNAL: ExitCode.INTERNAL,
  E_INTERRUPTED: ExitCode.INTERRUPTED,
}

export class RatchetError extends Error {
  readonly code: ErrorCode
  readonly exitCode: ExitCodeValue
  /** Structured facts for --json output (file, line, field…). Never put secrets here. */
  readonly details: Record<string, unknown>

  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}, exitCode?: ExitCodeValue) {
    super(message)
    this.name = 'RatchetError'
    this.code = code
    this.exitCode = exitCode ?? defaultExit[code]
    this.details = details
  }

  toJSON(): {code: ErrorCode; message: string; details: Record<string, unknown>} {
    return {code: this.code, message: this.message, details: this.details}
  }
}

export function isRatchetError(e: unknown): e is RatchetError {
  return e instanceof RatchetError
}

/** Node's system errors carry `code` (ENOENT, EACCES…); this reads it without `any`. */
export function osErrorCode(e: unknown): string | undefined {
  if (e && typeof e === 'object' && 'code' in e && typeof (e as {code: unknown}).code === 'string') {
    return (e as {code: string}).code
  }
  return undefined
}

export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message
  return String(e)
}
