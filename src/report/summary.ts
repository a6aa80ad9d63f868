import {EventTypes} from '../events/types.js'
import {severityRank} from '../detect/severity.js'
import {accountFacts, configFacts, eventRefs, findingRef, listText, sessionRef, storyFindings, toolFacts, transferFacts, uniq} from './facts.js'
import {timeView} from './time-format.js'
import type {FindingCtx, Ref, RuleContext, Segment, Sentence, SessionCtx} from './vm-types.js'

/**
 * The executive summary, written by rules from findings: each sentence names what it rests on (refs to
 * findings and the events that prove them). Plain language for counsel and leadership: no event ids, no
 * jargon beyond the tool names.
 */

const TOPICS: Record<string, string> = {
  what: 'What happened',
  when: 'When',
  entry: 'How they got in',
  accounts: 'Accounts',
  tools: 'Remote tools and addresses',
  data: 'Data leaving',
  unknown: 'Still unknown',
  confidence: 'Confidence',
}

class SentenceBuilder {
  readonly segments: Segment[] = []
  readonly refs: Ref[] = []
  constructor(readonly topic: string) {}
  t(text: string): this {
    this.segments.push({text})
    return this
  }
  v(text: string): this {
    this.segments.push({text, value: true})
    return this
  }
  /** A list of evidence values: `a, b and c` with each value styled. */
  list(values: string[], max = 5): this {
    const shown = values.slice(0, max)
    shown.forEach((val, i) => {
      if (i > 0) this.t(i === shown.length - 1 && values.length <= max ? ' and ' : ', ')
      this.v(val)
    })
    if (values.length > max) this.t(` and ${values.length - max} more`)
    return this
  }
  ref(...refs: Ref[]): this {
    for (const r of refs) if (!this.refs.some((x) => x.href === r.href)) this.refs.push(r)
    return this
  }
  build(): Sentence {
    return {topic: this.topic, topicLabel: TOPICS[this.topic] ?? this.topic, segments: this.segments, refs: this.refs}
  }
}

const sev = (fc: FindingCtx): number => severityRank(fc.f.severity)

