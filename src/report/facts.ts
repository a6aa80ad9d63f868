import {EventTypes, type NormalizedEvent} from '../events/types.js'
import type {FindingCtx, Ref, RuleContext, SessionCtx} from './vm-types.js'

/**
 * Facts the summary and recommendations are written from, drawn from findings (and the events they cite).
 * Each fact keeps the findings and events that prove it, so every sentence can link to them.
 */

export const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined)

export function uniq(values: Iterable<string | undefined>): string[] {
  const out: string[] = []
  for (const v of values) if (v && !out.includes(v)) out.push(v)
  return out
}

export function findingRef(fc: FindingCtx): Ref {
  return {href: `#${fc.anchor}`, label: fc.label, title: fc.f.title}
}

export function sessionRef(sc: SessionCtx): Ref {
  return {href: `#${sc.anchor}`, label: sc.label, title: `${sc.s.tool} session`}
}

export function eventAnchor(id: string): string {
  return `ev-${id.replace(/[^A-Za-z0-9_-]/g, '_')}`
}

/** A link to the first event(s) proving a claim, present in the key timeline. */
export function eventRefs(events: NormalizedEvent[], ctx: RuleContext, max = 2): Ref[] {
  const present = events.filter((e) => ctx.eventsById.has(e.id))
  return present.slice(0, max).map((e, i) => ({
    href: `#${eventAnchor(e.id)}`,
    label: present.length > 1 ? `event ${i + 1}/${present.length}` : 'event',
    title: `${e.event_type} at ${e.datetime}`,
  }))
}

/** The findings that tell the intrusion story: the correlated ones, or all of them when none is; in the order the activity happened. */
export function storyFindings(ctx: RuleContext): FindingCtx[] {
  const c = ctx.findings.filter((f) => f.f.correlated)
  const base = c.length > 0 ? c : ctx.findings.filter((f) => f.f.severity !== 'info')
  return [...base].sort((a, b) => Number(b.dated) - Number(a.dated) || (a.start < b.start ? -1 : a.start > b.start ? 1 : a.no - b.no))
}

/**
 * Records of configuration or state, dated by a file's modification time or a snapshot: they say what was
 * in place, not when anyone acted (a vendor's relay setting written in 2019 is not 2019 activity).
 */
const STATE_TYPES = new Set<string>([
  EventTypes.REMOTE_RELAY, EventTypes.REMOTE_CONFIG, 'remote_access.local_id', 'remote_access.external_address', 'remote_access.server_user',
  'remote_access.server_extension', 'account.exists', 'account.password_last_set', 'service.exists', 'software.installed', 'task.exists',
  'process.running', 'network.dns_cache',
])

/** Is this event something that happened (a logon, a command, a transfer, an install…) at a known UTC time? */
export function isActivity(e: NormalizedEvent): boolean {
  if (STATE_TYPES.has(e.event_type)) return false
  const a = e.attributes ?? {}
  return a.time_unknown !== true && a.original_time_zone !== 'host-local:unknown'
}

/** The UTC span of a finding's activity events; the finding's own first/last seen when it has none. */
export function activitySpan(f: {first_seen: string; last_seen: string}, events: NormalizedEvent[]): {start: string; end: string; dated: boolean} {
  const t = events.filter(isActivity).map((e) => e.datetime).sort()
  if (t.length === 0) return {start: f.first_seen, end: f.last_seen, dated: false}
  return {start: t[0]!, end: t[t.length - 1]!, dated: true}
}

/** Configuration records (a relay in a config file) in these findings, dated by the file: "configured since". */
export function configFacts(findings: FindingCtx[]): {instance?: string; relay: string; since: string; file: string; fc: FindingCtx; e: NormalizedEvent}[] {
  const out: {instance?: string; relay: string; since: string; file: string; fc: FindingCtx; e: NormalizedEvent}[] = []
  for (const fc of findings)
    for (const e of fc.events) {
      const relay = str(e.attributes.relay_host)
      if (e.event_type !== EventTypes.REMOTE_RELAY || !relay || e.attributes.time_unknown === true) continue
      if (!fc.f.ioc_hits.some((h) => h.event_id === e.id)) continue
      if (out.some((o) => o.relay === relay && o.instance === str(e.attributes.instance))) continue
      out.push({instance: str(e.attributes.instance), relay, since: e.datetime, file: e.evidence.member.split('/').pop() ?? e.evidence.member, fc, e})
    }
  return out.sort((a, b) => (a.since < b.since ? -1 : a.since > b.since ? 1 : 0))
}

