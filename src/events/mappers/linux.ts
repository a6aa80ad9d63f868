import {formatUnix100ns, normaliseIso} from '../../core/time.js'
import {classifyAuthMessage, type AuthLogLine} from '../../parsers/linux/auth-log.js'
import type {GroupEntry} from '../../parsers/linux/group.js'
import type {PasswdEntry} from '../../parsers/linux/passwd.js'
import {UtType, utmpSourceIp, type UtmpRecord} from '../../parsers/linux/utmp.js'
import {EventTypes, type NormalizedEvent} from '../types.js'
import {buildEvent, hostLocalTime, NO_TIME, type EventFields, type MapContext} from './common.js'

/** Groups whose members can become root or read every log (sudoers defaults, adm reads /var/log). */
export const PRIV_GROUPS = new Set(['sudo', 'wheel', 'admin', 'root', 'adm'])

/**
 * Year for a syslog line without one: the file's mtime year, minus one when the line's month is after the
 * mtime's month (the log wrapped over New Year). Without an mtime, undefined (the caller reports it).
 */
export function inferYear(month: number, mtime: string | undefined): number | undefined {
  if (!mtime) return undefined
  const y = Number(mtime.slice(0, 4))
  const mm = Number(mtime.slice(5, 7))
  return month > mm ? y - 1 : y
}

export function mapAuthLine(ctx: MapContext, rec: AuthLogLine, raw: string, line: number): NormalizedEvent | undefined {
  const meaning = classifyAuthMessage(rec.program, rec.message)
  if (!meaning) return undefined
  let datetime: string | undefined
  const timeAttrs: Record<string, unknown> = {}
  if (rec.iso) {
    datetime = normaliseIso(rec.iso)
    timeAttrs.original_time = rec.iso
  } else if (rec.wall) {
    const year = inferYear(rec.wall.month, ctx.mtime)
    const local = hostLocalTime({year: year ?? 1970, ...rec.wall}, rec.timeText, ctx.hostTimeZone)
    if (local) {
      datetime = local.datetime
      Object.assign(timeAttrs, local.attributes)
    }
    timeAttrs.year_inferred = year !== undefined ? 'from file modification time' : 'unknown (no file time)'
  }
  const base = {datetime: datetime ?? NO_TIME, timestamp_desc: 'Event Logged', host: rec.host}
  const attrs = {program: rec.program, pid: rec.pid, raw_line: raw, ...timeAttrs}
  let f: EventFields
  switch (meaning.kind) {
    case 'ssh_accepted':
      f = {...base, event_type: EventTypes.LOGON_SUCCESS, user: meaning.user, src_ip: meaning.ip, src_port: meaning.port, message: `SSH logon of ${meaning.user} from ${meaning.ip} (${meaning.method})`, attributes: {...attrs, method: meaning.method}}
      break
    case 'ssh_failed':
      f = {...base, event_type: EventTypes.LOGON_FAILED, user: meaning.user, src_ip: meaning.ip, src_port: meaning.port, message: `Failed SSH logon of ${meaning.invalidUser ? 'invalid user ' : ''}${meaning.user} from ${meaning.ip} (${meaning.method})`, attributes: {...attrs, method: meaning.method, invalid_user: meaning.invalidUser || undefined}}
      break
    case 'user_created':
      f = {...base, event_type: EventTypes.ACCOUNT_CREATED, user: meaning.user, message: `Account ${meaning.user} created${meaning.uid !== undefined ? ` (uid ${meaning.uid})` : ''}`, attributes: {...attrs, uid: meaning.uid, gid: meaning.gid, home: meaning.home, shell: meaning.shell, uid0: meaning.uid === 0 && meaning.user !== 'root' ? true : undefined}}
      break
    case 'group_added':
      f = {...base, event_type: EventTypes.ACCOUNT_GROUP_MEMBER_ADDED, user: meaning.user, message: `${meaning.user} added to group ${meaning.group}${meaning.by ? ` by ${meaning.by}` : ''}`, attributes: {...attrs, member_name: meaning.user, group_name: meaning.group, privileged_group: PRIV_GROUPS.has(meaning.group), subject_user: meaning.by}}
      break
    case 'sudo':
      f = {...base, event_type: EventTypes.PROCESS_CREATED, user: meaning.user, command_line: meaning.command, process: meaning.command.split(/\s+/)[0], message: `sudo by ${meaning.user}${meaning.runAs ? ` as ${meaning.runAs}` : ''}: ${meaning.command}`, attributes: {...attrs, run_as: meaning.runAs, tty: meaning.tty, pwd: meaning.pwd}}
      break
  }
  return buildEvent(ctx, 'Linux', {line}, f)
}

export function mapPasswd(ctx: MapContext, e: PasswdEntry): NormalizedEvent {
  const uid0 = e.uid === 0 && e.name !== 'root'
  return buildEvent(ctx, 'Linux', {line: e.line}, {
    datetime: ctx.mtime ?? NO_TIME,
    timestamp_desc: 'File Modified',
    event_type: EventTypes.ACCOUNT_EXISTS,
    user: e.name,
    message: `Account ${e.name} (uid ${e.uid}, shell ${e.shell})${uid0 ? ' has uid 0 but is not root' : ''}`,
    attributes: {uid: e.uid, gid: e.gid, gecos: e.gecos || undefined, home: e.home, shell: e.shell, uid0: uid0 || undefined, time_unknown: ctx.mtime ? undefined : true},
  })
}

/**
 * /etc/group is a snapshot: one account.exists per user named in any member list, with every group the
 * user is listed in (`attributes.groups`) and the privileged ones apart, so a new sudo/wheel member stands
 * out. Primary groups (passwd GID) are not repeated here: the passwd events carry the GID.
 */
