import * as crypto from 'node:crypto'

/**
 * The normalized event: the contract between parsers/mappers and everything after them (hunt, timeline,
 * report). Field names follow Timesketch so a timeline exports without renaming. One JSON object per line
 * in `events.jsonl`.
 */

/** Where an event came from, verifiably: the archive member, its SHA-256, and a locator inside it. */
export interface EvidenceRef {
  /** Archive member path (`files/C/Windows/...`) or, for a directory source, the path relative to its root. */
  member: string
  /** SHA-256 of that member as recorded in the manifest (or computed when reading a directory). */
  sha256: string
  /** Byte offset of the record in the member (EVTX record offset, …). */
  offset?: number
  /** Record number (EVTX EventRecordID, SQLite rowid, …). */
  record?: number | string
  /** 1-based line number in a text file. */
  line?: number
}

export type SourceFamily =
  | 'EVTX'
  | 'ScreenConnect'
  | 'AnyDesk'
  | 'Volatile'
  | 'Linux'
  | 'Filesystem'
  | 'Collection'
  | 'Registry'

export interface NormalizedEvent {
  /** Stable id (16 hex) derived from evidence + type + time: findings reference events by it. */
  id: string
  /** ISO-8601 UTC, `YYYY-MM-DDTHH:MM:SS.fffffffZ` (7 fractional digits, the precision the source has padded). */
  datetime: string
  /** Microseconds since the Unix epoch. */
  timestamp: number
  /** What the time means: `Event Logged`, `Connection Start`, `File Transferred`, `Last Resolved`, … */
  timestamp_desc: string
  /** One readable sentence. */
  message: string
  source: SourceFamily
  /** Artefact id from artefacts/ (`windows.eventlogs.all`, …). */
  artefact: string
  /** Our taxonomy, see EventTypes. */
  event_type: string
  host?: string
  user?: string
  src_ip?: string
  src_port?: number
  dst_ip?: string
  dst_port?: number
  remote_id?: string
  process?: string
  command_line?: string
  file_name?: string
  evidence: EvidenceRef
  /** Everything else from the native record. Values are JSON (strings, numbers, booleans, arrays, objects). */
  attributes: Record<string, unknown>
  /** Present and true when the evidence archive failed verification and analysis went on anyway. */
  unverified?: true
}

/**
 * The event taxonomy. Mappers must use these strings; hunt rules and the report match on them.
 * Add new types here (never rename one: rules and saved cases depend on them).
 */
