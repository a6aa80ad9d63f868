import type {AmcacheData} from '../../parsers/regf/hives/amcache.js'
import type {RegLocator} from '../../parsers/regf/hives/common.js'
import type {NtuserData} from '../../parsers/regf/hives/ntuser.js'
import type {SamData} from '../../parsers/regf/hives/sam.js'
import type {SoftwareData} from '../../parsers/regf/hives/software.js'
import type {SystemData} from '../../parsers/regf/hives/system.js'
import {EventTypes, type NormalizedEvent} from '../types.js'
import {buildEvent, NO_TIME, type EventFields, type MapContext} from './common.js'

/**
 * Registry facts → normalized events. Every event points at the hive member, the key path (evidence.record)
 * and the value cell (evidence.offset); attributes repeat key and value for readers of the JSON.
 * Registry times are UTC FILETIMEs; a fact without its own time is dated by its key's last-written time.
 */
const KEY_TIME = 'Key Last Written'

function emit(ctx: MapContext, where: RegLocator, type: string, time: string | undefined, desc: string, f: Omit<EventFields, 'datetime' | 'timestamp_desc' | 'event_type'>, disc = ''): NormalizedEvent {
  const datetime = time ?? where.keyTime ?? NO_TIME
  const attributes: Record<string, unknown> = {registry_key: where.key, ...(where.value !== undefined ? {registry_value: where.value} : {}), ...f.attributes}
  if (!time && !where.keyTime) attributes.time_unknown = true
  return buildEvent(ctx, 'Registry', {offset: where.offset, record: where.key}, {...f, datetime, timestamp_desc: time ? desc : KEY_TIME, event_type: type, attributes}, disc)
}

export function* mapSam(ctx: MapContext, sam: SamData): Generator<NormalizedEvent> {
  for (const a of sam.accounts) {
    const attrs = {
      rid: a.rid,
      sid: a.sid,
      full_name: a.fullName,
      comment: a.comment,
      created: a.created,
      last_logon: a.lastLogon,
      password_last_set: a.passwordLastSet,
      last_failed_logon: a.lastFailedLogon,
      logon_count: a.logonCount,
      failed_logon_count: a.failedLogonCount,
      disabled: a.disabled,
      locked: a.locked,
      password_not_required: a.passwordNotRequired,
      password_never_expires: a.passwordNeverExpires,
      account_flags: a.flags,
    }
    const who = `${a.name} (RID ${a.rid})`
    yield emit(ctx, a.where, EventTypes.ACCOUNT_EXISTS, undefined, KEY_TIME, {message: `Local account ${who}${a.disabled ? ', disabled' : ''}${a.created ? `, created ${a.created.slice(0, 19)}Z` : ''} (SAM)`, user: a.name, attributes: attrs})
    if (a.created && a.nameKey) {
      yield emit(ctx, a.nameKey, EventTypes.ACCOUNT_CREATED, a.created, 'Account Created', {message: `Local account ${who} created (SAM Names key written)`, user: a.name, attributes: {...attrs, dated_by: 'SAM Names\\<user> key last-written time'}})
    }
    if (a.passwordLastSet) yield emit(ctx, a.where, EventTypes.ACCOUNT_PASSWORD_SET, a.passwordLastSet, 'Password Last Set', {message: `Password of ${who} last set (SAM)`, user: a.name, attributes: attrs})
    if (a.lastLogon) yield emit(ctx, a.where, EventTypes.LOGON_LAST, a.lastLogon, 'Last Logon', {message: `Last logon of ${who} (SAM; ${a.logonCount ?? '?'} logons)`, user: a.name, attributes: attrs})
  }
  for (const g of sam.groups) {
    for (const m of g.members) {
      const user = sam.accounts.find((a) => a.sid === m)?.name
      yield emit(ctx, g.where, EventTypes.ACCOUNT_GROUP_MEMBER, undefined, KEY_TIME, {message: `${user ?? m} is a member of ${g.name ?? `alias ${g.rid}`} (SAM)`, user, attributes: {group: g.name, group_rid: g.rid, member_sid: m}}, m)
    }
  }
}

