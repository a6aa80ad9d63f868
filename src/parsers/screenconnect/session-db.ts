import type {Database} from 'sql.js'
import {diag, type Diagnostic} from '../../core/diagnostics.js'
import {dotnetTicksToIso, formatUnix100ns, normaliseIso} from '../../core/time.js'
import {readRows, rowSignature, tableNames, type OpenedDb, type Row, type SqlValue} from '../sqlite/open.js'

/**
 * ScreenConnect server `App_Data/Session.db`. The schema is unpublished (ARTEFACTS.md §3 lists what real
 * queries show): tables and columns are looked up by name, case-insensitively; missing columns are
 * tolerated and unknown event-type numbers are kept.
 */
export const SESSION_EVENT_TYPES: Record<number, string> = {
  10: 'Connected', 11: 'Disconnected', 20: 'CreatedSession', 21: 'EndedSession', 30: 'InitiatedJoin', 31: 'InvitedGuest',
  32: 'AddedNote', 40: 'QueuedReinstall', 41: 'QueuedUninstall', 42: 'QueuedInvalidateLicense', 43: 'QueuedWake',
  44: 'QueuedCommand', 45: 'QueuedMessage', 46: 'QueuedGuestInfoUpdate', 47: 'QueuedTool', 48: 'QueuedForceDisconnect',
  50: 'ProcessedReinstall', 51: 'ProcessedUninstall', 52: 'ProcessedInvalidateLicense', 53: 'ProcessedWake',
  54: 'ProcessedCommand', 55: 'ProcessedMessage', 56: 'ProcessedGuestInfoUpdate', 57: 'ProcessedTool', 58: 'ProcessedForceDisconnect',
  60: 'ModifiedName', 61: 'ModifiedIsPublic', 62: 'ModifiedCode', 63: 'ModifiedHost', 64: 'ModifiedCustomProperty',
  70: 'RanCommand', 71: 'SentMessage', 80: 'SentPrintJob', 81: 'ReceivedPrintJob', 82: 'CopiedText', 83: 'CopiedFiles',
  84: 'DraggedFiles', 85: 'RanFiles', 86: 'SentFiles',
}
export const SESSION_TYPES: Record<number, string> = {0: 'Support', 1: 'Meeting', 2: 'Access'}
export const PROCESS_TYPES: Record<number, string> = {1: 'Host', 2: 'Guest'}

export interface SessionRecord {
  sessionId: string
  name?: string
  sessionType?: string
  host?: string
  customProperties: string[]
  guestMachineName?: string
  guestMachineDomain?: string
  guestLoggedOnUser?: string
  guestOperatingSystem?: string
  fromWal: boolean
}

export interface ConnectionRecord {
  sessionId: string
  connectionId: string
  processType?: string
  participantName?: string
  networkAddress?: string
  fromWal: boolean
}

export interface SessionEventRecord {
  table: string
  rowid: number
  sessionId?: string
  connectionId?: string
  eventId?: string
  eventType: number | null
  eventTypeName: string
  host?: string
  data?: string
  /** ISO UTC, or undefined when the time could not be read. */
  time?: string
  timeRaw?: string
  hidden: boolean
  eventAttributes?: number
  fromWal: boolean
}

/** .NET Guid.ToByteArray() layout: first three fields little-endian, last eight bytes as stored. */
export function dotnetGuid(b: Uint8Array): string {
  if (b.length !== 16) return Buffer.from(b).toString('hex')
  const h = (i: number): string => b[i]!.toString(16).padStart(2, '0')
  return `${h(3)}${h(2)}${h(1)}${h(0)}-${h(5)}${h(4)}-${h(7)}${h(6)}-${h(8)}${h(9)}-${h(10)}${h(11)}${h(12)}${h(13)}${h(14)}${h(15)}`
}

function col(row: Row, name: string): SqlValue | undefined {
  if (name in row) return row[name]
  const lower = name.toLowerCase()
  for (const k of Object.keys(row)) if (k.toLowerCase() === lower) return row[k]
  return undefined
}

function str(v: SqlValue | undefined): string | undefined {
  if (v === null || v === undefined) return undefined
  if (v instanceof Uint8Array) return new TextDecoder().decode(v)
  const s = String(v)
  return s === '' ? undefined : s
}

function guid(v: SqlValue | undefined): string | undefined {
  if (v instanceof Uint8Array) return dotnetGuid(v)
  return str(v)?.toLowerCase()
}

function int(v: SqlValue | undefined): number | undefined {
  if (typeof v === 'number') return v
  if (typeof v === 'bigint') return Number(v)
  if (typeof v === 'string' && /^-?\d+$/.test(v.trim())) return Number(v)
  return undefined
}

/** `Time` as .NET ticks (integer) or text, accepted both ways (ARTEFACTS.md §3). Text without zone is UTC. */
export function sessionTime(v: SqlValue | undefined): string | undefined {
  if (v === null || v === undefined) return undefined
  if (typeof v === 'bigint' || typeof v === 'number') {
    const n = typeof v === 'bigint' ? v : BigInt(Math.trunc(v))
    if (n > 100_000_000_000_000_000n) return dotnetTicksToIso(n)
    if (n > 100_000_000_000n) return formatUnix100ns(n * 10_000n) // Unix milliseconds
    if (n > 0n) return formatUnix100ns(n * 10_000_000n) // Unix seconds
    return undefined
  }
  const s = str(v)?.trim()
  if (!s) return undefined
  if (/^\d+$/.test(s)) return sessionTime(BigInt(s))
  const iso = normaliseIso(s) ?? normaliseIso(s.replace(' ', 'T'))
  if (iso) return iso
  const d = Date.parse(s.endsWith('Z') ? s : `${s} UTC`)
  return Number.isNaN(d) ? undefined : formatUnix100ns(BigInt(d) * 10_000n)
}

