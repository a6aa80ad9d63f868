import {sortedGroups} from '../core/collections.js'
import {compareEvents} from '../events/order.js'
import {EventTypes as T, type NormalizedEvent} from '../events/types.js'
import type {Correlator} from './correlate.js'
import {attr, micros} from './event-util.js'
import {makeFinding, uniqSorted} from './finding.js'
import type {Rule} from './schema.js'
import type {Finding} from './types.js'
import {accountChanged, accountUsed, hiddenAccountFacts, PRIVILEGED_NOTE, ROUTINE_ACCOUNT, when} from './wording.js'

/**
 * Account identity: which account an event is about (by name and SID), and which accounts are Windows' own
 * rather than a person's: computer accounts (`NAME$`, created by 4741 or carrying the workstation/server
 * trust flag), the accounts of first-boot setup (OOBE: `defaultuserN`, and the first user SYSTEM creates
 * right after it), and the group changes of a domain join. Findings about accounts are built here.
 */

const SID = /^S-1-\d+(-\d+)+$/i
const HOUR = 3_600_000_000
/** How long after Windows creates defaultuser0 the first user may still be created by first-boot setup. */
export const FIRST_BOOT_WINDOW_US = 24 * HOUR

/** The account an account event is about (member for group additions), without its domain. */
export function accountOf(ev: NormalizedEvent): string | undefined {
  const u = ev.user ?? attr(ev, 'member_name') ?? attr(ev, 'TargetUserName') ?? attr(ev, 'member_sid')
  if (!u) return undefined
  const cn = /^CN=([^,]+)/i.exec(u)
  return (cn ? cn[1] : u).replace(/^.*\\/, '')
}

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

const key = (host: string | undefined, name: string): string => `${host ?? ''}|${name.replace(/^.*\\/, '').toLowerCase()}`
const isSystem = (ev: NormalizedEvent): boolean => {
  const sid = attr(ev, 'SubjectUserSid') ?? attr(ev, 'subject_sid')
  if (sid?.toUpperCase() === 'S-1-5-18') return true
  const by = (attr(ev, 'subject_user') ?? attr(ev, 'SubjectUserName') ?? '').toLowerCase()
  const short = (ev.host ?? '').split('.')[0].toLowerCase()
  return by === 'system' || (short !== '' && by === `${short}$`)
}

/** 4741–4743, the `machine_account` mark, or UserAccountControl with the workstation/server trust flag. */
export function isComputerAccountEvent(ev: NormalizedEvent): boolean {
  if (ev.attributes?.machine_account === true) return true
  const id = Number(ev.attributes?.event_id)
  if (ev.source === 'EVTX' && (id === 4741 || id === 4742 || id === 4743)) return true
  if (/%%208[78]/.test(attr(ev, 'UserAccountControl') ?? '')) return true
  const uac = attr(ev, 'NewUacValue')
  return uac !== undefined && /^0x[0-9a-f]+$/i.test(uac) && (Number.parseInt(uac, 16) & 0x3000) !== 0
}

/** Windows' first-boot account: `defaultuser0` (and its numbered siblings). */
export const isOobeName = (name: string): boolean => /^defaultuser\d+$/i.test(name.replace(/^.*\\/, ''))

/**
 * Windows joining a domain: the domain's Domain Admins (RID 512) into the local Administrators group, or
 * Domain Users (RID 513) into the local Users group.
 */
export function isDomainJoinAdd(ev: NormalizedEvent): boolean {
  if (ev.event_type !== T.ACCOUNT_GROUP_MEMBER_ADDED) return false
  const member = (attr(ev, 'member_sid') ?? '').toUpperCase()
  const group = (attr(ev, 'group_sid') ?? attr(ev, 'TargetSid') ?? '').toUpperCase()
  return (/^S-1-5-21-\d+-\d+-\d+-512$/.test(member) && group === 'S-1-5-32-544') || (/^S-1-5-21-\d+-\d+-\d+-513$/.test(member) && group === 'S-1-5-32-545')
}

/** What the evidence says about accounts on each host: computer accounts and first-boot accounts. */
export class AccountFacts {
  private readonly computers = new Set<string>()
  private readonly firstBoot = new Set<string>()

  constructor(accounts: NormalizedEvent[]) {
    const names = sidNames(accounts)
    const nameOf = (ev: NormalizedEvent): string | undefined => identity(ev, names).name
    const oobeStart = new Map<string, number>()
    for (const ev of accounts) {
      const name = nameOf(ev)
      if (!name) continue
      if (isComputerAccountEvent(ev)) this.computers.add(key(ev.host, name))
      if (isOobeName(name)) {
        this.firstBoot.add(key(ev.host, name))
        if (ev.event_type === T.ACCOUNT_CREATED) oobeStart.set(ev.host ?? '', Math.min(oobeStart.get(ev.host ?? '') ?? Number.POSITIVE_INFINITY, micros(ev)))
      }
    }
    // the first user: created by SYSTEM during setup, after defaultuser0 and within the first-boot window
    for (const ev of accounts) {
      if (ev.event_type !== T.ACCOUNT_CREATED || !isSystem(ev)) continue
      const t0 = oobeStart.get(ev.host ?? '')
      const name = nameOf(ev)
      if (t0 === undefined || !name) continue
      const dt = micros(ev) - t0
      if (dt >= 0 && dt <= FIRST_BOOT_WINDOW_US) this.firstBoot.add(key(ev.host, name))
    }
  }