export const EventTypes = {
  // remote access
  REMOTE_SESSION_START: 'remote_access.session_start',
  REMOTE_SESSION_END: 'remote_access.session_end',
  REMOTE_SESSION_REQUEST: 'remote_access.session_request',
  REMOTE_AUTH: 'remote_access.authenticated',
  REMOTE_PEER_ADDRESS: 'remote_access.peer_address',
  REMOTE_PEER_ID: 'remote_access.peer_id',
  REMOTE_LOCAL_ID: 'remote_access.local_id',
  REMOTE_EXTERNAL_ADDRESS: 'remote_access.external_address',
  REMOTE_OUTGOING: 'remote_access.outgoing_connect',
  REMOTE_FILE_TRANSFER: 'remote_access.file_transfer',
  REMOTE_COMMAND: 'remote_access.command',
  REMOTE_COMMAND_OUTPUT: 'remote_access.command_output',
  REMOTE_CONFIG: 'remote_access.config',
  REMOTE_PASSWORD_SET: 'remote_access.password_set',
  REMOTE_RELAY: 'remote_access.relay',
  REMOTE_ADDRESS_RESOLVED: 'remote_access.address_resolved',
  REMOTE_RUN_DROP: 'remote_access.run_drop',
  REMOTE_WEB_LOGIN: 'remote_access.web_login',
  REMOTE_WEB_LOGIN_FAILED: 'remote_access.web_login_failed',
  REMOTE_SERVER_USER: 'remote_access.server_user',
  REMOTE_SERVER_EXTENSION: 'remote_access.server_extension',
  REMOTE_OTHER: 'remote_access.other',
  // accounts
  ACCOUNT_CREATED: 'account.created',
  ACCOUNT_ENABLED: 'account.enabled',
  ACCOUNT_DISABLED: 'account.disabled',
  ACCOUNT_DELETED: 'account.deleted',
  ACCOUNT_CHANGED: 'account.changed',
  ACCOUNT_PASSWORD_RESET: 'account.password_reset',
  ACCOUNT_PASSWORD_SET: 'account.password_last_set',
  ACCOUNT_GROUP_MEMBER_ADDED: 'account.group_member_added',
  ACCOUNT_EXISTS: 'account.exists',
  // logons
  LOGON_SUCCESS: 'logon.success',
  LOGON_FAILED: 'logon.failed',
  LOGON_RDP: 'logon.rdp',
  LOGON_RDP_AUTH: 'logon.rdp_auth',
  LOGON_RDP_DISCONNECT: 'logon.rdp_disconnect',
  LOGON_RDP_RECONNECT: 'logon.rdp_reconnect',
  LOGOFF: 'logon.logoff',
  /** A logon session seen in a volatile snapshot (query user, who) or login record (last): datetime = logon time when known. */
  LOGON_SESSION: 'logon.session',
  /** Last successful logon of a local account as SAM records it (F value); attributes carry the counters. */
  LOGON_LAST: 'logon.last',
  // services, processes, logs
  SERVICE_INSTALLED: 'service.installed',
  SERVICE_STATE: 'service.state_changed',
  SERVICE_START_TYPE: 'service.start_type_changed',
  SERVICE_EXISTS: 'service.exists',
  PROCESS_CREATED: 'process.created',
  PROCESS_RUNNING: 'process.running',
  NETWORK_CONNECTION: 'network.connection',
  DNS_QUERY: 'network.dns_query',
  DNS_CACHE: 'network.dns_cache',
  /** ARP / neighbour-table entry in a volatile snapshot. */
  NETWORK_NEIGHBOR: 'network.neighbor',
  FILE_CREATED: 'file.created',
  /** NTFS times ($MFT $STANDARD_INFORMATION / $FILE_NAME) and $UsnJrnl:$J changes. */
  FILE_MODIFIED: 'file.modified',
  FILE_MFT_CHANGED: 'file.mft_changed',
  FILE_ACCESSED: 'file.accessed',
  FILE_RENAMED: 'file.renamed',
  FILE_DELETED: 'file.deleted',
  SCRIPT_BLOCK: 'powershell.script_block',
  LOG_CLEARED: 'log.cleared',
  TASK_EXISTS: 'task.exists',
  SOFTWARE_INSTALLED: 'software.installed',
  HOST_INFO: 'host.info',
  /** A boot record (wtmp BOOT_TIME); attributes.kernel when the record names it. */
  SYSTEM_BOOT: 'system.boot',
  /** A shutdown record (wtmp RUN_LVL `shutdown`). */
  SYSTEM_SHUTDOWN: 'system.shutdown',
  // registry hives (SAM, SYSTEM, SOFTWARE, NTUSER.DAT, Amcache.hve)
  /** Membership of a local built-in alias (Administrators, Remote Desktop Users, …) per SAM. */
  ACCOUNT_GROUP_MEMBER: 'account.group_member',
  /** A user profile (SOFTWARE ProfileList: SID → profile path). */
  ACCOUNT_PROFILE: 'account.profile',
  /** ShimCache (AppCompatCache) entry: the file was seen by the shim engine; time = file last modified. */
  EXECUTION_SHIMCACHE: 'execution.shimcache',
  /** BAM/DAM: last run of an executable by a user. */
  EXECUTION_BAM: 'execution.bam',
  /** Amcache.hve file entry (path, SHA-1): time = key last written. */
  EXECUTION_AMCACHE: 'execution.amcache',
  /** UserAssist: a program a user started from the shell, with run count and last run. */
  EXECUTION_USERASSIST: 'execution.userassist',
  /** A Run / RunOnce autostart value. */
  PERSISTENCE_RUN_KEY: 'persistence.run_key',
  /** A network interface's configuration (SYSTEM Tcpip\Parameters\Interfaces). */
  NETWORK_INTERFACE: 'network.interface',
  /** Something a user typed: Explorer TypedPaths or the Run dialog (RunMRU). */
  USER_TYPED: 'user.typed_input',
  // anything else from an event log, so the timeline is complete
  EVTX_GENERIC: 'evtx.record',
} as const

export type EventType = (typeof EventTypes)[keyof typeof EventTypes]

/**
 * Stable event id: same evidence locator, type and time → same id across reruns and machines.
 * `discriminator` separates several events drawn from one record (e.g. one per transferred file).
 */
export function makeEventId(
  evidence: EvidenceRef,
  eventType: string,
  datetime: string,
  discriminator = '',
): string {
  const key = [evidence.member, evidence.sha256, evidence.offset ?? '', evidence.record ?? '', evidence.line ?? '', eventType, datetime, discriminator].join('\u0000')
  return sha256Hex(key).slice(0, 16)
}

/** One-shot crypto.hash (Node ≥ 20.12) is ~3× cheaper per event than a Hash object; same digest. */
const sha256Hex: (s: string) => string = typeof crypto.hash === 'function'
  ? (s) => crypto.hash('sha256', s, 'hex')
  : (s) => crypto.createHash('sha256').update(s).digest('hex')
