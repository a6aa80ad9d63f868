import {createHash} from 'node:crypto'
import {compareEvents} from '../events/order.js'
import {EventTypes as T, type NormalizedEvent} from '../events/types.js'
import {groupBy} from '../core/collections.js'
import {attr, micros, scInstance, scRelay, tool} from './event-util.js'
import type {BuiltSession, Draft, RemoteSession, RemoteTool, SessionActivity} from './types.js'

/**
 * Rebuilds remote sessions from the events that make them up:
 * - ScreenConnect: App-log `Connected`/`Disconnected` pairs per instance and operator; Session.db
 *   connections per session GUID and connection; `Your host has ended the remote session` closes them all.
 * - AnyDesk: per trace file, request → peer address → client ID → authentication → stop; each
 *   connection_trace.txt line is merged into the trace session it describes (same ID, within two minutes —
 *   that file has minute resolution) or stands alone.
 * - RDP: LocalSessionManager 21/25 with a real source address open, and 24/23 close, a session per host and
 *   session id; 1149, 4624 type 10 (and type 7 from a remote address: a reconnect to a locked session) are
 *   attached to the session they precede, or stand alone when the LSM log is missing. The same LSM events with
 *   `LOCAL` (or no address) are the console: they never open an RDP session, they end one with their id.
 * Session ids are reused after a restart, and no session outlives one: a boot or shutdown record closes every
 * session still open on that host (its record is the session's end).
 * A session whose end is not logged keeps `end: null`; for placing activity inside it we use its last event
 * (for AnyDesk, the last trace line before the next session of that trace file).
 */

const MIN = 60_000_000

function draft(t: RemoteTool, ev: NormalizedEvent): Draft {
  return {tool: t, host: ev.host, instance: {}, events: [], activity: [], reasons: []}
}

function add(d: Draft, ev: NormalizedEvent): void {
  d.events.push(ev)
  if (!d.start || compareEvents(ev, d.start) < 0) d.start = ev
}

/** Ends a draft with the record that ended it. */
function end(d: Draft, ev: NormalizedEvent): void {
  d.events.push(ev)
  d.end = ev
}

const BOOT_IDS: Record<number, RegExp> = {6005: /^EventLog$/i, 6006: /^EventLog$/i, 6009: /^EventLog$/i, 12: /Kernel-General/i, 13: /Kernel-General/i, 4608: /Security-Auditing/i, 4609: /Security-Auditing/i}

/**
 * A boot or shutdown of the host (System 6005/6006/6009, Kernel-General 12/13, Security 4608/4609). Older
 * events.jsonl files carry these as plain `evtx.record` events, so the ids are checked too.
 */
export function isHostRestart(ev: NormalizedEvent): boolean {
  if (ev.event_type === T.SYSTEM_BOOT || ev.event_type === T.SYSTEM_SHUTDOWN) return ev.source === 'EVTX'
  if (ev.event_type !== T.EVTX_GENERIC) return false
  const re = BOOT_IDS[Number(ev.attributes?.event_id)]
  return re !== undefined && re.test(attr(ev, 'provider') ?? '')
}

/** The remote address of an RDP record; `LOCAL` (the console), `-` and empty are none. */
export function rdpAddress(ev: NormalizedEvent): string | undefined {
  const a = ev.src_ip ?? attr(ev, 'Address')
  if (!a || a === '-' || a.toUpperCase() === 'LOCAL' || ev.attributes?.console === true) return undefined
  return a
}

const LOOPBACK = new Set(['127.0.0.1', '::1'])

/** A 4624 that is a remote desktop logon: type 10, or type 7 (unlock) from a remote address (a reconnect). */
function isRdpLogon(ev: NormalizedEvent): boolean {
  if (ev.event_type !== T.LOGON_SUCCESS) return false
  const type = Number(ev.attributes?.logon_type ?? ev.attributes?.LogonType)
  if (type === 10) return true
  const ip = ev.src_ip
  return type === 7 && ip !== undefined && ip !== '-' && !LOOPBACK.has(ip)
}

