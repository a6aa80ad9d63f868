import {normaliseIso} from '../../core/time.js'
import type {AppLogMessage} from '../../parsers/screenconnect/app-log.js'
import type {LaunchParams} from '../../parsers/screenconnect/launch-params.js'
import type {SecurityEventRecord} from '../../parsers/screenconnect/security-db.js'
import type {ConnectionRecord, SessionDbRead, SessionEventRecord, SessionRecord} from '../../parsers/screenconnect/session-db.js'
import type {HostAddress} from '../../parsers/screenconnect/settings.js'
import type {ServerUser} from '../../parsers/screenconnect/user-xml.js'
import {EventTypes, type NormalizedEvent} from '../types.js'
import {buildEvent, hostLocalTime, NO_TIME, type EventFields, type MapContext} from './common.js'

const TOOL = 'ScreenConnect'

/** Launch-parameter attributes (never the key: only its hash). */
export function launchAttributes(p: LaunchParams): Record<string, unknown> {
  return {
    instance: p.instance,
    relay_host: p.relay_host,
    relay_port: p.relay_port,
    session_guid: p.session_guid,
    session_type: p.session_type,
    process_type: p.process_type,
    session_name: p.session_name,
    custom_properties: p.custom_properties,
    key_sha256: p.key_sha256,
  }
}

export function mapLaunchParams(ctx: MapContext, p: LaunchParams, origin: string, locator: {line?: number} = {}): NormalizedEvent {
  const datetime = ctx.mtime ?? NO_TIME
  return buildEvent(ctx, 'ScreenConnect', locator, {
    datetime,
    timestamp_desc: 'File Modified',
    event_type: EventTypes.REMOTE_RELAY,
    message: `ScreenConnect client${p.instance ? ` ${p.instance}` : ''} relays to ${p.relay_host ?? '?'}${p.relay_port ? `:${p.relay_port}` : ''}${p.session_guid ? ` (session ${p.session_guid})` : ''} [${origin}]`,
    attributes: {tool: TOOL, ...launchAttributes(p), origin, ...(ctx.mtime ? {} : {time_unknown: true})},
  })
}

export function mapHostAddress(ctx: MapContext, e: HostAddress, instance: string | undefined, index: number): NormalizedEvent {
  const local = e.resolved ? hostLocalTime(e.resolved, e.resolvedText ?? '', ctx.hostTimeZone) : undefined
  return buildEvent(ctx, 'ScreenConnect', {record: index}, {
    datetime: local?.datetime ?? ctx.mtime ?? NO_TIME,
    timestamp_desc: local ? 'Last Resolved' : 'File Modified',
    event_type: EventTypes.REMOTE_ADDRESS_RESOLVED,
    dst_ip: e.ip,
    message: `ScreenConnect client resolved ${e.host} to ${e.ip}${e.resolvedText ? ` at ${e.resolvedText} (host-local time)` : ''}`,
    attributes: {tool: TOOL, instance, dst_host: e.host, ...(local?.attributes ?? {original_time: e.resolvedText})},
  })
}

export function mapRunDrop(ctx: MapContext, fileName: string, scriptHead: string, contentSha256: string, version: string | undefined): NormalizedEvent {
  return buildEvent(ctx, 'ScreenConnect', {}, {
    datetime: ctx.mtime ?? NO_TIME,
    timestamp_desc: 'File Modified',
    event_type: EventTypes.REMOTE_RUN_DROP,
    file_name: fileName,
    command_line: scriptHead,
    message: `ScreenConnect run-command file ${fileName} dropped`,
    attributes: {tool: TOOL, content_sha256: contentSha256, client_version: version, ...(ctx.mtime ? {} : {time_unknown: true})},
  })
}

export function mapServerExtension(ctx: MapContext, fileName: string): NormalizedEvent {
  return buildEvent(ctx, 'ScreenConnect', {}, {
    datetime: ctx.mtime ?? NO_TIME,
    timestamp_desc: 'File Modified',
    event_type: EventTypes.REMOTE_SERVER_EXTENSION,
    file_name: fileName,
    message: `Unexpected ${fileName.split('.').pop()} file ${fileName} in the ScreenConnect App_Extensions root (possible web shell)`,
    attributes: {tool: TOOL, content_sha256: ctx.sha256},
  })
}

