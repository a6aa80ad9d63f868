import {compareEvents} from '../events/order.js'
import {EventTypes as T, type NormalizedEvent} from '../events/types.js'
import {attr, datedReliably, micros} from './event-util.js'
import type {Near, RemoteSession} from './types.js'

/**
 * The English of hunt's outputs, in one place: the sentences of findings' rationales and titles, and the
 * reasons sessions are called suspicious. Detection code decides; this module only says it.
 */

export function fmtMinutes(us: number): string {
  const m = Math.round(us / 60_000_000)
  return m <= 1 ? 'about a minute' : `${m} minutes`
}

/** `a, b and c` */
export function listAnd(xs: string[]): string {
  return xs.length > 2 ? `${xs.slice(0, -1).join(', ')} and ${xs[xs.length - 1]}` : xs.join(' and ')
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

/** When (and how often, on which host) the events were seen; host-local times in an unknown zone are told apart. */
export function when(events: NormalizedEvent[]): string {
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
export function configSince(cfg: NormalizedEvent | undefined): string {
  if (!cfg) return ''
  const inst = attr(cfg, 'instance')
  return `The ${inst ? `ScreenConnect instance ${inst}` : 'remote-access client'} has been configured to use it since at least ${cfg.datetime.slice(0, 10)} (the modification date of ${cfg.evidence.member.split('/').pop() ?? 'its configuration file'}); that date is when the configuration was written, not when anyone connected.`
}

export function example(ev: NormalizedEvent | undefined): string {
  if (!ev?.message) return ''
  const m = ev.message.replace(/\s+/g, ' ').trim()
  return `First record: "${m.length > 200 ? `${m.slice(0, 200)}…` : m}".`
}

export const moreEvents = (kept: number, total: number): string => (total > kept ? ` Only the first ${kept} of ${total} events are listed.` : '')

export const UNLINKED_NOTE =
  'These records are not near any suspicious remote session or indicator, unlike the others of this kind, so they are reported separately and one level lower.'

export const unlinkedTitle = (title: string, label: string, unlinked: boolean): string => `${title}${label ? `: ${label}` : ''}${unlinked ? ' (outside the suspicious sessions)' : ''}`

/** "the computer's SYSTEM account (RXSRV01$)" instead of a bare machine-account name a reader cannot place. */
export function actorName(by: string, host: string | undefined): string {
  const short = (host ?? '').split('.')[0].toLowerCase()
  if (short && by.toLowerCase() === `${short}$`)
    return `the computer's own SYSTEM account (${by}) — that is, by a program running as a Windows service, such as a remote-access agent, not by a person logged on`
  return by
}

/** `Account "x" (SID …) was created and added to Administrators by y.` */
export function accountChanged(o: {account: string; sid?: string; verbs: string[]; by: string[]; host?: string; computer: boolean}): string {
  const sidText = o.sid && o.sid !== o.account ? ` (SID ${o.sid})` : ''
  return `${o.computer ? 'Computer account' : 'Account'} "${o.account}"${sidText} was ${listAnd(o.verbs)}${o.by.length ? ` by ${o.by.map((b) => actorName(b, o.host)).join(', ')}` : ''}.`
}

export const PRIVILEGED_NOTE = 'A privileged group gives the account administrative or remote-logon rights.'

/** Why an account change is Windows' own doing, not an administrator's or an intruder's. */
export const ROUTINE_ACCOUNT: Record<'first-boot' | 'domain-join', string> = {
  'first-boot':
    "This is Windows' own first-boot setup (OOBE): Windows creates the temporary defaultuser0 account and then, as SYSTEM, the computer's first user account while it is being set up. It is listed for completeness, not as a sign of intrusion.",
  'domain-join':
    "This is Windows joining the computer to a domain: as SYSTEM it adds the domain's Domain Admins group to the local Administrators group and Domain Users to the local Users group. It is listed for completeness, not as a sign of intrusion.",
}

const LOGON_KIND: Record<string, string> = {'2': 'a console (interactive) logon', '10': 'a remote desktop logon', '11': 'a logon with cached credentials'}

/** The account put to use: its interactive logons after the change, with the session each lies in. */
export function accountUsed(used: {logon: NormalizedEvent; session?: RemoteSession}[]): string {
  if (used.length === 0) return ''
  const shown = used.slice(0, 3).map(({logon: l, session: s}) => {
    const inSession = s ? ` during the ${s.tool} session${s.remote_address ? ` from ${s.remote_address}` : ''}${s.operator ? ` by "${s.operator}"` : ''}` : ''
    return `${LOGON_KIND[attr(l, 'logon_type') ?? ''] ?? 'a logon'} at ${l.datetime} (UTC)${l.src_ip && l.src_ip !== '127.0.0.1' && l.src_ip !== '::1' ? ` from ${l.src_ip}` : ''}${inSession}`
  })
  return `The account was then used: ${shown.join('; ')}${used.length > 3 ? ` and ${used.length - 3} more logons` : ''}.`
}

export const hiddenAccountFacts = (account: string, events: NormalizedEvent[]): string => `The account is "${account}". ${when(events)}`

export const instanceFacts = (instances: string[], relays: string[], events: NormalizedEvent[]): string =>
  `Instances (thumbprints): ${instances.join(', ') || 'unknown'}. Relay servers: ${relays.join(', ') || 'unknown'}. ${when(events)}`

export function iocMatched(o: {indicator: string; type: string; listed: string; fields: string[]; members: string[]}): string {
  return `Indicator ${o.indicator} (${o.type}), listed in ${o.listed}, matched ${o.fields.join(', ')}${o.members.length ? ` of ${o.members.join(', ')}` : ''}.`
}

/** An account the SAM hive holds whose creation no log records (registry-findings.ts). */
export function samOnlyAccountFacts(o: {name: string; rid: number; sid?: string; created: string; logStart?: string; lastLogon?: string}): string {
  return (
    `Account "${o.name}" (RID ${o.rid}${o.sid ? `, SID ${o.sid}` : ''}) was created ${o.created.slice(0, 10)} per the SAM hive ` +
    `(the time its Names key was written); no account-creation record (4720) for it is in the logs — cleared or rolled over` +
    (o.logStart !== undefined ? `, although they reach back to ${o.logStart.slice(0, 10)}.` : '.') +
    (o.lastLogon ? ` Its last logon per the SAM: ${o.lastLogon}.` : '')
  )
}

export const MANIFEST_MATCH = 'It matched a file recorded in the evidence manifest.'

/** The ScreenConnect sessions that went through a relay indicator, named by start. */
export function throughRelay(sessions: RemoteSession[]): string {
  if (sessions.length === 0) return ''
  return `${sessions.length} ScreenConnect session(s) went through this relay: ${sessions
    .map((s) => `${s.start ?? 'unknown start'}${s.operator ? ` (operator "${s.operator}")` : ''}`)
    .join(', ')} (UTC). The client log does not show who was at the other end, so each should be confirmed with the vendor.`
}

/** The earliest relay configuration record (file-dated), for configSince. */
export function firstConfig(events: NormalizedEvent[]): NormalizedEvent | undefined {
  return events.filter((e) => e.event_type === T.REMOTE_RELAY && e.timestamp_desc === 'File Modified' && datedReliably(e)).sort(compareEvents)[0]
}

// ---- why a session is suspicious ----

export const sessionReason = {
  ioc: (indicator: string, type: string, field: string): string => `IOC hit: ${indicator} (${type}) in ${field}`,
  relayIndicator: (relay: string, lists: string[]): string => `the instance's relay ${relay} is an indicator (listed in ${lists.join('; ')})`,
  external: (address: string): string => `the remote address ${address} is outside private address ranges`,
  additionalInstance: (inst: string, first: string): string => `ScreenConnect instance ${inst} is an additional instance on this computer (the first one seen is ${first})`,
  activity: (ev: NormalizedEvent): string => `activity inside the session: ${(ev.message ?? ev.event_type).replace(/\s+/g, ' ').slice(0, 160)}`,
  toolService: (tool: string): string => `a ${tool} service was installed during the session`,
  newAccount: (operator: string, created: string): string => `the account ${operator} logging on was created in the evidence (${created})`,
  oneOff: (operator: string): string => `the only RDP logon of ${operator} in the evidence, where other accounts log on by RDP routinely`,
  finding: (title: string, id: string): string => `${title} (${id})`,
  blast: (machine: string, text: string): string => `blast radius (${machine}): ${text}`,
  notAuthenticated: 'connection was not authenticated (an attempt, or refused)',
  rejected: 'connection_trace.txt records the connection as REJECTED',
}

// ---- Sigma rules ----

/** Why a Sigma rule's finding matters: the rule's own description, where it comes from, its references. */
export function sigmaRationale(r: {id: string; title: string; description?: string; level?: string; path: string; references: string[]; falsepositives: string[]}): string {
  return [
    (r.description ?? r.title).trim().replace(/\s+/g, ' '),
    `(Sigma rule "${r.title}", id ${r.id}, level ${r.level ?? 'not given'}, from ${r.path}.)`,
    r.falsepositives.length > 0 ? `Known false positives: ${r.falsepositives.join('; ')}.` : '',
    r.references.length > 0 ? `References: ${r.references.join(' ')}` : '',
  ]
    .filter(Boolean)
    .join(' ')
}

/** What a correlation rule grouped: `event_count` over Administrator / 203.0.113.7, … */
export function sigmaCorrelationFacts(type: string, groups: Record<string, string>[], total: number): string {
  const shown = groups.slice(0, 3).map((g) => Object.entries(g).map(([k, v]) => `${k} ${v}`).join(', ') || 'all events')
  return `The ${type.replace(/_/g, ' ')} correlation fired ${groups.length === 1 ? 'once' : `${groups.length} times`} (${shown.join('; ')}${groups.length > 3 ? '; …' : ''}), over ${total} event(s).`
}

/** A correlation's title label: its group-by values when it fired for one group. */
export const sigmaGroupLabel = (groups: Record<string, string>[]): string => (groups.length === 1 ? Object.values(groups[0]).filter(Boolean).join(', ') : groups.length > 1 ? `${groups.length} groups` : '')

export const DURING_SESSION_NOTE = 'Because it happened during or right after a suspicious remote session, it is reported as part of the intrusion and raised to high.'
