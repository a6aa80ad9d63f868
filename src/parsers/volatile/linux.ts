import {diag, type Diagnostic} from '../../core/diagnostics.js'
import {dateToIso7, normaliseIso} from '../../core/time.js'
import type {
  ArpEntryRecord,
  ConnectionRecord,
  InterfaceRecord,
  ParseResult,
  ParserContext,
  ProcessRecord,
  ServiceRecord,
  SessionRecord,
  VolatileRecord,
} from './records.js'
import {int, splitHostPort, splitLines} from './text.js'

/**
 * Parsers for Linux command output. The runner starts every Linux command with LC_ALL=C.UTF-8 and TZ=UTC, so
 * numbers, month names and column layouts are the C locale's and printed times are UTC; `ctx.utcTimes`
 * says so explicitly, and without it times are only kept as text.
 */

const MONTHS: Record<string, number> = {Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11}

/** `Thu Nov 26 11:42:14 2026` (ctime / `ps lstart` / `last -F`) → ISO UTC when the text was printed in UTC. */
export function ctimeToIso(text: string, utc: boolean | undefined): string | undefined {
  const m = /^(?:[A-Z][a-z]{2}\s+)?([A-Z][a-z]{2})\s+(\d{1,2})\s+(\d{2}):(\d{2}):(\d{2})\s+(\d{4})$/.exec(text.trim())
  if (!m || !utc) return undefined
  const mon = MONTHS[m[1]!]
  if (mon === undefined) return undefined
  const ms = Date.UTC(+m[6]!, mon, +m[2]!, +m[3]!, +m[4]!, +m[5]!)
  return Number.isNaN(ms) ? undefined : dateToIso7(new Date(ms))
}

/** `ps -eo pid,ppid,user:64,lstart,args`: lstart is five tokens; args is the rest of the line. */
export function parsePs(text: string, ctx: ParserContext): ParseResult {
  const records: VolatileRecord[] = []
  const diagnostics: Diagnostic[] = []
  splitLines(text).forEach((l, i) => {
    if (i === 0 || !l.trim()) return
    const m = /^\s*(\d+)\s+(\d+)\s+(\S+)\s+(\S+\s+\S+\s+\d+\s+\d{2}:\d{2}:\d{2}\s+\d{4})\s?(.*)$/.exec(l)
    if (!m) {
      diagnostics.push(diag('LINUX_PS_BAD_LINE', 'warning', `unrecognised ps line: ${l.slice(0, 120)}`, {file: ctx.file, line: i + 1}))
      return
    }
    const args = m[5]!
    const argv0 = args.startsWith('[') ? args : (args.split(' ')[0] ?? '')
    const r: ProcessRecord = {kind: 'process', pid: Number(m[1]), ppid: Number(m[2]), name: argv0.slice(argv0.lastIndexOf('/') + 1), user: m[3]!}
    if (args) r.command_line = args
    const start = ctimeToIso(m[4]!.replace(/\s+/g, ' '), ctx.utcTimes)
    if (start) r.start_utc = start
    else r.start_text = m[4]!
    records.push(r)
  })
  return {records, diagnostics}
}

const SS_STATES: Record<string, string> = {
  LISTEN: 'Listen', ESTAB: 'Established', 'TIME-WAIT': 'TimeWait', 'CLOSE-WAIT': 'CloseWait', 'SYN-SENT': 'SynSent',
  'SYN-RECV': 'SynReceived', 'FIN-WAIT-1': 'FinWait1', 'FIN-WAIT-2': 'FinWait2', 'LAST-ACK': 'LastAck', CLOSING: 'Closing',
  CLOSE: 'Closed', UNCONN: 'Unconnected',
}

function ssAddress(s: string): {address: string; port?: number} {
  const hp = splitHostPort(s)
  // `127.0.0.53%lo:53`: strip the interface scope; `*` means any address.
  return {address: hp.address.replace(/%[^%\]]*$/, ''), port: hp.port}
}

