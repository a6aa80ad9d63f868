import type {AnalysisFile} from '../analyze/types.js'
import type {Diagnostic} from '../core/diagnostics.js'
import type {BlastRadiusFile} from '../detect/blast/types.js'
import type {FindingsFile, SessionsFile} from '../detect/types.js'
import type {NormalizedEvent} from '../events/types.js'

/** The verification result as far as the report needs it (verify.json's shape is read tolerantly). */
export interface VerifySummary {
  status: 'verified' | 'failed' | 'unknown'
  problems: string[]
  signature: string | null
  checked_utc: string | null
  /** Per-check states and counts when verify.json has them (`SHA256SUMS: ok`, `members: 12 ok, 0 mismatch`). */
  checks: string[]
}

export interface ArchiveFacts {
  name: string
  size: number | null
  /** From `<archive>.sha256` beside it; null when that file is missing or unreadable. */
  sha256: string | null
  sha256_file: string | null
}

/** What one streaming pass over events.jsonl keeps: bounded, whatever the number of events. */
export interface EventScan {
  total: number
  bad_lines: number
  out_of_order: number
  first: string | null
  last: string | null
  hosts: string[]
  by_type: {type: string; count: number}[]
  /** Events per UTC hour (`YYYY-MM-DDTHH`), all events and the events findings cite. */
  hours: {hour: string; count: number; key: number}[]
  /** Key timeline rows in file order: cited events plus their neighbours (all events when the case is small). */
  key: NormalizedEvent[]
  /** Ids cited by findings or sessions (subset of `key` ids). */
  cited: string[]
  /** True when the key timeline hit its row cap. */
  truncated: boolean
  unverified_events: number
  diagnostics: Diagnostic[]
}

export interface TimelineFileFacts {
  name: string
  bytes: number
}

/** Everything the report is built from: the case files as read, plus facts about this run. */
export interface CaseData {
  caseName: string
  /** Absolute case folder (to find this case in a cross-host join). */
  caseDir?: string
  analysis: AnalysisFile | null
  findings: FindingsFile | null
  sessions: SessionsFile | null
  /** blast-radius.json (ScreenConnect server cases only). */
  blast: BlastRadiusFile | null
  verify: VerifySummary | null
  archives: ArchiveFacts[]
  events: EventScan
  timelineFiles: TimelineFileFacts[]
  /** Problems reading the case folder itself (a missing findings.json…). */
  loadNotes: string[]
}

export interface ReportRun {
  generated_utc: string
  ratchet_version: string
  command_line: string[]
  title?: string
  classification?: string
}
