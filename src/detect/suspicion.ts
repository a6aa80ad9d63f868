import ipaddr from 'ipaddr.js'
import {compareEvents} from '../events/order.js'
import {EventTypes as T, type NormalizedEvent} from '../events/types.js'
import {groupBy} from '../core/collections.js'
import type {AccountFacts} from './accounts.js'
import {datedReliably, micros, tool} from './event-util.js'
import {canonicalIp} from './ioc/classify.js'
import type {ScanResult} from './scan.js'
import type {BuiltSession, HitEvent, InstanceFacts} from './types.js'
import {sessionReason} from './wording.js'

/**
 * Which remote sessions are evidence of intrusion by themselves, decided BEFORE findings are correlated
 * with them. Correlating account changes, log clears and the like with every session that happens to overlap
 * them made a routine RDP session of an administrator "explain" his own console work; only sessions that
 * are suspect on their own may tie other events into the intrusion story:
 * - an IOC hit in the session's own events or in the activity inside it;
 * - a ScreenConnect relay that is an indicator (set by hunt before this runs);
 * - a remote address outside private, loopback and link-local ranges (an external peer);
 * - a ScreenConnect session on an instance that is not the first one seen on the computer;
 * - a third-party remote-access session (ScreenConnect, AnyDesk, TeamViewer) with activity inside that an
 *   operator does, not the computer: file transfers, commands, run scripts, a password set, a remote-access
 *   service installed, a log cleared;
 * - an RDP session from an internal address only when its account is one created in the evidence shortly
 *   before (within BASELINE_DAYS: the intruder's new account logging on; not Windows' own first-boot or
 *   computer accounts, and not an account created long before), or when it is the only RDP session of its account while the evidence
 *   shows a baseline of routine RDP use (at least BASELINE_SESSIONS sessions by others over BASELINE_DAYS
 *   days): an administrator's routine RDP from the LAN is not evidence by itself.
 * An attempt that was never authenticated (a rejected AnyDesk request) gained no access and ties nothing in.
 */

export const BASELINE_SESSIONS = 5
export const BASELINE_DAYS = 7
const DAY_US = 86_400_000_000

/** Is this an address outside the organisation's own ranges? Unparseable text is not judged. */
export function isExternalAddress(a: string | undefined): boolean {
  if (!a) return false
  const c = canonicalIp(a.trim())
  if (!c) return false
  const r = ipaddr.parse(c).range()
  return !['private', 'loopback', 'linkLocal', 'uniqueLocal', 'unspecified', 'carrierGradeNat'].includes(r)
}

const SERVER_SIDE = /(^|[\\/])app_data[\\/]/i

const OPERATOR_ACTIVITY = new Set<string>([T.REMOTE_FILE_TRANSFER, T.REMOTE_COMMAND, T.REMOTE_COMMAND_OUTPUT, T.REMOTE_RUN_DROP, T.REMOTE_PASSWORD_SET, T.LOG_CLEARED])

function activityReason(ev: NormalizedEvent): string | undefined {
  if (OPERATOR_ACTIVITY.has(ev.event_type)) return sessionReason.activity(ev)
  const t = tool(ev)
  if (ev.event_type === T.SERVICE_INSTALLED && t) return sessionReason.toolService(t)
  return undefined
}

const userKey = (u: string | undefined): string => (u ?? '').toLowerCase().replace(/^.*\\/, '')

/**
 * Marks sessions suspicious (with reasons) from their own evidence and returns those sessions: the only
 * ones findings are correlated with. `activity` is what finishSessions placed in the sessions.
 */