/** `ss -tunap`: Netid State Recv-Q Send-Q Local:Port Peer:Port [users:(("name",pid=N,fd=M),…)]. */
export function parseSs(text: string, ctx: ParserContext): ParseResult {
  const records: VolatileRecord[] = []
  const diagnostics: Diagnostic[] = []
  splitLines(text).forEach((l, i) => {
    if (!l.trim() || /^Netid\s/.test(l)) return
    const t = l.trim().split(/\s+/)
    if (t.length < 6 || !/^(tcp|udp|raw|u_\w+|sctp|\w+)$/.test(t[0]!)) {
      diagnostics.push(diag('LINUX_SS_BAD_LINE', 'warning', `unrecognised ss line: ${l.slice(0, 120)}`, {file: ctx.file, line: i + 1}))
      return
    }
    const local = ssAddress(t[4]!)
    const peer = ssAddress(t[5]!)
    const v6 = local.address.includes(':')
    const r: ConnectionRecord = {kind: 'connection', protocol: t[0]! + (v6 ? '6' : ''), local_address: local.address === '*' ? (v6 ? '::' : '0.0.0.0') : local.address}
    if (local.port !== undefined) r.local_port = local.port
    // A listener's peer is `0.0.0.0:*` / `[::]:*` / `*:*`: no remote end.
    if (peer.port !== undefined) {
      r.remote_address = peer.address
      r.remote_port = peer.port
    }
    r.state = SS_STATES[t[1]!] ?? t[1]!
    const users = t.slice(6).join(' ')
    const u = /\("((?:[^"\\]|\\.)*)",pid=(\d+)/.exec(users)
    if (u) {
      r.process = u[1]!
      r.pid = Number(u[2])
    }
    records.push(r)
  })
  return {records, diagnostics}
}

/** `who` (C locale prints `%Y-%m-%d %H:%M` or `%b %e %H:%M`): user, line, time, optional `(host)`. */
export function parseWho(text: string, ctx: ParserContext): ParseResult {
  const records: VolatileRecord[] = []
  const diagnostics: Diagnostic[] = []
  splitLines(text).forEach((l, i) => {
    if (!l.trim()) return
    const m = /^(\S+)\s+(\S+)\s+(\d{4}-\d{2}-\d{2} \d{2}:\d{2}|[A-Z][a-z]{2}\s+\d{1,2} \d{2}:\d{2})(?:\s+\((.*)\))?\s*$/.exec(l)
    if (!m) {
      diagnostics.push(diag('LINUX_WHO_BAD_LINE', 'warning', `unrecognised who line: ${l.slice(0, 120)}`, {file: ctx.file, line: i + 1}))
      return
    }
    const r: SessionRecord = {kind: 'session', user: m[1]!, line: m[2]!, logon_text: m[3]!}
    if (m[4]) r.from = m[4]
    if (ctx.utcTimes && /^\d{4}-/.test(m[3]!)) {
      const iso = normaliseIso(m[3]!.replace(' ', 'T') + ':00Z')
      if (iso) r.logon_utc = iso
    }
    records.push(r)
  })
  return {records, diagnostics}
}

const CTIME = String.raw`[A-Z][a-z]{2} [A-Z][a-z]{2} +\d{1,2} \d{2}:\d{2}:\d{2} \d{4}`

/**
 * `last -F`: user, line (`system boot` for reboots), host (may be empty), full login time, then
 * ` - <logout time>`, `- crash`, `- down`, `still logged in`, `still running` or `gone - no logout`.
 */
export function parseLastF(text: string, ctx: ParserContext): ParseResult {
  const records: VolatileRecord[] = []
  const diagnostics: Diagnostic[] = []
  const re = new RegExp(`^(.*?)\\s+(${CTIME})(?:\\s+-\\s+(${CTIME}))?\\s*(.*)$`)
  splitLines(text).forEach((l, i) => {
    if (!l.trim() || /^\S*tmp begins /.test(l)) return
    const m = re.exec(l)
    if (!m) {
      diagnostics.push(diag('LINUX_LAST_BAD_LINE', 'warning', `unrecognised last line: ${l.slice(0, 120)}`, {file: ctx.file, line: i + 1}))
      return
    }
    const head = m[1]!.trim().split(/\s+/)
    const user = head[0]!
    let line: string | undefined
    let from: string | undefined
    if (user === 'reboot' || user === 'shutdown') {
      line = head.slice(1, 3).join(' ')
      from = head.slice(3).join(' ') || undefined
    } else {
      line = head[1]
      from = head.slice(2).join(' ') || undefined
    }
    const r: SessionRecord = {kind: 'session', user, logon_text: m[2]!}
    if (line) r.line = line
    if (from) r.from = from
    const on = ctimeToIso(m[2]!, ctx.utcTimes)
    if (on) r.logon_utc = on
    if (m[3]) {
      r.logoff_text = m[3]
      const off = ctimeToIso(m[3], ctx.utcTimes)
      if (off) r.logoff_utc = off
    }
    const rest = m[4]!.trim()
    if (rest) r.state = rest.replace(/^-\s*/, '').replace(/\s+/g, ' ').replace(/^\((.*)\)$/, '$1')
    records.push(r)
  })
  return {records, diagnostics}
}

