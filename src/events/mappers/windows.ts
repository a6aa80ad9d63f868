import type {EvtxDataValue, EvtxRecord} from '../../parsers/evtx/record-types.js'
import {classifyAppLogMessage, isScreenConnectProvider} from '../../parsers/screenconnect/app-log.js'
import {parseLaunchParams, redactLaunchKey} from '../../parsers/screenconnect/launch-params.js'
import {EventTypes, type NormalizedEvent} from '../types.js'
import {appLogFields, launchAttributes} from './screenconnect.js'
import {buildEvent, NO_TIME, type EventFields, type MapContext} from './common.js'

/**
 * Windows event records → normalized events (EVENT-CONVENTIONS.md "Windows event log"). Every EventData /
 * UserData field is copied verbatim into attributes; typed events add the pivots. Records not listed become
 * `evtx.record` so the timeline is complete. PowerShell 4104 script blocks split over several records are
 * reassembled by WindowsMapper (stateful); everything else is a pure function of one record.
 */
export const LOGON_TYPES: Record<number, string> = {
  0: 'System', 2: 'Interactive', 3: 'Network', 4: 'Batch', 5: 'Service', 7: 'Unlock', 8: 'NetworkCleartext',
  9: 'NewCredentials', 10: 'RemoteInteractive', 11: 'CachedInteractive', 12: 'CachedRemoteInteractive', 13: 'CachedUnlock',
}

const PRIVILEGED_SIDS = new Set(['S-1-5-32-544', 'S-1-5-32-555', 'S-1-5-32-551'])
export function isPrivilegedGroup(sid: string | undefined): boolean {
  if (!sid) return false
  const s = sid.toUpperCase()
  return PRIVILEGED_SIDS.has(s) || /^S-1-5-21-\d+-\d+-\d+-(512|519)$/.test(s)
}

const REMOTE_TOOLS: [RegExp, string][] = [
  [/screenconnect|connectwise/i, 'ScreenConnect'],
  [/anydesk/i, 'AnyDesk'],
  [/teamviewer/i, 'TeamViewer'],
  [/termservice|remote desktop|\brdp\b|umrdpservice/i, 'RDP'],
]
export function remoteToolOf(text: string | undefined): string | undefined {
  if (!text) return undefined
  for (const [re, name] of REMOTE_TOOLS) if (re.test(text)) return name
  return undefined
}

type Data = Record<string, EvtxDataValue>

/** Named fields as an object; unnamed `<Data>` arrays become `{Data: [...]}`; UserData children flattened one level. */
export function dataObject(rec: EvtxRecord): Data {
  const d = rec.data
  if (!d) return {}
  if (Array.isArray(d)) return {Data: d}
  // Most records are flat EventData: use the object as is (no copy); only UserData needs lifting.
  let nested = false
  for (const k in d) {
    const v = d[k]
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      nested = true
      break
    }
  }
  if (!nested) return d
  const out: Data = {}
  for (const [k, v] of Object.entries(d)) {
    if (v && typeof v === 'object' && !Array.isArray(v) && k !== '_element') {
      // UserData: <EventXML><User>…</User></EventXML> → keep nested fields at top level too
      for (const [k2, v2] of Object.entries(v)) if (!(k2 in out)) out[k2] = v2
    }
    out[k] = v
  }
  return out
}

const s = (v: EvtxDataValue | undefined): string | undefined => {
  if (v === null || v === undefined) return undefined
  if (typeof v === 'object') return Array.isArray(v) ? v.map((x) => String(x)).join('\n') : undefined
  const t = String(v)
  return t === '' || t === '-' ? undefined : t
}
const n = (v: EvtxDataValue | undefined): number | undefined => {
  if (typeof v === 'number') return v
  if (typeof v === 'string' && /^(0x[0-9a-f]+|\d+)$/i.test(v.trim())) return Number(v.trim())
  return undefined
}

function firstValues(data: Data, max = 3): string {
  let out = ''
  let n = 0
  for (const k in data) {
    if (k === '_element') continue
    const v = data[k]
    // a classic Data array may hold a {Binary} element: only its text items describe the record
    const t = Array.isArray(v) ? s(v.filter((x) => x === null || typeof x !== 'object') as EvtxDataValue) : typeof v === 'object' && v !== null ? undefined : s(v)
    if (!t) continue
    out += (n ? ' | ' : '') + t.slice(0, 120).replace(/\s+/g, ' ')
    if (++n >= max) break
  }
  return out
}

