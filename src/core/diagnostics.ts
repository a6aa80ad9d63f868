/**
 * A diagnostic is damage or a limit met inside an input that did not stop the run. Every parser returns
 * them beside its records; every stage carries them into its output so nothing is lost silently.
 */
export type Severity = 'info' | 'warning' | 'error'

export interface Diagnostic {
  /** Stable, machine-readable code, e.g. `EVTX_CHUNK_BAD_MAGIC`, `ANYDESK_TRACE_UNPARSED_LINE`. */
  code: string
  severity: Severity
  message: string
  /** Where: archive member / file path, plus whatever locators the format has. */
  file?: string
  offset?: number
  chunk?: number
  record?: number | string
  line?: number
  artefact?: string
}

export function diag(
  code: string,
  severity: Severity,
  message: string,
  where: Omit<Diagnostic, 'code' | 'severity' | 'message'> = {},
): Diagnostic {
  return {code, severity, message, ...where}
}

/**
 * Warnings that say input is missing rather than merely odd (chunks cut off a log, nothing to parse at all):
 * like errors, they make the outcome partial (exit 3) even though nothing failed.
 */
const MISSING_INPUT_WARNINGS = new Set(['EVTX_CHUNKS_MISSING', 'ANALYZE_NOTHING_TO_PARSE'])

/** Whether a diagnostic makes a run's outcome partial (exit 3). */
export function makesPartial(d: Diagnostic): boolean {
  return d.severity === 'error' || MISSING_INPUT_WARNINGS.has(d.code)
}