export interface AccountFact {
  name: string
  what: string[]
  findings: FindingCtx[]
  events: NormalizedEvent[]
}

const ACCOUNT_VERBS: Record<string, string> = {
  [EventTypes.ACCOUNT_CREATED]: 'created',
  [EventTypes.ACCOUNT_CHANGED]: 'changed',
  [EventTypes.ACCOUNT_ENABLED]: 'enabled',
  [EventTypes.ACCOUNT_DISABLED]: 'disabled',
  [EventTypes.ACCOUNT_DELETED]: 'deleted',
  [EventTypes.ACCOUNT_PASSWORD_RESET]: 'had its password reset',
  [EventTypes.REMOTE_PASSWORD_SET]: 'had a remote-access password set',
  [EventTypes.LOGON_SUCCESS]: 'used to log on',
}

const SID = /^S-1-\d+(-\d+)+$/i

export function accountFacts(findings: FindingCtx[]): AccountFact[] {
  const map = new Map<string, AccountFact>()
  // a local account added to a group is logged by SID only (4732 MemberName "-"): name it from its creation
  const sidName = new Map<string, string>()
  for (const fc of findings)
    for (const e of fc.events) {
      const sid = str(e.attributes.target_sid) ?? str(e.attributes.TargetSid)
      if (e.event_type.startsWith('account.') && e.event_type !== EventTypes.ACCOUNT_GROUP_MEMBER_ADDED && sid && e.user && !SID.test(e.user)) sidName.set(sid.toUpperCase(), e.user)
    }
  const named = (u: string): string => (SID.test(u) ? (sidName.get(u.toUpperCase()) ?? u) : u)
  const touch = (name: string, fc: FindingCtx, what?: string, e?: NormalizedEvent): void => {
    const a = map.get(name) ?? {name, what: [], findings: [], events: []}
    if (what && !a.what.includes(what)) a.what.push(what)
    if (!a.findings.includes(fc)) a.findings.push(fc)
    if (e && !a.events.includes(e)) a.events.push(e)
    map.set(name, a)
  }
  for (const fc of findings) {
    let fromEvents = false
    for (const e of fc.events) {
      const raw = e.user ?? str(e.attributes.member_name)
      if (!raw) continue
      const user = named(raw)
      if (e.event_type === EventTypes.ACCOUNT_GROUP_MEMBER_ADDED) {
        const g = str(e.attributes.group_name)
        touch(user, fc, g ? `added to the ${g} group` : 'added to a group', e)
        fromEvents = true
      } else if (ACCOUNT_VERBS[e.event_type] && (e.event_type.startsWith('account.') || (e.event_type === EventTypes.LOGON_SUCCESS && fc.events.some((x) => x.event_type.startsWith('account.'))))) {
        touch(user, fc, ACCOUNT_VERBS[e.event_type], e)
        fromEvents = true
      }
    }
    if (!fromEvents && fc.events.some((e) => e.event_type.startsWith('account.'))) {
      for (const name of fc.f.entities.accounts ?? []) touch(name, fc, undefined, fc.events.find((e) => e.event_type.startsWith('account.')))
    }
  }
  return [...map.values()]
}

export interface ToolFact {
  tools: string[]
  instances: string[]
  addresses: string[]
  services: string[]
  findings: FindingCtx[]
  sessions: SessionCtx[]
  events: NormalizedEvent[]
}

const REMOTE_TOOLS = ['ScreenConnect', 'AnyDesk', 'RDP', 'TeamViewer']

