import {compareEvents} from '../events/order.js'
import {EventTypes as T, type NormalizedEvent} from '../events/types.js'
import {attr, scInstance, scRelay} from './event-util.js'
import {outputFailed} from './blast/commands.js'
import {isServerEvent, isSessionDbEvent} from './blast/radius.js'
import type {BlastRadiusFile} from './blast/types.js'
import {redactCommand} from '../core/redact.js'
import type {RemoteSession} from './types.js'

/**
 * Joins what a ScreenConnect *client* host saw of a session with what the *server* recorded of the same
 * session, across case folders (`ratchet hunt <client-case> <server-case>`).
 *
 * The key is the session GUID: on the client it is the `s=` launch parameter (service ImagePath, launch
 * parameters file) of the instance whose Application-log `Connected`/`Disconnected` lines make the
 * session; on the server it is Session.db's SessionID. When the client's evidence does not hold the GUID
 * (older installs keep only `h`/`p`/`k` in system.config), a server session whose GuestMachineName equals
 * the client's host name (short name, case-insensitive) is used instead and the link says so
 * (`matched_by: machine_name`). Within a linked session the server's operator connections that overlap the
 * client session (±2 minutes: the two clocks and log granularities differ) are what "the server saw".
 * Every case taking part gets the same `cross_host` object in its sessions.json and findings.json.
 */

const SLACK_US = 2 * 60_000_000
const MAX_PER_SESSION = 200

export interface ClientGuidFact {
  host: string
  instance?: string
  session_guid: string
  relay_host?: string
}

export interface ServerConnection {
  operator?: string
  address?: string
  start_utc: string
  end_utc?: string
  event_id: string
}

export interface ServerSessionView {
  session_guid: string
  machine?: string
  domain?: string
  customer?: string
  connections: ServerConnection[]
  commands: {queued_utc: string; operator?: string; text: string; status: 'succeeded' | 'failed' | 'no output recorded'; event_id: string}[]
  files: {time_utc: string; action: string; name: string; event_id: string}[]
}

export interface CrossHostLink {
  session_guid: string
  matched_by: 'session_guid' | 'machine_name'
  client: {case_dir: string; host: string; instance?: string; session_id: string; start: string | null; end: string | null; operator?: string}
  server: {
    case_dir: string
    server_host?: string
    machine?: string
    customer?: string
    /** Server operator connections overlapping the client session (±2 min). */
    overlapping: ServerConnection[]
    /** Commands and files the server recorded inside those connections (passwords redacted). */
    commands: ServerSessionView['commands']
    files: ServerSessionView['files']
    on_blast_radius: boolean
    blast_reasons: string[]
  }
}

export interface CrossHostFile {
  format: 'ratchet-cross-host/1'
  cases: {case_dir: string; role: 'client' | 'server' | 'both' | 'none'; hosts: string[]}[]
  links: CrossHostLink[]
  /** Client ScreenConnect sessions whose GUID/host no server case recorded. */
  unmatched_client_sessions: number
}

export interface CaseFacts {
  caseDir: string
  sessions: RemoteSession[]
  blast?: BlastRadiusFile
  clientGuids: ClientGuidFact[]
  serverSessions: Map<string, ServerSessionView>
  serverHost?: string
  hosts: string[]
}

/** Collects what the join needs from one case's events (call per event while streaming events.jsonl). */
export class CaseFactCollector {
  readonly clientGuids: ClientGuidFact[] = []
  readonly hosts = new Set<string>()
  private readonly server: NormalizedEvent[] = []
  private readonly seen = new Set<string>()

  add(ev: NormalizedEvent): void {
    if (ev.host && this.hosts.size < 1000) this.hosts.add(ev.host)
    if (attr(ev, 'tool') !== 'ScreenConnect') return
    if (isServerEvent(ev)) {
      if (isSessionDbEvent(ev) && this.server.length < 2_000_000) this.server.push(ev)
      return
    }
    const guid = attr(ev, 'session_guid')
    if (!guid || !ev.host) return
    const inst = scInstance(ev)
    const k = `${ev.host}|${inst ?? ''}|${guid}`
    if (this.seen.has(k)) return
    this.seen.add(k)
    this.clientGuids.push({host: ev.host, ...(inst ? {instance: inst} : {}), session_guid: guid.toLowerCase(), ...(scRelay(ev).host ? {relay_host: scRelay(ev).host} : {})})
  }

