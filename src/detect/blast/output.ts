import {stringify} from 'csv-stringify/sync'
import {stableId} from '../finding.js'
import type {Finding, Severity} from '../types.js'
import type {BlastRadiusFile, ReasonCode} from './types.js'

/** affected-machines.csv: one row per affected machine for the notification workflow, formula-safe. */
export function affectedMachinesCsv(b: BlastRadiusFile): string {
  const header = ['machine', 'domain', 'customer', 'custom_properties', 'session_id', 'session_name', 'first_suspicious_utc', 'last_suspicious_utc', 'operators', 'addresses', 'reasons', 'commands', 'failed_commands', 'files', 'hidden_rows', 'wal_only_rows']
  const rows = b.affected.map((m) => [
    m.machine,
    m.domain ?? '',
    m.customer ?? '',
    m.custom_properties.filter(Boolean).join(' | '),
    m.session_id,
    m.session_name ?? '',
    m.first_suspicious_utc,
    m.last_suspicious_utc,
    m.operators.join(' | '),
    m.addresses.join(' | '),
    m.reasons.map((r) => r.text).join(' | '),
    m.commands.map((c) => c.text.replace(/\s*\r?\n\s*/g, ' && ')).join(' | '),
    String(m.commands.filter((c) => c.status === 'failed').length),
    m.files.map((f) => `${f.action}: ${f.name}`).join(' | '),
    String(m.hidden_rows.length),
    String(m.wal_only_rows),
  ])
  return stringify([header, ...rows], {escape_formulas: true, record_delimiter: '\r\n'})
}

interface Category {
  codes: ReasonCode[]
  title: string
  severity: Severity
  attack: string[]
  rationale: string
}

/** Server-side findings, one per kind of reason, each naming the machines it reached. */
const CATEGORIES: Category[] = [
  {codes: ['ioc_address', 'brute_force_address'], title: 'ScreenConnect server: operator sessions from indicator or brute-force addresses', severity: 'critical', attack: ['T1133', 'T1219'], rationale: 'The vendor\'s ScreenConnect server recorded operator connections to customer machines from addresses that are listed as indicators or that guessed a web login. Whoever sat at those addresses had remote control of the machines listed.'},
  {codes: ['new_address', 'new_operator'], title: 'ScreenConnect server: operator account used from a new address', severity: 'high', attack: ['T1078'], rationale: 'A vendor operator account connected to customer machines from an address it had never used before the incident window (or an account with no earlier activity did). This is how a stolen or guessed vendor login shows on the server.'},
  {codes: ['unusual_hour'], title: 'ScreenConnect server: operator sessions at hours the account never used', severity: 'medium', attack: ['T1078'], rationale: 'A vendor operator account connected at an hour of day it never used before the incident window. On its own this can be overtime; together with other reasons it points to someone else using the account.'},
  {codes: ['recon_command'], title: 'ScreenConnect server: reconnaissance commands queued on customer machines', severity: 'high', attack: ['T1033', 'T1069.002', 'T1087.002', 'T1482'], rationale: 'Commands that ask who the account is, which domain groups and controllers exist were queued on customer machines — the first steps of an intruder mapping a network, not vendor maintenance.'},
  {codes: ['remote_tool_command'], title: 'ScreenConnect server: remote-access tools installed or given passwords', severity: 'critical', attack: ['T1219'], rationale: 'Commands queued through ScreenConnect installed another remote-access tool or set its unattended password, giving the intruder a way back in that does not depend on the vendor\'s server.'},
  {codes: ['account_command'], title: 'ScreenConnect server: local accounts created or made administrators', severity: 'critical', attack: ['T1136.001', 'T1098'], rationale: 'Commands queued through ScreenConnect created local user accounts or added them to Administrators: persistence on the customer machine.'},
  {codes: ['payload_loader', 'ioc_file'], title: 'ScreenConnect server: payloads sent or loaded on customer machines', severity: 'critical', attack: ['T1127.001', 'T1105'], rationale: 'Files named by the indicators were sent or run, or MSBuild was used to build and run code from a file in a user folder (the alert\'s text.xml loader).'},
  {codes: ['hidden_rows'], title: 'ScreenConnect server: session records hidden by an administrator', severity: 'high', attack: ['T1070'], rationale: 'Rows of the session history were marked hidden by an administrator account, so they no longer show in the web interface. Hiding the record of what was done is itself a sign of an intrusion; ratchet reads and reports the hidden rows.'},
]

