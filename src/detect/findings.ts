import {createHash} from 'node:crypto'
import {compareEvents} from '../events/order.js'
import {EventTypes as T, type NormalizedEvent} from '../events/types.js'
import {attr, fieldValue, micros, tool} from './event-util.js'
import type {Rule} from './schema.js'
import type {BuiltSession} from './sessions.js'
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

  near(ev: NormalizedEvent): Near[] {
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
  entities: Finding['entities']
  firstSeen?: string
  lastSeen?: string
}

export function makeFinding(f: FindingInput): Finding {
  const events = f.events.slice().sort(compareEvents)
  const kept = events.slice(0, MAX_EVENTS_PER_FINDING)
  const first = events[0]
  const last = events[events.length - 1]
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
    rationale: [f.rule.rationale.trim(), f.facts, corr, more].filter((x) => x !== '').join(' '),
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
  const s = events.slice().sort(compareEvents)
  const host = s[0]?.host ? ` on ${s[0].host}` : ''
  if (s.length === 1) return `Seen once${host} at ${s[0].datetime} (UTC).`
  return `Seen ${s.length} times${host} between ${s[0].datetime} and ${s[s.length - 1].datetime} (UTC).`
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
  for (const [key, evs] of [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const near = rule.correlate ? nearAll(c, evs) : []
    const iocLinked = evs.some((e) => hitEvents.has(e.id))
    out.push(
      makeFinding({
        rule,
        key: key.split('\u0000').slice(1),
        host: evs[0].host,
        events: evs,
        near,
        correlated: near.length > 0 || iocLinked,
        facts: [when(evs), example(evs.slice().sort(compareEvents)[0])].filter(Boolean).join(' '),
        entities: ruleEntities(rule, evs),
      }),
    )
  }
  return out
}

/** The account an account event is about (member for group additions), lower-cased for grouping. */
export function accountOf(ev: NormalizedEvent): string | undefined {
  const u = ev.user ?? attr(ev, 'member_name') ?? attr(ev, 'TargetUserName') ?? attr(ev, 'member_sid')
  if (!u) return undefined
  const cn = /^CN=([^,]+)/i.exec(u)
  return (cn ? cn[1] : u).replace(/^.*\\/, '')
}

const isPrivilegedAdd = (ev: NormalizedEvent): boolean => ev.event_type === T.ACCOUNT_GROUP_MEMBER_ADDED && ev.attributes?.privileged_group === true

/**
 * Account created / enabled / added to a privileged group. Near a remote session → the correlated rule
 * (part of the intrusion story); otherwise → the local rule (plain administration until shown otherwise).
 */
export function accountFindings(correlatedRule: Rule, localRule: Rule, events: NormalizedEvent[], c: Correlator, hitEvents: Set<string>): Finding[] {
  const groups = new Map<string, NormalizedEvent[]>()
  for (const ev of events) {
    const a = accountOf(ev)
    if (!a) continue
    const key = `${ev.host ?? ''}\u0000${a.toLowerCase()}`
    const l = groups.get(key)
    if (l) l.push(ev)
    else groups.set(key, [ev])
  }
  const out: Finding[] = []
  for (const [key, evs] of [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const triggers = evs.filter((e) => e.event_type === T.ACCOUNT_CREATED || e.event_type === T.ACCOUNT_ENABLED || isPrivilegedAdd(e))
    if (triggers.length === 0) continue
    const account = accountOf(triggers[0]) as string
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
    const facts = [
      `Account "${account}" was ${verbs.join(' and ')}${by.length ? ` by ${by.join(', ')}` : ''}.`,
      when(evs),
      privileged.length > 0 ? 'A privileged group gives the account administrative or remote-logon rights.' : '',
    ]
      .filter(Boolean)
      .join(' ')
    const entities = {accounts: [account, ...by], tools: near.map((n) => n.session.session.tool)}
    if (near.length > 0 || iocLinked) {
      const during = near.some((n) => n.relation === 'during')
      out.push(
        makeFinding({
          rule: correlatedRule,
          key: [key],
          host: evs[0].host,
          events: evs,
          near,
          correlated: true,
          severity: privileged.length > 0 ? 'critical' : 'high',
          confidence: during ? 'high' : 'medium',
          title: `${correlatedRule.title}: ${account}`,
          facts,
          entities,
        }),
      )
    } else {
      out.push(
        makeFinding({
          rule: localRule,
          key: [key],
          host: evs[0].host,
          events: evs,
          near: [],
          correlated: false,
          severity: privileged.length > 0 ? 'medium' : localRule.severity,
          title: `${localRule.title}: ${account}`,
          facts,
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
    // the instance that appeared last is the suspicious one: correlate on each instance's first appearance
    const firsts = [...inst.values(), ...rel.values()].map((l) => l.slice().sort(compareEvents)[0])
    const near = nearAll(c, firsts)
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
    // one case is one host; manifest hits carry no host, so the host is not part of the key
    const key = `${conn ? 'c' : 'h'}\u0000${h.hit.type}\u0000${h.hit.indicator}\u0000${h.hit.source}`
    const g = groups.get(key)
    if (g) g.list.push(h)
    else groups.set(key, {conn, list: [h]})
  }
  const out: Finding[] = []
  for (const [key, g] of [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const rule = g.conn ? connRule : hitRule
    const evs = g.list.map((h) => h.ev).filter((e): e is NormalizedEvent => !!e)
    const uniqEvs = [...new Map(evs.map((e) => [e.id, e])).values()]
    const near = nearAll(c, uniqEvs)
    const h0 = g.list[0].hit
    const fields = uniqSorted(g.list.map((h) => h.hit.field))
    const members = uniqSorted(g.list.map((h) => h.hit.member))
    const facts = [
      `Indicator ${h0.indicator} (${h0.type}) from ${h0.source}${h0.description ? ` — ${h0.description}` : ''} matched ${fields.join(', ')}${members.length ? ` of ${members.join(', ')}` : ''}.`,
      uniqEvs.length > 0 ? when(uniqEvs) : 'It matched a file recorded in the evidence manifest.',
    ].join(' ')
    const addresses = g.list.filter((h) => ['ipv4', 'ipv6', 'cidr', 'domain', 'screenconnect_relay'].includes(h.hit.type)).map((h) => h.hit.value)
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
        firstSeen: manifestTime,
      }),
    )
  }
  return out
}