  serverSessions(): {sessions: Map<string, ServerSessionView>; host?: string} {
    const out = new Map<string, ServerSessionView>()
    const evs = this.server.slice().sort(compareEvents)
    const ends = new Map<string, NormalizedEvent>()
    for (const e of evs) if (e.event_type === T.REMOTE_SESSION_END && attr(e, 'connection_id')) ends.set(attr(e, 'connection_id') as string, e)
    const outputs = new Map<string, NormalizedEvent[]>()
    for (const e of evs) {
      const guid = attr(e, 'session_guid')?.toLowerCase()
      if (!guid) continue
      let s = out.get(guid)
      if (!s) {
        const props = Array.isArray(e.attributes?.custom_properties) ? (e.attributes.custom_properties as unknown[]).filter((x): x is string => typeof x === 'string') : []
        out.set(guid, (s = {session_guid: guid, machine: attr(e, 'guest_machine'), domain: attr(e, 'guest_domain'), customer: props[0] || undefined, connections: [], commands: [], files: []}))
      }
      if (e.event_type === T.REMOTE_SESSION_START && /host/i.test(attr(e, 'process_type') ?? '') && s.connections.length < MAX_PER_SESSION) {
        const end = ends.get(attr(e, 'connection_id') ?? '')
        s.connections.push({operator: e.user, address: e.src_ip, start_utc: e.datetime, ...(end ? {end_utc: end.datetime} : {}), event_id: e.id})
      } else if (e.event_type === T.REMOTE_COMMAND && s.commands.length < MAX_PER_SESSION) {
        s.commands.push({queued_utc: e.datetime, operator: e.user, text: redactCommand(e.command_line ?? ''), status: 'no output recorded', event_id: e.id})
      } else if (e.event_type === T.REMOTE_COMMAND_OUTPUT) {
        outputs.set(guid, [...(outputs.get(guid) ?? []), e])
      } else if (e.event_type === T.REMOTE_FILE_TRANSFER && s.files.length < MAX_PER_SESSION) {
        s.files.push({time_utc: e.datetime, action: attr(e, 'action') ?? 'transfer', name: e.file_name ?? '', event_id: e.id})
      }
    }
    // each command's output: the first unused RanCommand row at or after it (as in the blast radius)
    for (const [guid, outs] of outputs) {
      const s = out.get(guid) as ServerSessionView
      const used = new Set<string>()
      for (const c of s.commands) {
        const o = outs.find((x) => !used.has(x.id) && x.datetime >= c.queued_utc)
        if (!o) continue
        used.add(o.id)
        const text = typeof o.attributes?.output === 'string' ? (o.attributes.output as string) : ''
        c.status = outputFailed(text) ? 'failed' : 'succeeded'
      }
    }
    return {sessions: out, host: evs.find((e) => e.host)?.host}
  }
}

const shortName = (h: string | undefined): string => (h ?? '').toLowerCase().split('.')[0]

export function joinCases(cases: CaseFacts[]): CrossHostFile {
  const links: CrossHostLink[] = []
  let unmatched = 0
  for (const c of cases) {
    for (const s of c.sessions) {
      if (s.tool !== 'ScreenConnect' || !s.host) continue
      // client sessions come from the Application log (a thumbprint, no server-side connection)
      if (!s.instance?.thumbprint && !s.instance?.session_guid) continue
      if (c.serverSessions.size > 0 && s.host === c.serverHost) continue
      const guid =
        s.instance?.session_guid?.toLowerCase() ??
        c.clientGuids.find((g) => g.host === s.host && g.instance === s.instance?.thumbprint)?.session_guid
      let found = false
      for (const o of cases) {
        if (o === c || o.serverSessions.size === 0) continue
        let view = guid ? o.serverSessions.get(guid) : undefined
        let by: CrossHostLink['matched_by'] = 'session_guid'
        // a known GUID that this server never saw belongs to another server (e.g. a rogue instance): no fallback
        if (!view && !guid) {
          // no GUID on the client: same machine name, and the instance's relay (if known) must not contradict
          view = [...o.serverSessions.values()].find((v) => v.machine && shortName(v.machine) === shortName(s.host))
          by = 'machine_name'
        }
        if (!view) continue
        found = true
        const from = s.start ? Date.parse(s.start) * 1000 - SLACK_US : Number.NEGATIVE_INFINITY
        const to = s.end ? Date.parse(s.end) * 1000 + SLACK_US : s.start ? Date.parse(s.start) * 1000 + SLACK_US : Number.POSITIVE_INFINITY
        const us = (iso: string): number => Date.parse(iso) * 1000
        const overlapping = view.connections.filter((k) => us(k.start_utc) <= to && (k.end_utc ? us(k.end_utc) : us(k.start_utc)) >= from)
        const within = (iso: string): boolean => overlapping.some((k) => us(iso) >= us(k.start_utc) - SLACK_US && us(iso) <= (k.end_utc ? us(k.end_utc) : us(k.start_utc)) + SLACK_US)
        const onBlast = o.blast?.affected.find((m) => m.session_id.toLowerCase() === view.session_guid)
        links.push({
          session_guid: view.session_guid,
          matched_by: by,
          client: {case_dir: c.caseDir, host: s.host, ...(s.instance?.thumbprint ? {instance: s.instance.thumbprint} : {}), session_id: s.id, start: s.start, end: s.end, ...(s.operator ? {operator: s.operator} : {})},
          server: {
            case_dir: o.caseDir,
            ...(o.serverHost ? {server_host: o.serverHost} : {}),
            ...(view.machine ? {machine: view.machine} : {}),
            ...(view.customer ? {customer: view.customer} : {}),
            overlapping,
            commands: view.commands.filter((k) => within(k.queued_utc)),
            files: view.files.filter((k) => within(k.time_utc)),
            on_blast_radius: onBlast !== undefined,
            blast_reasons: onBlast ? onBlast.reasons.map((r) => r.text) : [],
          },
        })
      }
      if (!found) unmatched++
    }
  }
  links.sort((a, b) => (a.client.start ?? '').localeCompare(b.client.start ?? '') || a.client.session_id.localeCompare(b.client.session_id) || a.server.case_dir.localeCompare(b.server.case_dir))
  return {
    format: 'ratchet-cross-host/1',
    cases: cases.map((c) => {
      const client = c.sessions.some((s) => s.tool === 'ScreenConnect' && !!s.instance?.thumbprint)
      const server = c.serverSessions.size > 0
      return {case_dir: c.caseDir, role: client && server ? 'both' : client ? 'client' : server ? 'server' : 'none', hosts: c.hosts}
    }),
    links,
    unmatched_client_sessions: unmatched,
  }
}