export function markSuspectSessions(built: BuiltSession[], hits: HitEvent[], facts: InstanceFacts, createdAccounts: NormalizedEvent[], accountFacts: AccountFacts): BuiltSession[] {
  const created = new Map<string, NormalizedEvent>()
  for (const ev of createdAccounts)
    if (ev.event_type === T.ACCOUNT_CREATED && ev.user && !accountFacts.isWindowsOwn(ev.host, ev.user) && !created.has(`${ev.host ?? ''}|${userKey(ev.user)}`)) created.set(`${ev.host ?? ''}|${userKey(ev.user)}`, ev)
  const hitsByEvent = groupBy(
    hits.filter((h) => h.hit.event_id),
    (h) => h.hit.event_id as string,
  )
  // the first instance seen on each host is the installed one; any later one is an addition
  const firstInstance = new Map<string, string>()
  for (const [host, insts] of facts.instances) {
    if (insts.size < 2) continue
    const firsts = [...insts.entries()]
      .map(([inst, evs]) => ({inst, ev: evs.filter(datedReliably).sort(compareEvents)[0]}))
      .filter((x) => x.ev !== undefined)
      .sort((a, b) => compareEvents(a.ev, b.ev))
    if (firsts[0]) firstInstance.set(host, firsts[0].inst)
  }
  // RDP use per host and account, to tell a first-time logon from routine work
  const rdpByHost = new Map<string, Map<string, BuiltSession[]>>()
  for (const b of built) {
    if (b.session.tool !== 'RDP' || !b.session.operator) continue
    const h = rdpByHost.get(b.session.host ?? '') ?? new Map<string, BuiltSession[]>()
    const k = userKey(b.session.operator)
    h.set(k, [...(h.get(k) ?? []), b])
    rdpByHost.set(b.session.host ?? '', h)
  }
  // per host, every RDP session's start and end sorted once: "the others" of a one-session account are all
  // but that session, so their span is found at the ends of these lists without rescanning
  const spanOf = new Map<string, {starts: number[]; ends: number[]}>()
  for (const [host, byUser] of rdpByHost) {
    const l = [...byUser.values()].flat()
    spanOf.set(host, {starts: l.map((x) => x.startUs).sort((a, z) => a - z), ends: l.map((x) => x.endUs).sort((a, z) => a - z)})
  }
  const oneOff = (b: BuiltSession): boolean => {
    const h = rdpByHost.get(b.session.host ?? '')
    const span = spanOf.get(b.session.host ?? '')
    const mine = h?.get(userKey(b.session.operator))
    if (!h || !span || !mine || mine.length !== 1) return false
    if (span.starts.length - 1 < BASELINE_SESSIONS) return false
    const first = span.starts[0] === b.startUs ? span.starts[1]! : span.starts[0]!
    const last = span.ends[span.ends.length - 1] === b.endUs ? span.ends[span.ends.length - 2]! : span.ends[span.ends.length - 1]!
    return last - first >= BASELINE_DAYS * DAY_US
  }
  for (const b of built) {
    const s = b.session
    const reasons: string[] = []
    for (const id of [...s.event_ids, ...s.activity.map((a) => a.event_id)])
      for (const h of hitsByEvent.get(id) ?? []) reasons.push(sessionReason.ioc(h.hit.indicator, h.hit.type, h.hit.field))
    // a ScreenConnect server's own records (App_Data: Session.db) are the connections it brokered to its
    // customers' machines, not sessions into this computer: outside addresses and operator commands are their
    // nature there, so only indicators count (the server's blast radius judges the rest)
    if (b.draft.events.some((e) => SERVER_SIDE.test(e.evidence.member))) {
      if (reasons.length > 0) {
        s.suspicious = true
        s.reasons.push(...reasons)
      }
      continue
    }
    const attempt = s.tool === 'AnyDesk' && b.draft.authenticated !== true
    if (isExternalAddress(s.remote_address) && !attempt) reasons.push(sessionReason.external(s.remote_address as string))
    const first = firstInstance.get(s.host ?? '')
    if (s.tool === 'ScreenConnect' && first && s.instance?.thumbprint && s.instance.thumbprint !== first)
      reasons.push(sessionReason.additionalInstance(s.instance.thumbprint, first))
    if (s.tool === 'ScreenConnect' || s.tool === 'AnyDesk' || s.tool === 'TeamViewer') {
      const inside = b.draft.activity.map(activityReason).filter((r): r is string => r !== undefined)
      reasons.push(...inside.slice(0, 3))
    }
    const createdEv = s.operator ? created.get(`${s.host ?? ''}|${userKey(s.operator)}`) : undefined
    // an account created long before is an established account, whatever the evidence's time span
    const newAccount = createdEv && b.startUs - micros(createdEv) >= 0 && b.startUs - micros(createdEv) <= BASELINE_DAYS * DAY_US ? createdEv : undefined
    if (s.tool === 'RDP' && newAccount && !isExternalAddress(s.remote_address)) reasons.push(sessionReason.newAccount(s.operator as string, newAccount.datetime))
    else if (s.tool === 'RDP' && !isExternalAddress(s.remote_address) && oneOff(b)) reasons.push(sessionReason.oneOff(s.operator as string))
    if (reasons.length > 0) {
      s.suspicious = true
      s.reasons.push(...reasons)
    }
  }
  return built.filter((b) => b.session.suspicious)
}

/**
 * A case is one host's evidence: events parsed from files (configs, traces, run scripts) carry no host name
 * when the manifest has none (an image collection), while the EVTX events name the computer. When exactly
 * one host name occurs, the host-less events belong to it; otherwise nothing is changed.
 */
export function adoptSingleHost(scan: ScanResult): string | undefined {
  const hosts = new Set<string>()
  const all: NormalizedEvent[] = [...scan.skeleton, ...scan.accounts, ...[...scan.ruleEvents.values()].flat()]
  for (const h of scan.hits) if (h.ev) all.push(h.ev)
  for (const m of [scan.instances, scan.relays]) for (const evs of m.values()) for (const l of evs.values()) all.push(...l)
  for (const ev of all) if (ev.host) hosts.add(ev.host)
  for (const h of scan.candHost) if (h) hosts.add(h)
  if (hosts.size !== 1) return undefined
  const host = [...hosts][0]
  for (const ev of all) if (!ev.host) ev.host = host
  for (let i = 0; i < scan.candHost.length; i++) if (!scan.candHost[i]) scan.candHost[i] = host
  for (const m of [scan.instances, scan.relays]) {
    const orphan = m.get('')
    if (!orphan) continue
    m.delete('')
    const into = m.get(host) ?? new Map<string, NormalizedEvent[]>()
    for (const [k, evs] of orphan) into.set(k, [...(into.get(k) ?? []), ...evs])
    m.set(host, into)
  }
  for (const [k, v] of [...scan.relayOf]) {
    if (!k.startsWith('|')) continue
    scan.relayOf.delete(k)
    const nk = `${host}${k}`
    if (!scan.relayOf.has(nk)) scan.relayOf.set(nk, v)
  }
  return host
}
