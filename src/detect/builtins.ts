import {compareEvents} from '../events/order.js'
import {EventTypes as T, type NormalizedEvent} from '../events/types.js'
import {AccountFacts, accountFindings, hiddenAccountFindings, sidNames} from './accounts.js'
import type {Correlator} from './correlate.js'
import {datedReliably, tool} from './event-util.js'
import {makeFinding, uniqSorted} from './finding.js'
import {samOnlyAccountFindings} from './registry-findings.js'
import {isInteractiveLogon} from './sessions.js'
import type {BuiltinName, Rule} from './schema.js'
import type {Finding, HitEvent, InstanceFacts} from './types.js'
import {configSince, firstConfig, instanceFacts, iocMatched, MANIFEST_MATCH, throughRelay, when} from './wording.js'

/**
 * Detections that cannot be said as a match over single events — they need account identity, the set of
 * ScreenConnect instances on a host, or IOC hits — live here, one function per job, behind a registry of
 * names. A rule file (`kind: builtin`, `builtin: <name>`) names the built-in and gives its title, severity,
 * ATT&CK ids and rationale; without that file the built-in does not run.
 */

/** What every built-in may read: the hunt's scan results and the correlator of suspect sessions. */
export interface BuiltinContext {
  /** Account events of logged actions (event logs), not registry state. */
  accounts: NormalizedEvent[]
  /** Every account event, registry state (SAM) included. */
  allAccounts: NormalizedEvent[]
  /** Per short host name, the earliest event-log record (registry-findings.ts logCoverageStart). */
  logStart: Map<string, string>
  accountFacts: AccountFacts
  /** Events placed inside sessions (the interactive logons among them show an account being used). */
  activity: NormalizedEvent[]
  instances: InstanceFacts
  hits: HitEvent[]
  hitEventIds: Set<string>
  correlator: Correlator
  /** When the evidence was collected (manifest), dating hits on the manifest itself. */
  collectionTime: string
}

type Builtin = (rule: Rule, ctx: BuiltinContext, rules: (name: BuiltinName) => Rule | undefined) => Finding[]

const ACCOUNT_TRIGGERS = new Set<string>([T.ACCOUNT_CREATED, T.ACCOUNT_ENABLED, T.ACCOUNT_GROUP_MEMBER_ADDED])

/** The registry. Pairs (correlated/local account change, IOC connection/hit) run once, from their first name. */
export const BUILTIN_FUNCTIONS: Record<BuiltinName, Builtin> = {
  'account-change-correlated': (correlated, ctx, rules) => {
    const local = rules('account-change-local')
    if (!local) return []
    const events = ctx.accounts.filter((e) => ACCOUNT_TRIGGERS.has(e.event_type))
    return accountFindings({correlated, local}, events, ctx.correlator, ctx.hitEventIds, ctx.accountFacts, sidNames(ctx.accounts), ctx.activity.filter(isInteractiveLogon))
  },
  'account-change-local': () => [],
  'hidden-account': (rule, ctx) => hiddenAccountFindings(rule, ctx.accounts, ctx.correlator, ctx.accountFacts),
  'multiple-screenconnect-instances': (rule, ctx) => multipleInstanceFindings(rule, ctx.instances, ctx.correlator),
  'ioc-connection': (conn, ctx, rules) => {
    const hit = rules('ioc-hit')
    return hit ? iocFindings(conn, hit, ctx.hits, ctx.correlator, ctx.collectionTime) : []
  },
  'ioc-hit': () => [],
  'sam-account-without-creation-log': (rule, ctx) => samOnlyAccountFindings(rule, ctx.allAccounts, ctx.correlator, ctx.logStart),
}

/** Runs every built-in a rule file names, in registry order. */
export function runBuiltins(rules: Rule[], ctx: BuiltinContext): Finding[] {
  const named = (name: BuiltinName): Rule | undefined => rules.find((r) => r.kind === 'builtin' && r.builtin === name)
  const out: Finding[] = []
  for (const [name, fn] of Object.entries(BUILTIN_FUNCTIONS) as [BuiltinName, Builtin][]) {
    const rule = named(name)
    if (rule) out.push(...fn(rule, ctx, named))
  }
  return out
}

