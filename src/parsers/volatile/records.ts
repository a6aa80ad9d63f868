import type {Diagnostic} from '../../core/diagnostics.js'

/**
 * Typed records parsed from volatile command output. Field names are ours (snake_case) but stay close to
 * the command's own names; `*_utc` fields are ISO-8601 UTC with 7 fractional digits and are only filled
 * when the source time was unambiguous (UTC or with an offset). Host-local text times are kept verbatim in
 * the `*_text` fields and never converted here (parsers do not guess a time zone).
 */

export interface ProcessRecord {
  kind: 'process'
  pid: number
  ppid?: number
  name: string
  /** Full path of the image when the command reports it (Win32_Process.ExecutablePath). */
  path?: string
  command_line?: string
  user?: string
  start_utc?: string
  start_text?: string
  session_id?: number
  /** tasklist only: Status / Window Title / CPU / memory columns, as printed. */
  extra?: Record<string, string>
}

export interface ConnectionRecord {
  kind: 'connection'
  protocol: 'tcp' | 'udp' | 'tcp6' | 'udp6' | string
  local_address: string
  local_port?: number
  remote_address?: string
  remote_port?: number
  /** Normalised state (`Listen`, `Established`, `TimeWait`…) or the printed word when not recognised. */
  state?: string
  pid?: number
  process?: string
  created_utc?: string
}

export interface UserRecord {
  kind: 'user'
  name: string
  sid?: string
  uid?: number
  gid?: number
  enabled?: boolean
  full_name?: string
  description?: string
  home?: string
  shell?: string
  last_logon_utc?: string
  password_last_set_utc?: string
  password_expires_utc?: string
  principal_source?: string
}

export interface GroupMemberRecord {
  kind: 'group_member'
  group: string
  group_sid?: string
  gid?: number
  member: string
  member_sid?: string
  object_class?: string
  principal_source?: string
}

export interface SessionRecord {
  kind: 'session'
  user: string
  session_name?: string
  session_id?: number
  state?: string
  idle?: string
  /** Terminal / line (Linux). */
  line?: string
  from?: string
  logon_utc?: string
  logon_text?: string
  logoff_utc?: string
  logoff_text?: string
  /** True for the line marked `>` by `query user` (the session running the collector). */
  current?: boolean
}

export interface ServiceRecord {
  kind: 'service'
  name: string
  display_name?: string
  image_path?: string
  start_type?: string
  state?: string
  account?: string
  pid?: number
  /** systemd: load state and sub state (`loaded`, `running`). */
  load?: string
  sub?: string
  description?: string
}

export interface TaskRecord {
  kind: 'task'
  name: string
  host?: string
  next_run_text?: string
  status?: string
  last_run_text?: string
  last_result?: string
  author?: string
  /** `Task To Run`: the action's command line. */
  action?: string
  run_as?: string
  state?: string
  schedules: string[]
}

export interface DnsEntryRecord {
  kind: 'dns_entry'
  entry?: string
  name: string
  type: string
  data?: string
  ttl?: number
  section?: string
  status?: string
}

export interface ArpEntryRecord {
  kind: 'arp_entry'
  ip: string
  mac?: string
  type?: string
  interface?: string
  state?: string
}

export interface InterfaceRecord {
  kind: 'interface'
  name: string
  state?: string
  mac?: string
  addresses: string[]
}

export interface SoftwareRecord {
  kind: 'software'
  name: string
  version?: string
  publisher?: string
  /** Uninstall InstallDate as written (`YYYYMMDD`, host-local date). */
  install_date?: string
  install_location?: string
  uninstall_string?: string
  key?: string
}

export interface RegistryValue {
  name: string
  type: string
  data: string
}

export interface RegistryKeyRecord {
  kind: 'registry_key'
  key: string
  values: RegistryValue[]
}

export interface TimeStatusRecord {
  kind: 'time_status'
  name: string
  value: string
  /** When the value is an instant that could be read exactly. */
  value_utc?: string
}

export type VolatileRecord =
  | ProcessRecord
  | ConnectionRecord
  | UserRecord
  | GroupMemberRecord
  | SessionRecord
  | ServiceRecord
  | TaskRecord
  | DnsEntryRecord
  | ArpEntryRecord
  | InterfaceRecord
  | SoftwareRecord
  | RegistryKeyRecord
  | TimeStatusRecord

export interface ParseResult {
  records: VolatileRecord[]
  diagnostics: Diagnostic[]
}

export interface ParserContext {
  /** Member path, for diagnostics. */
  file?: string
  /**
   * True when the command ran with TZ=UTC (the runner does this for every Linux command), so that times it
   * printed without a zone are UTC. Parsers never assume it otherwise.
   */
  utcTimes?: boolean
}

/** A pure parser: decoded command output → records. */
export type VolatileParser = (text: string, ctx: ParserContext) => ParseResult

/** volatile/<artefact>/parsed.json: the structured rendering written beside the raw output. */
export const PARSED_FORMAT = 'ratchet-volatile-parsed/1'

export interface ParsedVolatileFile {
  format: typeof PARSED_FORMAT
  artefact: string
  os: 'windows' | 'linux'
  /** Command actually parsed (the fallback's when one was taken). */
  command: string
  argv: string[]
  exit_code: number | null
  started_utc: string
  ended_utc: string
  timed_out: boolean
  /** True when the primary command failed or was missing and a fallback produced these records. */
  fallback_used: boolean
  parser: string | null
  records: VolatileRecord[]
  diagnostics: Diagnostic[]
}