export function mapGroupMembers(ctx: MapContext, entries: GroupEntry[]): NormalizedEvent[] {
  const byUser = new Map<string, {groups: string[]; gids: number[]; line: number}>()
  for (const g of entries) {
    for (const u of g.members) {
      let m = byUser.get(u)
      if (!m) byUser.set(u, (m = {groups: [], gids: [], line: g.line}))
      if (!m.groups.includes(g.name)) {
        m.groups.push(g.name)
        m.gids.push(g.gid)
      }
    }
  }
  const out: NormalizedEvent[] = []
  for (const [user, m] of [...byUser].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
    // gid 0 is root's group whatever it is called.
    const privileged = m.groups.filter((g, i) => PRIV_GROUPS.has(g) || m.gids[i] === 0)
    out.push(
      buildEvent(ctx, 'Linux', {line: m.line}, {
        datetime: ctx.mtime ?? NO_TIME,
        timestamp_desc: 'File Modified',
        event_type: EventTypes.ACCOUNT_EXISTS,
        user,
        message: `${user} is a member of ${m.groups.join(', ')}${privileged.length ? ` (privileged: ${privileged.join(', ')})` : ''}`,
        attributes: {groups: m.groups, privileged_group: privileged.length > 0, privileged_groups: privileged.length ? privileged : undefined, time_unknown: ctx.mtime ? undefined : true},
      }, user),
    )
  }
  return out
}

/** What the wtmp/btmp mapper keeps between records: the open logon per terminal, to name the user of a logout. */
export interface UtmpState {
  open: Map<string, {user: string; datetime: string; host: string}>
}

/** Open logons remembered at most (a hostile file must not grow the map without bound). */
const MAX_OPEN_LOGONS = 65_536

function utmpTime(r: UtmpRecord): string | undefined {
  if (r.tvSec === 0) return undefined
  return formatUnix100ns(BigInt(r.tvSec) * 10_000_000n + BigInt(r.tvUsec) * 10n)
}

/**
 * wtmp: USER_PROCESS → logon.success, DEAD_PROCESS → logon.logoff (user from the open logon on the same
 * terminal, as `last` pairs them: glibc's logout() clears ut_user), BOOT_TIME → system.boot, RUN_LVL
 * `shutdown` → system.shutdown. btmp (`failed`): every record is a failed logon → logon.failed.
 * Returns undefined for records that carry no logon meaning (the caller counts them).
 */
export function mapUtmp(ctx: MapContext, r: UtmpRecord, failed: boolean, state: UtmpState): NormalizedEvent | undefined {
  const time = utmpTime(r)
  const datetime = time ?? NO_TIME
  const src_ip = utmpSourceIp(r)
  const attrs: Record<string, unknown> = {
    ut_type: r.typeName,
    tty: r.line || undefined,
    ut_id: r.id || undefined,
    pid: r.pid,
    session: r.session || undefined,
    remote_host: r.host || undefined,
    time_unknown: time ? undefined : true,
  }
  const base = {datetime, timestamp_desc: 'Event Logged', src_ip}
  const ev = (f: Omit<EventFields, 'datetime' | 'timestamp_desc'>): NormalizedEvent => buildEvent(ctx, 'Linux', {offset: r.offset}, {...base, ...f})
  const from = r.host ? ` from ${r.host}` : ''
  if (failed) {
    if (r.type === UtType.EMPTY) return undefined
    return ev({event_type: EventTypes.LOGON_FAILED, user: r.user, message: `Failed logon of ${r.user || '(no name)'} on ${r.line || '?'}${from}`, attributes: attrs})
  }
  switch (r.type) {
    case UtType.USER_PROCESS: {
      if (r.line) {
        if (state.open.size >= MAX_OPEN_LOGONS && !state.open.has(r.line)) state.open.delete(state.open.keys().next().value!)
        state.open.set(r.line, {user: r.user, datetime, host: r.host})
      }
      return ev({event_type: EventTypes.LOGON_SUCCESS, user: r.user, message: `Logon of ${r.user} on ${r.line || '?'}${from}`, attributes: attrs})
    }
    case UtType.DEAD_PROCESS: {
      const open = r.line ? state.open.get(r.line) : undefined
      if (!open && !r.user) return undefined
      if (open) state.open.delete(r.line)
      const user = r.user || open!.user
      return ev({
        event_type: EventTypes.LOGOFF,
        user,
        src_ip: src_ip ?? (open && open.host ? utmpSourceIp({...r, addr: undefined, host: open.host}) : undefined),
        message: `Logoff of ${user} on ${r.line || '?'}`,
        attributes: {
          ...attrs,
          remote_host: r.host || open?.host || undefined,
          logon_time: open?.datetime,
          user_from_logon: !r.user && open ? true : undefined,
          exit_status: r.exitStatus || undefined,
          exit_termination: r.exitTermination || undefined,
        },
      })
    }
    case UtType.BOOT_TIME:
      // A reboot ends every open logon without a DEAD_PROCESS record.
      state.open.clear()
      return ev({event_type: EventTypes.SYSTEM_BOOT, user: undefined, src_ip: undefined, message: `System boot${r.host ? ` (kernel ${r.host})` : ''}`, attributes: {...attrs, remote_host: undefined, kernel: r.host || undefined}})
    case UtType.RUN_LVL:
      if (r.user !== 'shutdown') return undefined
      return ev({event_type: EventTypes.SYSTEM_SHUTDOWN, user: undefined, src_ip: undefined, message: `System shutdown${r.host ? ` (kernel ${r.host})` : ''}`, attributes: {...attrs, remote_host: undefined, kernel: r.host || undefined}})
    default:
      return undefined
  }
}