/** MemberName is an LDAP DN (`CN=x,…`) or `-`: take the CN. */
function memberName(data: Data): string | undefined {
  const mn = s(data.MemberName)
  if (!mn) return undefined
  const m = /^CN=((?:\\,|[^,])+)/i.exec(mn)
  return m ? m[1]!.replace(/\\,/g, ',') : mn
}

export interface ScriptFragment {
  rec: EvtxRecord
  ctx: MapContext
  number: number
  total: number
  text: string
}

export function baseAttributes(rec: EvtxRecord, data: Data): Record<string, unknown> {
  const attrs: Record<string, unknown> = {}
  // Copied verbatim except ScreenConnect launch keys (`k=` in an ImagePath or command line): hashed, never printed.
  for (const k in data) {
    const v = data[k]
    attrs[k] = typeof v === 'string' && v.length > 6 && v.includes('k=') && /[?&]h=/.test(v) ? redactLaunchKey(v) : v
  }
  attrs.event_id = rec.eventId
  attrs.channel = rec.channel
  attrs.provider = rec.provider
  attrs.record_id = rec.recordId
  if (rec.recovered) attrs.recovered = true
  return attrs
}

/** Maps one record (4104 fragments excepted: those go through WindowsMapper). */
export function mapEvtxRecord(ctx: MapContext, rec: EvtxRecord): NormalizedEvent[] {
  const data = dataObject(rec)
  const attrs = baseAttributes(rec, data)
  const datetime = rec.timeCreated ?? rec.writtenTime ?? NO_TIME
  if (!rec.timeCreated && !rec.writtenTime) attrs.time_unknown = true
  const host = rec.computer ?? ctx.host
  const id = rec.eventId
  const ch = (rec.channel ?? '').toLowerCase()
  const prov = rec.provider ?? ''
  const sec = prov === 'Microsoft-Windows-Security-Auditing' || ch === 'security'
  const locator = {offset: rec.offset, record: rec.recordId ?? rec.headerRecordNumber}
  const mk = (f: Omit<EventFields, 'datetime' | 'timestamp_desc'>, disc = ''): NormalizedEvent =>
    buildEvent(ctx, 'EVTX', locator, {datetime, timestamp_desc: 'Event Logged', host, ...f, attributes: f.attributes ? {...attrs, ...f.attributes} : attrs}, disc)

  // ScreenConnect client messages in the Application log: by provider prefix + text, not id.
  if (isScreenConnectProvider(prov)) {
    const text = s(Array.isArray(rec.data) ? (rec.data as EvtxDataValue[]).map((x) => String(x ?? '')).join('\n') : (data.Data ?? firstValues(data, 1))) ?? ''
    const mapped = appLogFields(classifyAppLogMessage(text), prov)
    if (mapped) {
      if (mapped.files) {
        return mapped.files.map((f, i) => mk({...mapped.fields, file_name: f || undefined, message: `${mapped.fields.message}: ${f}`}, `file:${i}`))
      }
      return [mk(mapped.fields)]
    }
  }

  const account = (type: string, verb: string): NormalizedEvent =>
    mk({event_type: type, user: s(data.TargetUserName), message: `Account ${s(data.TargetDomainName) ? `${s(data.TargetDomainName)}\\` : ''}${s(data.TargetUserName) ?? '?'} ${verb} by ${s(data.SubjectUserName) ?? '?'}`, attributes: {target_domain: s(data.TargetDomainName), target_sid: s(data.TargetSid), subject_user: s(data.SubjectUserName)}})

  if (sec) {
    switch (id) {
      case 4720: return [account(EventTypes.ACCOUNT_CREATED, 'created')]
      case 4722: return [account(EventTypes.ACCOUNT_ENABLED, 'enabled')]
      case 4724: return [account(EventTypes.ACCOUNT_PASSWORD_RESET, 'had its password reset')]
      // computer accounts (a domain join, `NAME$`): marked so they are never taken for hidden user accounts
      case 4741: return [computerAccount(account(EventTypes.ACCOUNT_CREATED, 'created'))]
      case 4742: return [computerAccount(account(EventTypes.ACCOUNT_CHANGED, 'changed'))]
      case 4743: return [computerAccount(account(EventTypes.ACCOUNT_DELETED, 'deleted'))]
      case 4608: return [mk({event_type: EventTypes.SYSTEM_BOOT, message: 'Windows is starting up (Security 4608)'})]
      case 4609: return [mk({event_type: EventTypes.SYSTEM_SHUTDOWN, message: 'Windows is shutting down (Security 4609)'})]
      case 4725: return [account(EventTypes.ACCOUNT_DISABLED, 'disabled')]
      case 4726: return [account(EventTypes.ACCOUNT_DELETED, 'deleted')]
      case 4738: return [account(EventTypes.ACCOUNT_CHANGED, 'changed')]
      case 4728:
      case 4732:
      case 4756: {
        const member = memberName(data) ?? s(data.MemberSid)
        const gsid = s(data.TargetSid)
        const priv = isPrivilegedGroup(gsid)
        return [mk({event_type: EventTypes.ACCOUNT_GROUP_MEMBER_ADDED, user: member, message: `${member ?? '?'} added to group ${s(data.TargetUserName) ?? gsid ?? '?'}${priv ? ' (privileged)' : ''} by ${s(data.SubjectUserName) ?? '?'}`, attributes: {member_name: memberName(data), member_sid: s(data.MemberSid), group_name: s(data.TargetUserName), group_sid: gsid, privileged_group: priv, subject_user: s(data.SubjectUserName)}})]
      }
      case 4624:
      case 4625: {
        const lt = n(data.LogonType)
        const ip = s(data.IpAddress)
        const port = n(data.IpPort)
        const ok = id === 4624
        return [mk({event_type: ok ? EventTypes.LOGON_SUCCESS : EventTypes.LOGON_FAILED, user: s(data.TargetUserName), src_ip: ip, src_port: port || undefined, message: `${ok ? 'Logon' : 'Failed logon'} of ${s(data.TargetUserName) ?? '?'} (type ${lt ?? '?'} ${lt !== undefined ? (LOGON_TYPES[lt] ?? '') : ''})${ip ? ` from ${ip}` : ''}`, attributes: {logon_type: lt, logon_type_name: lt !== undefined ? LOGON_TYPES[lt] : undefined}})]
      }
      case 4688: {
        const proc = s(data.NewProcessName)
        return [mk({event_type: EventTypes.PROCESS_CREATED, process: proc, command_line: attrs.CommandLine as string | undefined || undefined, user: s(data.SubjectUserName), message: `Process ${proc ?? '?'} created by ${s(data.ParentProcessName) ?? '?'}`, attributes: {parent_process: s(data.ParentProcessName), tool: remoteToolOf(s(data.ParentProcessName)) ?? remoteToolOf(proc)}})]
      }
      case 4697:
        return [service(mk, s(data.ServiceName), s(data.ServiceFileName), s(data.ServiceStartType), s(data.ServiceAccount))]
      case 1102:
        return [mk({event_type: EventTypes.LOG_CLEARED, user: s(data.SubjectUserName), message: `Security log cleared by ${s(data.SubjectUserName) ?? '?'}`, attributes: {cleared_channel: 'Security'}})]
    }
  }
  if (id === 1102 && /eventlog/i.test(prov)) return [mk({event_type: EventTypes.LOG_CLEARED, user: s(data.SubjectUserName), message: `Security log cleared by ${s(data.SubjectUserName) ?? '?'}`, attributes: {cleared_channel: 'Security'}})]
  if (id === 104 && /eventlog/i.test(prov)) {
    const chn = s(data.Channel) ?? rec.channel ?? undefined
    return [mk({event_type: EventTypes.LOG_CLEARED, user: s(data.SubjectUserName), message: `Event log ${chn ?? '?'} cleared by ${s(data.SubjectUserName) ?? '?'}`, attributes: {cleared_channel: chn}})]
  }
  if (/Service Control Manager/i.test(prov)) {
    if (id === 7045) return [service(mk, s(data.ServiceName), s(data.ImagePath), s(data.StartType), s(data.AccountName))]
    if (id === 7036 || id === 7040) {
      const name = s(data.param1) ?? (Array.isArray(rec.data) ? s(rec.data[0]) : undefined)
      const state = s(data.param2) ?? (Array.isArray(rec.data) ? s(rec.data[1]) : undefined)
      const tool = remoteToolOf(name)
      if (tool || id === 7040) {
        return [mk({event_type: id === 7036 ? EventTypes.SERVICE_STATE : EventTypes.SERVICE_START_TYPE, message: id === 7036 ? `Service ${name ?? '?'} entered the ${state ?? '?'} state` : `Service ${name ?? '?'} start type changed from ${state ?? '?'} to ${s(data.param3) ?? '?'}`, attributes: {service_name: name, state, tool}})]
      }
    }
  }
  if (/TerminalServices-LocalSessionManager/i.test(prov) && (id === 21 || id === 24 || id === 25)) {
    const type = id === 21 ? EventTypes.LOGON_RDP : id === 24 ? EventTypes.LOGON_RDP_DISCONNECT : EventTypes.LOGON_RDP_RECONNECT
    const ip = s(data.Address)
    const verb = id === 21 ? 'logon' : id === 24 ? 'disconnected' : 'reconnected'
    // `LOCAL` is the console: the same events log a person at the keyboard, which is not remote desktop
    if (!ip || ip.toUpperCase() === 'LOCAL') return [mk({event_type: type, user: s(data.User), message: `Console session ${verb}: ${s(data.User) ?? '?'} (${ip ?? 'no address'})`, attributes: {session_id: s(data.SessionID), console: true}})]
    return [mk({event_type: type, user: s(data.User), src_ip: ip, message: `RDP session ${verb}: ${s(data.User) ?? '?'} from ${ip}`, attributes: {session_id: s(data.SessionID), tool: 'RDP'}})]
  }
  if (/TerminalServices-LocalSessionManager/i.test(prov) && id === 23) {
    return [mk({event_type: EventTypes.LOGOFF, user: s(data.User), message: `Session logoff: ${s(data.User) ?? '?'} (session ${s(data.SessionID) ?? '?'})`, attributes: {session_id: s(data.SessionID)}})]
  }
  // a boot or a shutdown ends every session: session ids are reused after a restart
  if ((/^EventLog$/i.test(prov) && (id === 6005 || id === 6009)) || (/Kernel-General/i.test(prov) && id === 12)) {
    return [mk({event_type: EventTypes.SYSTEM_BOOT, message: `Windows started (${prov} ${id})${id === 6009 ? `: ${firstValues(data)}` : ''}`})]
  }
  if ((/^EventLog$/i.test(prov) && id === 6006) || (/Kernel-General/i.test(prov) && id === 13)) {
    return [mk({event_type: EventTypes.SYSTEM_SHUTDOWN, message: `Windows shut down (${prov} ${id})`})]
  }
  if (/TerminalServices-RemoteConnectionManager/i.test(prov) && id === 1149) {
    return [mk({event_type: EventTypes.LOGON_RDP_AUTH, user: s(data.Param1), src_ip: s(data.Param3), message: `RDP authentication succeeded for ${s(data.Param2) ? `${s(data.Param2)}\\` : ''}${s(data.Param1) ?? '?'} from ${s(data.Param3) ?? '?'}`, attributes: {domain: s(data.Param2), tool: 'RDP'}})]
  }
  if (/Microsoft-Windows-Sysmon/i.test(prov)) {
    if (id === 1) {
      const img = s(data.Image)
      return [mk({event_type: EventTypes.PROCESS_CREATED, process: img, command_line: attrs.CommandLine as string | undefined || undefined, user: s(data.User), message: `Process ${img ?? '?'} created by ${s(data.ParentImage) ?? '?'}`, attributes: {parent_process: s(data.ParentImage), tool: remoteToolOf(s(data.ParentImage)) ?? remoteToolOf(img)}})]
    }
    if (id === 3) {
      return [mk({event_type: EventTypes.NETWORK_CONNECTION, process: s(data.Image), user: s(data.User), src_ip: s(data.SourceIp), src_port: n(data.SourcePort), dst_ip: s(data.DestinationIp), dst_port: n(data.DestinationPort), message: `${s(data.Image) ?? '?'} ${s(data.SourceIp) ?? '?'}:${s(data.SourcePort) ?? '?'} → ${s(data.DestinationIp) ?? '?'}:${s(data.DestinationPort) ?? '?'}`, attributes: {initiated: s(data.Initiated), tool: remoteToolOf(s(data.Image))}})]
    }
    if (id === 11) return [mk({event_type: EventTypes.FILE_CREATED, process: s(data.Image), file_name: s(data.TargetFilename), message: `File ${s(data.TargetFilename) ?? '?'} created by ${s(data.Image) ?? '?'}`})]
    if (id === 22) return [mk({event_type: EventTypes.DNS_QUERY, process: s(data.Image), message: `DNS query ${s(data.QueryName) ?? '?'} by ${s(data.Image) ?? '?'}`, attributes: {query_name: s(data.QueryName)}})]
  }
  const first = firstValues(data) // computed once: this is the path most records take
  return [mk({event_type: EventTypes.EVTX_GENERIC, message: `${prov || '?'} ${id ?? '?'}${first ? `: ${first}` : ''}`})]
}

