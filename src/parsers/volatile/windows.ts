import {diag, type Diagnostic} from '../../core/diagnostics.js'
import type {
  ArpEntryRecord,
  ConnectionRecord,
  DnsEntryRecord,
  GroupMemberRecord,
  ParseResult,
  ProcessRecord,
  RegistryKeyRecord,
  ServiceRecord,
  SessionRecord,
  SoftwareRecord,
  TaskRecord,
  TimeStatusRecord,
  UserRecord,
  VolatileRecord,
} from './records.js'
import {bool, int, parseCsv, psDate, psJsonArray, splitHostPort, splitLines, str} from './text.js'

/**
 * Parsers for the Windows built-in tools' output. JSON forms come from our PowerShell scripts
 * (`ConvertTo-Json -Compress`); text forms are the fallbacks and are parsed by structure (column positions,
 * separator lines, `REG_*` type names, IP/MAC shapes) rather than by their localised headings, so a German
 * or French host parses like an English one.
 */

function jsonRecords(text: string, file: string | undefined, code: string, map: (o: Record<string, unknown>, i: number, d: Diagnostic[]) => VolatileRecord | undefined): ParseResult {
  const diagnostics: Diagnostic[] = []
  let list: Record<string, unknown>[]
  try {
    list = psJsonArray(text)
  } catch (e) {
    diagnostics.push(diag(`${code}_BAD_JSON`, 'error', `output is not JSON: ${(e as Error).message}`, {file}))
    return {records: [], diagnostics}
  }
  const records: VolatileRecord[] = []
  list.forEach((o, i) => {
    const r = map(o, i, diagnostics)
    if (r) records.push(r)
    else diagnostics.push(diag(`${code}_ITEM_SKIPPED`, 'warning', 'JSON item lacks its identifying fields', {file, record: i}))
  })
  return {records, diagnostics}
}

// ---------------------------------------------------------------- processes

/** `Get-CimInstance Win32_Process | Select …` as JSON. */
export function parseWinProcessJson(text: string, file?: string): ParseResult {
  return jsonRecords(text, file, 'WIN_PROCESS', (o) => {
    const pid = int(o.ProcessId)
    const name = str(o.Name)
    if (pid === undefined || name === undefined) return undefined
    const r: ProcessRecord = {kind: 'process', pid, name}
    const ppid = int(o.ParentProcessId)
    if (ppid !== undefined) r.ppid = ppid
    const path = str(o.ExecutablePath)
    if (path) r.path = path
    const cl = str(o.CommandLine)
    if (cl) r.command_line = cl
    const user = str(o.Owner)
    if (user) r.user = user
    const start = psDate(o.CreationDate)
    if (start) r.start_utc = start
    else if (typeof o.CreationDate === 'string' && o.CreationDate) r.start_text = o.CreationDate
    const sid = int(o.SessionId)
    if (sid !== undefined) r.session_id = sid
    return r
  })
}

/**
 * `tasklist /v /fo csv`: columns are fixed in position (Image Name, PID, Session Name, Session#, Mem Usage,
 * Status, User Name, CPU Time, Window Title) while their headings are localised, so we read by position and
 * recognise the heading row by its non-numeric PID cell. tasklist has no parent, path, command line or start.
 */
export function parseTasklistCsv(text: string, file?: string): ParseResult {
  const records: VolatileRecord[] = []
  const diagnostics: Diagnostic[] = []
  for (const {fields, line} of parseCsv(text)) {
    if (fields.length < 2) continue
    const pid = int(fields[1])
    if (pid === undefined) {
      if (line !== 1) diagnostics.push(diag('WIN_TASKLIST_BAD_ROW', 'warning', 'row without a numeric PID', {file, line}))
      continue
    }
    const r: ProcessRecord = {kind: 'process', pid, name: fields[0] ?? ''}
    const user = fields[6]
    if (user && !/^N\/A$/i.test(user)) r.user = user
    const sess = int(fields[3])
    if (sess !== undefined) r.session_id = sess
    const extra: Record<string, string> = {}
    const columns: [string, number][] = [['session_name', 2], ['mem_usage', 4], ['status', 5], ['cpu_time', 7], ['window_title', 8]]
    for (const [n, i] of columns) {
      const v = fields[i]
      if (v !== undefined && v !== '') extra[n] = v
    }
    r.extra = extra
    records.push(r)
  }
  if (records.length) diagnostics.push(diag('WIN_TASKLIST_FALLBACK', 'info', 'tasklist gives no parent PID, image path, command line or start time', {file}))
  return {records, diagnostics}
}

