/**
 * bench:blast — computeBlastRadius on a large synthetic server: 5,000 customer machines, ~60 Session.db rows
 * each (300k events) plus 20k web logins. Prints wall time and peak heap; no assertions (timings never go in tests).
 */
import {computeBlastRadius} from '../src/detect/blast/radius.js'
import {IocIndex} from '../src/detect/ioc/matcher.js'
import type {NormalizedEvent} from '../src/events/types.js'

const MACHINES = 5000
const events: NormalizedEvent[] = []
let n = 0
const base = Date.parse('2023-01-01T00:00:00Z')
const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$10000Z')
function push(ms: number, type: string, fields: Partial<NormalizedEvent>, attributes: Record<string, unknown>): void {
  events.push({id: `e${n++}`, datetime: iso(ms), timestamp: ms * 1000, timestamp_desc: 'Event Logged', message: type, source: 'ScreenConnect', artefact: 'sc', event_type: type, evidence: {member: 'App_Data/Session.db', record: `T:${n}`}, attributes: {tool: 'ScreenConnect', ...attributes}, ...fields} as NormalizedEvent)
}
for (let m = 0; m < MACHINES; m++) {
  const sess = {table: 'SessionEvent', session_guid: `g-${m}`, guest_machine: `M${m}`, custom_properties: [`Customer ${m}`]}
  for (let v = 0; v < 15; v++) {
    const t = base + ((m * 7919 + v * 86_400_000 * 20) % (300 * 86_400_000)) + 15 * 3_600_000
    const conn = `c-${m}-${v}`
    push(t, 'remote_access.session_start', {user: 'tech', src_ip: '192.0.2.10'}, {...sess, process_type: 'Host', connection_id: conn})
    push(t + 60_000, 'remote_access.command', {user: 'tech', command_line: 'ipconfig /all'}, sess)
    push(t + 65_000, 'remote_access.command_output', {}, {...sess, output: 'Windows IP Configuration'})
    push(t + 600_000, 'remote_access.session_end', {user: 'tech'}, {...sess, connection_id: conn})
  }
}
for (let d = 0; d < 20_000; d++) push(base + d * 1_300_000, d % 50 === 0 ? 'remote_access.web_login_failed' : 'remote_access.web_login', {user: 'tech', src_ip: '192.0.2.10'}, {})
// the intrusion on 10 machines
for (let m = 0; m < 10; m++) {
  const sess = {table: 'SessionEvent', session_guid: `g-${m * 400}`, guest_machine: `M${m * 400}`}
  const t = base + 301 * 86_400_000 + m * 3_600_000
  push(t, 'remote_access.session_start', {user: 'tech', src_ip: '198.51.100.77'}, {...sess, process_type: 'Host', connection_id: `x${m}`})
  push(t + 60_000, 'remote_access.command', {user: 'tech', command_line: 'whoami'}, sess)
}
const index = new IocIndex([{type: 'ipv4', value: '198.51.100.77', raw: '198.51.100.77', source: 'bench'}])
const t0 = process.hrtime.bigint()
const b = computeBlastRadius({caseDir: '/bench', events, index})
const ms = Number(process.hrtime.bigint() - t0) / 1e6
console.log(`bench:blast ${events.length} server events, ${MACHINES} machines: ${ms.toFixed(0)} ms, ${b.affected.length} affected, ${b.routine_only} routine, heap ${(process.memoryUsage().heapUsed / 1048576).toFixed(0)} MiB`)