/** Application-log message → event fields (the EVTX mapper adds the EVTX attributes). */
export function appLogFields(msg: AppLogMessage, provider: string): {fields: Omit<EventFields, 'datetime' | 'timestamp_desc'>; files?: string[]} | undefined {
  const inst = /\(([0-9a-fA-F]{16})\)/.exec(provider)?.[1]?.toLowerCase()
  const attrs = {tool: TOOL, instance: inst}
  switch (msg.kind) {
    case 'connected':
      return {fields: {event_type: EventTypes.REMOTE_SESSION_START, user: msg.operator, message: `ScreenConnect: ${msg.operator} connected`, attributes: {...attrs, operator: msg.operator}}}
    case 'disconnected':
      return {fields: {event_type: EventTypes.REMOTE_SESSION_END, user: msg.operator, message: `ScreenConnect: ${msg.operator} disconnected`, attributes: {...attrs, operator: msg.operator}}}
    case 'command_executed':
      return {fields: {event_type: EventTypes.REMOTE_COMMAND, message: `ScreenConnect: command of length ${msg.length} executed`, attributes: {...attrs, command_length: msg.length}}}
    case 'host_ended_session':
      return {fields: {event_type: EventTypes.REMOTE_SESSION_END, message: 'ScreenConnect: the host ended the remote session', attributes: {...attrs, ended_by_host: true}}}
    case 'files_transferred':
      return {fields: {event_type: EventTypes.REMOTE_FILE_TRANSFER, message: `ScreenConnect: files transferred with action '${msg.action}'`, attributes: {...attrs, action: msg.action}}, files: msg.files.length ? msg.files : ['']}
    case 'unknown':
      return undefined
  }
}

// ---- server: Session.db, security.db, User.xml ----

function sessionAttrs(s: SessionRecord | undefined): Record<string, unknown> {
  if (!s) return {}
  return {
    session_guid: s.sessionId,
    session_name: s.name,
    session_type: s.sessionType,
    guest_machine: s.guestMachineName,
    guest_domain: s.guestMachineDomain,
    guest_user: s.guestLoggedOnUser,
    guest_os: s.guestOperatingSystem,
    custom_properties: s.customProperties.length ? s.customProperties : undefined,
  }
}

function connAttrs(c: ConnectionRecord | undefined): Record<string, unknown> {
  if (!c) return {}
  return {connection_id: c.connectionId, process_type: c.processType, participant: c.participantName}
}

const FILE_TYPES = new Set([83, 84, 85, 86])

export function mapSessionEvent(ctx: MapContext, read: SessionDbRead, e: SessionEventRecord): NormalizedEvent[] {
  const s = e.sessionId ? read.sessions.get(e.sessionId) : undefined
  const c = e.connectionId ? read.connections.get(e.connectionId) : undefined
  const attributes: Record<string, unknown> = {
    tool: TOOL,
    table: e.table,
    event_type_number: e.eventType,
    event_type_name: e.eventTypeName,
    event_id: e.eventId,
    ...sessionAttrs(s),
    ...connAttrs(c),
    host_operator: e.host,
    event_attributes: e.eventAttributes,
    hidden: e.hidden || undefined,
    from_wal: e.fromWal || undefined,
    original_time: e.time ? undefined : e.timeRaw,
    time_unknown: e.time ? undefined : true,
  }
  const where = s?.guestMachineName ? ` on ${s.guestMachineName}` : s?.name ? ` in session ${s.name}` : ''
  const datetime = e.time ?? NO_TIME
  const base = {datetime, timestamp_desc: 'Event Logged'}
  const locator = {record: `${e.table}:${e.rowid}`}
  const participant = c?.participantName ?? e.host
  const srcIp = c?.networkAddress
  let f: EventFields
  switch (e.eventType) {
    case 10:
      f = {...base, event_type: EventTypes.REMOTE_SESSION_START, timestamp_desc: 'Connection Start', user: participant, src_ip: srcIp, message: `ScreenConnect ${c?.processType ?? 'participant'} ${participant ?? '?'} connected${where}${srcIp ? ` from ${srcIp}` : ''}`, attributes}
      break
    case 11:
      f = {...base, event_type: EventTypes.REMOTE_SESSION_END, timestamp_desc: 'Connection End', user: participant, src_ip: srcIp, message: `ScreenConnect ${c?.processType ?? 'participant'} ${participant ?? '?'} disconnected${where}`, attributes}
      break
    case 44:
      f = {...base, event_type: EventTypes.REMOTE_COMMAND, user: e.host, command_line: e.data, message: `ScreenConnect command queued by ${e.host ?? '?'}${where}: ${truncate(e.data ?? '', 200)}`, attributes}
      break
    case 70:
      f = {...base, event_type: EventTypes.REMOTE_COMMAND_OUTPUT, user: participant, message: `ScreenConnect command ran${where}; output ${truncate(e.data ?? '', 200)}`, attributes: {...attributes, output: e.data}}
      break
    default:
      if (e.eventType !== null && FILE_TYPES.has(e.eventType)) {
        f = {...base, event_type: EventTypes.REMOTE_FILE_TRANSFER, timestamp_desc: 'File Transferred', user: participant, src_ip: srcIp, file_name: e.data, message: `ScreenConnect ${e.eventTypeName}${where}: ${truncate(e.data ?? '', 200)}`, attributes: {...attributes, action: e.eventTypeName}}
      } else {
        f = {...base, event_type: EventTypes.REMOTE_OTHER, user: participant, message: `ScreenConnect ${e.eventTypeName}${where}${e.data ? `: ${truncate(e.data, 200)}` : ''}`, attributes: {...attributes, data: e.data}}
      }
  }
  if (e.hidden) f.message += ' [hidden by an administrator]'
  return [buildEvent(ctx, 'ScreenConnect', locator, f)]
}

