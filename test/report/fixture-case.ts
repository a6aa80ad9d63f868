/**
 * Builds a hand-made case folder exactly as analyze + hunt + collect write it (types from src/, conventions
 * from EVENT-CONVENTIONS.md): events.jsonl sorted by compareEvents, analysis.json, findings.json,
 * sessions.json, evidence/<archive> + <archive>.sha256, verify.json. The story follows the motivating case
 * (ScreenConnect abuse, AnyDesk persistence, a new local admin, a cleared log), with hostile strings in
 * event fields: HTML/script injection for the report, formula injection and line breaks for the CSV.
 */
import {mkdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import type {AnalysisFile} from '../../src/analyze/types.js'
import {sha256Hex} from '../../src/core/hashing.js'
import type {Finding, FindingsFile, RemoteSession, SessionsFile} from '../../src/detect/types.js'
import {compareEvents} from '../../src/events/order.js'
import {EventTypes, makeEventId, type EvidenceRef, type NormalizedEvent, type SourceFamily} from '../../src/events/types.js'
import {isoToMicros, normaliseIso} from '../../src/core/time.js'

export const HOSTILE_IMG = `<img src=x onerror="window.__ratchetPwned='img'">`
export const HOSTILE_SCRIPT = `<script>window.__ratchetPwned='script'</script>`
export const FORMULAS = ['=HYPERLINK("http://evil.example","click")', '+cmd|\' /C calc\'!A0', '-2+3', '@SUM(A1:A9)', '\tTAB-LEADING', '\rCR-LEADING']
export const MULTILINE = 'first line\nsecond line\r\nthird line'

const LOGS = 'files/C/Windows/System32/winevt/Logs'
export const MEMBERS = {
  app: `${LOGS}/Application.evtx`,
  sec: `${LOGS}/Security.evtx`,
  sys: `${LOGS}/System.evtx`,
  adTrace: 'files/C/ProgramData/AnyDesk/ad_svc.trace',
  adConn: 'files/C/ProgramData/AnyDesk/connection_trace.txt',
  adFiles: 'files/C/ProgramData/AnyDesk/file_transfer_trace.txt',
}
const TOOL_MEMBER = `files/C/Program Files (x86)/ScreenConnect Client (d33f78b4994b28a6)/system.config`

export const HOST = 'PHARM-SRV01'
export const INSTANCE = 'd33f78b4994b28a6'
export const RELAY = 'rs.tdsclinical.com'
export const ANYDESK_IP = '185.229.191.44'

interface Spec {
  t: string
  type: string
  msg: string
  member: string
  source?: SourceFamily
  artefact?: string
  record?: number
  line?: number
  desc?: string
  disc?: string
  fields?: Partial<Pick<NormalizedEvent, 'user' | 'src_ip' | 'src_port' | 'dst_ip' | 'dst_port' | 'remote_id' | 'process' | 'command_line' | 'file_name' | 'host'>>
  attrs?: Record<string, unknown>
}

function event(s: Spec, unverified: boolean): NormalizedEvent {
  const datetime = normaliseIso(s.t)!
  const evidence: EvidenceRef = {member: s.member, sha256: sha256Hex(s.member)}
  if (s.record !== undefined) evidence.record = s.record
  if (s.line !== undefined) evidence.line = s.line
  if (s.member.endsWith('.evtx') && s.record !== undefined) evidence.offset = 4096 + s.record * 512
  const source: SourceFamily = s.source ?? (s.member.endsWith('.evtx') ? 'EVTX' : 'AnyDesk')
  const e: NormalizedEvent = {
    id: makeEventId(evidence, s.type, datetime, s.disc ?? ''),
    datetime,
    timestamp: isoToMicros(datetime)!,
    timestamp_desc: s.desc ?? (source === 'EVTX' ? 'Event Logged' : 'Connection Start'),
    message: s.msg,
    source,
    artefact: s.artefact ?? (source === 'EVTX' ? 'windows.eventlogs' : 'windows.anydesk.traces'),
    event_type: s.type,
    host: s.fields?.host ?? HOST,
    ...s.fields,
    evidence,
    attributes: {...(source === 'EVTX' ? {channel: s.member.includes('Security') ? 'Security' : s.member.includes('System') ? 'System' : 'Application'} : {}), ...s.attrs},
  }
  if (unverified) e.unverified = true
  return e
}

export interface FixtureOptions {
  /** Mark evidence as failed verification (analysis + every event + findings). */
  unverified?: boolean
  /** Routine events spread over the period (histogram, neighbours). Default 120. */
  noise?: number
  /** Write findings.json and sessions.json (hunt has run). Default true. */
  hunt?: boolean
}

export interface FixtureCase {
  dir: string
  events: NormalizedEvent[]
  byKey: Record<string, NormalizedEvent>
  findings: FindingsFile
  sessions: SessionsFile
  analysis: AnalysisFile
}

export function buildFixtureCase(dir: string, opts: FixtureOptions = {}): FixtureCase {
  const unv = Boolean(opts.unverified)
  const sc = {tool: 'ScreenConnect', instance: INSTANCE, relay_host: RELAY, relay_port: 8041, session_type: 'Access'}
  const key: Record<string, Spec> = {
    scInstall: {t: '2023-10-28T13:58:02.5000000Z', type: EventTypes.SERVICE_INSTALLED, msg: `Service ScreenConnect Client (${INSTANCE}) installed`, member: MEMBERS.sys, record: 8801, fields: {process: `C:\\Program Files (x86)\\ScreenConnect Client (${INSTANCE})\\ScreenConnect.ClientService.exe`}, attrs: {...sc, event_id: 7045, service_name: `ScreenConnect Client (${INSTANCE})`, image_path: `"C:\\Program Files (x86)\\ScreenConnect Client (${INSTANCE})\\ScreenConnect.ClientService.exe" "?e=Access&y=Guest&h=${RELAY}&p=8041"`, start_type: 'auto start', account: 'LocalSystem'}},
    scStart: {t: '2023-10-28T14:02:11.1234567Z', type: EventTypes.REMOTE_SESSION_START, msg: 'ScreenConnect: rs-operator Connected', member: MEMBERS.app, record: 1001, fields: {user: 'rs-operator'}, attrs: {...sc, event_id: 100, operator: 'rs-operator', provider: `ScreenConnect Client (${INSTANCE})`}},
    xfer1: {t: '2023-10-28T14:05:30.0000000Z', type: EventTypes.REMOTE_FILE_TRANSFER, msg: "ScreenConnect: Transferred files with action 'Transfer': text.xml", member: MEMBERS.app, record: 1002, disc: 'text.xml', fields: {file_name: 'text.xml'}, attrs: {...sc, event_id: 201, action: 'Transfer'}},
    xfer2: {t: '2023-10-28T14:05:30.0000000Z', type: EventTypes.REMOTE_FILE_TRANSFER, msg: `ScreenConnect: Transferred files with action 'Transfer': ${HOSTILE_SCRIPT}`, member: MEMBERS.app, record: 1002, disc: 'hostile', fields: {file_name: HOSTILE_SCRIPT}, attrs: {...sc, event_id: 201, action: 'Transfer'}},
    scCmd: {t: '2023-10-28T14:07:02.0000000Z', type: EventTypes.REMOTE_COMMAND, msg: 'ScreenConnect: Executed command of length: 657', member: MEMBERS.app, record: 1003, attrs: {...sc, event_id: 200, command_length: 657}},
    runCmd: {t: '2023-10-28T14:09:45.0000000Z', type: EventTypes.PROCESS_CREATED, msg: 'Process cmd.exe created by ScreenConnect.ClientService.exe', member: MEMBERS.sec, record: 55102, fields: {process: 'C:\\Windows\\System32\\cmd.exe', command_line: `cmd.exe /c "C:\\Windows\\Temp\\ScreenConnect\\23.9.8.8811\\e6f7run.cmd" ${HOSTILE_SCRIPT}`, user: 'SYSTEM'}, attrs: {event_id: 4688, parent_process: `C:\\Program Files (x86)\\ScreenConnect Client (${INSTANCE})\\ScreenConnect.ClientService.exe`}},
    adInstall: {t: '2023-10-28T14:10:12.0000000Z', type: EventTypes.SERVICE_INSTALLED, msg: 'Service AnyDesk installed', member: MEMBERS.sys, record: 8802, fields: {process: 'C:\\ProgramData\\AnyDesk\\AnyDesk.exe'}, attrs: {event_id: 7045, tool: 'AnyDesk', service_name: 'AnyDesk', image_path: '"C:\\ProgramData\\AnyDesk\\AnyDesk.exe" --service', start_type: 'auto start', account: 'LocalSystem'}},
    acctCreated: {t: '2023-10-28T14:12:40.0000000Z', type: EventTypes.ACCOUNT_CREATED, msg: 'User account helpdesk$ created by SYSTEM', member: MEMBERS.sec, record: 55140, fields: {user: 'helpdesk$'}, attrs: {event_id: 4720, TargetUserName: 'helpdesk$', target_domain: HOST, target_sid: 'S-1-5-21-1004336348-1177238915-682003330-1013', subject_user: `${HOST}$`}},
    acctGroup: {t: '2023-10-28T14:12:41.0000000Z', type: EventTypes.ACCOUNT_GROUP_MEMBER_ADDED, msg: 'helpdesk$ added to Administrators', member: MEMBERS.sec, record: 55141, fields: {user: 'helpdesk$'}, attrs: {event_id: 4732, member_name: 'helpdesk$', member_sid: 'S-1-5-21-1004336348-1177238915-682003330-1013', group_name: 'Administrators', group_sid: 'S-1-5-32-544', privileged_group: true}},
    badLogon: {t: '2023-10-28T14:15:00.0000000Z', type: EventTypes.LOGON_FAILED, msg: `Failed logon for ${HOSTILE_IMG}`, member: MEMBERS.sec, record: 55150, fields: {user: HOSTILE_IMG, src_ip: ANYDESK_IP}, attrs: {event_id: 4625, logon_type: 10, logon_type_name: 'RemoteInteractive'}},
    scEnd: {t: '2023-10-28T14:20:05.0000000Z', type: EventTypes.REMOTE_SESSION_END, msg: 'ScreenConnect: rs-operator Disconnected', member: MEMBERS.app, record: 1004, fields: {user: 'rs-operator'}, attrs: {...sc, event_id: 101, operator: 'rs-operator'}},
    adStart: {t: '2023-11-02T09:30:00.0000000Z', type: EventTypes.REMOTE_SESSION_START, msg: `AnyDesk incoming session from ${ANYDESK_IP} (ID 123456789)`, member: MEMBERS.adConn, line: 17, source: 'AnyDesk', fields: {remote_id: '123456789', src_ip: ANYDESK_IP}, attrs: {tool: 'AnyDesk', auth_method: 'Passwd', alias: HOSTILE_IMG, raw_line: `Incoming 2023-11-02, 09:30 Passwd 123456789 123456789`}},
    adXfer: {t: '2023-11-02T09:41:10.0000000Z', type: EventTypes.REMOTE_FILE_TRANSFER, msg: 'AnyDesk file transfer: pharmacy_orders_2023.zip (download)', member: MEMBERS.adFiles, line: 3, source: 'AnyDesk', desc: 'File Transferred', fields: {file_name: 'pharmacy_orders_2023.zip', remote_id: '123456789'}, attrs: {tool: 'AnyDesk', action: 'download', direction: 'outgoing', size_text: '48.2 MB'}},
    adEnd: {t: '2023-11-02T09:55:31.0000000Z', type: EventTypes.REMOTE_SESSION_END, msg: 'AnyDesk session closed', member: MEMBERS.adTrace, line: 912, source: 'AnyDesk', desc: 'Session End', fields: {remote_id: '123456789'}, attrs: {tool: 'AnyDesk'}},
    logCleared: {t: '2023-11-08T16:00:00.0000000Z', type: EventTypes.LOG_CLEARED, msg: 'The Security log was cleared by helpdesk$', member: MEMBERS.sec, record: 60001, fields: {user: 'helpdesk$'}, attrs: {event_id: 1102, cleared_channel: 'Security'}},
    rdpStart: {t: '2023-10-30T08:00:00.0000000Z', type: EventTypes.LOGON_RDP, msg: 'RDP session logon admin from 10.0.0.5', member: `${LOGS}/Microsoft-Windows-TerminalServices-LocalSessionManager%4Operational.evtx`, record: 310, fields: {user: 'CORP\\admin', src_ip: '10.0.0.5'}, attrs: {tool: 'RDP', session_id: 2}},
  }
  const byKey: Record<string, NormalizedEvent> = {}
  for (const [k, s] of Object.entries(key)) byKey[k] = event(s, unv)

  const all: NormalizedEvent[] = Object.values(byKey)
  const noise = opts.noise ?? 120
  const start = Date.parse('2023-10-20T00:00:00Z')
  for (let i = 0; i < noise; i++) {
    const t = new Date(start + i * 4 * 3600_000 + (i % 7) * 60_000).toISOString()
    all.push(
      event(
        i % 3 === 0
          ? {t, type: EventTypes.EVTX_GENERIC, msg: i === 6 ? MULTILINE : `Service Control Manager 7036 Windows Update state ${i}`, member: MEMBERS.sys, record: 7000 + i, attrs: {event_id: 7036, provider: 'Service Control Manager'}}
          : {t, type: EventTypes.LOGON_SUCCESS, msg: `Successful logon svc_sql (${i})`, member: MEMBERS.sec, record: 50000 + i, fields: {user: 'svc_sql', src_ip: '10.0.0.12'}, attrs: i === 5 ? (JSON.parse('{"event_id":4624,"__proto__":{"polluted":true}}') as Record<string, unknown>) : {event_id: 4624, logon_type: 3, logon_type_name: 'Network', note: i === 4 ? MULTILINE : undefined}},
        unv,
      ),
    )
  }
  // Formula-injection values in pivots (CSV must neutralise them), one failed logon each.
  FORMULAS.forEach((formula, k) => {
    all.push(event({t: new Date(Date.parse('2023-10-25T03:00:00Z') + k * 60_000).toISOString(), type: EventTypes.LOGON_FAILED, msg: `Failed logon ${k}`, member: MEMBERS.sec, record: 49000 + k, fields: {user: formula, command_line: formula, src_ip: '10.0.0.99'}, attrs: {event_id: 4625, logon_type: 3}}, unv))
  })
  all.sort(compareEvents)

  const ids = (...k: string[]): string[] => k.map((x) => byKey[x]!.id)
  const relayHit = {indicator: RELAY, type: 'domain' as const, source: 'hc3-screenconnect-2023.txt', description: 'ScreenConnect host named in the HC3 sector alert', field: 'attributes.relay_host', value: RELAY, event_id: byKey.scInstall!.id}
  const f = (x: Omit<Finding, 'id' | 'session_ids' | 'ioc_hits' | 'host'> & Partial<Finding>): Finding => ({id: `${x.rule}:${sha256Hex(x.rule + x.title).slice(0, 16)}`, host: HOST, session_ids: [], ioc_hits: [], ...x})
  const sessions: RemoteSession[] = [
    {id: 'ScreenConnect:1a2b3c4d5e6f7081', tool: 'ScreenConnect', host: HOST, instance: {thumbprint: INSTANCE, relay_host: RELAY, relay_port: 8041}, start: byKey.scStart!.datetime, end: byKey.scEnd!.datetime, duration_seconds: 1074, operator: 'rs-operator', direction: 'incoming', event_ids: ids('scStart', 'scEnd'), activity: ['xfer1', 'xfer2', 'scCmd', 'runCmd', 'adInstall', 'acctCreated', 'acctGroup'].map((k) => ({event_id: byKey[k]!.id, datetime: byKey[k]!.datetime, event_type: byKey[k]!.event_type, summary: byKey[k]!.message})), suspicious: true, reasons: [`relay ${RELAY} matches an indicator`, 'account created during the session']},
    {id: 'AnyDesk:9f8e7d6c5b4a3921', tool: 'AnyDesk', host: HOST, start: byKey.adStart!.datetime, end: byKey.adEnd!.datetime, duration_seconds: 1531, remote_address: ANYDESK_IP, remote_id: '123456789', remote_alias: HOSTILE_IMG, auth_method: 'password', direction: 'incoming', event_ids: ids('adStart', 'adEnd'), activity: [{event_id: byKey.adXfer!.id, datetime: byKey.adXfer!.datetime, event_type: byKey.adXfer!.event_type, summary: byKey.adXfer!.message}], suspicious: true, reasons: ['AnyDesk installed by the ScreenConnect operator', 'file downloaded by the remote party']},
    {id: 'RDP:00aa11bb22cc33dd', tool: 'RDP', host: HOST, start: byKey.rdpStart!.datetime, end: null, duration_seconds: null, remote_address: '10.0.0.5', operator: 'CORP\\admin', direction: 'incoming', event_ids: ids('rdpStart'), activity: [], suspicious: false, reasons: []},
  ]
  const findings: Finding[] = [
    f({rule: 'ioc.screenconnect_relay', title: `Unauthorised ScreenConnect instance ${INSTANCE} talks to a known-bad relay`, severity: 'critical', confidence: 'high', attack: ['T1219', 'T1133'], rationale: `A ScreenConnect client service was installed with relay ${RELAY}:8041, a host named in the sector alert. The operator rs-operator connected four minutes later.`, first_seen: byKey.scInstall!.datetime, last_seen: byKey.scEnd!.datetime, event_ids: ids('scInstall', 'scStart', 'scEnd'), session_ids: [sessions[0]!.id], ioc_hits: [relayHit], entities: {tools: ['ScreenConnect'], addresses: [RELAY], instances: [INSTANCE], services: [`ScreenConnect Client (${INSTANCE})`], accounts: ['rs-operator']}, correlated: true}),
    f({rule: 'remote.file_transfer', title: 'Files pushed to the host through ScreenConnect', severity: 'high', confidence: 'high', attack: ['T1105'], rationale: `Two files were transferred during the ScreenConnect session, including text.xml, the payload named in the alert. One file name is HTML: ${HOSTILE_IMG}`, first_seen: byKey.xfer1!.datetime, last_seen: byKey.xfer2!.datetime, event_ids: ids('xfer1', 'xfer2'), session_ids: [sessions[0]!.id], ioc_hits: [{indicator: 'text.xml', type: 'file_name', source: 'hc3-screenconnect-2023.txt', field: 'file_name', value: 'text.xml', event_id: byKey.xfer1!.id}], entities: {tools: ['ScreenConnect'], files: ['text.xml', HOSTILE_SCRIPT]}, correlated: true}),
    f({rule: 'account.created_in_session', title: 'Local account helpdesk$ created and added to Administrators', severity: 'high', confidence: 'high', attack: ['T1136.001', 'T1098'], rationale: 'A new local account was created by the SYSTEM account eight minutes after the remote operator connected, and immediately made an administrator: a common persistence step.', first_seen: byKey.acctCreated!.datetime, last_seen: byKey.acctGroup!.datetime, event_ids: ids('acctCreated', 'acctGroup'), session_ids: [sessions[0]!.id], entities: {accounts: ['helpdesk$']}, correlated: true}),
    f({rule: 'persistence.extra_remote_tool', title: 'AnyDesk installed as a service during the ScreenConnect session', severity: 'high', confidence: 'medium', attack: ['T1219', 'T1543.003'], rationale: 'A second remote-access tool was installed as a service while the ScreenConnect operator was connected, giving the actor another way back in.', first_seen: byKey.adInstall!.datetime, last_seen: byKey.adInstall!.datetime, event_ids: ids('adInstall', 'runCmd', 'scCmd'), session_ids: [sessions[0]!.id], entities: {tools: ['AnyDesk'], services: ['AnyDesk'], commands: [byKey.runCmd!.command_line!]}, correlated: true}),
    f({rule: 'remote.anydesk_external', title: `AnyDesk session from ${ANYDESK_IP} with a file download`, severity: 'high', confidence: 'medium', attack: ['T1219', 'T1041'], rationale: `An external party (AnyDesk ID 123456789, alias ${HOSTILE_IMG}) logged in with the unattended password and downloaded pharmacy_orders_2023.zip.`, first_seen: byKey.adStart!.datetime, last_seen: byKey.adEnd!.datetime, event_ids: ids('adStart', 'adXfer', 'adEnd'), session_ids: [sessions[1]!.id], entities: {tools: ['AnyDesk'], addresses: [ANYDESK_IP], files: ['pharmacy_orders_2023.zip']}, correlated: true}),
    f({rule: 'defense_evasion.log_cleared', title: 'Security event log cleared', severity: 'medium', confidence: 'high', attack: ['T1070.001'], rationale: 'The Security log was cleared by the account the intruder created, removing the record of earlier logons.', first_seen: byKey.logCleared!.datetime, last_seen: byKey.logCleared!.datetime, event_ids: ids('logCleared'), entities: {accounts: ['helpdesk$']}, correlated: true}),
    f({rule: 'logon.failed_remote', title: 'Failed remote logon with an HTML user name', severity: 'low', confidence: 'low', attack: ['T1110'], rationale: `One failed logon used the user name ${HOSTILE_IMG}.`, first_seen: byKey.badLogon!.datetime, last_seen: byKey.badLogon!.datetime, event_ids: ids('badLogon'), entities: {accounts: [HOSTILE_IMG]}, correlated: false}),
  ]

  const analysis: AnalysisFile = {
    format: 'ratchet-analysis/1',
    input: {path: `/cases/IR-2023-0417/evidence/${HOST}_20231109T1500Z.zip`, kind: 'zip', sha256: sha256Hex('archive')},
    verification: unv ? {status: 'failed', problems: [`${MEMBERS.sec}: SHA-256 differs from the manifest`], signature: 'absent'} : {status: 'verified', problems: [], signature: 'absent'},
    unverified: unv,
    collection: {case_id: 'IR-2023-0417', examiner: `J. Rivera ${HOSTILE_IMG}`, tool: {name: 'ratchet', version: '0.1.0', command_line: ['ratchet', 'collect', '--live', '--case', 'IR-2023-0417', '--out', 'E:\\cases'], node: 'v20.20.2'}, source: {mode: 'live', root: 'C:\\', os: 'windows'}, started_utc: '2023-11-09T15:00:02.0000000Z', ended_utc: '2023-11-09T15:07:45.0000000Z', profile: 'remote-access'},
    host: {hostname: HOST, os: 'Windows Server 2019 Standard', platform: 'win32', release: '10.0.17763', time_zone: 'Central Standard Time', utc_offset_minutes: -360, clock_utc_at_start: '2023-11-09T15:00:02.0000000Z'},
    parsers: [{name: 'evtx', version: '1'}, {name: 'anydesk-trace', version: '1'}],
    artefacts: [
      {id: 'windows.eventlogs', files: Object.values(MEMBERS).filter((m) => m.endsWith('.evtx')).map((m) => ({member: m, sha256: sha256Hex(m), parser: 'evtx', events: 40, diagnostics: m === MEMBERS.sys ? 1 : 0})), events: 120, diagnostics: [{code: 'EVTX_CHUNK_BAD_CRC', severity: 'error', message: `chunk 3 failed its checksum; 61 records skipped ${HOSTILE_SCRIPT}`, file: MEMBERS.sys, chunk: 3}]},
      {id: 'windows.anydesk.traces', files: [MEMBERS.adTrace, MEMBERS.adConn, MEMBERS.adFiles].map((m) => ({member: m, sha256: sha256Hex(m), parser: 'anydesk-trace', events: 3, diagnostics: 0})), events: 3, diagnostics: []},
    ],
    not_parsed: [{member: TOOL_MEMBER, artefact: 'windows.screenconnect.config', reason: 'no parser for this file version'}],
    totals: {files: 7, events: all.length, diagnostics: 1},
    ratchet_version: '0.1.0',
  }
  const findingsFile: FindingsFile = {
    format: 'ratchet-findings/1',
    case_dir: dir,
    unverified: unv,
    window_ms: 1_800_000,
    iocs: {loaded: [{source: 'hc3-screenconnect-2023.txt', count: 14}, {source: 'local-blocklist.csv', count: 3}], skipped: [{source: 'local-blocklist.csv', line: 4, value: '010.1.2.3', reason: 'octal-looking IPv4 address refused'}]},
    rules: findings.map((x) => ({id: x.rule, title: x.title, source: 'builtin'})),
    findings,
    ioc_hits: findings.flatMap((x) => x.ioc_hits),
  }

  mkdirSync(join(dir, 'evidence'), {recursive: true})
  writeFileSync(join(dir, 'events.jsonl'), all.map((e) => JSON.stringify(e)).join('\n') + '\n')
  writeFileSync(join(dir, 'analysis.json'), JSON.stringify(analysis, null, 2))
  const sessionsFile: SessionsFile = {format: 'ratchet-sessions/1', sessions}
  if (opts.hunt !== false) {
    writeFileSync(join(dir, 'findings.json'), JSON.stringify(findingsFile, null, 2))
    writeFileSync(join(dir, 'sessions.json'), JSON.stringify(sessionsFile, null, 2))
  }
  const archive = `${HOST}_20231109T1500Z.zip`
  writeFileSync(join(dir, 'evidence', archive), 'PK\u0003\u0004 not a real archive')
  writeFileSync(join(dir, 'evidence', `${archive}.sha256`), `${sha256Hex('archive')}  ${archive}\n`)
  // The shape `ratchet verify --report` writes (collect branch: VerifyReport + exit_code).
  writeFileSync(
    join(dir, 'verify.json'),
    JSON.stringify({archive, format: 'zip', status: unv ? 'failed' : 'verified', members: [], manifest: {state: 'ok'}, sha256sums: {state: 'ok'}, sidecar: {state: 'ok'}, signature: {state: 'absent'}, problems: unv ? [`${MEMBERS.sec}: hash mismatch`] : [], counts: {ok: 7, mismatch: unv ? 1 : 0, missing: 0, extra: 0, unreadable: 0}, case_id: 'IR-2023-0417', exit_code: unv ? 5 : 0, files_written: []}),
  )
  return {dir, events: all, byKey, findings: findingsFile, sessions: sessionsFile, analysis}
}