// ---------------------------------------------------------------- network

/** MSFT_NetTCPConnection.State when 5.1 serialises the enum as its number. */
const TCP_STATES: Record<number, string> = {
  1: 'Closed', 2: 'Listen', 3: 'SynSent', 4: 'SynReceived', 5: 'Established', 6: 'FinWait1', 7: 'FinWait2',
  8: 'CloseWait', 9: 'Closing', 10: 'LastAck', 11: 'TimeWait', 12: 'DeleteTCB', 100: 'Bound',
}

/**
 * netstat's state words, English and German (the common non-English server locale), → CIM names. Keys are
 * compared with non-ASCII letters blanked, because the console prints them in the OEM code page (CP850
 * `ABH\x99REN`) and the decoder may have fallen back to latin1.
 */
const stateKey = (s: string): string => s.toUpperCase().replace(/[^A-Z0-9_]/g, '?')
const NETSTAT_STATES: Map<string, string> = new Map(
  Object.entries({
    LISTENING: 'Listen', ESTABLISHED: 'Established', TIME_WAIT: 'TimeWait', CLOSE_WAIT: 'CloseWait',
    SYN_SENT: 'SynSent', SYN_RECEIVED: 'SynReceived', FIN_WAIT_1: 'FinWait1', FIN_WAIT_2: 'FinWait2',
    LAST_ACK: 'LastAck', CLOSING: 'Closing', CLOSED: 'Closed', BOUND: 'Bound',
    ABHOEREN: 'Listen', 'ABHÖREN': 'Listen', HERGESTELLT: 'Established', WARTEND: 'TimeWait', SCHLIESSEN_WARTEN: 'CloseWait',
    GESCHLOSSEN: 'Closed',
  }).map(([k, v]) => [stateKey(k), v]),
)

/** Our script's `Get-NetTCPConnection` + `Get-NetUDPEndpoint` JSON (items carry `Protocol`). */
export function parseWinNetJson(text: string, file?: string): ParseResult {
  return jsonRecords(text, file, 'WIN_NET', (o) => {
    const local = str(o.LocalAddress)
    if (local === undefined) return undefined
    const proto = (str(o.Protocol) ?? 'TCP').toLowerCase()
    const r: ConnectionRecord = {kind: 'connection', protocol: proto, local_address: local}
    const lp = int(o.LocalPort)
    if (lp !== undefined) r.local_port = lp
    const ra = str(o.RemoteAddress)
    if (ra !== undefined) r.remote_address = ra
    const rp = int(o.RemotePort)
    if (rp !== undefined) r.remote_port = rp
    const st = typeof o.State === 'number' ? TCP_STATES[o.State] ?? String(o.State) : str(o.State)
    if (st) r.state = st
    const pid = int(o.OwningProcess)
    if (pid !== undefined) r.pid = pid
    const created = psDate(o.CreationTime)
    if (created) r.created_utc = created
    return r
  })
}