const START = ['boot', 'system', 'automatic', 'manual', 'disabled']

export function* mapSystem(ctx: MapContext, s: SystemData): Generator<NormalizedEvent> {
  // The computer name is a fact here, not the events' host: the logs name the host by its FQDN (see analyze).
  const c = ctx
  if (s.computerName) yield emit(c, s.computerName.where, EventTypes.HOST_INFO, undefined, KEY_TIME, {message: `Computer name ${s.computerName.name} (SYSTEM ${s.controlSet})`, attributes: {name: 'computer_name', value: s.computerName.name, control_set: s.controlSet}})
  if (s.timeZone) {
    const tz = s.timeZone
    yield emit(c, tz.where, EventTypes.HOST_INFO, undefined, KEY_TIME, {
      message: `Time zone ${tz.keyName ?? tz.standardName ?? '?'} (Bias ${tz.bias ?? '?'} min) (SYSTEM)`,
      attributes: {name: 'time_zone', value: tz.keyName, standard_name: tz.standardName, bias_minutes: tz.bias, active_bias_minutes: tz.activeBias, daylight_bias_minutes: tz.daylightBias},
    })
  }
  if (s.lastShutdown) yield emit(c, s.lastShutdown.where, EventTypes.SYSTEM_SHUTDOWN, s.lastShutdown.time, 'Last Shutdown', {message: 'Last clean shutdown (SYSTEM Control\\Windows ShutdownTime)', attributes: {}})
  for (const sv of s.services) {
    if (!sv.imagePath && !sv.serviceDll) continue
    yield emit(c, sv.where, EventTypes.SERVICE_EXISTS, undefined, KEY_TIME, {
      message: `Service ${sv.name}${sv.displayName && sv.displayName !== sv.name ? ` (${sv.displayName})` : ''}: ${sv.imagePath ?? sv.serviceDll}${sv.start !== undefined ? `, start ${START[sv.start] ?? sv.start}` : ''}`,
      process: sv.imagePath,
      user: sv.account,
      attributes: {service_name: sv.name, display_name: sv.displayName, image_path: sv.imagePath, service_dll: sv.serviceDll, start_type: sv.start !== undefined ? (START[sv.start] ?? String(sv.start)) : undefined, service_type: sv.type, account: sv.account, description: sv.description},
    })
  }
  if (s.shimCache) {
    for (const e of s.shimCache.result.entries) {
      yield emit(c, s.shimCache.where, EventTypes.EXECUTION_SHIMCACHE, e.lastModified, 'File Last Modified (ShimCache)', {message: `ShimCache #${e.position}: ${e.path}`, file_name: e.path, attributes: {position: e.position, path: e.path, executed: e.executed, format: s.shimCache.result.format}}, String(e.position))
    }
  }
  for (const b of s.bam) {
    yield emit(c, b.where, EventTypes.EXECUTION_BAM, b.lastRun, 'Last Run', {message: `${b.source.toUpperCase()}: ${b.path} last run by ${b.sid}`, process: b.path, attributes: {sid: b.sid, path: b.path, source: b.source}})
  }
  for (const i of s.interfaces) {
    if (!i.ip && !i.nameServers && !i.domain) continue
    yield emit(c, i.where, EventTypes.NETWORK_INTERFACE, undefined, KEY_TIME, {message: `Interface ${i.guid}: ${i.ip?.join(', ') ?? 'no address'}${i.dhcp ? ' (DHCP)' : ''}${i.domain ? `, domain ${i.domain}` : ''}`, src_ip: i.ip?.[0], attributes: {guid: i.guid, addresses: i.ip, dhcp: i.dhcp, dhcp_server: i.dhcpServer, domain: i.domain, name_servers: i.nameServers, lease_obtained: i.leaseObtained}})
  }
}

