import type {Diagnostic} from '../core/diagnostics.js'
import type {HostFacts, Manifest} from '../evidence/manifest-types.js'

/** analysis.json: what analyze read, what it produced, and what it could not do. Deterministic. */
export interface AnalysisFile {
  format: 'ratchet-analysis/1'
  input: {path: string; kind: 'zip' | '7z' | 'directory' | 'collection-directory'; sha256: string | null}
  verification: {
    status: 'verified' | 'failed' | 'not-applicable'
    /** One line per problem when failed (member and what was wrong). */
    problems: string[]
    signature: 'valid' | 'invalid' | 'absent' | 'not-checked'
  }
  /** True when verification failed and --allow-unverified was given: every output says so. */
  unverified: boolean
  /** Chain-of-custody facts copied from the manifest (null for a mounted image). */
  collection: Pick<Manifest, 'case_id' | 'examiner' | 'tool' | 'source' | 'started_utc' | 'ended_utc' | 'profile'> | null
  host: HostFacts | null
  parsers: {name: string; version: string}[]
  artefacts: {
    id: string
    files: {member: string; sha256: string; parser: string; events: number; diagnostics: number}[]
    events: number
    diagnostics: Diagnostic[]
  }[]
  /** Files present in the evidence that no parser read, with the reason. */
  not_parsed: {member: string; artefact: string; reason: string}[]
  totals: {files: number; events: number; diagnostics: number}
  ratchet_version: string
}