/** `netstat -ano`: rows start with TCP/UDP; UDP rows have no state. Headings are ignored (localised). */
export function parseNetstatAno(text: string, file?: string): ParseResult {
  const records: VolatileRecord[] = []
  const diagnostics: Diagnostic[] = []
  splitLines(text).forEach((raw, i) => {
    const t = raw.trim().split(/\s+/)
    if (!/^(TCP|UDP)$/i.test(t[0] ?? '')) return
    const isTcp = /^TCP$/i.test(t[0]!)
    if ((isTcp && t.length !== 5) || (!isTcp && t.length !== 4)) {
      diagnostics.push(diag('WIN_NETSTAT_BAD_ROW', 'warning', `unexpected column count in: ${raw.trim()}`, {file, line: i + 1}))
      return
    }
    const local = splitHostPort(t[1]!)
    const remote = splitHostPort(t[2]!)
    const v6 = t[1]!.startsWith('[')
    const r: ConnectionRecord = {kind: 'connection', protocol: (isTcp ? 'tcp' : 'udp') + (v6 ? '6' : ''), local_address: local.address}
    if (local.port !== undefined) r.local_port = local.port
    if (remote.address !== '*') r.remote_address = remote.address
    if (remote.port !== undefined) r.remote_port = remote.port
    if (isTcp) r.state = NETSTAT_STATES.get(stateKey(t[3]!)) ?? t[3]!
    const pid = int(t[t.length - 1])
    if (pid !== undefined) r.pid = pid
    records.push(r)
  })
  return {records, diagnostics}
}

// ---------------------------------------------------------------- accounts

const PRINCIPAL_SOURCES: Record<number, string> = {0: 'Unknown', 1: 'Local', 2: 'ActiveDirectory', 3: 'AzureAD', 4: 'MicrosoftAccount'}

function principalSource(v: unknown): string | undefined {
  return typeof v === 'number' ? PRINCIPAL_SOURCES[v] ?? String(v) : str(v)
}

/** `Get-LocalUser | Select …` as JSON. */
export function parseLocalUserJson(text: string, file?: string): ParseResult {
  return jsonRecords(text, file, 'WIN_USER', (o) => {
    const name = str(o.Name)
    if (!name) return undefined
    const r: UserRecord = {kind: 'user', name}
    const sid = str(o.SID)
    if (sid) r.sid = sid
    const en = bool(o.Enabled)
    if (en !== undefined) r.enabled = en
    const fn = str(o.FullName)
    if (fn) r.full_name = fn
    const de = str(o.Description)
    if (de) r.description = de
    const ll = psDate(o.LastLogon)
    if (ll) r.last_logon_utc = ll
    const pls = psDate(o.PasswordLastSet)
    if (pls) r.password_last_set_utc = pls
    const pe = psDate(o.PasswordExpires)
    if (pe) r.password_expires_utc = pe
    const ps = principalSource(o.PrincipalSource)
    if (ps) r.principal_source = ps
    return r
  })
}

/**
 * Lines of a `net` command's table: between the `-----` rule and the closing status sentence ("The command
 * completed successfully." in whatever language), which is the last non-empty line.
 */
function netTableBody(text: string): {lines: string[]; firstLine: number; header: string[]} {
  const lines = splitLines(text)
  const rule = lines.findIndex((l) => /^-{10,}\s*$/.test(l))
  if (rule < 0) return {lines: [], firstLine: 0, header: lines}
  let last = lines.length - 1
  while (last > rule && lines[last]!.trim() === '') last--
  return {lines: lines.slice(rule + 1, last), firstLine: rule + 2, header: lines.slice(0, rule)}
}

/** `net user`: names in three 25-character columns. Enabled state and dates are not in this output. */
export function parseNetUser(text: string, file?: string): ParseResult {
  const records: VolatileRecord[] = []
  const diagnostics: Diagnostic[] = []
  const {lines} = netTableBody(text)
  for (const l of lines) {
    for (let c = 0; c < l.length; c += 25) {
      const name = l.slice(c, c + 25).trim()
      if (name) records.push({kind: 'user', name})
    }
  }
  if (!records.length && text.trim()) diagnostics.push(diag('WIN_NET_USER_EMPTY', 'warning', 'no user table found in net user output', {file}))
  else diagnostics.push(diag('WIN_NET_USER_FALLBACK', 'info', 'net user lists names only (no enabled state, last logon or password-last-set)', {file}))
  return {records, diagnostics}
}