const SOURCE = 'built into ratchet (src/detect/blast/output.ts)'
const CATEGORY_RULES = CATEGORIES.map((c) => ({id: `screenconnect-server-${c.codes[0].replace(/_/g, '-')}`, title: c.title, source: SOURCE}))
export const SERVER_RULES = [...CATEGORY_RULES, {id: 'screenconnect-server-web-brute-force', title: 'ScreenConnect server: web login guessed (failures then success from one address)', source: SOURCE}]

export function blastFindings(b: BlastRadiusFile): Finding[] {
  const out: Finding[] = []
  const host = b.server.host
  for (const [i, c] of CATEGORIES.entries()) {
    const rule = CATEGORY_RULES[i].id
    const hits = b.affected.map((m) => ({m, rs: m.reasons.filter((r) => c.codes.includes(r.code))})).filter((x) => x.rs.length > 0)
    if (hits.length === 0) continue
    const ids = [...new Set(hits.flatMap((x) => x.rs.map((r) => r.event_id).filter((id): id is string => !!id)))]
    const times = hits.flatMap((x) => x.m.connections.filter((k) => ids.includes(k.event_id)).map((k) => k.start_utc))
      .concat(hits.flatMap((x) => x.m.commands.filter((k) => ids.includes(k.event_id)).map((k) => k.queued_utc)))
      .concat(hits.flatMap((x) => x.m.files.filter((k) => ids.includes(k.event_id)).map((k) => k.time_utc)))
      .concat(hits.flatMap((x) => x.m.hidden_rows.filter((k) => ids.includes(k.event_id)).map((k) => k.time_utc)))
      .concat(hits.map((x) => x.m.first_suspicious_utc))
      .sort()
    const machines = hits.map((x) => x.m.machine)
    const facts = `Machines reached (${machines.length}): ${machines.join(', ')}. Reasons: ${[...new Set(hits.flatMap((x) => x.rs.map((r) => r.text)))].slice(0, 12).join('; ')}.`
    const f: Finding = {
      id: stableId(rule, [host ?? '', ...machines]),
      rule,
      title: c.title,
      severity: c.severity,
      confidence: 'high',
      attack: c.attack,
      rationale: `${c.rationale} ${facts}`,
      first_seen: times[0] ?? '',
      last_seen: times[times.length - 1] ?? '',
      event_ids: ids.slice(0, 1000),
      session_ids: [],
      ioc_hits: [],
      entities: {
        accounts: [...new Set(hits.flatMap((x) => x.m.operators))].sort(),
        addresses: [...new Set(hits.flatMap((x) => x.m.addresses))].sort(),
        tools: ['ScreenConnect'],
        commands: [...new Set(hits.flatMap((x) => x.m.commands.filter((k) => ids.includes(k.event_id)).map((k) => k.text)))].sort(),
        files: [...new Set(hits.flatMap((x) => x.m.files.filter((k) => ids.includes(k.event_id)).map((k) => k.name)))].sort(),
      },
      correlated: true,
    }
    for (const k of Object.keys(f.entities) as (keyof Finding['entities'])[]) if (f.entities[k]?.length === 0) delete f.entities[k]
    if (host) f.host = host
    out.push(f)
  }
  if (b.brute_force.length) {
    const rule = 'screenconnect-server-web-brute-force'
    const bf = b.brute_force
    out.push({
      id: stableId(rule, [host ?? '', ...bf.map((x) => x.address)]),
      rule,
      title: 'ScreenConnect server: web login guessed (failures then success from one address)',
      severity: 'critical',
      confidence: 'high',
      attack: ['T1110'],
      rationale: `The server's security log shows failed web logins followed by a successful one from the same address: someone guessed or sprayed an operator password and got in. ${bf.map((x) => `${x.address}: ${x.failures} failures, then a success${x.user ? ` as ${x.user}` : ''} at ${x.success_utc} (UTC)`).join('; ')}.`,
      first_seen: bf.map((x) => x.success_utc).sort()[0],
      last_seen: bf.map((x) => x.success_utc).sort().pop() as string,
      event_ids: bf.flatMap((x) => x.event_ids),
      session_ids: [],
      ioc_hits: [],
      entities: {addresses: bf.map((x) => x.address).sort(), accounts: [...new Set(bf.map((x) => x.user).filter((u): u is string => !!u))].sort(), tools: ['ScreenConnect']},
      correlated: true,
      ...(host ? {host} : {}),
    })
  }
  return out
}
