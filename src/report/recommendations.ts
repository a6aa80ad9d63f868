import {EventTypes} from '../events/types.js'
import {accountFacts, configFacts, dedupeServers, eventRefs, findingRef, isMachineAccount, sessionRef, storyFindings, toolFacts, transferFacts, uniq} from './facts.js'
import type {Recommendation, Ref, RuleContext, Segment} from './vm-types.js'

/**
 * Recommended actions, by rule from the findings, following the sector alert's advice for this kind of
 * intrusion: remove unauthorised remote-access tools, review accounts, reset credentials, block the
 * addresses, check other systems for the same indicators, preserve evidence.
 */

const seg = (text: string, value = false): Segment => (value ? {text, value: true} : {text})

function listSegs(values: string[], max = 6): Segment[] {
  const out: Segment[] = []
  const shown = values.slice(0, max)
  shown.forEach((v, i) => {
    if (i > 0) out.push(seg(', '))
    out.push(seg(v, true))
  })
  if (values.length > max) out.push(seg(` and ${values.length - max} more`))
  return out
}

export function buildRecommendations(ctx: RuleContext): Recommendation[] {
  const out: Recommendation[] = []
  const story = storyFindings(ctx)
  const integrity: Ref = {href: '#integrity', label: 'integrity', title: 'Evidence and integrity'}

  const tf = toolFacts(story, ctx)
  if (tf.tools.length > 0 || tf.instances.length > 0) {
    // an instance configured long before the activity, whose relay is itself an indicator, is someone's
    // legitimate access that was abused (the 2023 vendor case), not a stranger's tool: suspend it until its owner
    // answers, rather than just remove it
    const storyStart = story.filter((f) => f.dated).map((f) => f.start).sort()[0]
    const abused = configFacts(story).filter((c) => c.instance && storyStart && c.since < storyStart)
    const isAbused = (i: string): boolean => abused.some((c) => c.instance === i)
    // the most specific names only: a service names its instance, an instance its tool
    const named = uniq([...tf.services, ...tf.instances.filter((i) => !isAbused(i) && !tf.services.some((s) => s.includes(i))).map((i) => `ScreenConnect instance ${i}`)])
    const items = uniq([...named, ...tf.tools.filter((t) => t !== 'RDP' && !named.some((n) => n.toLowerCase().includes(t.toLowerCase())) && !(t === 'ScreenConnect' && abused.length > 0))])
    const detail = [seg('Uninstall or disable remote-access software nobody authorised, and its services: '), ...listSegs(items)]
    detail.push(seg('. Keep a copy of its configuration and logs first (they are in the evidence archive).'))
    for (const c of abused) {
      detail.push(seg(' Suspend ScreenConnect instance '), seg(c.instance!, true), seg(`, in place since at least ${c.since.slice(0, 10)} (likely a vendor's or the organisation's own access) but whose relay `), seg(c.relay, true), seg(' is named in the indicators, until its owner confirms it is no longer abused.'))
    }
    out.push({priority: 'Immediately', action: 'Remove unauthorised remote-access tools', detail, refs: [...tf.findings.slice(0, 6).map(findingRef), ...eventRefs(tf.events, ctx, 1)]})
  }

  const accounts = accountFacts(story)
  if (accounts.length > 0) {
    out.push({
      priority: 'Immediately',
      action: 'Disable and investigate created or changed accounts',
      detail: [seg('Disable '), ...listSegs(accounts.map((a) => a.name)), seg(', review where they were used, and check the membership of privileged groups (Administrators, Remote Desktop Users).')],
      refs: [...uniq(accounts.flatMap((a) => a.findings.map((f) => f.anchor))).map((anchor) => findingRef(story.find((f) => f.anchor === anchor)!)), ...eventRefs(accounts.flatMap((a) => a.events), ctx, 1)],
    })
  }

  if (story.length > 0) {
    // Windows accounts and remote-tool operator names are different things to reset; the computer's own
    // machine account (HOST$) is not a password anyone typed
    const users = uniq(story.flatMap((f) => f.f.entities.accounts ?? [])).filter((u) => !isMachineAccount(u, ctx.hosts))
    const operators = uniq(ctx.sessions.filter((s) => s.s.suspicious && s.s.tool !== 'RDP').map((s) => s.s.operator)).filter((o) => !users.includes(o))
    const detail: Segment[] = [seg('Assume credentials used on this host during the intrusion are known to the intruder: reset local and domain passwords used here, the remote-access tool\'s own accounts and any service accounts.')]
    if (users.length > 0) detail.push(seg(' Windows accounts named in the findings: '), ...listSegs(users), seg('.'))
    if (operators.length > 0) detail.push(seg(' Operator names shown by the remote-access tools (accounts on the tool\'s server, not on this host): '), ...listSegs(operators), seg('.'))
    out.push({priority: 'Immediately', action: 'Reset credentials', detail, refs: story.slice(0, 3).map(findingRef)})
  }

  const addrs = dedupeServers(uniq([...tf.addresses, ...story.flatMap((f) => f.f.ioc_hits.filter((h) => ['ipv4', 'ipv6', 'cidr', 'domain', 'url', 'screenconnect_relay'].includes(h.type)).map((h) => h.value))]))
  if (addrs.length > 0) {
    out.push({
      priority: 'Immediately',
      action: 'Block the addresses involved',
      detail: [seg('Block at the firewall and web proxy, and search network logs for earlier contact with: '), ...listSegs(addrs, 10), seg('.')],
      refs: [...tf.findings.slice(0, 4).map(findingRef), ...tf.sessions.slice(0, 3).map(sessionRef)],
    })
  }

  const xf = transferFacts(ctx)
  if (xf.events.length > 0) {
    out.push({
      priority: 'Next',
      action: 'Establish what the transferred files contained',
      detail: [seg('Recover or identify '), ...listSegs(xf.files), ...(xf.folders.length > 0 ? [seg(' and what was in '), ...listSegs(xf.folders)] : []), seg(', and decide with counsel whether the data involved triggers notification duties.')],
      refs: [...xf.findings.map(findingRef), ...eventRefs(xf.events, ctx, 1)],
    })
  }

  if (story.some((f) => f.events.some((e) => e.event_type === EventTypes.LOG_CLEARED))) {
    out.push({
      priority: 'Next',
      action: 'Recover the cleared logs',
      detail: [seg('Obtain the same period from central logging (SIEM, log forwarding) or backups to fill the gap.')],
      refs: story.filter((f) => f.events.some((e) => e.event_type === EventTypes.LOG_CLEARED)).map(findingRef),
    })
  }

  const hitIndicators = uniq(story.flatMap((f) => f.f.ioc_hits.map((h) => h.indicator)))
  const hosts = ctx.hosts.length > 0 ? ctx.hosts : ['this host']
  out.push({
    priority: story.length > 0 ? 'Next' : 'Ongoing',
    action: 'Check other hosts for the same indicators',
    detail: [
      seg('Collect from the other systems that share accounts, networks or the remote-access tool with '),
      ...listSegs(hosts),
      seg(' (ratchet triage on each) and hunt them with the same rules and indicator lists'),
      ...(hitIndicators.length > 0 ? [seg('; the indicators that matched here: '), ...listSegs(hitIndicators, 8)] : []),
      seg('. Monitor endpoints for new remote-access installations.'),
    ],
    refs: [...story.filter((f) => f.f.ioc_hits.length > 0).slice(0, 4).map(findingRef), {href: '#method', label: 'method', title: 'Rules and indicator lists'}],
  })

  if (tf.tools.length > 0) {
    out.push({
      priority: 'Ongoing',
      action: 'Control remote-access software and vendor access',
      detail: [
        seg('Allow only approved remote-access tools and instances, alert on new installations and services, review which vendors can reach this host and how, and brief staff on unexpected remote sessions. Tools seen here: '),
        ...listSegs(tf.tools),
        seg('.'),
      ],
      refs: tf.findings.slice(0, 3).map(findingRef),
    })
  }

  const archive = ctx.archiveNames[0]
  out.push({
    priority: 'Ongoing',
    action: 'Preserve the evidence',
    detail: [
      seg('Keep the evidence archive '),
      ...(archive ? [seg(archive.name, true), ...(archive.sha256 ? [seg(' (SHA-256 '), seg(archive.sha256, true), seg(')')] : [])] : [seg('and its hash file')]),
      seg(' unchanged on write-protected storage with a second copy, and record every hand-over in the chain of custody.'),
      ...(ctx.unverified ? [seg(' This archive failed verification: collect again, or establish why it changed, before relying on it.')] : []),
    ],
    refs: [integrity],
  })
  return out
}