export function* mapSoftware(ctx: MapContext, s: SoftwareData, user?: string): Generator<NormalizedEvent> {
  if (s.version) {
    const v = s.version
    yield emit(ctx, v.where, EventTypes.HOST_INFO, undefined, KEY_TIME, {message: `Windows: ${v.productName ?? '?'} ${v.displayVersion ?? ''} build ${v.build ?? '?'}`.replace(/\s+/g, ' '), attributes: {name: 'windows_version', product_name: v.productName, build: v.build, display_version: v.displayVersion, install_date: v.installDate, registered_owner: v.registeredOwner}})
  }
  for (const u of s.uninstall) {
    yield emit(ctx, u.where, EventTypes.SOFTWARE_INSTALLED, undefined, KEY_TIME, {message: `Installed: ${u.name}${u.version ? ` ${u.version}` : ''}${u.publisher ? ` (${u.publisher})` : ''}`, user, attributes: {name: u.name, version: u.version, publisher: u.publisher, install_date: u.installDate, install_location: u.location, uninstall_string: u.uninstallString}})
  }
  for (const r of s.run) {
    yield emit(ctx, r.where, EventTypes.PERSISTENCE_RUN_KEY, undefined, KEY_TIME, {message: `${r.key} autostart ${r.name}: ${r.command}`, user, command_line: r.command, attributes: {run_key: r.key, name: r.name, command: r.command}})
  }
  for (const p of s.profiles) {
    yield emit(ctx, p.where, EventTypes.ACCOUNT_PROFILE, undefined, KEY_TIME, {message: `Profile of ${p.sid}: ${p.path}`, user: p.user, attributes: {sid: p.sid, profile_path: p.path}})
  }
}

export function* mapNtuser(ctx: MapContext, n: NtuserData, user?: string): Generator<NormalizedEvent> {
  yield* mapSoftware(ctx, {uninstall: n.uninstall, run: n.run, profiles: []}, user)
  for (const u of n.userAssist) {
    if (!u.lastRun && !u.runCount) continue
    yield emit(ctx, u.where, EventTypes.EXECUTION_USERASSIST, u.lastRun, 'Last Run', {message: `UserAssist: ${u.name} run ${u.runCount ?? '?'} time(s)`, user, process: u.name, attributes: {name: u.name, run_count: u.runCount, focus_count: u.focusCount, focus_ms: u.focusMs}})
  }
  for (const r of n.rdpServers) {
    yield emit(ctx, r.where, EventTypes.REMOTE_OUTGOING, undefined, KEY_TIME, {message: `Outgoing RDP to ${r.server}${r.usernameHint ? ` as ${r.usernameHint}` : ''} (Terminal Server Client)`, user, attributes: {tool: 'rdp', server: r.server, username_hint: r.usernameHint}}, r.server)
  }
  for (const m of n.mru) {
    yield emit(ctx, m.where, EventTypes.USER_TYPED, undefined, KEY_TIME, {message: `${m.kind === 'typed_path' ? 'Typed path' : 'Run dialog'}: ${m.value}`, user, command_line: m.kind === 'run_mru' ? m.value : undefined, attributes: {kind: m.kind, value: m.value, mru_order: m.order}})
  }
}

const base = (p: string): string => p.slice(Math.max(p.lastIndexOf('\\'), p.lastIndexOf('/')) + 1)

export function* mapAmcache(ctx: MapContext, a: AmcacheData): Generator<NormalizedEvent> {
  for (const f of a.files) {
    yield emit(ctx, f.where, EventTypes.EXECUTION_AMCACHE, f.keyTime, 'Key Last Written', {
      message: `Amcache: ${f.path}${f.sha1 ? ` SHA-1 ${f.sha1}` : ''}`,
      file_name: base(f.path),
      process: f.path,
      attributes: {path: f.path, sha1: f.sha1, size: f.size, link_date: f.linkDate, publisher: f.publisher, product: f.product, version: f.version, layout: f.layout},
    })
  }
  for (const p of a.programs) {
    yield emit(ctx, p.where, EventTypes.SOFTWARE_INSTALLED, p.keyTime, 'Key Last Written', {message: `Installed (Amcache): ${p.name}${p.version ? ` ${p.version}` : ''}${p.publisher ? ` (${p.publisher})` : ''}`, attributes: {name: p.name, version: p.version, publisher: p.publisher, install_date: p.installDate, root_dir: p.rootDir, source: p.source}})
  }
}
