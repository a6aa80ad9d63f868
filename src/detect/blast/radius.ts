import {compareEvents} from '../../events/order.js'
import {EventTypes as T, type NormalizedEvent} from '../../events/types.js'
import {attr, micros} from '../event-util.js'
import {canonicalIp, isIPv4, isIPv6} from '../ioc/classify.js'
import type {IocIndex, ValueHit} from '../ioc/matcher.js'
import {redactCommand} from '../../core/redact.js'
import {classifyCommand, outputFailed, plainMeaning} from './commands.js'
import type {AffectedMachine, BlastCommand, BlastConnection, BlastFile, BlastRadiusFile, EvidenceRef, HiddenRow, Reason, ReasonCode} from './types.js'

/**
 * The vendor-side blast radius from a ScreenConnect server's Session.db / security.db events.
 *
 * Baseline ("before the incident"): every operator contact (a Host connection in Session.db, a successful
 * web login in security.db) strictly before the first hard signal, kept per operator AND address: the pair
 * (tech1, 192.0.2.10) seen across many machines over months is the vendor's own technician at work. Hard
 * signals are the intruder's own: a contact from an IOC address, a successful web login after ≥3 failures
 * from the same address within an hour (brute force), a queued command that creates an account, installs
 * or arms a remote tool or loads a payload, a sent/run file named by an IOC. Reconnaissance (`whoami`) is
 * what technicians type too, so it never starts the incident window. Without any hard signal the whole
 * record is baseline and nothing is anomalous by construction (the hunt then lists no machine).
 *
 * From the first signal on, each contact is judged against the baseline pairs: an IOC or brute-force
 * address, an operator with no baseline at all, an operator from an address it never used before. A
 * machine is listed only on such a reason, hidden rows, or an intrusion command (account, tool, payload).
 * Two observations only support a listing, never make one: an hour of day (UTC, ±1 h) the operator never
 * used (night work is routine for some vendors) and a reconnaissance command (counted only inside a
 * suspicious connection). Routine maintenance — a known (operator, address) pair, whatever the hour and
 * whatever ordinary command it runs — therefore never lists a machine.
 */

export const BRUTE_FORCE_MIN_FAILURES = 3
const BRUTE_FORCE_WINDOW_US = 3_600_000_000
const MIN_BASELINE_FOR_HOURS = 3
const MAX_OUTPUT = 4000
/** Reasons that describe a listed machine better but never list one on their own. */
const SUPPORTING: ReadonlySet<ReasonCode> = new Set<ReasonCode>(['unusual_hour', 'recon_command'])
const pairKey = (op: string, address: string | undefined): string => `${op}\u0000${address ?? ''}`

/** Server-side ScreenConnect rows: Session.db (has `attributes.table`), security.db web logins, User.xml. */
export function isServerEvent(ev: NormalizedEvent): boolean {
  if (attr(ev, 'tool') !== 'ScreenConnect' || ev.source !== 'ScreenConnect') return false
  return attr(ev, 'table') !== undefined || ev.event_type === T.REMOTE_WEB_LOGIN || ev.event_type === T.REMOTE_WEB_LOGIN_FAILED || ev.event_type === T.REMOTE_SERVER_USER
}

/** A Session.db row (not security.db / User.xml): these make a case a server case. */
export const isSessionDbEvent = (ev: NormalizedEvent): boolean => isServerEvent(ev) && attr(ev, 'table') !== undefined

const isHostConn = (ev: NormalizedEvent): boolean => ev.event_type === T.REMOTE_SESSION_START && attr(ev, 'table') !== undefined && /host/i.test(attr(ev, 'process_type') ?? '')
const lc = (s: string | undefined): string => (s ?? '').toLowerCase()
const hourOf = (ev: NormalizedEvent): number => new Date(micros(ev) / 1000).getUTCHours()
const uniq = (xs: (string | undefined)[]): string[] => [...new Set(xs.filter((x): x is string => !!x))].sort()

function ipHits(index: IocIndex, ip: string | undefined): ValueHit[] {
  const out: ValueHit[] = []
  if (!ip) return out
  const c = canonicalIp(ip)
  if (c && (isIPv4(c) || isIPv6(c))) index.matchIp(c, out)
  return out
}