/** `getent passwd`: name:password:uid:gid:gecos:home:shell. */
export function parseGetentPasswd(text: string, ctx: ParserContext): ParseResult {
  const records: VolatileRecord[] = []
  const diagnostics: Diagnostic[] = []
  splitLines(text).forEach((l, i) => {
    if (!l.trim()) return
    const f = l.split(':')
    if (f.length !== 7 || int(f[2]) === undefined) {
      diagnostics.push(diag('LINUX_PASSWD_BAD_LINE', 'warning', `passwd line with ${f.length} fields`, {file: ctx.file, line: i + 1}))
      return
    }
    const r = {kind: 'user' as const, name: f[0]!, uid: int(f[2])!, gid: int(f[3]), home: f[5]!, shell: f[6]!}
    records.push(f[4] ? {...r, full_name: f[4]} : r)
  })
  return {records, diagnostics}
}

/** `getent group`: name:password:gid:member,member — one record per listed member. */
export function parseGetentGroup(text: string, ctx: ParserContext): ParseResult {
  const records: VolatileRecord[] = []
  const diagnostics: Diagnostic[] = []
  splitLines(text).forEach((l, i) => {
    if (!l.trim()) return
    const f = l.split(':')
    if (f.length !== 4 || int(f[2]) === undefined) {
      diagnostics.push(diag('LINUX_GROUP_BAD_LINE', 'warning', `group line with ${f.length} fields`, {file: ctx.file, line: i + 1}))
      return
    }
    for (const member of f[3]!.split(',').map((x) => x.trim()).filter(Boolean)) {
      records.push({kind: 'group_member', group: f[0]!, gid: int(f[2])!, member})
    }
  })
  return {records, diagnostics}
}