export function buildSummary(ctx: RuleContext): Sentence[] {
  const out: Sentence[] = []
  const story = storyFindings(ctx)
  const hostsText = ctx.hosts.length > 0 ? ctx.hosts : ['the examined host']

  if (!ctx.hasFindingsFile) {
    out.push(new SentenceBuilder('what').t('The hunt stage has not been run on this case, so no findings have been drawn from the ').v(String(ctx.eventsTotal)).t(' recorded events yet; this report shows the evidence and its integrity only.').ref({href: '#integrity', label: 'evidence', title: 'Evidence and integrity'}).build())
  } else if (story.length === 0) {
    out.push(new SentenceBuilder('what').t('ratchet examined ').v(String(ctx.eventsTotal)).t(' events from ').list(hostsText).t(' and found no sign of intrusion by remote-access tools with the rules and indicator lists it had; this does not prove that none took place.').ref({href: '#method', label: 'method', title: 'Rules and indicator lists used'}).build())
  } else {
    // What happened: the story in the order it happened, strongest findings named.
    const counts = ['critical', 'high', 'medium', 'low'].map((s) => [s, story.filter((f) => f.f.severity === s).length] as const).filter(([, n]) => n > 0)
    const linked = story.some((fc) => fc.f.correlated)
    const b = new SentenceBuilder('what').t('Evidence from ').list(hostsText)
    if (linked) b.t(` shows ${story.length === 1 ? 'one sign' : `${story.length} connected signs`} of an intrusion (`)
    else b.t(` shows ${story.length === 1 ? 'one suspicious observation' : `${story.length} suspicious observations`} that ratchet could not tie to a remote session or a known indicator (`)
    b.t(counts.map(([s, n]) => `${n} ${s}`).join(', '))
    // the story told session by session (the suspect session each finding is tied to, in time order), the
    // most serious steps named first within each; findings tied to no session follow
    const groups = storyBySession(ctx, story)
    const sessionRefs: Ref[] = []
    if (groups.sessions.length === 0) {
      b.t('): ')
      const picked = new Set([...story].sort((x, z) => sev(x) - sev(z)).slice(0, 6))
      const ordered = story.filter((fc) => picked.has(fc))
      ordered.forEach((fc, i) => {
        if (i > 0) b.t(i === ordered.length - 1 && story.length <= 6 ? '; then ' : '; ')
        b.v(shortTitle(fc))
      })
      if (story.length > 6) b.t(`; and ${story.length - 6} more`)
      b.t('.')
    } else {
      b.t(').')
      for (const [sc, fcs] of groups.sessions.slice(0, 4)) {
        b.t(' During or just after the ').v(sc.s.tool).t(' session')
        if (sc.s.operator) b.t(' by operator ').v(sc.s.operator)
        if (sc.s.remote_address) b.t(' from ').v(sc.s.remote_address)
        const st = timeView(sc.s.start, ctx.zone)
        const en = timeView(sc.s.end, ctx.zone)
        if (st) b.t(' (').v(st.prose).t(en ? ` to ${en.utc.slice(0, 10) === st.utc.slice(0, 10) ? en.prose.slice(en.prose.indexOf(', ') + 2) : en.prose}` : '').t(')')
        b.t(': ')
        const named = [...fcs].sort((x, z) => sev(x) - sev(z)).slice(0, 6)
        named.forEach((fc, i) => {
          if (i > 0) b.t('; ')
          b.v(shortTitle(fc))
        })
        if (fcs.length > named.length) b.t(`; and ${fcs.length - named.length} more`)
        b.t('.')
        sessionRefs.push(sessionRef(sc))
      }
      if (groups.sessions.length > 4) b.t(` ${groups.sessions.length - 4} more sessions are tied to findings.`)
      if (groups.loose.length > 0) {
        b.t(' Also: ')
        groups.loose.slice(0, 4).forEach((fc, i) => {
          if (i > 0) b.t('; ')
          b.v(shortTitle(fc))
        })
        if (groups.loose.length > 4) b.t(`; and ${groups.loose.length - 4} more`)
        b.t('.')
      }
    }
    // findings first (the claims), then the sessions they are told by
    for (const fc of [...story].sort((x, z) => sev(x) - sev(z)).slice(0, 8)) b.ref(findingRef(fc))
    b.ref(...sessionRefs)
    b.ref(...eventRefs(story.flatMap((f) => f.events.slice(0, 1)), ctx, 1))
    out.push(b.build())

    // When: from activity (sessions, commands, transfers, account changes, installs, log clears) — never from
    // the date of a configuration file, which says since when something was set up, not when anyone acted.
    const dated = story.filter((fc) => fc.dated)
    const entrySession = firstStorySession(ctx, story)
    const first = dated[0] ?? story[0]!
    const last = [...(dated.length > 0 ? dated : story)].sort((a, z) => (a.end < z.end ? 1 : a.end > z.end ? -1 : 0))[0]!
    const startsWithSession = entrySession?.s.start && entrySession.s.start < first.start
    const t1 = timeView(startsWithSession ? entrySession.s.start : first.start, ctx.zone)
    const t2 = timeView(last.end, ctx.zone)
    if (t1 && t2) {
      const local = (t: NonNullable<typeof t1>): string => (ctx.zone.kind === 'unknown' ? '' : ` (${t.proseLocal})`)
      const w = new SentenceBuilder('when').t('The activity began on ').v(t1.prose).t(local(t1)).t(' and the last related event was on ').v(t2.prose).t(`${local(t2)}.`)
      if (startsWithSession && entrySession) w.ref(sessionRef(entrySession), ...eventRefs(entrySession.s.event_ids.map((id) => ctx.eventsById.get(id)!).filter(Boolean), ctx, 1))
      else w.ref(findingRef(first), ...eventRefs(first.events.filter((e) => e.datetime === first.start), ctx, 1))
      w.ref(findingRef(last), ...eventRefs(last.events.filter((e) => e.datetime === last.end), ctx, 1))
      for (const c of configFacts(story).slice(0, 2)) {
        const since = timeView(c.since, ctx.zone)
        w.t(' Separately, ').t(c.instance ? 'the ScreenConnect instance ' : 'a remote-access client ').v(c.instance ?? '').t(c.instance ? ' has' : 'has').t(' been configured to use the relay ').v(c.relay).t(' since at least ').v(since?.prose.slice(0, since.prose.indexOf(',')) ?? c.since.slice(0, 10)).t(` (the modification date of its ${c.file}); that is when the setting was written, not activity.`)
        w.ref(findingRef(c.fc), ...eventRefs([c.e], ctx, 1))
      }
      out.push(w.build())
    }

    // How they got in: the earliest suspect session behind the story, else the earliest step with a tool.
    const entry = story.find((fc) => fc.dated && ((fc.f.entities.tools?.length ?? 0) > 0 || fc.events.some((e) => e.event_type.startsWith('remote_access.') || e.event_type.startsWith('logon.')))) ?? first
    if (entrySession) {
      const s = entrySession.s
      const eb = new SentenceBuilder('entry').t('The first remote session tied to this activity is a ').v(s.tool).t(' session')
      if (s.operator) eb.t(' by operator ').v(s.operator)
      if (s.remote_address) eb.t(' from ').v(s.remote_address)
      if (s.remote_id) eb.t(' (remote ID ').v(s.remote_id).t(')')
      if (s.instance?.thumbprint) eb.t(' on instance ').v(s.instance.thumbprint)
      if (s.instance?.relay_host) eb.t(' through the relay ').v(s.instance.relay_host)
      const st = timeView(s.start, ctx.zone)
      if (st) eb.t(', starting ').v(st.prose)
      eb.t('.')
      // the strongest reasons first: an indicator relay, an outside address, an extra instance, then IOC hits
      const rank = (r: string): number => [/relay \S+ (is|matches) an indicator/, /outside private/, /additional instance/, /IOC hit/].findIndex((re) => re.test(r))
      const why = uniq(s.reasons.filter((r) => rank(r) >= 0).sort((a, b) => rank(a) - rank(b)).map(reasonProse)).slice(0, 2)
      // a second indicator reads "also" rather than repeating "matches a published indicator"
      if (why.length > 0) eb.t(' It is suspect because ').t(why.map((w, i) => (i > 0 ? w.replace(', which matches a published indicator of compromise,', ', also a published indicator,') : w)).join('; and ')).t('.')
      eb.ref(sessionRef(entrySession), ...eventRefs(s.event_ids.map((id) => ctx.eventsById.get(id)!).filter(Boolean), ctx, 1), findingRef(entry))
      out.push(eb.build())
    } else {
      const eb = new SentenceBuilder('entry').t('The earliest recorded step is ').v(lowerFirst(entry.f.title))
      const tools = uniq(entry.f.entities.tools ?? [])
      const addrs = uniq(entry.f.entities.addresses ?? [])
      if (tools.length > 0) eb.t(', through ').list(tools)
      if (addrs.length > 0) eb.t(tools.length > 0 ? ' connected to ' : ', involving ').list(addrs)
      eb.t('.')
      const hits = uniq(entry.f.ioc_hits.map((h) => h.indicator))
      if (hits.length > 0) {
        eb.t(' ').list(hits, 3).t(` ${hits.length === 1 ? 'matches' : 'match'} a published indicator of compromise (`).v(uniq(entry.f.ioc_hits.map((h) => h.source)).join(', ')).t(').')
      }
      if (entry.f.severity !== 'info' && !hits.length && tools.length === 0) eb.t(' How the intruder first reached the host is not shown by the collected evidence.')
      eb.ref(findingRef(entry), ...eventRefs(entry.events, ctx, 2))
      out.push(eb.build())
    }

    // Accounts created or changed.
    const accounts = accountFacts(story)
    if (accounts.length > 0) {
      const ab = new SentenceBuilder('accounts')
      accounts.slice(0, 4).forEach((a, i) => {
        ab.t(i === 0 ? 'The account ' : ' The account ').v(a.name).t(a.what.length > 0 ? ` was ${listText(a.what, 6)}.` : ' was involved.')
        ab.ref(...a.findings.map(findingRef), ...eventRefs(a.events, ctx, 2))
      })
      if (accounts.length > 4) ab.t(` ${accounts.length - 4} more accounts are listed in the findings.`)
      out.push(ab.build())
    } else {
      const nb = new SentenceBuilder('accounts').t('No account on this host was created or changed in the recorded events linked to this activity.')
      // a ScreenConnect server's own accounts may be untouched while its queued commands made accounts elsewhere
      const remote = story.find((fc) => fc.f.rule === 'screenconnect-server-account-command')
      if (remote) nb.t(' Commands queued through this ScreenConnect server created or changed local accounts on customer machines; they are listed under Blast radius.').ref(findingRef(remote))
      else nb.ref(...story.slice(0, 1).map(findingRef))
      out.push(nb.build())
    }

    // Remote tools and addresses.
    const tf = toolFacts(story, ctx)
    if (tf.tools.length + tf.addresses.length > 0) {
      const tb = new SentenceBuilder('tools')
      if (tf.tools.length > 0) tb.t('Remote-access software involved: ').list(tf.tools).t('.')
      if (tf.instances.length > 0) tb.t(` ${tf.instances.length === 1 ? 'Instance' : 'Instances'} `).list(tf.instances, 4).t(tf.instances.length === 1 ? ' was found on the host.' : ' were found on the host.')
      if (tf.addresses.length > 0) tb.t(' Addresses and servers involved: ').list(tf.addresses, 6).t('.')
      tb.ref(...tf.findings.slice(0, 6).map(findingRef), ...tf.sessions.slice(0, 4).map(sessionRef), ...eventRefs(tf.events, ctx, 2))
      out.push(tb.build())
    }

    // Data leaving: file transfers.
    const xf = transferFacts(ctx)
    if (xf.events.length > 0) {
      const db = new SentenceBuilder('data').t(`${xf.events.length} file-transfer ${xf.events.length === 1 ? 'record' : 'records'} during remote sessions`)
      if (xf.files.length > 0) db.t(' name ').list(xf.files, 6)
      if (xf.folders.length > 0) db.t(xf.files.length > 0 ? ', and files were prepared for transfer in ' : ' show files prepared for transfer in ').list(xf.folders, 3)
      db.t('.')
      if (xf.directions.length > 0) db.t(' The tool records the direction as ').list(xf.directions).t('.')
      db.t(' The logs name the files but do not show their contents, and they do not reliably show the direction of every transfer, so data leaving the host this way cannot be ruled out.')
      db.ref(...xf.findings.map(findingRef), ...xf.sessions.slice(0, 3).map(sessionRef), ...eventRefs(xf.events, ctx, 2))
      out.push(db.build())
    } else {
      out.push(new SentenceBuilder('data').t('No file transfer through a remote-access tool was recorded on this host. Data could still have left by other means (for example through commands run during a session).').ref(...story.slice(0, 1).map(findingRef), ...eventRefs(story[0]!.events, ctx, 1)).build())
    }
  }

  out.push(...unknowns(ctx, story))
  out.push(confidence(ctx, story))
  return out
}