/** Closes every open draft of the restarted host, ended by the restart record. */
function closeOnRestart(open: Map<string, Draft>, ev: NormalizedEvent, close: (k: string, end?: NormalizedEvent) => void): void {
  for (const [k, d] of [...open.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) if (d.host === ev.host) close(k, ev)
}

function buildScreenConnect(events: NormalizedEvent[], out: Draft[]): void {
  const open = new Map<string, Draft>()
  const close = (key: string, last?: NormalizedEvent): void => {
    const d = open.get(key)
    if (!d) return
    if (last) end(d, last)
    out.push(d)
    open.delete(key)
  }
  for (const ev of events) {
    if (isHostRestart(ev)) {
      closeOnRestart(open, ev, close)
      continue
    }
    const inst = scInstance(ev) ?? ''
    const guid = attr(ev, 'session_guid') ?? ''
    const fromDb = ev.source === 'ScreenConnect'
    const who = (ev.user ?? attr(ev, 'operator') ?? '').toLowerCase()
    const key = fromDb ? `${ev.host}|db|${guid}|${attr(ev, 'connection_id') ?? ''}|${who}` : `${ev.host}|log|${inst}|${who}`
    if (ev.event_type === T.REMOTE_SESSION_START) {
      if (open.has(key)) close(key)
      const d = draft('ScreenConnect', ev)
      add(d, ev)
      d.direction = 'incoming'
      if (inst) d.instance.thumbprint = inst
      if (guid) d.instance.session_guid = guid
      const relay = scRelay(ev)
      if (relay.host) d.instance.relay_host = relay.host
      if (relay.port !== undefined) d.instance.relay_port = relay.port
      if (ev.src_ip) d.remote_address = ev.src_ip
      const processType = attr(ev, 'process_type')
      if (!fromDb || processType === undefined || /host/i.test(processType)) d.operator = ev.user ?? attr(ev, 'operator')
      open.set(key, d)
    } else if (ev.event_type === T.REMOTE_SESSION_END) {
      if (ev.attributes?.ended_by_host === true) {
        const prefix = `${ev.host}|log|${inst}|`
        const keys = [...open.keys()].filter((k) => k.startsWith(prefix)).sort()
        if (keys.length === 0) {
          const d = draft('ScreenConnect', ev)
          if (inst) d.instance.thumbprint = inst
          d.events.push(ev)
          d.end = ev
          out.push(d)
        }
        for (const k of keys) close(k, ev)
      } else if (open.has(key)) {
        close(key, ev)
      } else {
        // a disconnect whose connect is not in the evidence (log rolled over): keep it, start unknown
        const d = draft('ScreenConnect', ev)
        if (inst) d.instance.thumbprint = inst
        if (guid) d.instance.session_guid = guid
        d.operator = ev.user ?? attr(ev, 'operator')
        d.events.push(ev)
        d.end = ev
        out.push(d)
      }
    }
  }
  for (const k of [...open.keys()].sort()) close(k)
}

const AUTH_RE = /local user|password|token|passphrase/i

const idOf = (x: string | undefined): string | undefined => x?.replace(/\s/g, '')

function buildAnyDesk(events: NormalizedEvent[], out: Draft[]): void {
  const cur = new Map<string, Draft>()
  const traceLines: NormalizedEvent[] = []
  const lastClosed = new Map<string, Draft>()
  const built: Draft[] = []
  const flush = (k: string, last?: NormalizedEvent): void => {
    const d = cur.get(k)
    if (!d) return
    if (last) {
      end(d, last)
      lastClosed.set(k, d)
    } else lastClosed.delete(k)
    built.push(d)
    cur.delete(k)
  }
  for (const ev of events) {
    if (isHostRestart(ev)) {
      closeOnRestart(cur, ev, flush)
      continue
    }
    if (ev.event_type === T.REMOTE_SESSION_START) {
      traceLines.push(ev)
      continue
    }
    if (ev.event_type === T.REMOTE_OUTGOING) {
      const d = draft('AnyDesk', ev)
      add(d, ev)
      d.direction = 'outgoing'
      d.remote_id = ev.remote_id
      d.authenticated = true
      built.push(d)
      continue
    }
    const k = `${ev.host}|${ev.evidence.member}`
    let d = cur.get(k)
    if (ev.event_type === T.REMOTE_FILE_TRANSFER) {
      // file preparation logged by the trace file of an open session belongs to it: the session lasts at
      // least that long (the lines themselves are placed as its activity)
      if (d) d.lastSeenUs = Math.max(d.lastSeenUs ?? 0, micros(ev))
      continue
    }
    const isPeer = ev.event_type === T.REMOTE_SESSION_REQUEST || ev.event_type === T.REMOTE_PEER_ADDRESS || ev.event_type === T.REMOTE_PEER_ID
    if (isPeer) {
      if (d) {
        const conflict =
          d.authenticated ||
          (ev.event_type === T.REMOTE_PEER_ADDRESS && d.remote_address !== undefined && ev.src_ip !== undefined && d.remote_address !== ev.src_ip) ||
          (ev.event_type !== T.REMOTE_PEER_ADDRESS && d.remote_id !== undefined && ev.remote_id !== undefined && d.remote_id !== ev.remote_id)
        if (conflict) {
          flush(k)
          d = undefined
        }
      }
      if (!d) {
        d = draft('AnyDesk', ev)
        d.direction = 'incoming'
        cur.set(k, d)
      }
      add(d, ev)
      if (ev.event_type === T.REMOTE_PEER_ADDRESS && ev.src_ip) d.remote_address = ev.src_ip
      if (ev.remote_id && ev.event_type !== T.REMOTE_PEER_ADDRESS) d.remote_id = ev.remote_id
      const alias = attr(ev, 'alias')
      if (alias) d.remote_alias = alias
    } else if (ev.event_type === T.REMOTE_AUTH) {
      // AnyDesk logs one connection's acceptance twice ("Accept request from <id>", then "authenticated by
      // password"): a second authentication of the same peer, moments later, belongs to the same session
      const sameConnection =
        d !== undefined &&
        d.authenticated === true &&
        d.end === undefined &&
        (ev.remote_id === undefined || d.remote_id === undefined || idOf(ev.remote_id) === idOf(d.remote_id)) &&
        micros(ev) - Math.max(...d.events.map(micros)) <= MIN
      if (!d || (d.authenticated && !sameConnection)) {
        if (d) flush(k)
        d = draft('AnyDesk', ev)
        d.direction = 'incoming'
        cur.set(k, d)
      }
      add(d, ev)
      d.authenticated = true
      const m = attr(ev, 'auth_method') ?? (AUTH_RE.exec(ev.message ?? '')?.[0] ?? undefined)
      if (m) d.auth_method = m.toLowerCase()
    } else if (ev.event_type === T.REMOTE_SESSION_END) {
      // several closing lines for one connection ("Session stopped.", "The socket was closed remotely."):
      // a close moments after the session just closed from the same trace file extends that session
      const prev = d ? undefined : lastClosed.get(k)
      if (d) flush(k, ev)
      else if (prev?.end && micros(ev) - micros(prev.end) >= 0 && micros(ev) - micros(prev.end) <= MIN) {
        end(prev, ev)
      } else {
        const o = draft('AnyDesk', ev)
        end(o, ev)
        o.authenticated = true
        built.push(o)
      }
    }
  }
  for (const k of [...cur.keys()].sort()) flush(k)
  mergeTwinTraces(built)
  mergeConnectionTrace(built, traceLines)
  // judged once every line is in: a connection_trace.txt line or the twin trace may authenticate it
  for (const d of built) if (d.direction === 'incoming' && !d.authenticated) d.reasons.push('connection was not authenticated (an attempt, or refused)')
  out.push(...built)
}

/**
 * connection_trace.txt (minute resolution) → the trace session it describes, else a session of its own. The
 * peer's ID is logged when the request arrives, which can be minutes before the line is written (someone
 * has to accept): with IDs on both sides, the session of that peer whose time span (up to its stop line, or
 * to the next session of its trace file) meets the line's minute; without IDs, a session starting within
 * that minute (or the one after).
 */
function mergeConnectionTrace(built: Draft[], lines: NormalizedEvent[]): void {
  const incoming = built.filter((d) => d.direction !== 'outgoing' && d.start)
  const startOf = (d: Draft): number => micros(d.start as NormalizedEvent)
  // per trace file, when the next session starts: an unended session lasts at most until then
  const nextStart = new Map<Draft, number>()
  for (const group of groupBy(incoming, (d) => `${d.host ?? ''}|${d.events[0]?.evidence.member ?? ''}`).values()) {
    group.sort((a, b) => startOf(a) - startOf(b))
    for (let i = 0; i + 1 < group.length; i++) nextStart.set(group[i], startOf(group[i + 1]))
  }
  const spanEnd = (d: Draft): number => (d.end ? micros(d.end) : (nextStart.get(d) ?? Number.POSITIVE_INFINITY))
  for (const ev of lines) {
    const t = micros(ev)
    const id = idOf(ev.remote_id)
    const free = incoming.filter((d) => d.host === ev.host && !d.events.some((e) => e.event_type === T.REMOTE_SESSION_START))
    const closest = (ds: Draft[]): Draft | undefined => ds.sort((a, b) => Math.abs(startOf(a) - t) - Math.abs(startOf(b) - t) || startOf(a) - startOf(b))[0]
    const byId = id ? closest(free.filter((d) => idOf(d.remote_id) === id && startOf(d) - MIN <= t + MIN && spanEnd(d) + MIN >= t)) : undefined
    const match = byId ?? closest(free.filter((d) => (!id || !d.remote_id) && startOf(d) - t >= -MIN && startOf(d) - t <= 2 * MIN))
    const d = match ?? draft('AnyDesk', ev)
    add(d, ev)
    d.direction = attr(ev, 'direction')?.toLowerCase() === 'outgoing' ? 'outgoing' : 'incoming'
    d.remote_id ??= ev.remote_id
    d.remote_alias ??= attr(ev, 'alias')
    const auth = attr(ev, 'auth_method')
    if (auth) {
      d.auth_method ??= auth
      if (/rejected/i.test(auth)) d.reasons.push('connection_trace.txt records the connection as REJECTED')
      else d.authenticated = true
    }
    if (!match) built.push(d)
  }
}

/**
 * The service trace (ad_svc.trace) and the user-session trace (ad.trace) can both log one connection: the
 * same peer, from two files, starting within a minute, is one session.
 */
function mergeTwinTraces(out: Draft[]): void {
  const ad = out.filter((d) => d.tool === 'AnyDesk' && d.direction === 'incoming' && d.start)
  for (let i = 0; i < ad.length; i++) {
    const a = ad[i]
    if (!out.includes(a)) continue
    for (let j = i + 1; j < ad.length; j++) {
      const b = ad[j]
      if (!out.includes(b) || a.host !== b.host) continue
      if (a.events[0]?.evidence.member === b.events[0]?.evidence.member) continue
      const samePeer = (a.remote_id && a.remote_id === b.remote_id) || (a.remote_address && a.remote_address === b.remote_address)
      if (!samePeer || Math.abs(micros(a.start as NormalizedEvent) - micros(b.start as NormalizedEvent)) > MIN) continue
      for (const e of b.events) add(a, e)
      if (b.end && (!a.end || compareEvents(b.end, a.end) > 0)) a.end = b.end
      if (b.lastSeenUs !== undefined) a.lastSeenUs = Math.max(a.lastSeenUs ?? 0, b.lastSeenUs)
      a.remote_address ??= b.remote_address
      a.remote_id ??= b.remote_id
      a.remote_alias ??= b.remote_alias
      a.auth_method ??= b.auth_method
      if (b.authenticated) a.authenticated = true
      out.splice(out.indexOf(b), 1)
    }
  }
}

function buildRdp(events: NormalizedEvent[], out: Draft[]): void {
  const open = new Map<string, Draft>()
  const pendingAuth: NormalizedEvent[] = []
  const built: Draft[] = []
  const logons: NormalizedEvent[] = []
  const closeKey = (k: string, last?: NormalizedEvent): void => {
    const d = open.get(k)
    if (!d) return
    if (last) end(d, last)
    built.push(d)
    open.delete(k)
  }
  const sameUser = (a?: string, b?: string): boolean => {
    const n = (x?: string): string => (x ?? '').toLowerCase().replace(/^.*\\/, '')
    return n(a) !== '' && n(a) === n(b)
  }
  for (const ev of events) {
    if (isHostRestart(ev)) {
      closeOnRestart(open, ev, closeKey)
      continue
    }
    const k = `${ev.host}|${attr(ev, 'session_id') ?? ''}`
    const remote = rdpAddress(ev)
    if (ev.event_type === T.LOGON_RDP_AUTH) {
      pendingAuth.push(ev)
    } else if (ev.event_type === T.LOGOFF) {
      closeKey(k, ev)
    } else if ((ev.event_type === T.LOGON_RDP || ev.event_type === T.LOGON_RDP_RECONNECT) && !remote) {
      // the console: a new logon on a remote session's id means that one is over; a console reconnect to it
      // (someone at the keyboard taking the session over) ends its remote part
      closeKey(k, ev.event_type === T.LOGON_RDP_RECONNECT ? ev : undefined)
    } else if (ev.event_type === T.LOGON_RDP || ev.event_type === T.LOGON_RDP_RECONNECT) {
      closeKey(k)
      const d = draft('RDP', ev)
      add(d, ev)
      d.direction = 'incoming'
      d.operator = ev.user
      d.remote_address = remote
      d.authenticated = true
      // the 1149 that preceded it (same host and user, at most two minutes before)
      const t = micros(ev)
      const i = pendingAuth.findIndex((a) => a.host === ev.host && sameUser(a.user, ev.user) && t - micros(a) >= 0 && t - micros(a) <= 2 * MIN)
      if (i >= 0) {
        const a = pendingAuth.splice(i, 1)[0]
        add(d, a)
        d.remote_address ??= a.src_ip
      }
      open.set(k, d)
    } else if (ev.event_type === T.LOGON_RDP_DISCONNECT) {
      if (open.has(k)) closeKey(k, ev)
      else if (remote) {
        const d = draft('RDP', ev)
        d.operator = ev.user
        d.remote_address = remote
        end(d, ev)
        built.push(d)
      }
    } else if (ev.event_type === T.LOGON_SUCCESS) {
      logons.push(ev)
    }
  }
  for (const k of [...open.keys()].sort()) closeKey(k)
  for (const a of pendingAuth) {
    const d = draft('RDP', a)
    add(d, a)
    d.direction = 'incoming'
    d.operator = a.user
    d.remote_address = a.src_ip
    d.authenticated = true
    built.push(d)
  }
  // 4624 type 10 (or 7 remote): attach to the session it belongs to (same host and user, within a minute), else stand alone
  for (const l of logons) {
    const t = micros(l)
    const d = built.find((s) => s.host === l.host && s.start && sameUser(s.operator, l.user) && Math.abs(micros(s.start) - t) <= MIN)
    if (d) {
      add(d, l)
      d.remote_address ??= l.src_ip
      d.auth_method ??= attr(l, 'AuthenticationPackageName') ?? attr(l, 'authentication_package')
    } else {
      const n = draft('RDP', l)
      add(n, l)
      n.direction = 'incoming'
      n.operator = l.user
      n.remote_address = l.src_ip
      n.authenticated = true
      n.auth_method = attr(l, 'AuthenticationPackageName') ?? attr(l, 'authentication_package')
      built.push(n)
    }
  }
  out.push(...built)
}

/** Is this event part of a session's skeleton (start/stop/auth/peer, or a restart that ends them), per tool? */
export function sessionToolOf(ev: NormalizedEvent): RemoteTool | undefined {
  const t = tool(ev)
  switch (ev.event_type) {
    case T.REMOTE_SESSION_START:
    case T.REMOTE_SESSION_END:
      return t === 'ScreenConnect' || t === 'AnyDesk' ? t : t === 'RDP' ? 'RDP' : t ? 'Other' : undefined
    case T.REMOTE_SESSION_REQUEST:
    case T.REMOTE_PEER_ADDRESS:
    case T.REMOTE_PEER_ID:
    case T.REMOTE_AUTH:
    case T.REMOTE_OUTGOING:
      return t === 'AnyDesk' ? 'AnyDesk' : undefined
    case T.REMOTE_FILE_TRANSFER:
      // file preparation in a trace file extends the open session of that file
      return t === 'AnyDesk' && /\.trace$/i.test(ev.evidence.member) ? 'AnyDesk' : undefined
    case T.LOGON_RDP:
    case T.LOGON_RDP_AUTH:
    case T.LOGON_RDP_DISCONNECT:
    case T.LOGON_RDP_RECONNECT:
      return 'RDP'
    case T.LOGOFF:
      return ev.source === 'EVTX' && attr(ev, 'session_id') !== undefined ? 'RDP' : undefined
    case T.LOGON_SUCCESS:
      return isRdpLogon(ev) ? 'RDP' : undefined
    default:
      return undefined
  }
}

/** Does a session builder need this event (a session's own record, or a restart that ends sessions)? */
export function isSkeleton(ev: NormalizedEvent): boolean {
  return sessionToolOf(ev) !== undefined || isHostRestart(ev)
}

/** Event types that count as activity inside a session. */
export const ACTIVITY_TYPES = new Set<string>([
  T.REMOTE_FILE_TRANSFER, T.REMOTE_COMMAND, T.REMOTE_COMMAND_OUTPUT, T.REMOTE_RUN_DROP, T.REMOTE_PASSWORD_SET,
  T.REMOTE_CONFIG, T.PROCESS_CREATED, T.ACCOUNT_CREATED, T.ACCOUNT_ENABLED, T.ACCOUNT_GROUP_MEMBER_ADDED,
  T.ACCOUNT_CHANGED, T.ACCOUNT_PASSWORD_RESET, T.ACCOUNT_DELETED, T.ACCOUNT_DISABLED, T.SERVICE_INSTALLED,
  T.LOG_CLEARED, T.SCRIPT_BLOCK, T.FILE_CREATED,
])

/**
 * A person's logon (console, RDP, cached) is activity too: the intruder logging on with the account just
 * created is part of the story. Service, network and machine-account logons are not.
 */
export function isInteractiveLogon(ev: NormalizedEvent): boolean {
  if (ev.event_type !== T.LOGON_SUCCESS || !ev.user) return false
  const type = Number(ev.attributes?.logon_type ?? ev.attributes?.LogonType)
  if (type !== 2 && type !== 10 && type !== 11) return false
  const u = ev.user.replace(/^.*\\/, '').toUpperCase()
  return !u.endsWith('$') && !['SYSTEM', 'LOCAL SERVICE', 'NETWORK SERVICE', 'ANONYMOUS LOGON', 'DWM-1', 'UMFD-0', 'UMFD-1'].includes(u)
}

/** Is this event something that can happen inside a session (see ACTIVITY_TYPES and isInteractiveLogon)? */
export function isActivityCandidate(ev: NormalizedEvent): boolean {
  return ACTIVITY_TYPES.has(ev.event_type) || isInteractiveLogon(ev)
}

function sessionId(d: Draft): string {
  const first = d.events.slice().sort(compareEvents)[0]
  const h = createHash('sha256').update(`${d.tool}\u0000${d.host ?? ''}\u0000${first?.id ?? ''}`).digest('hex').slice(0, 16)
  return `${d.tool}:${h}`
}

function summary(ev: NormalizedEvent): string {
  const m = (ev.message ?? '').replace(/\s+/g, ' ').trim()
  return m.length > 300 ? `${m.slice(0, 300)}…` : m
}

/** Can this activity event belong to that session? Tool-specific events only join their own tool/instance. */
/** Activity a tool logs about its own sessions; everything else (config, services, accounts) is host-wide. */
const TOOL_BOUND = new Set<string>([T.REMOTE_FILE_TRANSFER, T.REMOTE_COMMAND, T.REMOTE_COMMAND_OUTPUT])

function fits(d: Draft, ev: NormalizedEvent): boolean {
  if (d.host !== ev.host) return false
  // RDP sessions have their own logons; other people's logons during an RDP session are not its activity
  if (ev.event_type === T.LOGON_SUCCESS && d.tool === 'RDP') return false
  const t = tool(ev)
  if (!TOOL_BOUND.has(ev.event_type) || !t) return true
  if (t !== d.tool) return false
  if (t === 'ScreenConnect') {
    const inst = scInstance(ev)
    const guid = attr(ev, 'session_guid')
    if (guid && d.instance.session_guid) return guid === d.instance.session_guid
    if (inst && d.instance.thumbprint) return inst === d.instance.thumbprint
  }
  return true
}

/** Builds sessions from the skeleton events (start/stop/auth/peer), sorted by start (null last), then id. */
export function buildSessions(skeleton: NormalizedEvent[]): BuiltSession[] {
  const byTool = {ScreenConnect: [] as NormalizedEvent[], AnyDesk: [] as NormalizedEvent[], RDP: [] as NormalizedEvent[]}
  for (const ev of skeleton.slice().sort(compareEvents)) {
    if (isHostRestart(ev)) {
      for (const l of Object.values(byTool)) l.push(ev)
      continue
    }
    const t = sessionToolOf(ev)
    if (t === 'ScreenConnect' || t === 'AnyDesk' || t === 'RDP') byTool[t].push(ev)
  }
  const drafts: Draft[] = []
  buildScreenConnect(byTool.ScreenConnect, drafts)
  buildAnyDesk(byTool.AnyDesk, drafts)
  buildRdp(byTool.RDP, drafts)
  return drafts.map((d) => {
    d.events.sort(compareEvents)
    const times = d.events.map(micros)
    const startUs = d.start ? micros(d.start) : Math.min(...times)
    const endUs = d.end ? micros(d.end) : Math.max(...times, d.lastSeenUs ?? Number.NEGATIVE_INFINITY)
    return {draft: d, startUs, endUs, session: undefined as unknown as RemoteSession}
  })
}

/**
 * The time spans (µs) covered by sessions, per host, merged and sorted: a cheap test for "could this event
 * be inside some session?" before reading it in full.
 */
export class SessionSpans {
  private readonly spans = new Map<string, [number, number][]>()

  constructor(built: BuiltSession[]) {
    const raw = new Map<string, [number, number][]>()
    for (const b of built) {
      const h = b.draft.host ?? ''
      const l = raw.get(h) ?? []
      l.push([b.startUs, b.endUs])
      raw.set(h, l)
    }
    for (const [h, l] of raw) {
      l.sort((a, b) => a[0] - b[0])
      const merged: [number, number][] = []
      for (const [s, e] of l) {
        const last = merged[merged.length - 1]
        if (last && s <= last[1]) last[1] = Math.max(last[1], e)
        else merged.push([s, e])
      }
      this.spans.set(h, merged)
    }
  }

  get empty(): boolean {
    return this.spans.size === 0
  }

  covers(host: string, t: number): boolean {
    const l = this.spans.get(host)
    if (!l) return false
    let lo = 0
    let hi = l.length - 1
    while (lo <= hi) {
      const mid = (lo + hi) >> 1
      if (l[mid][1] < t) lo = mid + 1
      else if (l[mid][0] > t) hi = mid - 1
      else return true
    }
    return false
  }
}

/** Places each activity event into the sessions whose span contains it and finalises the sessions. */
export function finishSessions(built: BuiltSession[], activity: NormalizedEvent[]): BuiltSession[] {
  const sortedActivity = activity.slice().sort(compareEvents)
  for (const b of built) {
    const own = new Set(b.draft.events.map((e) => e.id))
    for (const ev of sortedActivity) {
      const t = micros(ev)
      if (t >= b.startUs && t <= b.endUs && fits(b.draft, ev) && !own.has(ev.id)) b.draft.activity.push(ev)
    }
  }
  for (const b of built) b.session = toSession(b)
  built.sort((a, b) => {
    const sa = a.session.start ?? '\uffff'
    const sb = b.session.start ?? '\uffff'
    return sa < sb ? -1 : sa > sb ? 1 : a.session.id < b.session.id ? -1 : a.session.id > b.session.id ? 1 : 0
  })
  return built
}

function toSession(b: BuiltSession): RemoteSession {
  const d = b.draft
  const s: RemoteSession = {
    id: sessionId(d),
    tool: d.tool,
    start: d.start ? d.start.datetime : null,
    end: d.end ? d.end.datetime : null,
    duration_seconds: d.start && d.end ? Math.round((micros(d.end) - micros(d.start)) / 1_000) / 1_000 : null,
    event_ids: d.events.map((e) => e.id),
    activity: d.activity.map((e): SessionActivity => ({event_id: e.id, datetime: e.datetime, event_type: e.event_type, summary: summary(e)})),
    suspicious: false,
    reasons: [...d.reasons],
  }
  if (d.host) s.host = d.host
  const inst = Object.fromEntries(Object.entries(d.instance).filter(([, v]) => v !== undefined))
  if (Object.keys(inst).length > 0) s.instance = inst
  if (d.remote_address) s.remote_address = d.remote_address
  if (d.remote_id) s.remote_id = d.remote_id
  if (d.remote_alias) s.remote_alias = d.remote_alias
  if (d.operator) s.operator = d.operator
  if (d.auth_method) s.auth_method = d.auth_method
  if (d.direction) s.direction = d.direction
  return s
}