function computerAccount(ev: NormalizedEvent): NormalizedEvent {
  ev.attributes = {...ev.attributes, machine_account: true}
  ev.message = ev.message.replace(/^Account /, 'Computer account ')
  return ev
}

function service(
  mk: (f: Omit<EventFields, 'datetime' | 'timestamp_desc'>) => NormalizedEvent,
  name: string | undefined,
  image: string | undefined,
  startType: string | undefined,
  account: string | undefined,
): NormalizedEvent {
  const lp = image ? parseLaunchParams(image) : undefined
  if (image && lp?.key_sha256) image = redactLaunchKey(image)
  const tool = remoteToolOf(`${name ?? ''} ${image ?? ''}`)
  return mk({
    event_type: EventTypes.SERVICE_INSTALLED,
    process: image,
    message: `Service ${name ?? '?'} installed: ${image ?? '?'}`,
    attributes: {service_name: name, image_path: image, start_type: startType, account, tool, ...(lp ? launchAttributes(lp) : {})},
  })
}

/** Records WindowsMapper maps with state (4104 script-block fragments); mapEvtxRecord maps all others alone. */
export function needsMapperState(rec: EvtxRecord): boolean {
  return rec.eventId === 4104 && /PowerShell/i.test(rec.provider ?? '')
}