/** Our script's `Get-LocalGroupMember -SID …` JSON (items carry `Group`, `GroupSid`). */
export function parseLocalGroupMemberJson(text: string, file?: string): ParseResult {
  return jsonRecords(text, file, 'WIN_GROUP', (o) => {
    const member = str(o.Name)
    const group = str(o.Group)
    if (!member || !group) return undefined
    const r: GroupMemberRecord = {kind: 'group_member', group, member}
    const gs = str(o.GroupSid)
    if (gs) r.group_sid = gs
    const ms = str(o.SID)
    if (ms) r.member_sid = ms
    const oc = str(o.ObjectClass)
    if (oc) r.object_class = oc
    const ps = principalSource(o.PrincipalSource)
    if (ps) r.principal_source = ps
    return r
  })
}

/** `net localgroup <group>`: the first header line holds the group name after its (localised) label. */
export function parseNetLocalGroup(text: string, file?: string): ParseResult {
  const records: VolatileRecord[] = []
  const diagnostics: Diagnostic[] = []
  const {lines, header} = netTableBody(text)
  const first = header.find((l) => l.trim() !== '')
  const m = first ? /^\S.*?\s{2,}(\S.*)$/.exec(first.trimEnd()) : null
  if (!m) {
    diagnostics.push(diag('WIN_NET_LOCALGROUP_NO_HEADER', 'warning', 'group name line not found', {file}))
    return {records, diagnostics}
  }
  const group = m[1]!.trim()
  for (const l of lines) {
    const member = l.trim()
    if (member) records.push({kind: 'group_member', group, member})
  }
  return {records, diagnostics}
}

/**
 * `query user`: USERNAME is a fixed 22-character field after the one-character `>` marker (its width taken
 * from the header when present), then SESSIONNAME (empty for disconnected sessions), ID, STATE, IDLE TIME and
 * LOGON TIME in the host's locale and zone (kept as text).
 */
export function parseQueryUser(text: string, file?: string): ParseResult {
  const records: VolatileRecord[] = []
  const diagnostics: Diagnostic[] = []
  const lines = splitLines(text)
  let userWidth = 22
  let start = 0
  if (lines[0] && /^\s\S+\s+\S+/.test(lines[0]) && !/\s\d+\s/.test(lines[0])) {
    const h = /^\s\S+\s+/.exec(lines[0])
    if (h) userWidth = h[0].length - 1
    start = 1
  }
  for (let i = start; i < lines.length; i++) {
    const l = lines[i]!
    if (!l.trim()) continue
    const current = l.startsWith('>')
    const user = l.slice(1, 1 + userWidth).trim()
    const t = l.slice(1 + userWidth).trim().split(/\s+/)
    const idIdx = t.findIndex((x, k) => /^\d+$/.test(x) && k <= 1 && t.length >= k + 3)
    if (!user || idIdx < 0) {
      diagnostics.push(diag('WIN_QUERY_USER_BAD_ROW', 'warning', `unrecognised session line: ${l.trim()}`, {file, line: i + 1}))
      continue
    }
    const r: SessionRecord = {kind: 'session', user, session_id: Number(t[idIdx]), state: t[idIdx + 1], current}
    if (idIdx === 1) r.session_name = t[0]
    if (t[idIdx + 2] !== undefined) r.idle = t[idIdx + 2]
    const logon = t.slice(idIdx + 3).join(' ')
    if (logon) r.logon_text = logon
    records.push(r)
  }
  return {records, diagnostics}
}

// ---------------------------------------------------------------- services, tasks

/** `Get-CimInstance Win32_Service | Select …` as JSON. */
export function parseWinServiceJson(text: string, file?: string): ParseResult {
  return jsonRecords(text, file, 'WIN_SERVICE', (o) => {
    const name = str(o.Name)
    if (!name) return undefined
    const r: ServiceRecord = {kind: 'service', name}
    const dn = str(o.DisplayName)
    if (dn) r.display_name = dn
    const p = str(o.PathName)
    if (p) r.image_path = p
    const sm = str(o.StartMode)
    if (sm) r.start_type = sm
    const st = str(o.State)
    if (st) r.state = st
    const acc = str(o.StartName)
    if (acc) r.account = acc
    const pid = int(o.ProcessId)
    if (pid) r.pid = pid
    const de = str(o.Description)
    if (de) r.description = de
    return r
  })
}