export function multipleInstanceFindings(rule: Rule, facts: InstanceFacts, c: Correlator): Finding[] {
  const hosts = uniqSorted([...facts.instances.keys(), ...facts.relays.keys()])
  const out: Finding[] = []
  for (const host of hosts) {
    const inst = facts.instances.get(host) ?? new Map<string, NormalizedEvent[]>()
    const rel = facts.relays.get(host) ?? new Map<string, NormalizedEvent[]>()
    if (inst.size < 2 && rel.size < 2) continue
    const evs = [...new Set([...[...inst.values()].flat(), ...[...rel.values()].flat()])]
    // the instances that appeared after the first one are the suspicious ones: correlate on their first
    // (reliably dated) appearance, never on the original instance's routine sessions
    const firsts = [...inst.values(), ...rel.values()]
      .map((l) => l.filter(datedReliably).sort(compareEvents)[0])
      .filter((e): e is NormalizedEvent => e !== undefined)
      .sort(compareEvents)
    const near = c.nearAll(firsts.slice(1))
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
        facts: instanceFacts(instances, relays, evs),
        entities: {instances, addresses: relays, tools: ['ScreenConnect']},
      }),
    )
  }
  return out
}

const ADDRESS_FIELD = /(^|\.)(src_ip|dst_ip|ip|ipaddress|address|sourceip|destinationip|sourceaddress|destinationaddress|remote_address|external_address|relay_host|query_name)$/i
const ADDRESS_TYPES = new Set(['ipv4', 'ipv6', 'cidr', 'domain', 'screenconnect_relay'])

/**
 * IOC findings. A hit on an address field (or a connection/peer/logon event) is "a connection from or to an
 * IOC address"; every other hit is an IOC hit. One finding per host and indicator.
 */
export function iocFindings(connRule: Rule, hitRule: Rule, hits: HitEvent[], c: Correlator, manifestTime: string): Finding[] {
  const groups = new Map<string, {conn: boolean; list: HitEvent[]}>()
  for (const h of hits) {
    const ev = h.ev
    const conn =
      !!ev &&
      ADDRESS_TYPES.has(h.hit.type) &&
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
    const near = c.nearAll(uniqEvs)
    const h0 = g.list[0].hit
    const members = uniqSorted(g.list.map((h) => h.hit.member))
    const sources = [...new Map(g.list.map((h) => [h.hit.source, h.hit.description])).entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    const listed = sources.map(([src, d]) => `${src}${d ? ` (${d})` : ''}`).join('; ')
    const facts = [
      iocMatched({indicator: h0.indicator, type: h0.type, listed, fields: uniqSorted(g.list.map((h) => h.hit.field)), members}),
      uniqEvs.length > 0 ? when(uniqEvs) : MANIFEST_MATCH,
      configSince(firstConfig(uniqEvs)),
    ]
      .filter(Boolean)
      .join(' ')
    // a relay indicator: the sessions that went through it are what the finding is about; they are named by
    // start time, not linked: the sessions table marks each for its relay, and the finding stays about the indicator
    const viaRelay = ['domain', 'ipv4', 'ipv6', 'screenconnect_relay'].includes(h0.type) ? c.throughRelay(h0.indicator) : []
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
          addresses: g.list.filter((h) => ADDRESS_TYPES.has(h.hit.type)).map((h) => h.hit.value),
          files: [...members, ...g.list.filter((h) => h.hit.type === 'file_name').map((h) => h.hit.value)],
          accounts: g.list.filter((h) => h.hit.type === 'user_name').map((h) => h.hit.value),
          tools: uniqEvs.map((e) => tool(e)).filter((x): x is string => !!x),
        },
        followUp: throughRelay(viaRelay.map((b) => b.session)),
        firstSeen: manifestTime,
      }),
    )
  }
  return out
}
