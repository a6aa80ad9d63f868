import {normaliseIso} from '../../core/time.js'
import {classifyAuthMessage, type AuthLogLine} from '../../parsers/linux/auth-log.js'
import type {PasswdEntry} from '../../parsers/linux/passwd.js'
import {EventTypes, type NormalizedEvent} from '../types.js'
import {buildEvent, hostLocalTime, NO_TIME, type EventFields, type MapContext} from './common.js'

const PRIV_GROUPS = new Set(['sudo', 'wheel', 'admin', 'root', 'adm'])

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
