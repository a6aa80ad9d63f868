import {diag, type Diagnostic} from '../core/diagnostics.js'
import type {NormalizedEvent} from '../events/types.js'

/** One line of events.jsonl: either an event or the reason it was not usable. */
export type EventLine = {line: number; event: NormalizedEvent; /** the line as read */ text: string} | {line: number; diagnostic: Diagnostic}

/** Lines longer than this are reported and skipped instead of parsed (a bound on hostile or broken input). */
export const MAX_EVENT_LINE_CHARS = 16 * 1024 * 1024

/**
 * Checks the fields the timeline and report rely on. events.jsonl is written by ratchet, but a case folder
 * travels between machines and people: a damaged line becomes a diagnostic, never a crash.
 */
export function parseEventLine(text: string, line: number, file: string): EventLine {
  if (text.length > MAX_EVENT_LINE_CHARS) {
    return {line, diagnostic: diag('TIMELINE_LINE_TOO_LONG', 'error', `event line longer than ${MAX_EVENT_LINE_CHARS} characters skipped`, {file, line})}
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (e) {
    return {line, diagnostic: diag('TIMELINE_BAD_JSON', 'error', `not JSON: ${(e as Error).message}`, {file, line})}
  }
  const problem = eventShapeProblem(value)
  if (problem) return {line, diagnostic: diag('TIMELINE_BAD_EVENT', 'error', problem, {file, line})}
  return {line, event: value as NormalizedEvent, text}
}

function eventShapeProblem(v: unknown): string | undefined {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return 'not a JSON object'
  const e = v as Record<string, unknown>
  if (typeof e.id !== 'string') return 'missing id'
  if (typeof e.datetime !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/.test(e.datetime)) return 'missing or malformed datetime'
  if (typeof e.timestamp !== 'number' || !Number.isFinite(e.timestamp)) return 'missing timestamp'
  if (typeof e.event_type !== 'string') return 'missing event_type'
  if (!e.evidence || typeof e.evidence !== 'object') return 'missing evidence reference'
  const ev = e.evidence as Record<string, unknown>
  if (typeof ev.member !== 'string' || typeof ev.sha256 !== 'string') return 'evidence reference lacks member or sha256'
  if (e.attributes !== undefined && (typeof e.attributes !== 'object' || e.attributes === null || Array.isArray(e.attributes))) return 'attributes is not an object'
  if (e.attributes === undefined) e.attributes = {}
  if (typeof e.message !== 'string') e.message = ''
  if (typeof e.timestamp_desc !== 'string') e.timestamp_desc = ''
  return undefined
}
