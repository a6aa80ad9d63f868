import {compareEvents} from '../events/order.js'
import {shortHost} from '../events/host-names.js'
import {EventTypes as T, type NormalizedEvent} from '../events/types.js'
import {attr} from './event-util.js'
import {accountOf} from './accounts.js'
import type {Correlator} from './correlate.js'
import {makeFinding} from './finding.js'
import type {Rule} from './schema.js'
import type {Finding} from './types.js'
import {samOnlyAccountFacts} from './wording.js'

/**
 * Findings only registry hives make possible: they keep what the logs lose (cleared, rolled over).
 * - A local account the SAM says was created (RID 1000 and up: made by someone, not by Windows setup) with no
 *   account-creation record (4720) in the logs.
 * - A remote-access service present in the SYSTEM hive that no service-installation record (7045) explains.
 */

const SAM_FIRST_USER_RID = 1000
const fromRegistry = (e: NormalizedEvent): boolean => e.source === 'Registry'

/** Per host, the earliest event-log record seen: an account created before it lost its 4720 to rollover. */
export function logCoverageStart(events: Iterable<NormalizedEvent>): Map<string, string> {
  const out = new Map<string, string>()
  for (const e of events) {
    if (e.source !== 'EVTX') continue
    const h = shortHost(e.host)
    const cur = out.get(h)
    if (cur === undefined || e.datetime < cur) out.set(h, e.datetime)
  }
  return out
}

/** Events of logged actions (not registry state): what sessions, activity and log-based findings are built from. */
export const loggedAccountEvent = (e: NormalizedEvent): boolean => !fromRegistry(e)

/**
 * `logStart`: per short host name, the earliest event-log record (see logCoverageStart). An account created
 * before the logs begin is ordinary history (its 4720 rolled over long ago), not a finding.
 */
export function samOnlyAccountFindings(rule: Rule, accounts: NormalizedEvent[], c: Correlator, logStart: Map<string, string> = new Map()): Finding[] {
  const logged = new Set<string>()
  for (const e of accounts) {
    if (fromRegistry(e) || e.event_type !== T.ACCOUNT_CREATED) continue
    const name = accountOf(e)?.toLowerCase()
    const sid = (attr(e, 'target_sid') ?? attr(e, 'TargetSid'))?.toUpperCase()
    if (name) logged.add(`${shortHost(e.host)}\u0000${name}`)
    if (sid) logged.add(`${shortHost(e.host)}\u0000${sid}`)
  }
  const out: Finding[] = []
  const sam = accounts.filter((e) => fromRegistry(e) && e.event_type === T.ACCOUNT_CREATED).sort(compareEvents)
  for (const ev of sam) {
    const rid = Number(ev.attributes.rid)
    const name = ev.user
    if (!name || !(rid >= SAM_FIRST_USER_RID)) continue
    const sid = attr(ev, 'sid')
    const h = shortHost(ev.host)
    if (logged.has(`${h}\u0000${name.toLowerCase()}`) || (sid && logged.has(`${h}\u0000${sid.toUpperCase()}`))) continue
    const start = logStart.get(h)
    if (start !== undefined && ev.datetime < start) continue
    const near = c.near(ev)
    out.push(
      makeFinding({
        rule,
        key: [name.toLowerCase()],
        host: ev.host,
        events: [ev],
        near,
        correlated: near.length > 0,
        // made during a suspect session: the intruder's account, not an old one whose record rolled over
        severity: near.length > 0 ? 'high' : undefined,
        title: `${rule.title}: ${name}`,
        facts: samOnlyAccountFacts({name, rid, sid, created: ev.datetime, logStart: start, lastLogon: ev.attributes.last_logon ? String(ev.attributes.last_logon) : undefined}),
        entities: {accounts: [name]},
      }),
    )
  }
  return out
}

/**
 * Registry service records no installation record explains: a 7045 on the same host whose service name (7045
 * gives the display name there) or image path is the registry service's. A service whose key was last written
 * before the logs begin (`logStart`) lost its 7045 to rollover: history, not a finding.
 */
export function unexplainedServices(registry: NormalizedEvent[], installed: NormalizedEvent[] = [], logStart: Map<string, string> = new Map()): NormalizedEvent[] {
  const seen = new Set<string>()
  for (const e of installed) {
    const h = shortHost(e.host)
    for (const v of [attr(e, 'service_name'), attr(e, 'image_path')]) if (v) seen.add(`${h}\u0000${v.toLowerCase()}`)
  }
  return registry.filter((e) => {
    const h = shortHost(e.host)
    const start = logStart.get(h)
    if (start !== undefined && e.datetime < start) return false
    return ![attr(e, 'service_name'), attr(e, 'display_name'), attr(e, 'image_path')].some((v) => v && seen.has(`${h}\u0000${v.toLowerCase()}`))
  })
}
