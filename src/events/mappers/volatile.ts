import {diag, type Diagnostic} from '../../core/diagnostics.js'
import {isoToMicros, normaliseIso} from '../../core/time.js'
import {remoteToolOf} from '../../collect/volatile/executables.js'
import type {ParsedVolatileFile, RegistryKeyRecord, VolatileRecord} from '../../parsers/volatile/records.js'
import {EventTypes, makeEventId, type EvidenceRef, type NormalizedEvent} from '../types.js'
import {redactScreenConnectKey, screenConnectParams} from './screenconnect-params.js'

/**
 * volatile/<artefact>/parsed.json → normalized events (source `Volatile`). A snapshot record is dated at the
 * capture time (`timestamp_desc` `Volatile Capture`) unless it carries its own exact time: a process start
 * (`Process Start`), a TCP connection's creation (`Connection Start`), a logon (`Logon`), a password change
 * (`Password Last Set`). Host-local text times (query user, schtasks) stay as attributes, never converted.
 * `evidence.record` is the record's index in `records`.
 */

export interface VolatileMapContext {
  member: string
  sha256: string
  artefact: string
  host?: string
}

const PRIVILEGED_SIDS = new Set(['S-1-5-32-544', 'S-1-5-32-555', 'S-1-5-32-551'])
const PRIVILEGED_SID_SUFFIXES = ['-512', '-519']
const PRIVILEGED_LINUX_GROUPS = new Set(['root', 'sudo', 'wheel', 'admin', 'adm', 'docker', 'lxd'])
const PRIVILEGED_GROUP_NAMES = /^(administrators|remote desktop users|backup operators)$/i

const WILDCARD = new Set(['0.0.0.0', '::', '*', ''])
const IP_LIKE = /^(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9a-f:]*:[0-9a-f:.]+)$/i

/** Win32 / registry service start values → Win32_Service StartMode words. */
const START_TYPES: Record<string, string> = {'0x0': 'Boot', '0x1': 'System', '0x2': 'Auto', '0x3': 'Manual', '0x4': 'Disabled'}

