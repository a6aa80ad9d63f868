import {createHash} from 'node:crypto'
import {compareEvents} from '../events/order.js'
import {EventTypes as T, type NormalizedEvent} from '../events/types.js'
import {attr, fieldValue, micros, tool} from './event-util.js'
import type {Rule} from './schema.js'
import type {BuiltSession} from './sessions.js'
import {datedReliably} from './suspicion.js'
import type {Finding, IocHit, Severity} from './types.js'

/**
 * Turns rule matches, account changes, ScreenConnect instance facts and IOC hits into findings. Correlation
 * is by host and time: an event is "in" a session when it lies inside the session's span, and "after" it
 * when it lies within the window after the session's last event. Only then is a finding `correlated`.
 */

export interface Near {
  session: BuiltSession
  relation: 'during' | 'after'
  /** The event that lies during / after the session. */
  event: NormalizedEvent
}

export const MAX_EVENTS_PER_FINDING = 1000

export class Correlator {
  constructor(private readonly sessions: BuiltSession[], private readonly windowUs: number) {}

  /** Suspect sessions of ScreenConnect instances configured with this relay (a host name or address). */
  throughRelay(relay: string): BuiltSession[] {
    const r = relay.toLowerCase()
    return this.sessions.filter((s) => s.session.instance?.relay_host?.toLowerCase() === r)
  }

  near(ev: NormalizedEvent): Near[] {
    // a host-local time in an unknown zone (or no time) cannot be placed against a session's UTC span
    if (!datedReliably(ev)) return []
    const t = micros(ev)
    const out: Near[] = []
    for (const s of this.sessions) {
      if (s.session.host !== ev.host) continue
      if (t >= s.startUs && t <= s.endUs) out.push({session: s, relation: 'during', event: ev})
      else if (t > s.endUs && t <= s.endUs + this.windowUs) out.push({session: s, relation: 'after', event: ev})
    }
    return out
  }
}

const SEV_RANK: Record<Severity, number> = {critical: 0, high: 1, medium: 2, low: 3, info: 4}

export function stableId(rule: string, parts: string[]): string {
  return `${rule}:${createHash('sha256').update([rule, ...parts].join('\u0000')).digest('hex').slice(0, 16)}`
}

function uniqSorted(xs: (string | undefined)[]): string[] {
  return [...new Set(xs.filter((x): x is string => typeof x === 'string' && x !== ''))].sort()
}

function fmtMinutes(us: number): string {
  const m = Math.round(us / 60_000_000)
  return m <= 1 ? 'about a minute' : `${m} minutes`
}

/** One sentence placing a finding relative to the sessions near it. */
export function correlationSentence(near: Near[]): string {
  if (near.length === 0) return ''
  const n = near[0]
  const s = n.session.session
  const from = [s.remote_address ? `from ${s.remote_address}` : '', s.remote_id ? `(remote ID ${s.remote_id})` : '', s.operator ? `by operator "${s.operator}"` : '']
    .filter(Boolean)
    .join(' ')
  const what = `the ${s.tool} session${from ? ` ${from}` : ''} that started ${s.start ?? 'at an unknown time'}`
  if (n.relation === 'during') return `It happened during ${what}.`
  return `It happened ${fmtMinutes(micros(n.event) - n.session.endUs)} after ${what} ended.`
}

export interface FindingInput {
  rule: Rule
  key: string[]
  host?: string
  events: NormalizedEvent[]
  near: Near[]
  iocHits?: IocHit[]
  title?: string
  severity?: Severity
  confidence?: Finding['confidence']
  correlated: boolean
  facts: string
  /** Said after the correlation sentence (what followed), before the rule's general explanation. */
  followUp?: string
  entities: Finding['entities']
  firstSeen?: string
  lastSeen?: string
}