function unknowns(ctx: RuleContext, story: FindingCtx[]): Sentence[] {
  const out: Sentence[] = []
  const u = (): SentenceBuilder => new SentenceBuilder('unknown')
  if (ctx.unverified) {
    out.push(u().t('The evidence archive ').v('failed integrity verification').t(' and was analysed anyway: every conclusion here must be confirmed on verified evidence before it is relied on.').ref({href: '#integrity', label: 'integrity', title: 'Evidence and integrity'}).build())
  }
  const cleared = story.filter((fc) => fc.events.some((e) => e.event_type === EventTypes.LOG_CLEARED))
  if (cleared.length > 0) {
    const evs = cleared.flatMap((fc) => fc.events.filter((x) => x.event_type === EventTypes.LOG_CLEARED)).sort((a, b) => (a.datetime < b.datetime ? -1 : a.datetime > b.datetime ? 1 : 0))
    const e = evs[0]!
    const channels = uniq(evs.map((x) => (typeof x.attributes.cleared_channel === 'string' ? x.attributes.cleared_channel : undefined)))
    const b = u()
    if (channels.length === 0) b.t('An event log was cleared')
    else b.t(channels.length === 1 ? 'The ' : 'The ').list(channels).t(channels.length === 1 ? ' log was cleared' : ' logs were cleared')
    b.t(', so what happened before ').v(timeView(e.datetime, ctx.zone)?.prose ?? e.datetime).t(channels.length === 1 ? ' in that log is missing' : ' in those logs is missing').t('; a central log server may still hold it.')
    out.push(b.ref(...cleared.map(findingRef), ...eventRefs(evs, ctx, 2)).build())
  }
  const open = ctx.sessions.filter((s) => s.s.suspicious && (s.s.start === null || s.s.end === null))
  if (open.length > 0) {
    out.push(u().t(`The ${open.length === 1 ? 'start or end of one remote session is' : `start or end of ${open.length} remote sessions is`} not recorded, so how long the intruder was connected is not fully known.`).ref(...open.slice(0, 4).map(sessionRef), ...open.flatMap((s) => eventRefs(s.s.event_ids.map((id) => ctx.eventsById.get(id)!).filter(Boolean), ctx, 1)).slice(0, 2)).build())
  }
  if (story.some((fc) => fc.events.some((e) => e.event_type === EventTypes.REMOTE_COMMAND && !e.command_line))) {
    const cmd = story.filter((fc) => fc.events.some((e) => e.event_type === EventTypes.REMOTE_COMMAND && !e.command_line))
    out.push(u().t('Some commands run through the remote tool were logged by length only; their text is unknown unless the server-side records are obtained.').ref(...cmd.map(findingRef), ...eventRefs(cmd.flatMap((f) => f.events.filter((e) => e.event_type === EventTypes.REMOTE_COMMAND)), ctx, 1)).build())
  }
  if (ctx.zone.kind === 'unknown') {
    const b = u().t('The host\'s time zone was not recorded, so local times are not given; all times are UTC')
    // records the host wrote in its own local time cannot be converted: say so, and point at them
    const local = [...ctx.eventsById.values()].filter((e) => e.attributes?.original_time_zone === 'host-local:unknown').sort((x, z) => (x.datetime < z.datetime ? -1 : x.datetime > z.datetime ? 1 : 0))
    if (local.length > 0)
      b.t(`, except ${local.length === 1 ? 'one record' : `${local.length} records`} the host wrote in its own local time, shown as written and marked "host-local, zone unknown": ${local.length === 1 ? 'it' : 'they'} may be hours off UTC and ${local.length === 1 ? 'is' : 'are'} not used to date the activity`)
    b.t('.').ref({href: '#custody', label: 'custody', title: 'Chain of custody'}, ...eventRefs(local, ctx, 2))
    out.push(b.build())
  }
  if (ctx.unreadableFiles > 0 || ctx.notParsed > 0) {
    const b = u()
    if (ctx.unreadableFiles > 0) b.v(String(ctx.unreadableFiles)).t(` collected ${ctx.unreadableFiles === 1 ? 'file was' : 'files were'} damaged or only partly readable`)
    if (ctx.unreadableFiles > 0 && ctx.notParsed > 0) b.t(' and ')
    if (ctx.notParsed > 0) b.v(String(ctx.notParsed)).t(` collected ${ctx.notParsed === 1 ? 'file was' : 'files were'} not analysed`)
    b.t('; events in them are not part of this report.').ref({href: '#diagnostics', label: 'diagnostics', title: 'What could not be read'})
    out.push(b.build())
  }
  if (ctx.iocSkipped > 0) {
    out.push(u().v(String(ctx.iocSkipped)).t(` indicator ${ctx.iocSkipped === 1 ? 'entry was' : 'entries were'} skipped as malformed, so matches on ${ctx.iocSkipped === 1 ? 'it' : 'them'} cannot have been found.`).ref({href: '#method', label: 'method', title: 'Indicator lists'}).build())
  }
  out.push(u().t('This report covers only ').list(ctx.hosts.length > 0 ? ctx.hosts : ['the examined host']).t('; whether other systems were reached from it, or by the same actor, is not known from this evidence.').ref(...(story.length > 0 ? [findingRef(story[0]!)] : []), {href: '#recommendations', label: 'actions', title: 'Recommended actions'}).build())
  return out
}

