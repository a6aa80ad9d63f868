import type {BlastRadiusFile} from '../detect/blast/types.js'
import type {CrossHostFile} from '../detect/cross-host.js'
import {redactCommand} from '../core/redact.js'
import type {Sentence} from './vm-types.js'

/**
 * The Blast radius section of a ScreenConnect server case: which customer machines the intruder reached,
 * a per-day chart of suspicious connections, the commands in plain language and how many machines saw only
 * routine access. Pure: blast-radius.json in, plain view objects out (the template escapes every value).
 */

export const BLAST_LIMITS = {machines: 500, commandsPerMachine: 40, outputChars: 600} as const

export interface BlastDayBar {
  x: number
  y: number
  w: number
  h: number
  label: string
  count: number
  title: string
}

export interface BlastView {
  sentence: string
  routineSentence: string
  baseline: string
  bruteForce: string[]
  machines: {
    anchor: string
    machine: string
    domain: string
    customer: string
    session: string
    first: string
    last: string
    operators: string
    addresses: string
    reasons: string[]
    files: string[]
    hidden: number
    walOnly: number
    commands: {time: string; operator: string; text: string; meaning: string; status: string; failed: boolean; output: string; hidden: boolean; fromWal: boolean; suspicious: boolean}[]
    commandsMore: number
  }[]
  machinesMore: number
  chart: {width: number; height: number; plotBottom: number; max: number; bars: BlastDayBar[]; empty: boolean}
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`

function dayChart(b: BlastRadiusFile): BlastView['chart'] {
  const width = 960
  const height = 170
  const plotBottom = 130
  const counts = new Map<string, number>()
  for (const m of b.affected) for (const c of m.connections) if (c.suspicious) counts.set(c.start_utc.slice(0, 10), (counts.get(c.start_utc.slice(0, 10)) ?? 0) + 1)
  if (counts.size === 0) return {width, height, plotBottom, max: 0, bars: [], empty: true}
  const days = [...counts.keys()].sort()
  const first = Date.parse(`${days[0]}T00:00:00Z`)
  const last = Date.parse(`${days[days.length - 1]}T00:00:00Z`)
  const n = Math.round((last - first) / 86_400_000) + 1
  const max = Math.max(...counts.values())
  const x0 = 44
  const plotW = width - x0 - 12
  const w = Math.max(2, Math.min(60, plotW / n - 2))
  const bars: BlastDayBar[] = []
  for (let i = 0; i < n && i < 400; i++) {
    const day = new Date(first + i * 86_400_000).toISOString().slice(0, 10)
    const count = counts.get(day) ?? 0
    const h = Math.round(((plotBottom - 14) * count) / max * 10) / 10
    bars.push({x: Math.round((x0 + (plotW * i) / n) * 10) / 10, y: Math.round((plotBottom - h) * 10) / 10, w: Math.round(w * 10) / 10, h, label: n <= 16 || i % Math.ceil(n / 12) === 0 ? day.slice(5) : '', count, title: `${day}: ${plural(count, 'suspicious connection')}`})
  }
  return {width, height, plotBottom, max, bars, empty: false}
}

export function blastView(b: BlastRadiusFile | null): BlastView | null {
  if (!b || b.format !== 'ratchet-blast-radius/1' || !Array.isArray(b.affected)) return null
  const n = b.affected.length
  const total = b.machines_total
  const sentence =
    n === 0
      ? `The ScreenConnect server's records show no customer machine reached by suspicious activity (${plural(total, 'machine')} with recorded sessions).`
      : `The intruder's activity on the ScreenConnect server reached ${plural(n, 'customer machine')} out of ${total} with recorded sessions, between ${b.affected.map((m) => m.first_suspicious_utc).sort()[0]} and ${b.affected.map((m) => m.last_suspicious_utc).sort().pop()} (UTC).`
  const routineSentence = `${plural(b.routine_only, 'machine')} saw only routine access (the vendor's usual accounts, from their usual addresses and hours, running ordinary maintenance) and ${b.routine_only === 1 ? 'is' : 'are'} not listed.`
  return {
    sentence,
    routineSentence,
    baseline: b.baseline.incident_start_utc ? `Activity before ${b.baseline.incident_start_utc} (UTC), the first sign of the intrusion (${b.baseline.first_signal ?? ''}), is taken as each account's normal behaviour.` : 'No sign of intrusion was found, so all recorded activity is treated as normal.',
    bruteForce: b.brute_force.map((x) => `${x.address}: ${plural(x.failures, 'failed web login')}, then a successful one${x.user ? ` as ${x.user}` : ''} at ${x.success_utc} (UTC)`),
    machines: b.affected.slice(0, BLAST_LIMITS.machines).map((m, i) => ({
      anchor: `blast-${i + 1}`,
      machine: m.machine,
      domain: m.domain ?? '',
      customer: [m.customer, ...m.custom_properties.slice(1)].filter(Boolean).join(' · '),
      session: m.session_id,
      first: m.first_suspicious_utc,
      last: m.last_suspicious_utc,
      operators: m.operators.join(', '),
      addresses: m.addresses.join(', '),
      reasons: m.reasons.map((r) => r.text),
      files: m.files.map((f) => `${f.time_utc} ${f.action} ${f.name}${f.hidden ? ' (hidden)' : ''}`),
      hidden: m.hidden_rows.length,
      walOnly: m.wal_only_rows,
      commands: m.commands.slice(0, BLAST_LIMITS.commandsPerMachine).map((c) => {
        const out = redactCommand(c.output ?? '')
        return {
          time: c.queued_utc,
          operator: c.operator ?? '',
          text: redactCommand(c.text),
          meaning: c.meaning,
          status: c.status,
          failed: c.status === 'failed',
          output: out.length > BLAST_LIMITS.outputChars ? `${out.slice(0, BLAST_LIMITS.outputChars)}…` : out,
          hidden: c.hidden,
          fromWal: c.from_wal,
          suspicious: c.suspicious,
        }
      }),
      commandsMore: Math.max(0, m.commands.length - BLAST_LIMITS.commandsPerMachine),
    })),
    machinesMore: Math.max(0, n - BLAST_LIMITS.machines),
    chart: dayChart(b),
  }
}