export function makeFinding(f: FindingInput): Finding {
  const events = f.events.slice().sort(compareEvents)
  const kept = events.slice(0, MAX_EVENTS_PER_FINDING)
  // first/last seen are UTC instants: a host-local time in an unknown zone only when nothing else dates it
  const reliable = events.filter(datedReliably)
  const dated = reliable.length > 0 ? reliable : events
  const first = dated[0]
  const last = dated[dated.length - 1]
  const more = events.length > kept.length ? ` Only the first ${kept.length} of ${events.length} events are listed.` : ''
  const corr = correlationSentence(f.near)
  const sessionIds = uniqSorted(f.near.map((n) => n.session.session.id))
  const entities: Finding['entities'] = {}
  for (const [k, v] of Object.entries(f.entities) as [keyof Finding['entities'], string[] | undefined][]) {
    const u = uniqSorted(v ?? [])
    if (u.length > 0) entities[k] = u
  }
  const finding: Finding = {
    id: stableId(f.rule.id, [f.host ?? '', ...f.key]),
    rule: f.rule.id,
    title: f.title ?? f.rule.title,
    severity: f.severity ?? f.rule.severity,
    confidence: f.confidence ?? f.rule.confidence,
    attack: [...f.rule.attack],
    // what was seen on this computer first, then why that kind of thing matters
    rationale: [f.facts, corr, f.followUp ?? '', f.rule.rationale.trim(), more].filter((x) => x !== '').join(' '),
    first_seen: first?.datetime ?? f.firstSeen ?? '',
    last_seen: last?.datetime ?? f.lastSeen ?? f.firstSeen ?? '',
    event_ids: kept.map((e) => e.id),
    session_ids: sessionIds,
    ioc_hits: (f.iocHits ?? []).slice(0, MAX_EVENTS_PER_FINDING),
    entities,
    correlated: f.correlated,
  }
  if (f.host) finding.host = f.host
  return finding
}