/**
 * Stateful wrapper: reassembles PowerShell 4104 script blocks (MessageNumber/MessageTotal) across records.
 * The complete block is one event at the first fragment's time; fragments still open at `flush()` (or when
 * the pending text exceeds the bound) become one event each, flagged `partial`.
 */
export class WindowsMapper {
  private readonly pending = new Map<string, ScriptFragment[]>()
  private pendingChars = 0
  static readonly MAX_PENDING_CHARS = 64 * 1024 * 1024

  map(ctx: MapContext, rec: EvtxRecord): NormalizedEvent[] {
    if (needsMapperState(rec)) return this.script(ctx, rec)
    return mapEvtxRecord(ctx, rec)
  }

  private script(ctx: MapContext, rec: EvtxRecord): NormalizedEvent[] {
    const data = dataObject(rec)
    const idv = s(data.ScriptBlockId) ?? `record:${rec.recordId ?? rec.headerRecordNumber}`
    const total = n(data.MessageTotal) ?? 1
    const number = n(data.MessageNumber) ?? 1
    const text = typeof data.ScriptBlockText === 'string' ? data.ScriptBlockText : (s(data.ScriptBlockText) ?? '')
    if (total <= 1) return [scriptEvent([{rec, ctx, number, total, text}], true)]
    const key = `${ctx.member}\u0000${idv}`
    const list = this.pending.get(key) ?? []
    list.push({rec, ctx, number, total, text})
    this.pending.set(key, list)
    this.pendingChars += text.length
    const have = new Set(list.map((f) => f.number))
    if (have.size >= total && [...Array(total).keys()].every((i) => have.has(i + 1))) {
      this.pending.delete(key)
      this.pendingChars -= list.reduce((a, f) => a + f.text.length, 0)
      return [scriptEvent(list, true)]
    }
    if (this.pendingChars > WindowsMapper.MAX_PENDING_CHARS) return this.flush()
    return []
  }