function confidence(ctx: RuleContext, story: FindingCtx[]): Sentence {
  const b = new SentenceBuilder('confidence')
  if (story.length === 0) {
    return b.t('Confidence that no intrusion is visible in this evidence: ').v(ctx.unverified ? 'low' : 'medium').t(` — the rules and ${ctx.iocLoaded} indicators used are listed under Method.`).ref({href: '#method', label: 'method', title: 'Method'}).build()
  }
  const strongest = [...story].sort((a, z) => sev(a) - sev(z) || ['high', 'medium', 'low'].indexOf(a.f.confidence) - ['high', 'medium', 'low'].indexOf(z.f.confidence))[0]!
  let level: 'high' | 'medium' | 'low' = strongest.f.confidence
  const reasons: string[] = []
  if (ctx.unverified) {
    level = 'low'
    reasons.push('the evidence failed verification')
  } else if (ctx.verification === 'verified') {
    reasons.push('every cited file matches the hash recorded when it was collected')
  } else {
    if (level === 'high') level = 'medium'
    reasons.push('the evidence archive was not verified against its manifest')
  }
  if (ctx.unreadableFiles > 0) reasons.push('some files could not be fully read')
  const cited = new Set(story.flatMap((f) => f.events.map((e) => e.evidence.member)))
  b.t('Overall confidence: ').v(level).t(`. The conclusions rest on ${story.reduce((n, f) => n + f.f.event_ids.length, 0)} recorded events in ${cited.size} collected ${cited.size === 1 ? 'file' : 'files'}; `).t(reasons.join('; ')).t('.')
  b.ref(findingRef(strongest), ...eventRefs(strongest.events, ctx, 1), {href: '#integrity', label: 'integrity', title: 'Evidence and integrity'})
  return b.build()
}

