/**
 * Syslog-style auth log lines (`/var/log/auth.log`, `secure`). Two prefixes exist: the classic
 * `Mmm dd HH:MM:SS host prog[pid]: msg` (no year, no zone: host-local) and RFC 3339
 * `2024-05-01T10:00:00.123456+02:00 host prog[pid]: msg`.
 */
export interface AuthLogLine {
  /** Classic form: month/day/time fields without a year. */
  wall?: {month: number; day: number; hour: number; minute: number; second: number}
  /** RFC 3339 form: the timestamp as written (carries its own offset). */
  iso?: string
  timeText: string
  host: string
  program: string
  pid?: number
  message: string
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec']
const CLASSIC = /^([A-Z][a-z]{2})\s+(\d{1,2}) (\d{2}):(\d{2}):(\d{2})\s+(\S+)\s+([^\s:[]+)(?:\[(\d+)\])?:\s?(.*)$/
const RFC3339 = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2}))\s+(\S+)\s+([^\s:[]+)(?:\[(\d+)\])?:\s?(.*)$/

export function parseAuthLine(text: string): AuthLogLine | undefined {
  let m = CLASSIC.exec(text)
  if (m) {
    const month = MONTHS.indexOf(m[1]!.toLowerCase()) + 1
    if (month === 0) return undefined
    return {wall: {month, day: +m[2]!, hour: +m[3]!, minute: +m[4]!, second: +m[5]!}, timeText: `${m[1]} ${m[2]} ${m[3]}:${m[4]}:${m[5]}`, host: m[6]!, program: m[7]!, ...(m[8] ? {pid: +m[8]} : {}), message: m[9]!}
  }
  m = RFC3339.exec(text)
  if (m) return {iso: m[1]!, timeText: m[1]!, host: m[2]!, program: m[3]!, ...(m[4] ? {pid: +m[4]} : {}), message: m[5]!}
  return undefined
}

export type AuthMeaning =
  | {kind: 'ssh_accepted'; method: string; user: string; ip: string; port?: number}
  | {kind: 'ssh_failed'; method: string; user: string; ip: string; port?: number; invalidUser: boolean}
  | {kind: 'user_created'; user: string; uid?: number; gid?: number; home?: string; shell?: string}
  | {kind: 'group_added'; user: string; group: string; by?: string}
  | {kind: 'sudo'; user: string; runAs?: string; command: string; tty?: string; pwd?: string}

export function classifyAuthMessage(program: string, msg: string): AuthMeaning | undefined {
  let m: RegExpExecArray | null
  if (program === 'sshd') {
    if ((m = /^Accepted (\S+) for (\S+) from (\S+) port (\d+)/.exec(msg))) return {kind: 'ssh_accepted', method: m[1]!, user: m[2]!, ip: m[3]!, port: +m[4]!}
    if ((m = /^Failed (\S+) for (invalid user )?(\S+) from (\S+) port (\d+)/.exec(msg))) return {kind: 'ssh_failed', method: m[1]!, user: m[3]!, ip: m[4]!, port: +m[5]!, invalidUser: !!m[2]}
  }
  if (program === 'useradd' && (m = /^new user: name=([^,]+),\s*UID=(\d+),\s*GID=(\d+),\s*home=([^,]+),\s*shell=([^,\s]+)/.exec(msg))) {
    return {kind: 'user_created', user: m[1]!, uid: +m[2]!, gid: +m[3]!, home: m[4]!, shell: m[5]!}
  }
  if (program === 'useradd' && (m = /^new user: name=([^,\s]+)/.exec(msg))) return {kind: 'user_created', user: m[1]!}
  if (program === 'usermod' && (m = /^add '([^']+)' to (?:shadow )?group '([^']+)'/.exec(msg))) return {kind: 'group_added', user: m[1]!, group: m[2]!}
  if (program === 'gpasswd' && (m = /^user (\S+) added by (\S+) to group (\S+)/.exec(msg))) return {kind: 'group_added', user: m[1]!, group: m[3]!, by: m[2]!}
  if (program === 'sudo' && (m = /^\s*(\S+) : (.*?COMMAND=(.*))$/.exec(msg))) {
    const fields = m[2]!
    const get = (k: string): string | undefined => new RegExp(`${k}=([^;]*?)\\s*(?:;|$)`).exec(fields)?.[1]
    return {kind: 'sudo', user: m[1]!, command: m[3]!.trim(), runAs: get('USER'), tty: get('TTY'), pwd: get('PWD')}
  }
  return undefined
}