export function toolFacts(findings: FindingCtx[], ctx: RuleContext): ToolFact {
  const fact: ToolFact = {tools: [], instances: [], addresses: [], services: [], findings: [], sessions: [], events: []}
  for (const fc of findings) {
    const tools = fc.f.entities.tools ?? []
    const addrs = fc.f.entities.addresses ?? []
    const inst = fc.f.entities.instances ?? []
    if (tools.length + addrs.length + inst.length === 0) continue
    fact.findings.push(fc)
    fact.tools = uniq([...fact.tools, ...tools])
    fact.addresses = uniq([...fact.addresses, ...addrs])
    fact.instances = uniq([...fact.instances, ...inst])
    if (tools.some((t) => REMOTE_TOOLS.includes(t))) fact.services = uniq([...fact.services, ...(fc.f.entities.services ?? [])])
    const ev = fc.events.find((e) => e.event_type.startsWith('remote_access.') || e.event_type === EventTypes.SERVICE_INSTALLED) ?? fc.events[0]
    if (ev) fact.events.push(ev)
  }
  for (const sc of ctx.sessions.filter((s) => s.s.suspicious)) {
    fact.sessions.push(sc)
    fact.tools = uniq([...fact.tools, sc.s.tool === 'Other' ? undefined : sc.s.tool])
    fact.addresses = uniq([...fact.addresses, sc.s.remote_address, sc.s.instance?.relay_host])
  }
  fact.addresses = dedupeServers(fact.addresses)
  return fact
}

/** One server once: `relay.example:8041` makes a bare `relay.example` redundant. */
export function dedupeServers(addresses: string[]): string[] {
  return addresses.filter((a) => !addresses.some((b) => b !== a && b.toLowerCase().startsWith(`${a.toLowerCase()}:`) && /^\d+$/.test(b.slice(a.length + 1))))
}

/** A machine account (`HOST$`) of one of these hosts: the computer itself, not a person's credentials. */
export function isMachineAccount(name: string, hosts: string[]): boolean {
  return name.endsWith('$') && hosts.some((h) => h.split('.')[0]!.toLowerCase() === name.slice(0, -1).toLowerCase())
}

export interface TransferFact {
  files: string[]
  /** Folders a tool prepared for a transfer (AnyDesk "Preparing files in '<dir>'"): not file names. */
  folders: string[]
  /** Directions as the tool records them (e.g. AnyDesk `upload`), never inferred. */
  directions: string[]
  events: NormalizedEvent[]
  findings: FindingCtx[]
  sessions: SessionCtx[]
}

export function transferFacts(ctx: RuleContext): TransferFact {
  const fact: TransferFact = {files: [], folders: [], directions: [], events: [], findings: [], sessions: []}
  const add = (e: NormalizedEvent): void => {
    if (fact.events.some((x) => x.id === e.id)) return
    fact.events.push(e)
    if (str(e.attributes.action)?.toLowerCase() === 'prepare') fact.folders = uniq([...fact.folders, e.file_name])
    else fact.files = uniq([...fact.files, e.file_name])
    fact.directions = uniq([...fact.directions, str(e.attributes.direction)])
  }
  for (const fc of ctx.findings) {
    const t = fc.events.filter((e) => e.event_type === EventTypes.REMOTE_FILE_TRANSFER)
    if (t.length === 0) continue
    fact.findings.push(fc)
    t.forEach(add)
  }
  for (const sc of ctx.sessions) {
    const ids = sc.s.activity.filter((a) => a.event_type === EventTypes.REMOTE_FILE_TRANSFER).map((a) => a.event_id)
    if (ids.length === 0) continue
    fact.sessions.push(sc)
    for (const id of ids) {
      const e = ctx.eventsById.get(id)
      if (e) add(e)
    }
  }
  fact.events.sort((a, b) => (a.datetime < b.datetime ? -1 : a.datetime > b.datetime ? 1 : 0))
  return fact
}

export function listText(values: string[], max = 4): string {
  if (values.length <= max) return values.length <= 1 ? (values[0] ?? '') : `${values.slice(0, -1).join(', ')} and ${values[values.length - 1]}`
  return `${values.slice(0, max).join(', ')} and ${values.length - max} more`
}