/** A session's reason (written for analysts) as a clause a general counsel can read; the sources stay in the session table. */
function reasonProse(r: string): string {
  const relay = /relay (\S+) (is|matches) an indicator/.exec(r)
  if (relay) return `its relay ${relay[1]} matches a published indicator of compromise`
  const hit = /^IOC hit: (\S+) \(/.exec(r)
  if (hit) return `${hit[1]}, which matches a published indicator of compromise, appears in its records`
  const cut = r.indexOf(' (')
  return cut > 0 ? r.slice(0, cut) : r
}

/** A finding's title for a sentence: lower-cased first word, without what the sentence already says. */
function shortTitle(fc: FindingCtx): string {
  return lowerFirst(fc.f.title.replace(/ during a remote session(?=:|$)/, ''))
}

/** Story findings grouped by the first suspicious session each is tied to, sessions in time order. */
function storyBySession(ctx: RuleContext, story: FindingCtx[]): {sessions: [SessionCtx, FindingCtx[]][]; loose: FindingCtx[]} {
  const m = new Map<SessionCtx, FindingCtx[]>()
  const loose: FindingCtx[] = []
  for (const fc of story) {
    const sc = ctx.sessions
      .filter((s) => s.s.suspicious && s.s.start && fc.f.session_ids.includes(s.s.id))
      .sort((a, z) => (a.s.start! < z.s.start! ? -1 : a.s.start! > z.s.start! ? 1 : a.no - z.no))[0]
    if (sc) m.set(sc, [...(m.get(sc) ?? []), fc])
    else loose.push(fc)
  }
  const sessions = [...m.entries()].sort(([a], [z]) => (a.s.start! < z.s.start! ? -1 : a.s.start! > z.s.start! ? 1 : a.no - z.no))
  return {sessions, loose}
}

/** The earliest suspicious session a story finding is tied to (shown in the report). */
function firstStorySession(ctx: RuleContext, story: FindingCtx[]): SessionCtx | undefined {
  const ids = new Set(story.flatMap((fc) => fc.f.session_ids))
  return ctx.sessions.filter((sc) => sc.s.suspicious && ids.has(sc.s.id) && sc.s.start).sort((a, b) => (a.s.start! < b.s.start! ? -1 : a.s.start! > b.s.start! ? 1 : a.no - b.no))[0]
}

function lowerFirst(s: string): string {
  // Keep acronyms and product names (RDP, AnyDesk) as written; lower only an ordinary capitalised word.
  return /^[A-Z][a-z]/.test(s) && !/^(AnyDesk|ScreenConnect|TeamViewer|PowerShell|Windows)/.test(s) ? s[0]!.toLowerCase() + s.slice(1) : s
}