/**
 * `schtasks /query /fo csv /v`: 28 columns in a fixed order whatever the display language; the heading row
 * is repeated before every task folder, and a task with several triggers is printed once per trigger (we
 * merge those rows and keep every schedule).
 */
export function parseSchtasksCsv(text: string, file?: string): ParseResult {
  const diagnostics: Diagnostic[] = []
  const rows = parseCsv(text)
  const header = rows[0]?.fields.join('\u0000')
  const byName = new Map<string, TaskRecord>()
  for (const {fields, line} of rows) {
    if (fields.join('\u0000') === header) continue
    if (fields.length < 19) {
      // "INFO: There are no scheduled tasks presently available…" and similar messages.
      if (fields.join(',').trim()) diagnostics.push(diag('WIN_SCHTASKS_SHORT_ROW', 'info', `row with ${fields.length} columns: ${fields.join(',').slice(0, 120)}`, {file, line}))
      continue
    }
    const name = fields[1]!
    // Schedule Type, Start Time, Start Date, Days ("Schedule" itself only says the data is not available).
    const schedule = [fields[18], fields[19], fields[20], fields[22]].map((x) => (x ?? '').trim()).filter((x) => x && !/^N\/A$/i.test(x)).join(' ')
    const prev = byName.get(name)
    if (prev) {
      if (schedule && !prev.schedules.includes(schedule)) prev.schedules.push(schedule)
      continue
    }
    const r: TaskRecord = {kind: 'task', name, schedules: schedule ? [schedule] : []}
    const set = <K extends keyof TaskRecord>(k: K, v: string | undefined): void => {
      if (v !== undefined && v !== '' && !/^N\/A$/i.test(v)) (r as unknown as Record<string, unknown>)[k] = v
    }
    set('host', fields[0])
    set('next_run_text', fields[2])
    set('status', fields[3])
    set('last_run_text', fields[5])
    set('last_result', fields[6])
    set('author', fields[7])
    set('action', fields[8])
    set('state', fields[11])
    set('run_as', fields[14])
    byName.set(name, r)
  }
  return {records: [...byName.values()], diagnostics}
}

// ---------------------------------------------------------------- DNS, ARP

const DNS_TYPES: Record<number, string> = {1: 'A', 2: 'NS', 5: 'CNAME', 6: 'SOA', 12: 'PTR', 15: 'MX', 16: 'TXT', 28: 'AAAA', 33: 'SRV', 65: 'HTTPS'}
const DNS_SECTIONS: Record<number, string> = {1: 'Answer', 2: 'Authority', 3: 'Additional'}
const DNS_STATUS: Record<number, string> = {0: 'Success', 9003: 'NotExist', 9701: 'NoRecords', 9501: 'NoRecords'}

function dnsType(v: unknown): string {
  if (typeof v === 'number') return DNS_TYPES[v] ?? String(v)
  const s = str(v) ?? ''
  const n = int(s)
  return n !== undefined ? DNS_TYPES[n] ?? s : s
}

/** `Get-DnsClientCache | Select …` as JSON (Type/Section/Status may be numbers). */
export function parseDnsCacheJson(text: string, file?: string): ParseResult {
  return jsonRecords(text, file, 'WIN_DNS', (o) => {
    const name = str(o.Name) ?? str(o.RecordName) ?? str(o.Entry)
    if (!name) return undefined
    const r: DnsEntryRecord = {kind: 'dns_entry', name, type: dnsType(o.Type ?? o.RecordType)}
    const entry = str(o.Entry)
    if (entry) r.entry = entry
    const data = str(o.Data)
    if (data) r.data = data
    const ttl = int(o.TimeToLive)
    if (ttl !== undefined) r.ttl = ttl
    const sec = typeof o.Section === 'number' ? DNS_SECTIONS[o.Section] ?? String(o.Section) : str(o.Section)
    if (sec) r.section = sec
    const status = typeof o.Status === 'number' ? DNS_STATUS[o.Status] ?? String(o.Status) : str(o.Status)
    if (status) r.status = status
    return r
  })
}