  isComputer(host: string | undefined, name: string): boolean {
    return this.computers.has(key(host, name))
  }

  isFirstBoot(host: string | undefined, name: string): boolean {
    return this.firstBoot.has(key(host, name))
  }

  /** Accounts Windows makes for itself: never evidence of intrusion by their creation alone. */
  isWindowsOwn(host: string | undefined, name: string): boolean {
    return this.isFirstBoot(host, name) || this.isComputer(host, name)
  }
}

const isPrivilegedAdd = (ev: NormalizedEvent): boolean => ev.event_type === T.ACCOUNT_GROUP_MEMBER_ADDED && ev.attributes?.privileged_group === true

export interface AccountRules {
  correlated: Rule
  local: Rule
}

/**
 * Account created / enabled / added to a privileged group, one finding per account. Near a suspect session
 * (or linked to an indicator) → the correlated rule, part of the intrusion story; otherwise → the local rule,
 * plain administration until shown otherwise. Windows' own first-boot accounts and a domain join's group
 * changes always take the local rule, saying so.
 */
export function accountFindings(rules: AccountRules, events: NormalizedEvent[], c: Correlator, hitEvents: Set<string>, facts: AccountFacts, names: Map<string, string> = sidNames(events), logons: NormalizedEvent[] = []): Finding[] {
  const out: Finding[] = []
  const groups = sortedGroups(
    events.filter((ev) => {
      const id = identity(ev, names)
      return (id.sid ?? id.name) !== undefined
    }),
    (ev) => {
      const id = identity(ev, names)
      // one finding per account: keyed by SID when known, so the name-only and SID-only records meet
      return `${ev.host ?? ''}\u0000${id.sid ?? id.name?.toLowerCase()}`
    },
  )
  for (const [k, evs] of groups) {
    const triggers = evs.filter((e) => e.event_type === T.ACCOUNT_CREATED || e.event_type === T.ACCOUNT_ENABLED || isPrivilegedAdd(e))
    if (triggers.length === 0) continue
    const host = evs[0].host
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
    const routine = facts.isFirstBoot(host, account) ? 'first-boot' : triggers.every(isDomainJoinAdd) ? 'domain-join' : undefined
    const near = routine ? [] : c.nearAll(triggers)
    const iocLinked = evs.some((e) => hitEvents.has(e.id))
    const by = uniqSorted(evs.map((e) => attr(e, 'subject_user') ?? attr(e, 'SubjectUserName')))
    const factsText = [
      accountChanged({account, sid, verbs, by, host, computer: facts.isComputer(host, account)}),
      when(evs),
      privileged.length > 0 ? PRIVILEGED_NOTE : '',
      routine ? ROUTINE_ACCOUNT[routine] : '',
    ]
      .filter(Boolean)
      .join(' ')
    // the account put to use: interactive logons by it after it was created or given rights
    const firstTrigger = triggers.slice().sort(compareEvents)[0]
    const used = logons
      .filter((l) => l.host === host && (l.user ?? '').replace(/^.*\\/, '').toLowerCase() === account.toLowerCase() && compareEvents(l, firstTrigger) > 0)
      .sort(compareEvents)
    const usedText = accountUsed(used.map((l) => ({logon: l, session: c.near(l).find((x) => x.relation === 'during')?.session.session})))
    const correlated = !routine && (near.length > 0 || iocLinked)
    const rule = correlated ? rules.correlated : rules.local
    out.push(
      makeFinding({
        rule,
        key: [k],
        host,
        events: [...evs, ...used],
        near,
        correlated,
        severity: correlated ? (privileged.length > 0 ? 'critical' : 'high') : rules.local.severity,
        confidence: correlated && !near.some((n) => n.relation === 'during') ? 'medium' : undefined,
        title: `${rule.title}: ${account}`,
        facts: factsText,
        followUp: usedText,
        entities: correlated ? {accounts: [account, ...by], tools: near.map((n) => n.session.session.tool)} : {accounts: [account, ...by]},
      }),
    )
  }
  return out
}

/** A `$`-suffixed account that is neither this host's machine account nor any computer account hides from `net user`. */
export function hiddenAccountFindings(rule: Rule, events: NormalizedEvent[], c: Correlator, facts: AccountFacts): Finding[] {
  const hidden = events.filter((ev) => {
    const a = accountOf(ev)
    if (!a || !a.endsWith('$') || a.length < 2) return false
    if (isComputerAccountEvent(ev) || facts.isComputer(ev.host, a)) return false
    const host = (ev.host ?? '').split('.')[0].toLowerCase()
    return a.toLowerCase() !== `${host}$`
  })
  return sortedGroups(hidden, (ev) => `${ev.host ?? ''}\u0000${(accountOf(ev) as string).toLowerCase()}`).map(([k, evs]) => {
    const near = c.nearAll(evs)
    const account = accountOf(evs[0]) as string
    return makeFinding({
      rule,
      key: [k],
      host: evs[0].host,
      events: evs,
      near,
      correlated: near.length > 0,
      title: `${rule.title}: ${account}`,
      facts: hiddenAccountFacts(account, evs),
      entities: {accounts: [account]},
    })
  })
}