export interface CrossHostView {
  thisSide: 'client' | 'server'
  client: string
  clientWhen: string
  clientOperator: string
  clientSession: string
  server: string
  matchedBy: string
  connections: string[]
  commands: {text: string; status: string; failed: boolean}[]
  files: string[]
  onBlast: boolean
  reasons: string[]
}

/** The cross_host links that involve this case, seen from its side (client: what the server saw; server: what the client saw). */
export function crossHostView(x: CrossHostFile | undefined, caseDir: string | undefined): CrossHostView[] {
  if (!x || x.format !== 'ratchet-cross-host/1' || !Array.isArray(x.links)) return []
  return x.links
    .filter((l) => !caseDir || l.client.case_dir === caseDir || l.server.case_dir === caseDir)
    .slice(0, 200)
    .map((l) => ({
      thisSide: caseDir && l.server.case_dir === caseDir ? 'server' : 'client',
      client: l.client.host,
      clientWhen: `${l.client.start ?? '?'} – ${l.client.end ?? '?'}`,
      clientOperator: l.client.operator ?? '',
      clientSession: l.client.session_id,
      server: [l.server.server_host, l.server.machine ? `record of ${l.server.machine}` : undefined, l.server.customer].filter(Boolean).join(' · '),
      matchedBy: l.matched_by === 'session_guid' ? `same session GUID ${l.session_guid}` : `same machine name (the client evidence holds no session GUID; server session ${l.session_guid})`,
      connections: l.server.overlapping.map((c) => `${c.operator ?? '?'} from ${c.address ?? 'an unrecorded address'}, ${c.start_utc} – ${c.end_utc ?? '?'}`),
      commands: l.server.commands.map((c) => ({text: redactCommand(c.text), status: c.status, failed: c.status === 'failed'})),
      files: l.server.files.map((f) => `${f.action} ${f.name}`),
      onBlast: l.server.on_blast_radius,
      reasons: l.server.blast_reasons,
    }))
}

/** The executive-summary sentence for a server case: how many customer machines were reached, how many only routinely. */
export function blastSentence(b: BlastView | null, file: BlastRadiusFile | null): Sentence | null {
  if (!b || !file) return null
  const n = file.affected.length
  const segments: Sentence['segments'] =
    n === 0
      ? [{text: "The vendor's ScreenConnect server recorded no suspicious activity reaching a customer machine; "}, {text: String(file.routine_only), value: true}, {text: ` machine${file.routine_only === 1 ? '' : 's'} saw only routine access.`}]
      : [
          {text: "Through the vendor's ScreenConnect server the intruder reached "},
          {text: String(n), value: true},
          {text: ` customer machine${n === 1 ? '' : 's'} (`},
          ...file.affected.slice(0, 5).flatMap((m, i) => [...(i > 0 ? [{text: ', '}] : []), {text: m.machine, value: true}]),
          ...(n > 5 ? [{text: ` and ${n - 5} more`}] : []),
          {text: '); '},
          {text: String(file.routine_only), value: true},
          {text: ` machine${file.routine_only === 1 ? '' : 's'} saw only routine access.`},
        ]
  return {topic: 'what', topicLabel: 'Customer machines reached', segments, refs: [{href: '#blast', label: 'Blast radius', title: 'Blast radius (ScreenConnect server)'}]}
}