function signatures(base: Database | undefined, table: string): Set<string> | undefined {
  if (!base) return undefined
  const names = tableNames(base)
  const real = names.get(table.toLowerCase())
  const out = new Set<string>()
  if (!real) return out
  for (const r of readRows(base, real)) out.add(rowSignature(r))
  return out
}

export interface SessionDbRead {
  sessions: Map<string, SessionRecord>
  connections: Map<string, ConnectionRecord>
  events: SessionEventRecord[]
  diagnostics: Diagnostic[]
  tables: string[]
}

export function readSessionDb(opened: OpenedDb, file: string): SessionDbRead {
  const {db, base} = opened
  const diagnostics: Diagnostic[] = []
  const names = tableNames(db)
  const out: SessionDbRead = {sessions: new Map(), connections: new Map(), events: [], diagnostics, tables: [...names.values()].sort()}

  const sessionTable = names.get('session')
  if (sessionTable) {
    const baseSig = signatures(base, sessionTable)
    for (const r of readRows(db, sessionTable)) {
      const id = guid(col(r, 'SessionID'))
      if (!id) continue
      const st = int(col(r, 'SessionType'))
      const props: string[] = []
      for (let i = 1; i <= 8; i++) props.push(str(col(r, `CustomProperty${i}`)) ?? '')
      while (props.length && props[props.length - 1] === '') props.pop()
      out.sessions.set(id, {
        sessionId: id,
        name: str(col(r, 'Name')),
        sessionType: st === undefined ? undefined : (SESSION_TYPES[st] ?? String(st)),
        host: str(col(r, 'Host')),
        customProperties: props,
        guestMachineName: str(col(r, 'GuestMachineName')),
        guestMachineDomain: str(col(r, 'GuestMachineDomain')),
        guestLoggedOnUser: str(col(r, 'GuestLoggedOnUserName')),
        guestOperatingSystem: str(col(r, 'GuestOperatingSystemName')),
        fromWal: baseSig ? !baseSig.has(rowSignature(r)) : false,
      })
    }
  } else {
    diagnostics.push(diag('SCREENCONNECT_SESSIONDB_NO_TABLE', 'warning', 'Session.db has no Session table', {file}))
  }

  const connTable = names.get('sessionconnection')
  if (connTable) {
    const baseSig = signatures(base, connTable)
    for (const r of readRows(db, connTable)) {
      const sid = guid(col(r, 'SessionID'))
      const cid = guid(col(r, 'ConnectionID'))
      if (!sid || !cid) continue
      const pt = int(col(r, 'ProcessType'))
      out.connections.set(cid, {
        sessionId: sid,
        connectionId: cid,
        processType: pt === undefined ? undefined : (PROCESS_TYPES[pt] ?? String(pt)),
        participantName: str(col(r, 'ParticipantName')),
        networkAddress: str(col(r, 'NetworkAddress')),
        fromWal: baseSig ? !baseSig.has(rowSignature(r)) : false,
      })
    }
  }

  for (const key of ['sessionevent', 'sessionconnectionevent']) {
    const table = names.get(key)
    if (!table) {
      diagnostics.push(diag('SCREENCONNECT_SESSIONDB_NO_TABLE', 'info', `Session.db has no ${key === 'sessionevent' ? 'SessionEvent' : 'SessionConnectionEvent'} table`, {file}))
      continue
    }
    const baseSig = signatures(base, table)
    for (const r of readRows(db, table)) {
      const et = int(col(r, 'EventType'))
      const attrs = int(col(r, 'EventAttributes'))
      const rawTime = col(r, 'Time')
      const time = sessionTime(rawTime)
      const rowid = int(r.__rowid) ?? 0
      if (!time) diagnostics.push(diag('SCREENCONNECT_SESSIONDB_BAD_TIME', 'warning', `${table} row has no readable Time (${String(rawTime)})`, {file, record: `${table}:${rowid}`}))
      const rec: SessionEventRecord = {
        table,
        rowid,
        sessionId: guid(col(r, 'SessionID')),
        connectionId: guid(col(r, 'ConnectionID')),
        eventId: guid(col(r, 'EventID')),
        eventType: et ?? null,
        eventTypeName: et === undefined ? 'Unknown' : (SESSION_EVENT_TYPES[et] ?? `EventType${et}`),
        host: str(col(r, 'Host')),
        data: str(col(r, 'Data')),
        time,
        hidden: attrs !== undefined && (attrs & 1) === 1,
        fromWal: baseSig ? !baseSig.has(rowSignature(r)) : false,
      }
      if (rawTime !== null && rawTime !== undefined) rec.timeRaw = typeof rawTime === 'bigint' || typeof rawTime === 'number' ? String(rawTime) : str(rawTime)
      if (attrs !== undefined) rec.eventAttributes = attrs
      out.events.push(rec)
    }
  }
  return out
}