/**
 * `ipconfig /displaydns`: one block per record — the entry name, a dashes rule, then `label . . . : value`
 * lines in a fixed order (Record Name, Record Type, Time To Live, Data Length, Section, <type> Record). The
 * labels are localised, so values are taken by position. A negative entry has a sentence instead.
 */
export function parseIpconfigDisplayDns(text: string, file?: string): ParseResult {
  const records: VolatileRecord[] = []
  const diagnostics: Diagnostic[] = []
  const lines = splitLines(text)
  const isRule = (l: string | undefined): boolean => l !== undefined && /^\s*-{10,}\s*$/.test(l)
  let entry: string | undefined
  let group: string[] = []
  let groupLine = 0
  let afterRule = false
  // A CNAME chain prints further records of the same entry after blank lines, without repeating the
  // entry name and rule, so records are value groups separated by blank lines.
  const flush = (): void => {
    if (!group.length) return
    if (group.length >= 6) {
      const r: DnsEntryRecord = {kind: 'dns_entry', name: group[0]!, type: dnsType(group[1]), data: group[5], section: group[4]}
      if (entry) r.entry = entry
      const ttl = int(group[2])
      if (ttl !== undefined) r.ttl = ttl
      records.push(r)
    } else {
      diagnostics.push(diag('WIN_DISPLAYDNS_BAD_BLOCK', 'warning', `record of ${entry ?? '?'} has ${group.length} values, expected 6`, {file, line: groupLine}))
    }
    group = []
  }
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!
    if (isRule(lines[i + 1])) {
      flush()
      entry = l.trim()
      afterRule = true
      i++
      continue
    }
    if (!l.trim()) {
      flush()
      continue
    }
    const k = l.indexOf(' : ')
    if (k >= 0 && entry !== undefined) {
      if (!group.length) groupLine = i + 1
      group.push(l.slice(k + 3).trim())
    } else if (afterRule && entry !== undefined) {
      records.push({kind: 'dns_entry', entry, name: entry, type: '', status: l.trim()})
    }
    afterRule = false
  }
  flush()
  return {records, diagnostics}
}

const IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}$/
const MAC = /^[0-9a-f]{2}(?:[-:][0-9a-f]{2}){5}$/i

/** `arp -a`: interface lines carry `--- 0x<index>`; entries are IPv4, MAC, type (localised word). */
export function parseArpA(text: string, file?: string): ParseResult {
  const records: VolatileRecord[] = []
  const diagnostics: Diagnostic[] = []
  let iface: string | undefined
  splitLines(text).forEach((l, i) => {
    const t = l.trim().split(/\s+/)
    if (/---\s+0x[0-9a-f]+/i.test(l)) {
      iface = t.find((x) => IPV4.test(x))
      return
    }
    if (t.length >= 2 && IPV4.test(t[0]!) && MAC.test(t[1]!)) {
      const r: ArpEntryRecord = {kind: 'arp_entry', ip: t[0]!, mac: t[1]!.toLowerCase().replace(/-/g, ':')}
      if (t[2]) r.type = t[2]
      if (iface) r.interface = iface
      records.push(r)
    } else if (t.length >= 2 && IPV4.test(t[0]!)) {
      diagnostics.push(diag('WIN_ARP_BAD_ROW', 'warning', `unrecognised ARP row: ${l.trim()}`, {file, line: i + 1}))
    }
  })
  return {records, diagnostics}
}

// ---------------------------------------------------------------- software, registry

/** Our script's Uninstall-key JSON (items carry `Key`, the registry path). */
export function parseSoftwareJson(text: string, file?: string): ParseResult {
  return jsonRecords(text, file, 'WIN_SOFTWARE', (o) => softwareFrom(o, str(o.Key)))
}

function softwareFrom(o: Record<string, unknown>, key: string | undefined): SoftwareRecord | undefined {
  const name = str(o.DisplayName)
  if (!name) return undefined
  const r: SoftwareRecord = {kind: 'software', name}
  const set = (k: keyof SoftwareRecord, v: unknown): void => {
    const s = str(v)
    if (s) (r as unknown as Record<string, unknown>)[k] = s
  }
  set('version', o.DisplayVersion)
  set('publisher', o.Publisher)
  set('install_date', o.InstallDate)
  set('install_location', o.InstallLocation)
  set('uninstall_string', o.UninstallString)
  if (key) r.key = key
  return r
}