function truncate(s: string, n: number): string {
  const one = s.replace(/\s+/g, ' ').trim()
  return one.length > n ? `${one.slice(0, n)}…` : one
}

export function mapSecurityEvent(ctx: MapContext, r: SecurityEventRecord): NormalizedEvent {
  return buildEvent(ctx, 'ScreenConnect', {record: `SecurityEvent:${r.rowid}`}, {
    datetime: r.time ?? NO_TIME,
    timestamp_desc: 'Event Logged',
    event_type: r.success ? EventTypes.REMOTE_WEB_LOGIN : EventTypes.REMOTE_WEB_LOGIN_FAILED,
    user: r.userName,
    src_ip: r.networkAddress,
    message: `ScreenConnect web login ${r.success ? 'succeeded' : 'failed'} for ${r.userName ?? '?'}${r.networkAddress ? ` from ${r.networkAddress}` : ''}`,
    attributes: {tool: TOOL, security_event_type: r.eventType, operation_result: r.operationResult, network_address_raw: r.networkAddressRaw, user_agent: r.userAgent, user_source: r.userSource, url_referrer: r.urlReferrer, original_time: r.time ? undefined : r.timeRaw, time_unknown: r.time ? undefined : true},
  })
}

export function mapServerUser(ctx: MapContext, u: ServerUser, index: number): NormalizedEvent[] {
  const out: NormalizedEvent[] = []
  const attrs = {tool: TOOL, display_name: u.displayName, email: u.email, comment: u.comment, is_approved: u.isApproved, is_locked_out: u.isLockedOut, roles: u.roles, dates: u.dates}
  const dated = Object.entries(u.dates)
    // .NET writes DateTime.MinValue (0001-01-01) for "never"; Date.UTC would also misread years < 100.
    .filter(([, v]) => !/^0{0,3}\d{1,2}-/.test(v.trim()))
    .map(([k, v]) => [k, normaliseIso(v) ?? normaliseIso(`${v}Z`)] as const)
    .filter((x): x is readonly [string, string] => x[1] !== undefined && !x[1].startsWith('0001-'))
  if (!dated.length) dated.push(['FileModified', ctx.mtime ?? NO_TIME])
  for (const [k, iso] of dated) {
    out.push(buildEvent(ctx, 'ScreenConnect', {record: index}, {
      datetime: iso,
      timestamp_desc: k.replace(/([a-z])([A-Z])/g, '$1 $2'),
      event_type: EventTypes.REMOTE_SERVER_USER,
      user: u.name,
      message: `ScreenConnect server user ${u.name}${u.roles.length ? ` (${u.roles.join(', ')})` : ''}: ${k}`,
      attributes: {...attrs, date_field: k},
    }, k))
  }
  return out
}