export function sortFindings(fs: Finding[]): Finding[] {
  return fs.sort(
    (a, b) =>
      (a.first_seen < b.first_seen ? -1 : a.first_seen > b.first_seen ? 1 : 0) ||
      SEV_RANK[a.severity] - SEV_RANK[b.severity] ||
      (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  )
}

/**
 * The sessions a set of events belongs to. Sessions the events fall inside win; otherwise only the most
 * recently ended session before them (within the window) is named — the story is "right after that one".
 */
function nearAll(c: Correlator, events: NormalizedEvent[]): Near[] {
  const during = new Map<string, Near>()
  const after = new Map<string, Near>()
  for (const ev of events)
    for (const n of c.near(ev)) {
      const m = n.relation === 'during' ? during : after
      const prev = m.get(n.session.session.id)
      if (!prev || compareEvents(n.event, prev.event) < 0) m.set(n.session.session.id, n)
    }
  const bySessionStart = (a: Near, b: Near): number => a.session.startUs - b.session.startUs || (a.session.session.id < b.session.session.id ? -1 : 1)
  if (during.size > 0) return [...during.values()].sort(bySessionStart)
  if (after.size === 0) return []
  const latest = Math.max(...[...after.values()].map((n) => n.session.endUs))
  return [...after.values()].filter((n) => n.session.endUs === latest).sort(bySessionStart)
}

function when(events: NormalizedEvent[]): string {
  const all = events.slice().sort(compareEvents)
  const host = all[0]?.host ? ` on ${all[0].host}` : ''
  const local = all.filter((e) => e.attributes?.original_time_zone === 'host-local:unknown')
  // the UTC range from the events that have a UTC time; the host-local ones are told apart, as written
  const s = local.length < all.length ? all.filter((e) => !local.includes(e)) : all
  const written = local.map((e) => String(e.attributes?.original_time ?? e.datetime))
  const note =
    local.length === 0
      ? ''
      : local.length === all.length
        ? ` ${all.length === 1 ? 'That time is' : 'These times are'} the computer's local time as written (${written.slice(0, 3).map((w) => `"${w}"`).join(', ')}), in a time zone the evidence does not give, so ${all.length === 1 ? 'it' : 'they'} may be off from UTC by hours.`
        : ` ${local.length === 1 ? 'One more record was' : `${local.length} more records were`} dated in the computer's local time, in a time zone the evidence does not give: ${written.slice(0, 3).map((w) => `"${w}"`).join(', ')}.`
  if (s.length === 1) return `Seen ${all.length === 1 ? 'once' : `${all.length} times`}${host}${all.length === 1 ? '' : ','} ${all.length === 1 ? 'at' : 'first at'} ${s[0].datetime} (${local.length === all.length ? 'host-local time' : 'UTC'}).${note}`
  if (s[0].datetime === s[s.length - 1].datetime) return `Seen ${all.length} times${host}, ${local.length > 0 && local.length < all.length ? '' : 'all '}at ${s[0].datetime} (UTC).${note}`
  return `Seen ${all.length} times${host} between ${s[0].datetime} and ${s[s.length - 1].datetime} (UTC).${note}`
}

/**
 * Configuration records (a relay in system.config, dated by the file's modification time) are state, not
 * activity: say how long the configuration has been in place instead of letting it read as "seen then".
 */
function configSince(events: NormalizedEvent[]): string {
  const cfg = events.filter((e) => e.event_type === T.REMOTE_RELAY && e.timestamp_desc === 'File Modified' && datedReliably(e)).sort(compareEvents)
  if (cfg.length === 0) return ''
  const e = cfg[0]
  const inst = attr(e, 'instance')
  return `The ${inst ? `ScreenConnect instance ${inst}` : 'remote-access client'} has been configured to use it since at least ${e.datetime.slice(0, 10)} (the modification date of ${e.evidence.member.split('/').pop() ?? 'its configuration file'}); that date is when the configuration was written, not when anyone connected.`
}

function example(ev: NormalizedEvent | undefined): string {
  if (!ev?.message) return ''
  const m = ev.message.replace(/\s+/g, ' ').trim()
  return `First record: "${m.length > 200 ? `${m.slice(0, 200)}…` : m}".`
}

/** Entities named by a data rule's `entities` map, plus the tool. */
function ruleEntities(rule: Rule, events: NormalizedEvent[]): Finding['entities'] {
  const out: Finding['entities'] = {}
  for (const [k, fields] of Object.entries(rule.entities) as [keyof Finding['entities'], string[]][]) {
    const vals: string[] = []
    for (const ev of events)
      for (const f of fields) {
        const v = fieldValue(ev, f)
        if (typeof v === 'string' && v !== '') vals.push(v)
        else if (typeof v === 'number') vals.push(String(v))
      }
    out[k] = vals
  }
  out.tools = [...(out.tools ?? []), ...events.map((e) => tool(e)).filter((x): x is string => !!x)]
  return out
}

/** Data rules: one finding per host and `group_by` key. */
export function matchRuleFindings(rule: Rule, events: NormalizedEvent[], c: Correlator, hitEvents: Set<string>): Finding[] {
  const groups = new Map<string, NormalizedEvent[]>()
  for (const ev of events) {
    const key = [ev.host ?? '', ...rule.group_by.map((g) => String(fieldValue(ev, g) ?? '').toLowerCase())].join('\u0000')
    const l = groups.get(key)
    if (l) l.push(ev)
    else groups.set(key, [ev])
  }
  const out: Finding[] = []
  for (const [key, all] of [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const label = groupLabel(rule, all.slice().sort(compareEvents)[0])
    // events tied to a suspect session (or an IOC) and events that are not tell different stories (the
    // actor's log clear vs an administrator's maintenance clear weeks before): one finding each
    const linked = rule.correlate ? all.filter((e) => hitEvents.has(e.id) || c.near(e).length > 0) : []
    const linkedSet = new Set(linked)
    const parts: {evs: NormalizedEvent[]; unlinked: boolean}[] =
      linked.length > 0 && linked.length < all.length
        ? [{evs: linked, unlinked: false}, {evs: all.filter((e) => !linkedSet.has(e)), unlinked: true}]
        : [{evs: all, unlinked: false}]
    for (const {evs, unlinked} of parts) {
      const near = rule.correlate && !unlinked ? nearAll(c, evs) : []
      const iocLinked = evs.some((e) => hitEvents.has(e.id))
      out.push(
        makeFinding({
          rule,
          key: [...key.split('\u0000').slice(1), ...(unlinked ? ['unlinked'] : [])],
          host: evs[0].host,
          events: evs,
          near,
          correlated: near.length > 0 || iocLinked,
          title: `${rule.title}${label ? `: ${label}` : ''}${unlinked ? ' (outside the suspicious sessions)' : ''}`,
          severity: unlinked ? LOWER[rule.severity] : undefined,
          facts: [
            when(evs),
            example(evs.slice().sort(compareEvents)[0]),
            unlinked ? 'These records are not near any suspicious remote session or indicator, unlike the others of this kind, so they are reported separately and one level lower.' : '',
          ]
            .filter(Boolean)
            .join(' '),
          entities: ruleEntities(rule, evs),
        }),
      )
    }
  }
  return out
}

const LOWER: Record<Severity, Severity> = {critical: 'high', high: 'medium', medium: 'low', low: 'low', info: 'info'}

/** The group_by values of a data rule's finding, as written in the evidence, for its title. */
function groupLabel(rule: Rule, ev: NormalizedEvent | undefined): string {
  if (!ev) return ''
  return rule.group_by
    .map((g) => {
      const v = fieldValue(ev, g)
      if (typeof v !== 'string' && typeof v !== 'number') return ''
      return /(^|\.)instance$/.test(g) ? `instance ${v}` : String(v)
    })
    .filter((x) => x !== '')
    .join(', ')
}

/** The account an account event is about (member for group additions), lower-cased for grouping. */
export function accountOf(ev: NormalizedEvent): string | undefined {
  const u = ev.user ?? attr(ev, 'member_name') ?? attr(ev, 'TargetUserName') ?? attr(ev, 'member_sid')
  if (!u) return undefined
  const cn = /^CN=([^,]+)/i.exec(u)
  return (cn ? cn[1] : u).replace(/^.*\\/, '')
}

const SID = /^S-1-\d+(-\d+)+$/i

/**
 * SID → account name, from the events that name both: 4720/4722/4738/… (TargetSid and TargetUserName) and
 * volatile account snapshots. A local account added to a group is logged (4732) with MemberName `-` and
 * only its SID, so without this the report would name the account by SID.
 */
export function sidNames(events: NormalizedEvent[]): Map<string, string> {
  const out = new Map<string, string>()
  for (const ev of events) {
    if (ev.event_type === T.ACCOUNT_GROUP_MEMBER_ADDED) {
      const sid = attr(ev, 'member_sid')
      const name = attr(ev, 'member_name')
      if (sid && name && !SID.test(name) && name !== '-') out.set(sid.toUpperCase(), (/^CN=([^,]+)/i.exec(name)?.[1] ?? name).replace(/^.*\\/, ''))
      continue
    }
    const sid = attr(ev, 'target_sid') ?? attr(ev, 'TargetSid') ?? attr(ev, 'sid')
    const name = ev.user ?? attr(ev, 'TargetUserName')
    if (!sid || !name || !SID.test(sid) || SID.test(name) || name === '-') continue
    if (!out.has(sid.toUpperCase())) out.set(sid.toUpperCase(), name.replace(/^.*\\/, ''))
  }
  return out
}

/** The account an event is about, by name and SID where either is known. */
function identity(ev: NormalizedEvent, names: Map<string, string>): {name?: string; sid?: string} {
  const member = ev.event_type === T.ACCOUNT_GROUP_MEMBER_ADDED
  const sidRaw = member ? attr(ev, 'member_sid') : (attr(ev, 'target_sid') ?? attr(ev, 'TargetSid'))
  let sid = sidRaw && SID.test(sidRaw) ? sidRaw.toUpperCase() : undefined
  let name = accountOf(ev)
  if (name && SID.test(name)) {
    sid ??= name.toUpperCase()
    name = undefined
  }
  if (name === '-') name = undefined
  if (!name && sid) name = names.get(sid)
  if (!sid && name) for (const [k, v] of names) if (v.toLowerCase() === name.toLowerCase()) sid = k
  return {name, sid}
}

/** "the computer's SYSTEM account (RXSRV01$)" instead of a bare machine-account name a reader cannot place. */
function actorName(by: string, host: string | undefined): string {
  const short = (host ?? '').split('.')[0].toLowerCase()
  if (short && by.toLowerCase() === `${short}$`)
    return `the computer's own SYSTEM account (${by}) — that is, by a program running as a Windows service, such as a remote-access agent, not by a person logged on`
  return by
}

const isPrivilegedAdd = (ev: NormalizedEvent): boolean => ev.event_type === T.ACCOUNT_GROUP_MEMBER_ADDED && ev.attributes?.privileged_group === true

/**
 * Account created / enabled / added to a privileged group. Near a remote session → the correlated rule
 * (part of the intrusion story); otherwise → the local rule (plain administration until shown otherwise).
 */
export function accountFindings(
  correlatedRule: Rule,
  localRule: Rule,
  events: NormalizedEvent[],
  c: Correlator,
  hitEvents: Set<string>,
  names: Map<string, string> = sidNames(events),
  logons: NormalizedEvent[] = [],
): Finding[] {
  const groups = new Map<string, NormalizedEvent[]>()
  for (const ev of events) {
    const id = identity(ev, names)
    const a = id.sid ?? id.name?.toLowerCase()
    if (!a) continue
    // one finding per account: keyed by SID when known, so the name-only and SID-only records meet
    const key = `${ev.host ?? ''}\u0000${a}`
    const l = groups.get(key)
    if (l) l.push(ev)
    else groups.set(key, [ev])
  }
  const out: Finding[] = []
  for (const [key, evs] of [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const triggers = evs.filter((e) => e.event_type === T.ACCOUNT_CREATED || e.event_type === T.ACCOUNT_ENABLED || isPrivilegedAdd(e))
    if (triggers.length === 0) continue
    const ids = evs.map((e) => identity(e, names))
    const sid = ids.find((i) => i.sid)?.sid
    const account = ids.find((i) => i.name)?.name ?? sid ?? (accountOf(triggers[0]) as string)
    const privileged = evs.filter(isPrivilegedAdd)
    const groupsAdded = uniqSorted(evs.filter((e) => e.event_type === T.ACCOUNT_GROUP_MEMBER_ADDED).map((e) => attr(e, 'group_name')))
    const verbs = [
      evs.some((e) => e.event_type === T.ACCOUNT_CREATED) ? 'created' : '',
      evs.some((e) => e.event_type === T.ACCOUNT_ENABLED) ? 'enabled' : '',
      groupsAdded.length > 0 ? `added to ${groupsAdded.join(', ')}` : '',
    ].filter((v) => v !== '')
    const near = nearAll(c, triggers)
    const iocLinked = evs.some((e) => hitEvents.has(e.id))
    const by = uniqSorted(evs.map((e) => attr(e, 'subject_user') ?? attr(e, 'SubjectUserName')))
    const sidText = sid && sid !== account ? ` (SID ${sid})` : ''
    const facts = [
      `Account "${account}"${sidText} was ${verbs.length > 2 ? `${verbs.slice(0, -1).join(', ')} and ${verbs[verbs.length - 1]}` : verbs.join(' and ')}${by.length ? ` by ${by.map((b) => actorName(b, evs[0].host)).join(', ')}` : ''}.`,
      when(evs),
      privileged.length > 0 ? 'A privileged group gives the account administrative or remote-logon rights.' : '',
    ]
      .filter(Boolean)
      .join(' ')
    const entities = {accounts: [account, ...by], tools: near.map((n) => n.session.session.tool)}
    // the account put to use: interactive logons by it after it was created or given rights
    const firstTrigger = triggers.slice().sort(compareEvents)[0]
    const used = logons
      .filter((l) => l.host === evs[0].host && (l.user ?? '').replace(/^.*\\/, '').toLowerCase() === account.toLowerCase() && compareEvents(l, firstTrigger) > 0)
      .sort(compareEvents)
    const usedText = ((): string => {
      if (used.length === 0) return ''
      const kind: Record<string, string> = {'2': 'a console (interactive) logon', '10': 'a remote desktop logon', '11': 'a logon with cached credentials'}
      const shown = used.slice(0, 3).map((l) => {
        const n = c.near(l).find((x) => x.relation === 'during')
        const s = n?.session.session
        const inSession = s ? ` during the ${s.tool} session${s.remote_address ? ` from ${s.remote_address}` : ''}${s.operator ? ` by "${s.operator}"` : ''}` : ''
        return `${kind[attr(l, 'logon_type') ?? ''] ?? 'a logon'} at ${l.datetime} (UTC)${l.src_ip && l.src_ip !== '127.0.0.1' && l.src_ip !== '::1' ? ` from ${l.src_ip}` : ''}${inSession}`
      })
      return `The account was then used: ${shown.join('; ')}${used.length > 3 ? ` and ${used.length - 3} more logons` : ''}.`
    })()
    if (near.length > 0 || iocLinked) {
      const during = near.some((n) => n.relation === 'during')
      out.push(
        makeFinding({
          rule: correlatedRule,
          key: [key],
          host: evs[0].host,
          events: [...evs, ...used],
          near,
          correlated: true,
          severity: privileged.length > 0 ? 'critical' : 'high',
          confidence: during ? 'high' : 'medium',
          title: `${correlatedRule.title}: ${account}`,
          facts,
          followUp: usedText,
          entities,
        }),
      )
    } else {
      out.push(
        makeFinding({
          rule: localRule,
          key: [key],
          host: evs[0].host,
          events: [...evs, ...used],
          near: [],
          correlated: false,
          severity: localRule.severity,
          title: `${localRule.title}: ${account}`,
          facts,
          followUp: usedText,
          entities: {accounts: [account, ...by]},
        }),
      )
    }
  }
  return out
}

/** A `$`-suffixed account that is not this host's machine account hides from `net user`. */
export function hiddenAccountFindings(rule: Rule, events: NormalizedEvent[], c: Correlator): Finding[] {
  const hidden = events.filter((ev) => {
    const a = accountOf(ev)
    if (!a || !a.endsWith('$') || a.length < 2) return false
    if (ev.attributes?.machine_account === true) return false
    const host = (ev.host ?? '').split('.')[0].toLowerCase()
    return a.toLowerCase() !== `${host}$`
  })
  const groups = new Map<string, NormalizedEvent[]>()
  for (const ev of hidden) {
    const k = `${ev.host ?? ''}\u0000${(accountOf(ev) as string).toLowerCase()}`
    const l = groups.get(k)
    if (l) l.push(ev)
    else groups.set(k, [ev])
  }
  return [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, evs]) => {
      const near = nearAll(c, evs)
      const account = accountOf(evs[0]) as string
      return makeFinding({
        rule,
        key: [key],
        host: evs[0].host,
        events: evs,
        near,
        correlated: near.length > 0,
        title: `${rule.title}: ${account}`,
        facts: `The account is "${account}". ${when(evs)}`,
        entities: {accounts: [account]},
      })
    })
}

export interface InstanceFacts {
  /** host → thumbprint → events naming it (bounded). */
  instances: Map<string, Map<string, NormalizedEvent[]>>
  /** host → relay host → events naming it (bounded). */
  relays: Map<string, Map<string, NormalizedEvent[]>>
}

export function multipleInstanceFindings(rule: Rule, facts: InstanceFacts, c: Correlator): Finding[] {
  const hosts = uniqSorted([...facts.instances.keys(), ...facts.relays.keys()])
  const out: Finding[] = []
  for (const host of hosts) {
    const inst = facts.instances.get(host) ?? new Map()
    const rel = facts.relays.get(host) ?? new Map()
    if (inst.size < 2 && rel.size < 2) continue
    const evs = [...new Set([...[...inst.values()].flat(), ...[...rel.values()].flat()])]
    // the instances that appeared after the first one are the suspicious ones: correlate on their first
    // (reliably dated) appearance, never on the original instance's routine sessions
    const firsts = [...inst.values(), ...rel.values()]
      .map((l) => l.filter(datedReliably).sort(compareEvents)[0])
      .filter((e): e is NormalizedEvent => e !== undefined)
      .sort(compareEvents)
    const near = nearAll(c, firsts.slice(1))
    const instances = [...inst.keys()].sort()
    const relays = [...rel.keys()].sort()
    out.push(
      makeFinding({
        rule,
        key: [...instances, '|', ...relays],
        host: host || undefined,
        events: evs,
        near,
        correlated: near.length > 0,
        facts: `Instances (thumbprints): ${instances.join(', ') || 'unknown'}. Relay servers: ${relays.join(', ') || 'unknown'}. ${when(evs)}`,
        entities: {instances, addresses: relays, tools: ['ScreenConnect']},
      }),
    )
  }
  return out
}

const ADDRESS_FIELD = /(^|\.)(src_ip|dst_ip|ip|ipaddress|address|sourceip|destinationip|sourceaddress|destinationaddress|remote_address|external_address|relay_host|query_name)$/i

export interface HitEvent {
  ev?: NormalizedEvent
  hit: IocHit
}

/**
 * IOC findings. A hit on an address field (or a connection/peer/logon event) is "a connection from or to an
 * IOC address"; every other hit is an IOC hit. One finding per host and indicator.
 */
export function iocFindings(connRule: Rule, hitRule: Rule, hits: HitEvent[], c: Correlator, manifestTime: string): Finding[] {
  const groups = new Map<string, {conn: boolean; list: HitEvent[]}>()
  for (const h of hits) {
    const ev = h.ev
    const isAddr = h.hit.type === 'ipv4' || h.hit.type === 'ipv6' || h.hit.type === 'cidr' || h.hit.type === 'domain' || h.hit.type === 'screenconnect_relay'
    const conn =
      !!ev &&
      isAddr &&
      (ADDRESS_FIELD.test(h.hit.field) ||
        ev.event_type.startsWith('network.') ||
        ev.event_type.startsWith('logon.') ||
        ev.event_type === T.REMOTE_PEER_ADDRESS ||
        ev.event_type === T.REMOTE_SESSION_START)
    // one finding per host and indicator, whichever lists name it and however it matched: the same value
    // from two feeds, or seen both as a connection and as text, is one fact to report (manifest hits carry
    // no host; they join the indicator's finding on the case's host)
    const key = `${ev?.host ?? ''}\u0000${h.hit.type}\u0000${h.hit.indicator}`
    const g = groups.get(key)
    if (g) {
      g.list.push(h)
      g.conn ||= conn
    } else groups.set(key, {conn, list: [h]})
  }
  const hosts = new Set([...groups.keys()].map((k) => k.split('\u0000')[0]).filter((h) => h !== ''))
  if (hosts.size === 1) {
    const host = [...hosts][0]
    for (const [k, g] of [...groups]) {
      if (!k.startsWith('\u0000')) continue
      const into = groups.get(`${host}${k}`)
      if (!into) continue
      into.list.push(...g.list)
      into.conn ||= g.conn
      groups.delete(k)
    }
  }
  const out: Finding[] = []
  for (const [key, g] of [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const rule = g.conn ? connRule : hitRule
    // merged from several lists and fields: order the hits by their event, then by their facts
    const hk = (h: HitEvent): string => [h.ev?.datetime ?? '', h.ev?.id ?? '', h.hit.source, h.hit.field, h.hit.member ?? '', h.hit.value].join('\u0000')
    g.list.sort((a, b) => (hk(a) < hk(b) ? -1 : hk(a) > hk(b) ? 1 : 0))
    const evs = g.list.map((h) => h.ev).filter((e): e is NormalizedEvent => !!e)
    const uniqEvs = [...new Map(evs.map((e) => [e.id, e])).values()]
    const near = nearAll(c, uniqEvs)
    const h0 = g.list[0].hit
    const fields = uniqSorted(g.list.map((h) => h.hit.field))
    const members = uniqSorted(g.list.map((h) => h.hit.member))
    const sources = [...new Map(g.list.map((h) => [h.hit.source, h.hit.description])).entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    const listed = sources.map(([src, d]) => `${src}${d ? ` (${d})` : ''}`).join('; ')
    const facts = [
      `Indicator ${h0.indicator} (${h0.type}), listed in ${listed}, matched ${fields.join(', ')}${members.length ? ` of ${members.join(', ')}` : ''}.`,
      uniqEvs.length > 0 ? when(uniqEvs) : 'It matched a file recorded in the evidence manifest.',
      configSince(uniqEvs),
    ]
      .filter(Boolean)
      .join(' ')
    const addresses = g.list.filter((h) => ['ipv4', 'ipv6', 'cidr', 'domain', 'screenconnect_relay'].includes(h.hit.type)).map((h) => h.hit.value)
    // a relay indicator: the sessions that went through it are what the finding is about
    const viaRelay = ['domain', 'ipv4', 'ipv6', 'screenconnect_relay'].includes(h0.type) ? c.throughRelay(h0.indicator) : []
    const relayFacts =
      viaRelay.length === 0
        ? ''
        : `${viaRelay.length} ScreenConnect session(s) went through this relay: ${viaRelay
            .map((b) => `${b.session.start ?? 'unknown start'}${b.session.operator ? ` (operator "${b.session.operator}")` : ''}`)
            .join(', ')} (UTC). The client log does not show who was at the other end, so each should be confirmed with the vendor.`
    // the sessions through the relay are named by start time, not linked: the sessions table marks each for
    // its relay, and the finding stays about the indicator
    out.push(
      makeFinding({
        rule,
        key: key.split('\u0000').slice(1),
        host: uniqEvs[0]?.host,
        events: uniqEvs,
        near,
        iocHits: g.list.map((h) => h.hit),
        correlated: true,
        title: `${rule.title}: ${h0.indicator}`,
        facts,
        entities: {
          addresses,
          files: [...members, ...g.list.filter((h) => h.hit.type === 'file_name').map((h) => h.hit.value)],
          accounts: g.list.filter((h) => h.hit.type === 'user_name').map((h) => h.hit.value),
          tools: uniqEvs.map((e) => tool(e)).filter((x): x is string => !!x),
        },
        followUp: relayFacts,
        firstSeen: manifestTime,
      }),
    )
  }
  return out
}