export function mapVolatileParsed(parsed: ParsedVolatileFile, ctx: VolatileMapContext): {events: NormalizedEvent[]; diagnostics: Diagnostic[]} {
  const events: NormalizedEvent[] = []
  const diagnostics: Diagnostic[] = []
  const captured = normaliseIso(parsed.started_utc ?? '')
  if (!captured) {
    diagnostics.push(diag('VOLATILE_NO_CAPTURE_TIME', 'error', `parsed file has no valid started_utc (${String(parsed.started_utc)})`, {file: ctx.member, artefact: ctx.artefact}))
    return {events, diagnostics}
  }
  const records: VolatileRecord[] = Array.isArray(parsed.records) ? parsed.records : []
  const names = new Map<number, string>()
  for (const r of records) if (r && r.kind === 'process') names.set(r.pid, r.name)
  let registryUnmapped = 0

  const emit = (i: number, type: string, fields: Partial<NormalizedEvent> & {message: string}, own?: {iso?: string; desc: string}, disc = ''): void => {
    const ownIso = own?.iso ? normaliseIso(own.iso) : undefined
    const datetime = ownIso ?? captured
    const evidence: EvidenceRef = {member: ctx.member, sha256: ctx.sha256, record: i}
    // A ScreenConnect key in a command line or image path is replaced by its hash (and its launch
    // parameters become attributes), whichever record carried it.
    const sc = screenConnectParams(fields.command_line) ?? screenConnectParams(fields.process)
    if (fields.command_line) fields.command_line = redactScreenConnectKey(fields.command_line)
    if (fields.process) fields.process = redactScreenConnectKey(fields.process)
    fields.message = redactScreenConnectKey(fields.message)
    const attrs = clean(fields.attributes ?? {})
    for (const [k, v] of Object.entries(attrs)) if (typeof v === 'string' && /[?&]k=/.test(v)) attrs[k] = redactScreenConnectKey(v)
    if (sc) Object.assign(attrs, clean({...sc}), {tool: 'ScreenConnect'})
    const ev: NormalizedEvent = {
      id: makeEventId(evidence, type, datetime, disc),
      datetime,
      timestamp: isoToMicros(datetime) ?? 0,
      timestamp_desc: ownIso && own ? own.desc : 'Volatile Capture',
      source: 'Volatile',
      artefact: ctx.artefact,
      event_type: type,
      ...(ctx.host ? {host: ctx.host} : {}),
      ...fields,
      evidence,
      attributes: {captured_utc: captured, command: parsed.command, ...(parsed.fallback_used ? {fallback_used: true} : {}), ...attrs},
    }
    events.push(ev)
    // The relay a running or installed ScreenConnect client points at, as its own pivot for hunting.
    if (sc?.relay_host && type !== EventTypes.REMOTE_RELAY) {
      const relay = {...ev, event_type: EventTypes.REMOTE_RELAY, message: `ScreenConnect relay ${sc.relay_host}${sc.relay_port ? `:${sc.relay_port}` : ''} in ${type === EventTypes.SERVICE_EXISTS ? 'a service image path' : 'a process command line'}`}
      relay.id = makeEventId(evidence, EventTypes.REMOTE_RELAY, datetime, disc)
      relay.attributes = {...ev.attributes, seen_in: type}
      events.push(relay)
    }
  }

  records.forEach((r, i) => {
    if (!r || typeof r !== 'object' || typeof (r as {kind?: unknown}).kind !== 'string') {
      diagnostics.push(diag('VOLATILE_BAD_RECORD', 'warning', 'record without a kind', {file: ctx.member, record: i, artefact: ctx.artefact}))
      return
    }
    switch (r.kind) {
      case 'process': {
        const tool = remoteToolOf(r.name, r.path)
        const parent = r.ppid !== undefined ? names.get(r.ppid) : undefined
        emit(i, EventTypes.PROCESS_RUNNING, {
          message: `Process ${r.name} (pid ${r.pid}) was running${r.user ? ` as ${r.user}` : ''}${parent ? `, parent ${parent}` : ''}`,
          process: r.path ?? r.name,
          ...(r.command_line ? {command_line: r.command_line} : {}),
          ...(r.user ? {user: r.user} : {}),
          attributes: {pid: r.pid, ppid: r.ppid, parent, user: r.user, start_time: r.start_utc ?? r.start_text, name: r.name, session_id: r.session_id, tool, ...(r.extra ? {extra: r.extra} : {})},
        }, {iso: r.start_utc, desc: 'Process Start'})
        break
      }
      case 'connection': {
        const remote = r.remote_address !== undefined && !(WILDCARD.has(r.remote_address) && !r.remote_port)
        emit(i, EventTypes.NETWORK_CONNECTION, {
          message: `${r.protocol.toUpperCase()} ${r.local_address}:${r.local_port ?? '*'}${remote ? ` ↔ ${r.remote_address}:${r.remote_port ?? '*'}` : ''}${r.state ? ` ${r.state}` : ''}${r.pid !== undefined ? ` (pid ${r.pid}${r.process ? ` ${r.process}` : ''})` : ''}`,
          src_ip: r.local_address,
          ...(r.local_port !== undefined ? {src_port: r.local_port} : {}),
          ...(remote ? {dst_ip: r.remote_address} : {}),
          ...(remote && r.remote_port !== undefined ? {dst_port: r.remote_port} : {}),
          ...(r.process ? {process: r.process} : {}),
          attributes: {protocol: r.protocol, state: r.state, pid: r.pid, process: r.process, tool: remoteToolOf(r.process)},
        }, {iso: r.created_utc, desc: 'Connection Start'})
        break
      }
      case 'user': {
        const uid0 = r.uid === 0 && r.name !== 'root'
        emit(i, EventTypes.ACCOUNT_EXISTS, {
          message: `Account ${r.name} exists${r.enabled === false ? ' (disabled)' : r.enabled ? ' (enabled)' : ''}${uid0 ? ' with uid 0' : ''}`,
          user: r.name,
          attributes: {
            enabled: r.enabled, last_logon: r.last_logon_utc, password_last_set: r.password_last_set_utc, password_expires: r.password_expires_utc,
            sid: r.sid, uid: r.uid, gid: r.gid, full_name: r.full_name, description: r.description, home: r.home, shell: r.shell,
            principal_source: r.principal_source, ...(uid0 ? {uid0: true} : {}),
          },
        })
        if (r.password_last_set_utc) {
          emit(i, EventTypes.ACCOUNT_PASSWORD_SET, {message: `Password of ${r.name} was last set`, user: r.name, attributes: {sid: r.sid, enabled: r.enabled}}, {iso: r.password_last_set_utc, desc: 'Password Last Set'})
        }
        break
      }
      case 'group_member': {
        const privileged = (r.group_sid !== undefined && (PRIVILEGED_SIDS.has(r.group_sid) || PRIVILEGED_SID_SUFFIXES.some((s) => r.group_sid!.endsWith(s)))) ||
          (parsed.os === 'linux' ? PRIVILEGED_LINUX_GROUPS.has(r.group) : PRIVILEGED_GROUP_NAMES.test(r.group))
        emit(i, EventTypes.ACCOUNT_EXISTS, {
          message: `${r.member} is a member of ${r.group}`,
          user: r.member,
          attributes: {groups: [r.group], group_name: r.group, group_sid: r.group_sid, member_sid: r.member_sid, object_class: r.object_class, principal_source: r.principal_source, privileged_group: privileged},
        })
        break
      }
      case 'session': {
        const rdp = /^rdp-tcp/i.test(r.session_name ?? '')
        const src = r.from && IP_LIKE.test(r.from) ? r.from : undefined
        emit(i, EventTypes.LOGON_SESSION, {
          message: `${r.user} logon session${r.session_name ? ` ${r.session_name}` : r.line ? ` on ${r.line}` : ''}${r.from ? ` from ${r.from}` : ''}${r.state ? ` (${r.state})` : ''}`,
          user: r.user,
          ...(src ? {src_ip: src} : {}),
          attributes: {
            session_id: r.session_id, session_name: r.session_name, state: r.state, idle: r.idle, line: r.line, from: r.from,
            logon_time: r.logon_utc ?? r.logon_text, logoff_time: r.logoff_utc ?? r.logoff_text, current: r.current,
            ...(r.logon_text && !r.logon_utc ? {original_time: r.logon_text, original_time_zone: 'host-local:unknown'} : {}),
            ...(rdp ? {tool: 'RDP'} : {}),
          },
        }, {iso: r.logon_utc, desc: 'Logon'})
        break
      }
      case 'service': {
        const tool = remoteToolOf(r.name, r.display_name, r.image_path)
        emit(i, EventTypes.SERVICE_EXISTS, {
          message: `Service ${r.name}${r.display_name && r.display_name !== r.name ? ` (${r.display_name})` : ''} ${r.state ?? ''}${r.start_type ? `, start ${r.start_type}` : ''}${r.image_path ? `: ${r.image_path}` : ''}`.replace(/\s+,/, ','),
          ...(r.image_path ? {process: r.image_path} : {}),
          attributes: {service_name: r.name, display_name: r.display_name, image_path: r.image_path, start_type: r.start_type, state: r.state, account: r.account, pid: r.pid, load: r.load, sub: r.sub, description: r.description, tool},
        })
        break
      }
      case 'task':
        emit(i, EventTypes.TASK_EXISTS, {
          message: `Scheduled task ${r.name}${r.action ? ` runs ${r.action}` : ''}${r.run_as ? ` as ${r.run_as}` : ''}`,
          ...(r.action ? {command_line: r.action} : {}),
          ...(r.run_as ? {user: r.run_as} : {}),
          attributes: {task_name: r.name, action: r.action, run_as: r.run_as, author: r.author, state: r.state, status: r.status, schedules: r.schedules, next_run: r.next_run_text, last_run: r.last_run_text, last_result: r.last_result, tool: remoteToolOf(r.action)},
        })
        break
      case 'dns_entry':
        emit(i, EventTypes.DNS_CACHE, {
          message: `DNS cache: ${r.name}${r.type ? ` ${r.type}` : ''}${r.data ? ` → ${r.data}` : r.status ? ` (${r.status})` : ''}`,
          ...(r.data && IP_LIKE.test(r.data) ? {dst_ip: r.data} : {}),
          attributes: {query_name: r.name, entry: r.entry, record_type: r.type, data: r.data, ttl: r.ttl, section: r.section, status: r.status},
        })
        break
      case 'arp_entry':
        emit(i, EventTypes.NETWORK_NEIGHBOR, {
          message: `Neighbour ${r.ip}${r.mac ? ` at ${r.mac}` : ''}${r.interface ? ` on ${r.interface}` : ''}`,
          dst_ip: r.ip,
          attributes: {mac: r.mac, type: r.type, state: r.state, interface: r.interface},
        })
        break
      case 'interface':
        emit(i, EventTypes.HOST_INFO, {message: `Interface ${r.name}${r.addresses.length ? ` ${r.addresses.join(', ')}` : ''}`, attributes: {interface: r.name, addresses: r.addresses, mac: r.mac, state: r.state}})
        break
      case 'software': {
        emit(i, EventTypes.SOFTWARE_INSTALLED, {
          message: `Installed: ${r.name}${r.version ? ` ${r.version}` : ''}${r.publisher ? ` (${r.publisher})` : ''}`,
          attributes: {software_name: r.name, version: r.version, publisher: r.publisher, install_date: r.install_date, install_location: r.install_location, uninstall_string: r.uninstall_string, key: r.key, tool: remoteToolOf(r.name, r.publisher, r.install_location)},
        })
        break
      }
      case 'registry_key': {
        if (!mapServiceKey(r, i, emit)) registryUnmapped++
        break
      }
      case 'time_status':
        emit(i, EventTypes.HOST_INFO, {message: `Clock: ${r.name} = ${r.value}`, attributes: {name: r.name, value: r.value, value_utc: r.value_utc}})
        break
      default:
        diagnostics.push(diag('VOLATILE_UNKNOWN_KIND', 'warning', `record kind ${(r as {kind: string}).kind} is not mapped`, {file: ctx.member, record: i, artefact: ctx.artefact}))
    }
  })
  if (registryUnmapped) {
    diagnostics.push(diag('VOLATILE_REGISTRY_NOT_MAPPED', 'info', `${registryUnmapped} registry keys kept in the parsed file only (events are made for remote-access service keys)`, {file: ctx.member, artefact: ctx.artefact}))
  }
  return {events, diagnostics}
}

/** A `…\Services\<name>` key of a remote-access tool → service.exists (ImagePath names the relay). */
function mapServiceKey(
  r: RegistryKeyRecord,
  i: number,
  emit: (i: number, type: string, fields: Partial<NormalizedEvent> & {message: string}) => void,
): boolean {
  const m = /\\Services\\([^\\]+)$/i.exec(r.key)
  if (!m) return false
  const v = (n: string): string | undefined => r.values.find((x) => x.name.toLowerCase() === n.toLowerCase())?.data
  const name = m[1]!
  const image = v('ImagePath')
  const tool = remoteToolOf(name, v('DisplayName'), image)
  if (!tool) return false
  const start = v('Start')
  emit(i, EventTypes.SERVICE_EXISTS, {
    message: `Service key ${name}${image ? `: ${image}` : ''}`,
    ...(image ? {process: image} : {}),
    attributes: {service_name: name, display_name: v('DisplayName'), image_path: image, start_type: start ? START_TYPES[start.toLowerCase()] ?? start : undefined, account: v('ObjectName'), registry_key: r.key, tool},
  })
  return true
}

/** Drops undefined attribute values so output is compact and byte-stable. */
function clean(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v
  return out
}