  /** Emits fragments of blocks never completed (one event per fragment, `partial: true`). */
  flush(): NormalizedEvent[] {
    const out: NormalizedEvent[] = []
    for (const list of this.pending.values()) for (const f of list) out.push(scriptEvent([f], false))
    this.pending.clear()
    this.pendingChars = 0
    return out
  }
}

function scriptEvent(frags: ScriptFragment[], complete: boolean): NormalizedEvent {
  const sorted = [...frags].sort((a, b) => a.number - b.number)
  const first = sorted[0]!
  const data = dataObject(first.rec)
  const attrs = baseAttributes(first.rec, data)
  const text = sorted.map((f) => f.text).join('')
  delete attrs.ScriptBlockText
  attrs.script_block_id = s(data.ScriptBlockId)
  attrs.script_block_text = text
  attrs.message_total = first.total
  if (sorted.length > 1) attrs.fragment_records = sorted.map((f) => f.rec.recordId ?? f.rec.headerRecordNumber)
  if (!complete) {
    attrs.partial = true
    attrs.message_number = first.number
  }
  const path = s(data.Path)
  return buildEvent(first.ctx, 'EVTX', {offset: first.rec.offset, record: first.rec.recordId ?? first.rec.headerRecordNumber}, {
    datetime: first.rec.timeCreated ?? first.rec.writtenTime ?? NO_TIME,
    timestamp_desc: 'Event Logged',
    host: first.rec.computer ?? first.ctx.host,
    event_type: EventTypes.SCRIPT_BLOCK,
    message: `PowerShell script block${path ? ` from ${path}` : ''}${complete ? '' : ` (fragment ${first.number} of ${first.total})`}: ${text.replace(/\s+/g, ' ').slice(0, 160)}`,
    attributes: attrs,
  })
}
