/**
 * blast-radius.json: for a ScreenConnect *server* case, the guest machines the suspicious activity reached.
 * Plain JSON, sorted, byte-identical on rerun. Every command text in it has its passwords redacted.
 */

export type ReasonCode =
  | 'ioc_address'
  | 'new_address'
  | 'new_operator'
  | 'unusual_hour'
  | 'brute_force_address'
  | 'recon_command'
  | 'remote_tool_command'
  | 'account_command'
  | 'payload_loader'
  | 'ioc_file'
  | 'hidden_rows'

export interface Reason {
  code: ReasonCode
  /** One sentence a non-specialist can read. */
  text: string
  event_id?: string
}

export interface EvidenceRef {
  event_id: string
  member: string
  sha256?: string
  record?: string | number
}

export interface BlastCommand {
  queued_utc: string
  operator?: string
  /** Queued command text, passwords redacted. */
  text: string
  /** Plain-language description (`creates a local account`, `lists domain groups`…). */
  meaning: string
  status: 'succeeded' | 'failed' | 'no output recorded'
  output?: string
  output_utc?: string
  hidden: boolean
  from_wal: boolean
  suspicious: boolean
  event_id: string
  output_event_id?: string
}

export interface BlastFile {
  time_utc: string
  action: string
  name: string
  operator?: string
  hidden: boolean
  from_wal: boolean
  event_id: string
}

export interface BlastConnection {
  start_utc: string
  end_utc?: string
  operator?: string
  address?: string
  suspicious: boolean
  event_id: string
}

export interface HiddenRow {
  time_utc: string
  kind: string
  summary: string
  event_id: string
}

export interface AffectedMachine {
  machine: string
  domain?: string
  /** First custom property (the customer name on vendor instances), with all of them kept below. */
  customer?: string
  custom_properties: string[]
  session_id: string
  session_name?: string
  first_suspicious_utc: string
  last_suspicious_utc: string
  operators: string[]
  addresses: string[]
  reasons: Reason[]
  connections: BlastConnection[]
  commands: BlastCommand[]
  files: BlastFile[]
  hidden_rows: HiddenRow[]
  /** Rows of this session that exist only in Session.db-wal (not yet checkpointed). */
  wal_only_rows: number
  evidence: EvidenceRef[]
}

export interface BlastRadiusFile {
  format: 'ratchet-blast-radius/1'
  case_dir: string
  server: {host?: string; session_db?: string}
  /** How "before the incident" was decided (see baseline.ts). */
  baseline: {
    incident_start_utc: string | null
    first_signal: string | null
    rule: string
    operators: {operator: string; addresses: string[]; hours_utc: number[]; contacts: number}[]
    /** The routine (operator, address) pairs: contacts, distinct machines, first and last contact before the incident. */
    pairs?: {operator: string; address: string; contacts: number; machines: number; first_utc: string; last_utc: string}[]
  }
  brute_force: {address: string; failures: number; success_utc: string; user?: string; event_ids: string[]}[]
  affected: AffectedMachine[]
  machines_total: number
  /** Machines with server-recorded activity that is all routine. */
  routine_only: number
  routine_machines: string[]
}
