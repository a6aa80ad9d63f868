import type {AnyDeskConf} from '../../parsers/anydesk/conf.js'
import type {ConnectionTraceLine} from '../../parsers/anydesk/connection-trace.js'
import type {FileTransferLine} from '../../parsers/anydesk/file-transfer-trace.js'
import {classifyTraceMessage, type TraceLine} from '../../parsers/anydesk/trace.js'
import {EventTypes, type NormalizedEvent} from '../types.js'
import {buildEvent, NO_TIME, utcWallToIso, type EventFields, type MapContext} from './common.js'

const TOOL = 'AnyDesk'

function traceAttrs(rec: TraceLine, raw: string): Record<string, unknown> {
  return {tool: TOOL, pid: rec.pid, tid: rec.tid, fiber: rec.fiber, thread: rec.thread, role: rec.role, component: rec.component, level: rec.level, raw_line: raw}
}

/** One trace line → at most one event (only lines whose message matters; see classifyTraceMessage). */
export function mapTraceLine(ctx: MapContext, rec: TraceLine, raw: string, line: number): NormalizedEvent | undefined {
  const meaning = classifyTraceMessage(rec.message)
  if (!meaning) return undefined
  const [date, time] = rec.time.split(' ')
  const datetime = utcWallToIso(date!, time!)
  if (!datetime) return undefined
  const attributes = traceAttrs(rec, raw)
  const base = {datetime, timestamp_desc: 'Event Logged'}
  let f: EventFields
  switch (meaning.kind) {
    case 'session_request':
      f = {...base, event_type: EventTypes.REMOTE_SESSION_REQUEST, remote_id: meaning.remoteId, message: `AnyDesk incoming session request from ${meaning.alias} (${meaning.remoteId})`, attributes: {...attributes, alias: meaning.alias}}
      break
    case 'peer_address':
      f = {...base, event_type: EventTypes.REMOTE_PEER_ADDRESS, src_ip: meaning.ip, src_port: meaning.port, message: `AnyDesk peer logged in from ${meaning.ip}${meaning.port !== undefined ? ` port ${meaning.port}` : ''}${meaning.relay ? ` via relay ${meaning.relay}` : ''}`, attributes: {...attributes, relay: meaning.relay}}
      break
    case 'peer_address_blanked':
      f = {...base, event_type: EventTypes.REMOTE_PEER_ADDRESS, src_port: meaning.port, message: `AnyDesk peer logged in from ${meaning.text}${meaning.port !== undefined ? ` port ${meaning.port}` : ''} (address blanked in the trace)${meaning.relay ? ` via relay ${meaning.relay}` : ''}`, attributes: {...attributes, relay: meaning.relay, address_blanked: meaning.text}}
      break
    case 'peer_id':
      f = {...base, event_type: EventTypes.REMOTE_PEER_ID, remote_id: meaning.remoteId, message: `AnyDesk peer ID ${meaning.remoteId}${meaning.fingerprint ? ` (fingerprint ${meaning.fingerprint})` : ''}`, attributes: {...attributes, fingerprint: meaning.fingerprint}}
      break
    case 'local_id':
      f = {...base, event_type: EventTypes.REMOTE_LOCAL_ID, message: `AnyDesk local ID ${meaning.localId}`, attributes: {...attributes, local_id: meaning.localId}}
      break
    case 'external_address':
      f = {...base, event_type: EventTypes.REMOTE_EXTERNAL_ADDRESS, message: `AnyDesk external address of this host: ${meaning.ip}`, attributes: {...attributes, external_ip: meaning.ip, external_port: meaning.port}}
      break
    case 'accept_request':
      f = {...base, event_type: EventTypes.REMOTE_AUTH, remote_id: meaning.remoteId, message: `AnyDesk accepted request from ${meaning.remoteId}`, attributes: {...attributes, accepted: true, via: meaning.via}}
      break
    case 'authenticated':
      f = {...base, event_type: EventTypes.REMOTE_AUTH, message: `AnyDesk session authenticated by ${meaning.method}`, attributes: {...attributes, auth_method: meaning.method}}
      break
    case 'session_end':
      f = {...base, event_type: EventTypes.REMOTE_SESSION_END, message: `AnyDesk session ended: ${meaning.reason}`, attributes: {...attributes, reason: meaning.reason}}
      break
    case 'outgoing_connect':
      f = {...base, event_type: EventTypes.REMOTE_OUTGOING, remote_id: meaning.remoteId, message: `AnyDesk outgoing connection to ${meaning.remoteId}`, attributes}
      break
    case 'prepare_files':
      f = {...base, event_type: EventTypes.REMOTE_FILE_TRANSFER, file_name: meaning.path, message: `AnyDesk prepared files in ${meaning.path}`, attributes: {...attributes, action: 'prepare'}}
      break
    case 'prepare_done':
      f = {...base, event_type: EventTypes.REMOTE_FILE_TRANSFER, message: `AnyDesk completed preparing ${meaning.count} file(s) for transfer`, attributes: {...attributes, action: 'prepare_done', file_count: meaning.count}}
      break
    case 'password_set':
      f = {...base, event_type: EventTypes.REMOTE_PASSWORD_SET, message: 'AnyDesk unattended-access password set (--set-password)', attributes}
      break
    case 'remote_info':
      f = {...base, event_type: EventTypes.REMOTE_OTHER, message: `AnyDesk ${meaning.key.replace('_', ' ')}: ${meaning.value}`, attributes: {...attributes, [meaning.key]: meaning.value}}
      break
  }
  return buildEvent(ctx, 'AnyDesk', {line}, f)
}

