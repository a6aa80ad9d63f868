import {mkdirSync, mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {isoToMicros, normaliseIso} from '../../src/core/time.js'
import {compareEvents} from '../../src/events/order.js'
import {makeEventId, type EvidenceRef, type NormalizedEvent, type SourceFamily} from '../../src/events/types.js'

/** Builds NormalizedEvents exactly as the conventions say analyze writes them (ids via makeEventId). */
export interface EvSpec {
  at: string
  type: string
  source: SourceFamily
  artefact?: string
  member: string
  record?: number | string
  line?: number
  discriminator?: string
  message: string
  desc?: string
  host?: string
  fields?: Partial<Pick<NormalizedEvent, 'user' | 'src_ip' | 'src_port' | 'dst_ip' | 'dst_port' | 'remote_id' | 'process' | 'command_line' | 'file_name'>>
  attributes?: Record<string, unknown>
}

export const HOST = 'PHARM-SRV01'

export function ev(s: EvSpec): NormalizedEvent {
  const datetime = normaliseIso(s.at) as string
  const evidence: EvidenceRef = {member: s.member, sha256: `${'ab'.repeat(31)}${s.member.length.toString(16).padStart(2, '0')}`}
  if (s.record !== undefined) evidence.record = s.record
  if (s.line !== undefined) evidence.line = s.line
  const e: NormalizedEvent = {
    id: makeEventId(evidence, s.type, datetime, s.discriminator ?? ''),
    datetime,
    timestamp: isoToMicros(datetime) as number,
    timestamp_desc: s.desc ?? 'Event Logged',
    message: s.message,
    source: s.source,
    artefact: s.artefact ?? (s.source === 'EVTX' ? 'windows.eventlogs.all' : `windows.remote-access.${s.source.toLowerCase()}`),
    event_type: s.type,
    host: s.host ?? HOST,
    ...s.fields,
    evidence,
    attributes: s.attributes ?? {},
  }
  return e
}

let rec = 1000
const LOGS = 'files/C/Windows/System32/winevt/Logs/'

/** An event from a Windows event log with the common EVTX attributes. */
export function evtx(at: string, type: string, channel: string, provider: string, eventId: number, message: string, fields: EvSpec['fields'] = {}, attributes: Record<string, unknown> = {}, host = HOST): NormalizedEvent {
  const record = rec++
  const file = channel.replace(/\//g, '%4')
  return ev({at, type, source: 'EVTX', member: `${LOGS}${file}.evtx`, record, message, fields, host, attributes: {event_id: eventId, channel, provider, record_id: record, ...attributes}})
}

export const SC_A = 'd33f78b4994b28a6'
export const SC_B = '7f1e2d3c4b5a6978'

export function scLog(at: string, type: string, eventId: number, message: string, instance: string, fields: EvSpec['fields'] = {}, attributes: Record<string, unknown> = {}, host = HOST): NormalizedEvent {
  return evtx(at, type, 'Application', 'ScreenConnect', eventId, message, fields, {tool: 'ScreenConnect', instance, ...attributes}, host)
}

let adLine = 1
export function anydesk(at: string, type: string, message: string, fields: EvSpec['fields'] = {}, attributes: Record<string, unknown> = {}, member = 'files/C/ProgramData/AnyDesk/ad_svc.trace'): NormalizedEvent {
  const line = adLine++
  return ev({at, type, source: 'AnyDesk', member, line, message, fields, attributes: {tool: 'AnyDesk', raw_line: `   info ${at.replace('T', ' ').replace('Z', '')}       lsvc   6572   5380   ${message}`, pid: 6572, role: 'lsvc', component: 'anynet.any_socket', ...attributes}})
}

/** Writes a case folder with events.jsonl sorted by the project's total order. */
export function writeCase(events: NormalizedEvent[], dir = mkdtempSync(join(tmpdir(), 'ratchet-hunt-'))): string {
  mkdirSync(dir, {recursive: true})
  const sorted = events.slice().sort(compareEvents)
  writeFileSync(join(dir, 'events.jsonl'), sorted.map((e) => JSON.stringify(e)).join('\n') + '\n')
  return dir
}
