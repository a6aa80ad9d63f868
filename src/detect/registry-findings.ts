import {compareEvents} from '../events/order.js'
import {EventTypes as T, type NormalizedEvent} from '../events/types.js'
import {attr} from './event-util.js'
import {accountOf, Correlator, makeFinding} from './findings.js'
import type {Rule} from './schema.js'
import type {Finding} from './types.js'

/**
 * Findings only registry hives make possible: they keep what the logs lose (cleared, rolled over).
 * - A local account the SAM says was created (RID 1000 and up: made by someone, not by Windows setup) with no
 *   account-creation record (4720) in the logs.
 * - A remote-access service present in the SYSTEM hive that no service-installation record (7045) explains.
 */

const SAM_FIRST_USER_RID = 1000
const fromRegistry = (e: NormalizedEvent): boolean => e.source === 'Registry'

/** Account events to feed the log-based account findings: SAM state is handled by samOnlyAccountFindings. */
export const loggedAccountEvent = (e: NormalizedEvent): boolean => !fromRegistry(e)

export function samOnlyAccountFindings(rule: Rule, accounts: NormalizedEvent[], c: Correlator): Finding[] {
  const logged = new Set<string>()
  for (const e of accounts) {
    if (fromRegistry(e) || e.event_type !== T.ACCOUNT_CREATED) continue
    const name = accountOf(e)?.toLowerCase()
    const sid = (attr(e, 'target_sid') ?? attr(e, 'TargetSid'))?.toUpperCase()
    if (name) logged.add(`${e.host ?? ''}\u0000${name}`)
    if (sid) logged.add(`${e.host ?? ''}\u0000${sid}`)
  }
  const out: Finding[] = []
  const sam = accounts.filter((e) => fromRegistry(e) && e.event_type === T.ACCOUNT_CREATED).sort(compareEvents)
  for (const ev of sam) {
    const rid = Number(ev.attributes.rid)
    const name = ev.user
    if (!name || !(rid >= SAM_FIRST_USER_RID)) continue
    const sid = attr(ev, 'sid')
    if (logged.has(`${ev.host ?? ''}\u0000${name.toLowerCase()}`) || (sid && logged.has(`${ev.host ?? ''}\u0000${sid.toUpperCase()}`))) continue
    const near = c.near(ev)
    out.push(
      makeFinding({
        rule,
        key: [name.toLowerCase()],
        host: ev.host,
        events: [ev],
        near,
        correlated: near.length > 0,
        title: `${rule.title}: ${name}`,
        facts:
          `Account "${name}" (RID ${rid}${sid ? `, SID ${sid}` : ''}) was created ${ev.datetime.slice(0, 10)} per the SAM hive ` +
          `(the time its Names key was written); no account-creation record (4720) for it is in the logs — cleared or rolled over.` +
          (ev.attributes.last_logon ? ` Its last logon per the SAM: ${String(ev.attributes.last_logon)}.` : ''),
        entities: {accounts: [name]},
      }),
    )
  }
  return out
}

/** Registry service records whose service no installation record (same host, same name) explains. */
export function unexplainedServices(registry: NormalizedEvent[], installed: NormalizedEvent[] = []): NormalizedEvent[] {
  const seen = new Set(installed.map((e) => `${e.host ?? ''}\u0000${(attr(e, 'service_name') ?? '').toLowerCase()}`))
  return registry.filter((e) => !seen.has(`${e.host ?? ''}\u0000${(attr(e, 'service_name') ?? '').toLowerCase()}`))
}