/** `systemctl list-units --all --no-pager --plain --no-legend`: UNIT LOAD ACTIVE SUB DESCRIPTION. */
export function parseSystemctlUnits(text: string, ctx: ParserContext): ParseResult {
  const records: VolatileRecord[] = []
  const diagnostics: Diagnostic[] = []
  splitLines(text).forEach((l, i) => {
    const s = l.replace(/^[\s●*×]+/, '')
    if (!s.trim() || /^UNIT\s+LOAD\s/.test(s)) return
    const m = /^(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s*(.*)$/.exec(s)
    if (!m) {
      diagnostics.push(diag('LINUX_SYSTEMCTL_BAD_LINE', 'warning', `unrecognised unit line: ${l.slice(0, 120)}`, {file: ctx.file, line: i + 1}))
      return
    }
    const r: ServiceRecord = {kind: 'service', name: m[1]!, load: m[2]!, state: m[3]!, sub: m[4]!}
    if (m[5]) r.description = m[5]
    records.push(r)
  })
  return {records, diagnostics}
}

/** `ip -j addr`: [{ifname, operstate, address, addr_info: [{local, prefixlen}]}]. */
export function parseIpAddrJson(text: string, ctx: ParserContext): ParseResult {
  const diagnostics: Diagnostic[] = []
  let v: unknown
  try {
    v = JSON.parse(text.trim() || '[]')
  } catch (e) {
    diagnostics.push(diag('LINUX_IP_ADDR_BAD_JSON', 'error', `ip -j addr output is not JSON: ${(e as Error).message}`, {file: ctx.file}))
    return {records: [], diagnostics}
  }
  const records: VolatileRecord[] = []
  for (const it of Array.isArray(v) ? v : []) {
    if (!it || typeof it !== 'object' || typeof (it as {ifname?: unknown}).ifname !== 'string') continue
    const o = it as {ifname: string; operstate?: unknown; address?: unknown; addr_info?: unknown}
    const addrs: string[] = []
    for (const a of Array.isArray(o.addr_info) ? o.addr_info : []) {
      const ai = a as {local?: unknown; prefixlen?: unknown}
      if (typeof ai.local === 'string') addrs.push(typeof ai.prefixlen === 'number' ? `${ai.local}/${ai.prefixlen}` : ai.local)
    }
    const r: InterfaceRecord = {kind: 'interface', name: o.ifname, addresses: addrs}
    if (typeof o.operstate === 'string') r.state = o.operstate
    if (typeof o.address === 'string') r.mac = o.address
    records.push(r)
  }
  return {records, diagnostics}
}

/** `ip neigh`: `<ip> dev <if> [lladdr <mac>] [router] <STATE>`. */
export function parseIpNeigh(text: string, ctx: ParserContext): ParseResult {
  const records: VolatileRecord[] = []
  const diagnostics: Diagnostic[] = []
  splitLines(text).forEach((l, i) => {
    if (!l.trim()) return
    const t = l.trim().split(/\s+/)
    const dev = t.indexOf('dev')
    if (dev !== 1) {
      diagnostics.push(diag('LINUX_NEIGH_BAD_LINE', 'warning', `unrecognised neighbour line: ${l.slice(0, 120)}`, {file: ctx.file, line: i + 1}))
      return
    }
    const r: ArpEntryRecord = {kind: 'arp_entry', ip: t[0]!, interface: t[2]!}
    const ll = t.indexOf('lladdr')
    if (ll >= 0 && t[ll + 1]) r.mac = t[ll + 1]!.toLowerCase()
    const last = t[t.length - 1]!
    if (/^[A-Z_]+$/.test(last)) r.state = last
    records.push(r)
  })
  return {records, diagnostics}
}

/** `date -u +%Y-%m-%dT%H:%M:%S.%NZ`: the host clock in UTC. */
export function parseDateUtc(text: string, ctx: ParserContext): ParseResult {
  const v = text.trim()
  const iso = normaliseIso(v)
  if (!iso) return {records: [], diagnostics: [diag('LINUX_DATE_BAD', 'warning', `not an ISO time: ${v.slice(0, 60)}`, {file: ctx.file})]}
  return {records: [{kind: 'time_status', name: 'utc_now', value: v, value_utc: iso}], diagnostics: []}
}

const NETSTAT_STATES: Record<string, string> = {
  LISTEN: 'Listen', ESTABLISHED: 'Established', TIME_WAIT: 'TimeWait', CLOSE_WAIT: 'CloseWait', SYN_SENT: 'SynSent',
  SYN_RECV: 'SynReceived', FIN_WAIT1: 'FinWait1', FIN_WAIT2: 'FinWait2', LAST_ACK: 'LastAck', CLOSING: 'Closing', CLOSE: 'Closed',
}

/**
 * `netstat -tunap` (net-tools, the fallback where `ss` is missing): Proto Recv-Q Send-Q Local Foreign
 * [State] PID/Program. UDP rows usually have no state; the program column is `-` for other users' sockets
 * when not run as root.
 */
export function parseNetstatLinux(text: string, ctx: ParserContext): ParseResult {
  const records: VolatileRecord[] = []
  const diagnostics: Diagnostic[] = []
  splitLines(text).forEach((l, i) => {
    const t = l.trim().split(/\s+/)
    if (!/^(tcp|udp)6?$/.test(t[0] ?? '')) return
    if (t.length < 6) {
      diagnostics.push(diag('LINUX_NETSTAT_BAD_LINE', 'warning', `unrecognised netstat line: ${l.slice(0, 120)}`, {file: ctx.file, line: i + 1}))
      return
    }
    const local = splitHostPort(t[3]!)
    const peer = splitHostPort(t[4]!)
    const hasState = t.length >= 7 || (t.length === 6 && !/^(\d+\/|-$)/.test(t[5]!))
    const state = hasState ? t[5] : undefined
    const prog = t[hasState ? 6 : 5]
    const r: ConnectionRecord = {kind: 'connection', protocol: t[0]!, local_address: local.address}
    if (local.port !== undefined) r.local_port = local.port
    if (peer.port !== undefined) {
      r.remote_address = peer.address
      r.remote_port = peer.port
    }
    if (state) r.state = NETSTAT_STATES[state] ?? state
    const pm = prog ? /^(\d+)\/(.*)$/.exec(prog) : null
    if (pm) {
      r.pid = Number(pm[1])
      // the program name may contain spaces: it runs to the end of the line
      r.process = [pm[2]!, ...t.slice(hasState ? 7 : 6)].join(' ').trim()
    }
    records.push(r)
  })
  return {records, diagnostics}
}

/** `arp -an` (net-tools/busybox, the fallback where `ip` is missing): `? (<ip>) at <mac> [ether] on <if>`. */
export function parseArpAn(text: string, ctx: ParserContext): ParseResult {
  const records: VolatileRecord[] = []
  const diagnostics: Diagnostic[] = []
  splitLines(text).forEach((l, i) => {
    if (!l.trim()) return
    const m = /^\S+ \(([^)]+)\) at (\S+)(?: \[(\w+)\])?(?: \S+)* on (\S+)/.exec(l.trim())
    if (!m) {
      diagnostics.push(diag('LINUX_ARP_BAD_LINE', 'warning', `unrecognised arp line: ${l.slice(0, 120)}`, {file: ctx.file, line: i + 1}))
      return
    }
    const r: ArpEntryRecord = {kind: 'arp_entry', ip: m[1]!, interface: m[4]!}
    if (/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(m[2]!)) r.mac = m[2]!.toLowerCase()
    else r.state = m[2]!
    if (m[3]) r.type = m[3]
    records.push(r)
  })
  return {records, diagnostics}
}