const AUTH_NAMES: Record<string, string> = {User: 'User', Passwd: 'Passwd', Token: 'Token', REJECTED: 'REJECTED'}

export function mapConnectionTrace(ctx: MapContext, rec: ConnectionTraceLine, raw: string, line: number): NormalizedEvent | undefined {
  const datetime = utcWallToIso(rec.date, rec.time)
  if (!datetime) return undefined
  const remote = rec.ids[0]
  return buildEvent(ctx, 'AnyDesk', {line}, {
    datetime,
    timestamp_desc: 'Connection Start',
    event_type: EventTypes.REMOTE_SESSION_START,
    remote_id: remote,
    message: `AnyDesk ${rec.direction.toLowerCase()} connection${remote ? ` with ${remote}` : ''}${rec.alias ? ` (${rec.alias})` : ''}, authentication ${rec.auth}`,
    attributes: {tool: TOOL, direction: rec.direction, auth_method: AUTH_NAMES[rec.auth] ?? rec.auth, alias: rec.alias, ids: rec.ids, raw_line: raw},
  })
}

export function mapFileTransfer(ctx: MapContext, rec: FileTransferLine, raw: string, line: number): NormalizedEvent | undefined {
  const datetime = utcWallToIso(rec.date, rec.time)
  if (!datetime) return undefined
  return buildEvent(ctx, 'AnyDesk', {line}, {
    datetime,
    timestamp_desc: 'File Transferred',
    event_type: EventTypes.REMOTE_FILE_TRANSFER,
    file_name: rec.fileName,
    message: `AnyDesk ${rec.source} ${rec.action} ${rec.direction}: ${rec.fileName}${rec.sizeText ? ` (${rec.sizeText})` : ''}`,
    attributes: {tool: TOOL, source_component: rec.source, action: rec.action, direction: rec.direction, size_text: rec.sizeText, raw_line: raw},
  })
}

/** A config file → one remote_access.config event (+ local_id), dated by the file's modification time. */
export function mapConf(ctx: MapContext, conf: AnyDeskConf, fileName: string): NormalizedEvent[] {
  const datetime = ctx.mtime ?? NO_TIME
  const timeAttrs = ctx.mtime ? {} : {time_unknown: true}
  const out: NormalizedEvent[] = []
  out.push(
    buildEvent(ctx, 'AnyDesk', {}, {
      datetime,
      timestamp_desc: 'File Modified',
      event_type: EventTypes.REMOTE_CONFIG,
      message: `AnyDesk configuration ${fileName}${conf.unattendedPasswordSet ? ': unattended-access password is set' : ''}`,
      attributes: {
        tool: TOOL,
        config_file: fileName,
        local_id: conf.localId,
        alias: conf.alias,
        unattended_password_set: conf.unattendedPasswordSet,
        token_salt_set: conf.tokenSaltSet,
        profile_remote_ids: conf.profileRemoteIds.length ? conf.profileRemoteIds : undefined,
        roster_items: conf.rosterItems,
        keys: conf.keys,
        ...timeAttrs,
      },
    }),
  )
  if (conf.localId) {
    out.push(buildEvent(ctx, 'AnyDesk', {}, {datetime, timestamp_desc: 'File Modified', event_type: EventTypes.REMOTE_LOCAL_ID, message: `AnyDesk local ID ${conf.localId}${conf.alias ? ` (${conf.alias})` : ''}`, attributes: {tool: TOOL, local_id: conf.localId, alias: conf.alias, ...timeAttrs}}))
  }
  return out
}