function fileHits(index: IocIndex, name: string | undefined): ValueHit[] {
  const out: ValueHit[] = []
  if (!name) return out
  const base = name.replace(/^.*[\\/]/, '').toLowerCase()
  if (base) index.matchFileName(base, out)
  return out
}

const sources = (hits: ValueHit[]): string => [...new Set(hits.map((h) => h.indicator.source))].sort().join('; ')

function hhmm(h: number): string {
  return `${String(h).padStart(2, '0')}:00`
}

interface SessionFacts {
  guid: string
  name?: string
  machine?: string
  domain?: string
  props: string[]
  events: NormalizedEvent[]
}

export interface BlastInput {
  caseDir: string
  events: NormalizedEvent[]
  index: IocIndex
}

export function computeBlastRadius(input: BlastInput): BlastRadiusFile {
  const {index} = input
  const events = input.events.filter(isServerEvent).sort(compareEvents)
  const sessions = new Map<string, SessionFacts>()
  for (const ev of events) {
    const guid = attr(ev, 'session_guid')
    if (!guid || attr(ev, 'table') === undefined) continue
    let s = sessions.get(guid)
    if (!s) sessions.set(guid, (s = {guid, props: [], events: []}))
    s.events.push(ev)
    s.name ??= attr(ev, 'session_name')
    s.machine ??= attr(ev, 'guest_machine')
    s.domain ??= attr(ev, 'guest_domain')
    const props = ev.attributes?.custom_properties
    if (s.props.length === 0 && Array.isArray(props)) s.props = props.filter((p): p is string => typeof p === 'string')
  }

  // --- brute force: ≥3 failed web logins from one address, then a success from it within an hour
  const failures = events.filter((e) => e.event_type === T.REMOTE_WEB_LOGIN_FAILED && e.src_ip)
  const bruteForce: BlastRadiusFile['brute_force'] = []
  const bruteAddrs = new Set<string>()
  for (const ok of events.filter((e) => e.event_type === T.REMOTE_WEB_LOGIN && e.src_ip)) {
    const t = micros(ok)
    const prior = failures.filter((f) => f.src_ip === ok.src_ip && micros(f) <= t && t - micros(f) <= BRUTE_FORCE_WINDOW_US)
    if (prior.length < BRUTE_FORCE_MIN_FAILURES || bruteAddrs.has(ok.src_ip as string)) continue
    bruteAddrs.add(ok.src_ip as string)
    bruteForce.push({address: ok.src_ip as string, failures: prior.length, success_utc: ok.datetime, user: ok.user, event_ids: [...prior, ok].map((e) => e.id)})
  }

  // --- the first hard signal
  const signals: {ev: NormalizedEvent; what: string}[] = []
  for (const ev of events) {
    if ((isHostConn(ev) || ev.event_type === T.REMOTE_WEB_LOGIN) && ipHits(index, ev.src_ip).length) signals.push({ev, what: `contact from indicator address ${ev.src_ip}`})
    if (ev.event_type === T.REMOTE_COMMAND && classifyCommand(ev.command_line ?? '').codes.some((c) => !SUPPORTING.has(c))) signals.push({ev, what: `command "${redactCommand(ev.command_line ?? '')}"`})
    if (ev.event_type === T.REMOTE_FILE_TRANSFER && fileHits(index, ev.file_name).length) signals.push({ev, what: `file ${ev.file_name} named by an indicator`})
  }
  for (const b of bruteForce) {
    const ev = events.find((e) => e.id === b.event_ids[b.event_ids.length - 1])
    if (ev) signals.push({ev, what: `web login by ${b.user ?? '?'} after ${b.failures} failures from ${b.address}`})
  }
  signals.sort((a, b) => compareEvents(a.ev, b.ev))
  const first = signals[0]
  const t0 = first ? micros(first.ev) : Number.POSITIVE_INFINITY

  // --- baseline per operator and per (operator, address) pair
  const baseline = new Map<string, {name: string; addresses: Set<string>; hours: Set<number>; contacts: number}>()
  const pairs = new Map<string, {operator: string; address: string; contacts: number; machines: Set<string>; first: string; last: string}>()
  for (const ev of events) {
    if (micros(ev) >= t0) break
    if (!isHostConn(ev) && ev.event_type !== T.REMOTE_WEB_LOGIN) continue
    const op = lc(ev.user)
    if (!op) continue
    let b = baseline.get(op)
    if (!b) baseline.set(op, (b = {name: ev.user as string, addresses: new Set(), hours: new Set(), contacts: 0}))
    if (ev.src_ip) b.addresses.add(ev.src_ip)
    b.hours.add(hourOf(ev))
    b.contacts++
    if (!ev.src_ip) continue
    let p = pairs.get(pairKey(op, ev.src_ip))
    if (!p) pairs.set(pairKey(op, ev.src_ip), (p = {operator: ev.user as string, address: ev.src_ip, contacts: 0, machines: new Set(), first: ev.datetime, last: ev.datetime}))
    p.contacts++
    p.last = ev.datetime
    const machine = attr(ev, 'guest_machine') ?? attr(ev, 'session_guid')
    if (machine) p.machines.add(machine)
  }

  const contactReasons = (ev: NormalizedEvent): Reason[] => {
    const out: Reason[] = []
    if (micros(ev) < t0) return out
    const op = lc(ev.user)
    const b = baseline.get(op)
    const ip = ipHits(index, ev.src_ip)
    if (ip.length) out.push({code: 'ioc_address', text: `${ev.user ?? 'an operator'} connected from ${ev.src_ip}, listed as an indicator (${sources(ip)})`, event_id: ev.id})
    if (ev.src_ip && bruteAddrs.has(ev.src_ip)) out.push({code: 'brute_force_address', text: `${ev.user ?? 'an operator'} connected from ${ev.src_ip}, the address that guessed a web login`, event_id: ev.id})
    if (!b) {
      if (op) out.push({code: 'new_operator', text: `operator ${ev.user} has no activity before the incident window`, event_id: ev.id})
    } else {
      if (ev.src_ip && !pairs.has(pairKey(op, ev.src_ip))) out.push({code: 'new_address', text: `operator ${ev.user} used address ${ev.src_ip}, never seen for it before the incident window (usual: ${[...b.addresses].sort().join(', ') || 'none recorded'})`, event_id: ev.id})
      const h = hourOf(ev)
      if (b.contacts >= MIN_BASELINE_FOR_HOURS && ![...b.hours].some((x) => Math.min((x - h + 24) % 24, (h - x + 24) % 24) <= 1)) {
        out.push({code: 'unusual_hour', text: `operator ${ev.user} connected at ${hhmm(h)} UTC, an hour it never used before the incident window`, event_id: ev.id})
      }
    }
    return out
  }

  const affected: AffectedMachine[] = []
  const routine: string[] = []
  let total = 0
  for (const s of [...sessions.values()].sort((a, b) => (a.guid < b.guid ? -1 : 1))) {
    const label = s.machine ?? s.name ?? s.guid
    if (!s.events.some((e) => e.event_type !== T.REMOTE_OTHER)) continue
    total++
    const reasons: Reason[] = []
    const suspiciousTimes: number[] = []
    const evs = s.events
    const ends = new Map<string, NormalizedEvent>()
    for (const e of evs) if (e.event_type === T.REMOTE_SESSION_END && attr(e, 'connection_id')) ends.set(attr(e, 'connection_id') as string, e)

    const conns: (BlastConnection & {us: number; endUs: number})[] = []
    for (const e of evs.filter(isHostConn)) {
      const r = contactReasons(e)
      reasons.push(...r)
      const end = ends.get(attr(e, 'connection_id') ?? '')
      if (r.length) suspiciousTimes.push(micros(e))
      conns.push({start_utc: e.datetime, end_utc: end?.datetime, operator: e.user, address: e.src_ip, suspicious: r.length > 0, event_id: e.id, us: micros(e), endUs: end ? micros(end) : Number.POSITIVE_INFINITY})
    }
    // the Host connection an operator's row belongs to: the latest one of that operator open at that time
    const connOf = (ev: NormalizedEvent): (typeof conns)[number] | undefined => {
      const t = micros(ev)
      const op = lc(ev.user ?? attr(ev, 'host_operator'))
      return conns.filter((c) => c.us <= t && t <= c.endUs && (!op || lc(c.operator) === op)).pop()
    }

    const outputs = evs.filter((e) => e.event_type === T.REMOTE_COMMAND_OUTPUT)
    const usedOutputs = new Set<string>()
    const commands: BlastCommand[] = []
    for (const e of evs.filter((x) => x.event_type === T.REMOTE_COMMAND)) {
      const raw = e.command_line ?? ''
      const cls = classifyCommand(raw)
      const conn = connOf(e)
      const own: Reason[] = []
      // a technician's `whoami` from a routine connection is maintenance; inside a suspicious one it is the intruder's
      const codes = cls.codes.filter((c) => c !== 'recon_command' || !conn || conn.suspicious)
      if (micros(e) >= t0) for (const code of codes) own.push({code, text: `${commandReason(code)}: ${redactCommand(raw).replace(/\s+/g, ' ').trim()}`, event_id: e.id})
      reasons.push(...own)
      const suspicious = own.length > 0 || conn?.suspicious === true
      if (suspicious) suspiciousTimes.push(micros(e))
      // its output: the first unmatched RanCommand row at or after it (ScreenConnect runs queued commands in order)
      const out = outputs.find((o) => !usedOutputs.has(o.id) && compareEvents(o, e) >= 0)
      if (out) usedOutputs.add(out.id)
      const text = typeof out?.attributes?.output === 'string' ? (out.attributes.output as string) : undefined
      const cmd: BlastCommand = {
        queued_utc: e.datetime,
        operator: e.user ?? attr(e, 'host_operator'),
        text: redactCommand(raw),
        meaning: plainMeaning(raw),
        // a RanCommand row without text: the command ran and printed nothing
        status: out === undefined ? 'no output recorded' : outputFailed(text ?? '') ? 'failed' : 'succeeded',
        hidden: e.attributes?.hidden === true || out?.attributes?.hidden === true,
        from_wal: e.attributes?.from_wal === true,
        suspicious,
        event_id: e.id,
      }
      if (out) {
        if (text !== undefined) cmd.output = redactCommand(text.length > MAX_OUTPUT ? `${text.slice(0, MAX_OUTPUT)}…` : text)
        cmd.output_utc = out.datetime
        cmd.output_event_id = out.id
      }
      if (micros(e) >= t0 || suspicious) commands.push(cmd)
    }

    const files: BlastFile[] = []
    for (const e of evs.filter((x) => x.event_type === T.REMOTE_FILE_TRANSFER)) {
      const hits = fileHits(index, e.file_name)
      if (hits.length) reasons.push({code: 'ioc_file', text: `file ${e.file_name} (${attr(e, 'action') ?? 'transfer'}) is named by an indicator (${sources(hits)})`, event_id: e.id})
      const conn = connOf(e)
      if (hits.length || conn?.suspicious) suspiciousTimes.push(micros(e))
      if (micros(e) >= t0 || hits.length) files.push({time_utc: e.datetime, action: attr(e, 'action') ?? attr(e, 'event_type_name') ?? 'transfer', name: e.file_name ?? '', operator: e.user ?? attr(e, 'host_operator'), hidden: e.attributes?.hidden === true, from_wal: e.attributes?.from_wal === true, event_id: e.id})
    }

    const hidden: HiddenRow[] = evs
      .filter((e) => e.attributes?.hidden === true)
      .map((e) => ({time_utc: e.datetime, kind: attr(e, 'event_type_name') ?? e.event_type, summary: redactCommand(e.message ?? ''), event_id: e.id}))
    if (hidden.length) {
      reasons.push({code: 'hidden_rows', text: `${hidden.length} row(s) of this session were hidden by an administrator (${uniq(hidden.map((h) => h.kind)).join(', ')})`, event_id: hidden[0].event_id})
      for (const h of hidden) suspiciousTimes.push(micros(evs.find((e) => e.id === h.event_id) as NormalizedEvent))
    }

    if (reasons.every((r) => SUPPORTING.has(r.code))) {
      routine.push(label)
      continue
    }
    const listedConns = conns.filter((c) => c.us >= t0 || c.suspicious).map(({us: _u, endUs: _e, ...c}) => c)
    const ids = new Set<string>([...listedConns.map((c) => c.event_id), ...commands.flatMap((c) => [c.event_id, c.output_event_id ?? '']), ...files.map((f) => f.event_id), ...hidden.map((h) => h.event_id)])
    ids.delete('')
    const evidence: EvidenceRef[] = evs
      .filter((e) => ids.has(e.id))
      .map((e) => {
        const r: EvidenceRef = {event_id: e.id, member: e.evidence.member}
        if (e.evidence.sha256) r.sha256 = e.evidence.sha256
        if (e.evidence.record !== undefined) r.record = e.evidence.record
        return r
      })
    suspiciousTimes.sort((a, b) => a - b)
    const iso = (us: number): string => evs.find((e) => micros(e) === us)?.datetime ?? ''
    const susConns = listedConns.filter((c) => c.suspicious)
    const m: AffectedMachine = {
      machine: label,
      custom_properties: s.props,
      session_id: s.guid,
      first_suspicious_utc: iso(suspiciousTimes[0]),
      last_suspicious_utc: iso(suspiciousTimes[suspiciousTimes.length - 1]),
      operators: uniq([...susConns.map((c) => c.operator), ...commands.filter((c) => c.suspicious).map((c) => c.operator)]),
      addresses: uniq(susConns.map((c) => c.address)),
      reasons: dedupeReasons(reasons),
      connections: listedConns,
      commands,
      files,
      hidden_rows: hidden,
      wal_only_rows: evs.filter((e) => e.attributes?.from_wal === true).length,
      evidence,
    }
    if (s.domain) m.domain = s.domain
    if (s.props[0]) m.customer = s.props[0]
    if (s.name) m.session_name = s.name
    affected.push(m)
  }
  affected.sort((a, b) => (a.first_suspicious_utc < b.first_suspicious_utc ? -1 : a.first_suspicious_utc > b.first_suspicious_utc ? 1 : a.machine < b.machine ? -1 : a.machine > b.machine ? 1 : a.session_id < b.session_id ? -1 : 1))

  const serverHost = events.find((e) => e.host)?.host
  const db = events.find((e) => attr(e, 'table') !== undefined)?.evidence.member
  return {
    format: 'ratchet-blast-radius/1',
    case_dir: input.caseDir,
    server: {...(serverHost ? {host: serverHost} : {}), ...(db ? {session_db: db} : {})},
    baseline: {
      incident_start_utc: first ? first.ev.datetime : null,
      first_signal: first ? first.what : null,
      rule:
        'Baseline = operator contacts (Session.db Host connections, successful security.db web logins) before the first hard signal (IOC address, web-login brute force, a command creating an account, arming a remote tool or loading a payload, IOC file name), kept per (operator, address) pair. From then on a contact is suspicious when it comes from an IOC or brute-force address, from an operator absent from the baseline, or from an address its operator never used in the baseline. A machine is listed only for such a contact, hidden rows, an intrusion command or an IOC file; an unusual UTC hour (±1 h, judged with ≥3 baseline contacts) or a reconnaissance command inside a suspicious connection only adds detail.',
      operators: [...baseline.values()]
        .map((b) => ({operator: b.name, addresses: [...b.addresses].sort(), hours_utc: [...b.hours].sort((x, y) => x - y), contacts: b.contacts}))
        .sort((a, b) => (lc(a.operator) < lc(b.operator) ? -1 : 1)),
      pairs: [...pairs.values()]
        .map((p) => ({operator: p.operator, address: p.address, contacts: p.contacts, machines: p.machines.size, first_utc: p.first, last_utc: p.last}))
        .sort((a, b) => (lc(a.operator) < lc(b.operator) ? -1 : lc(a.operator) > lc(b.operator) ? 1 : a.address < b.address ? -1 : 1)),
    },
    brute_force: bruteForce,
    affected,
    machines_total: total,
    routine_only: routine.length,
    routine_machines: routine.sort(),
  }
}

function commandReason(code: ReasonCode): string {
  switch (code) {
    case 'recon_command':
      return 'reconnaissance command'
    case 'remote_tool_command':
      return 'remote-access tool installed or given a password'
    case 'account_command':
      return 'account created or made administrator'
    case 'payload_loader':
      return 'payload loaded with MSBuild from a user folder'
    default:
      return code
  }
}

function dedupeReasons(rs: Reason[]): Reason[] {
  const seen = new Set<string>()
  const out: Reason[] = []
  for (const r of rs) {
    const k = `${r.code}\u0000${r.text}`
    if (seen.has(k)) continue
    seen.add(k)
    out.push(r)
  }
  return out.sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : a.text < b.text ? -1 : a.text > b.text ? 1 : 0))
}