/**
 * `reg query <key> /s`: key lines start at column 0 (`HKEY_…`); value lines are
 * `    <name>    <REG_TYPE>    <data>` (four-space separators; the type names are never localised).
 */
export function parseRegQuery(text: string, file?: string): ParseResult {
  const records: VolatileRecord[] = []
  const diagnostics: Diagnostic[] = []
  let cur: RegistryKeyRecord | undefined
  splitLines(text).forEach((l, i) => {
    if (/^HKEY_/i.test(l)) {
      cur = {kind: 'registry_key', key: l.trim(), values: []}
      records.push(cur)
      return
    }
    if (!l.trim()) return
    const m = /^ {4}(.*?) {4}(REG_[A-Z0-9_]+)(?: {4}(.*))?$/.exec(l)
    if (m && cur) cur.values.push({name: m[1]!, type: m[2]!, data: m[3] ?? ''})
    else if (/^End of search|^ERROR:/i.test(l.trim()) || !cur) return
    else diagnostics.push(diag('WIN_REG_QUERY_BAD_LINE', 'warning', `unrecognised line: ${l.trim().slice(0, 120)}`, {file, line: i + 1}))
  })
  return {records, diagnostics}
}

/** `reg query …\Uninstall /s` (the software fallback): one software record per subkey with a DisplayName. */
export function parseRegQueryUninstall(text: string, file?: string): ParseResult {
  const {records, diagnostics} = parseRegQuery(text, file)
  const out: VolatileRecord[] = []
  for (const r of records) {
    if (r.kind !== 'registry_key') continue
    const o: Record<string, unknown> = {}
    for (const v of r.values) o[v.name] = v.data
    const s = softwareFrom(o, r.key)
    if (s) out.push(s)
  }
  return {records: out, diagnostics}
}

// ---------------------------------------------------------------- time

/** `tzutil /g`: the Windows time zone id, without a trailing newline. */
export function parseTzutil(text: string): ParseResult {
  const v = text.trim()
  return {records: v ? [{kind: 'time_status', name: 'time_zone', value: v}] : [], diagnostics: []}
}

/** Our script's clock JSON: `{utc_now, time_zone_id, utc_offset_minutes}` → one record per fact. */
export function parseWinClockJson(text: string, file?: string): ParseResult {
  const diagnostics: Diagnostic[] = []
  let list: Record<string, unknown>[]
  try {
    list = psJsonArray(text)
  } catch (e) {
    return {records: [], diagnostics: [diag('WIN_CLOCK_BAD_JSON', 'error', `output is not JSON: ${(e as Error).message}`, {file})]}
  }
  const records: VolatileRecord[] = []
  for (const o of list) {
    const utc = psDate(o.utc_now)
    if (utc) records.push({kind: 'time_status', name: 'utc_now', value: str(o.utc_now) ?? utc, value_utc: utc} satisfies TimeStatusRecord)
    else diagnostics.push(diag('WIN_CLOCK_NO_TIME', 'warning', 'utc_now missing or not an instant', {file}))
    const tz = str(o.time_zone_id)
    if (tz) records.push({kind: 'time_status', name: 'time_zone', value: tz})
    const off = int(o.utc_offset_minutes)
    if (off !== undefined) records.push({kind: 'time_status', name: 'utc_offset_minutes', value: String(off)})
  }
  return {records, diagnostics}
}

/**
 * `key: value` lines (`w32tm /query /status`, `timedatectl`): keys are localised and kept as printed, so
 * these records are for reading, not for matching.
 */
export function parseKeyValueLines(text: string): ParseResult {
  const records: VolatileRecord[] = []
  for (const l of splitLines(text)) {
    const m = /^\s*([^:]+?)\s*:\s(.*)$/.exec(l)
    if (m) records.push({kind: 'time_status', name: m[1]!, value: m[2]!.trim()})
  }
  return {records, diagnostics: []}
}
