import {mkdirSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {beforeAll, describe, expect, it} from 'vitest'
import {isRatchetError} from '../../src/core/errors.js'
import {runHunt} from '../../src/detect/hunt.js'
import type {Finding, FindingsFile, RemoteSession, SessionsFile} from '../../src/detect/types.js'
import {EventTypes as T, type NormalizedEvent} from '../../src/events/types.js'
import {alertCaseEvents} from './alert-case.js'
import {anydesk, ev, evtx, SC_A, scLog, writeCase} from './case-builder.js'

const WINDOW = 30 * 60_000

function iocFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ratchet-iocs-'))
  const p = join(dir, 'alert-iocs.txt')
  writeFileSync(p, '# addresses from the alert (defanged as published)\n203.0.113[.]66\t# AnyDesk peer\n198.51.100.0/24\n')
  return p
}

function read(dir: string): {f: FindingsFile; s: SessionsFile} {
  return {f: JSON.parse(readFileSync(join(dir, 'findings.json'), 'utf8')), s: JSON.parse(readFileSync(join(dir, 'sessions.json'), 'utf8'))}
}

const byRule = (f: FindingsFile, rule: string): Finding[] => f.findings.filter((x) => x.rule === rule)

describe('hunt on the alert sequence', () => {
  let events: NormalizedEvent[]
  let f: FindingsFile
  let s: SessionsFile
  let dir: string
  let iocs: string
  const id = (pred: (e: NormalizedEvent) => boolean): string => {
    const e = events.find(pred)
    if (!e) throw new Error('fixture event missing')
    return e.id
  }
  beforeAll(async () => {
    events = alertCaseEvents()
    dir = writeCase(events)
    iocs = iocFile()
    await runHunt({caseDir: dir, iocFiles: [iocs], windowMs: WINDOW})
    ;({f, s} = read(dir))
  })

  it('rebuilds the ScreenConnect, AnyDesk and RDP sessions with their facts', () => {
    const sc = s.sessions.filter((x) => x.tool === 'ScreenConnect')
    expect(sc).toHaveLength(2)
    const intr = sc.find((x) => x.operator === 'ops') as RemoteSession
    expect(intr).toMatchObject({
      start: '2023-10-28T14:00:00.0000000Z',
      end: '2023-10-28T14:20:00.0000000Z',
      duration_seconds: 1200,
      instance: {thumbprint: SC_A, relay_host: 'rs.tdsclinical.com', relay_port: 8041},
      direction: 'incoming',
      suspicious: true,
    })
    expect(intr.activity.map((a) => a.event_type)).toEqual([
      T.REMOTE_FILE_TRANSFER, T.REMOTE_COMMAND, T.PROCESS_CREATED, T.SERVICE_INSTALLED, T.REMOTE_CONFIG, T.ACCOUNT_CREATED, T.ACCOUNT_GROUP_MEMBER_ADDED,
    ])
    const ad = s.sessions.find((x) => x.tool === 'AnyDesk') as RemoteSession
    expect(ad).toMatchObject({
      start: '2023-10-28T14:25:00.0000000Z',
      end: '2023-10-28T14:40:00.0000000Z',
      remote_address: '203.0.113.66',
      remote_id: '442226597',
      remote_alias: 'Richard Beard',
      auth_method: 'password',
      direction: 'incoming',
      suspicious: true,
    })
    // request → peer address → client ID → auth → stop, plus the connection_trace line
    expect(ad.event_ids).toHaveLength(6)
    expect(ad.reasons.some((r) => r.includes('203.0.113.66'))).toBe(true)
    const rdp = s.sessions.find((x) => x.tool === 'RDP') as RemoteSession
    expect(rdp).toMatchObject({start: '2023-10-26T08:00:00.0000000Z', end: '2023-10-26T08:45:00.0000000Z', remote_address: '10.0.0.5', operator: 'PHARM\\it-admin', suspicious: false, activity: []})
    expect(rdp.event_ids).toHaveLength(4)
    // sessions are in time order with stable ids
    expect(s.sessions.map((x) => x.start)).toEqual([...s.sessions.map((x) => x.start)].sort())
    for (const x of s.sessions) expect(x.id).toMatch(/^(ScreenConnect|AnyDesk|RDP):[0-9a-f]{16}$/)
  })

  it('the routine vendor session is a session, not a finding, but is marked for its IOC relay', () => {
    const routine = s.sessions.find((x) => x.operator === 'TDS Support') as RemoteSession
    expect(routine.activity).toEqual([])
    expect(routine.reasons).toEqual([expect.stringMatching(/relay rs\.tdsclinical\.com is an indicator/)])
    for (const x of f.findings) expect(x.session_ids).not.toContain(routine.id)
  })

  it('produces every expected finding, correlated with the right session', () => {
    const scId = s.sessions.find((x) => x.operator === 'ops')?.id as string
    const adId = s.sessions.find((x) => x.tool === 'AnyDesk')?.id as string
    const one = (rule: string, pred: (x: Finding) => boolean = () => true): Finding => {
      const l = byRule(f, rule).filter(pred)
      expect(l, rule).toHaveLength(1)
      return l[0]
    }
    const transfer = one('screenconnect-file-transfer')
    expect(transfer).toMatchObject({correlated: true, session_ids: [scId], attack: ['T1105']})
    expect(transfer.event_ids).toEqual([id((e) => e.event_type === T.REMOTE_FILE_TRANSFER)])
    expect(one('screenconnect-command')).toMatchObject({correlated: true, session_ids: [scId], attack: ['T1059']})
    expect(one('screenconnect-run-drop')).toMatchObject({correlated: true, session_ids: [scId]})
    const adService = one('remote-access-service-installed', (x) => x.entities.services?.includes('AnyDesk Service') === true)
    expect(adService).toMatchObject({correlated: true, session_ids: [scId], severity: 'high'})
    expect(adService.attack).toContain('T1219')
    expect(one('anydesk-unattended-password')).toMatchObject({correlated: true, session_ids: [scId]})
    const acct = one('account-change-remote-session')
    expect(acct).toMatchObject({correlated: true, severity: 'critical', confidence: 'high', session_ids: [scId], attack: ['T1136.001', 'T1098']})
    expect(acct.entities.accounts).toContain('sqlbackup')
    expect(acct.event_ids).toEqual([id((e) => e.event_type === T.ACCOUNT_CREATED && e.user === 'sqlbackup'), id((e) => e.event_type === T.ACCOUNT_GROUP_MEMBER_ADDED)])
    expect(acct.rationale).toMatch(/created and added to Administrators/)
    expect(acct.rationale).toMatch(/during the ScreenConnect session by operator "ops"/)
    const conn = one('ioc-connection', (x) => x.title.includes('203.0.113.66'))
    expect(conn).toMatchObject({correlated: true, session_ids: [adId]})
    expect(conn.ioc_hits[0]).toMatchObject({indicator: '203.0.113.66', field: 'src_ip', source: expect.stringMatching(/alert-iocs\.txt:2$/)})
    const second = one('remote-access-service-installed', (x) => x.entities.services?.some((n) => n.includes('7f1e2d3c4b5a6978')) === true)
    expect(second).toMatchObject({correlated: true, session_ids: [adId]})
    expect(second.rationale).toMatch(/5 minutes after the AnyDesk session from 203\.0\.113\.66/)
    const multi = one('multiple-screenconnect-instances')
    expect(multi.entities.instances).toEqual(['7f1e2d3c4b5a6978', SC_A])
    expect(multi.entities.addresses).toEqual(['relay.attacker-cloud.net:443', 'rs.tdsclinical.com:8041'])
    expect(multi.correlated).toBe(true)
    const cleared = one('event-log-cleared')
    expect(cleared).toMatchObject({correlated: true, session_ids: [adId], attack: ['T1070.001'], severity: 'high'})
    const payload = one('ioc-hit', (x) => x.title.endsWith('text.xml'))
    expect(payload.ioc_hits[0]).toMatchObject({type: 'file_name', field: 'file_name', source: expect.stringMatching(/^hc3-screenconnect-2023: /)})
    expect(payload.session_ids).toEqual([scId])
    // the vendor relay named in system.config is a connection target from the pack
    expect(byRule(f, 'ioc-connection').some((x) => x.title.endsWith('rs.tdsclinical.com'))).toBe(true)
    for (const x of f.findings) {
      expect(x.id).toMatch(new RegExp(`^${x.rule}:[0-9a-f]{16}$`))
      expect(x.rationale.length).toBeGreaterThan(80)
    }
  })

  it('reports the local admin decoy as a plain account creation, not part of the intrusion', () => {
    const decoy = byRule(f, 'account-change')
    expect(decoy).toHaveLength(1)
    expect(decoy[0]).toMatchObject({correlated: false, severity: 'low', session_ids: []})
    expect(decoy[0].entities.accounts).toEqual(['admin', 'pharmacist2'])
    expect(decoy[0].rationale).toMatch(/No suspicious remote session was found near it/)
    expect(byRule(f, 'account-change-remote-session').every((x) => !x.entities.accounts?.includes('pharmacist2'))).toBe(true)
  })

  it('records what was loaded and how the manifest was checked', () => {
    expect(f.format).toBe('ratchet-findings/1')
    expect(f.window_ms).toBe(WINDOW)
    expect(f.iocs.loaded.map((l) => l.count)).toEqual([2, 2])
    expect(f.manifest).toMatchObject({status: 'absent'})
    expect(f.stats?.events).toBe(events.length)
    expect(f.ioc_hits.length).toBeGreaterThan(0)
    expect(f.findings.map((x) => x.first_seen)).toEqual([...f.findings.map((x) => x.first_seen)].sort())
  })

  it('is deterministic: a second run writes byte-identical files', async () => {
    const a = readFileSync(join(dir, 'findings.json'))
    const b = readFileSync(join(dir, 'sessions.json'))
    // the same events written in another line order must not change anything either
    writeFileSync(join(dir, 'events.jsonl'), events.slice().reverse().map((e) => JSON.stringify(e)).join('\n') + '\n')
    await runHunt({caseDir: dir, iocFiles: [iocs], windowMs: WINDOW})
    expect(readFileSync(join(dir, 'findings.json')).equals(a)).toBe(true)
    expect(readFileSync(join(dir, 'sessions.json')).equals(b)).toBe(true)
  })

  it('scanning byte ranges in worker threads gives byte-identical files', async () => {
    const a = readFileSync(join(dir, 'findings.json'), 'utf8')
    const b = readFileSync(join(dir, 'sessions.json'), 'utf8')
    const d2 = writeCase(events)
    writeFileSync(join(d2, 'events.jsonl'), `{damaged\n${readFileSync(join(d2, 'events.jsonl'), 'utf8')}\n{damaged too\n`)
    await runHunt({caseDir: d2, iocFiles: [iocs], windowMs: WINDOW, scan: {parallelMinBytes: 0, workers: 3}})
    const f2 = readFileSync(join(d2, 'findings.json'), 'utf8')
    const parsed = JSON.parse(f2) as FindingsFile
    // same content apart from the case path and the damaged lines (reported with file-wide line numbers)
    expect(parsed.diagnostics?.map((d) => d.line)).toEqual([1, events.length + 3])
    expect(JSON.stringify({...parsed, case_dir: '', diagnostics: []})).toBe(JSON.stringify({...(JSON.parse(a) as FindingsFile), case_dir: '', diagnostics: []}))
    expect(readFileSync(join(d2, 'sessions.json'), 'utf8')).toBe(b)
  })

  it('a narrower window loses the after-session correlations but keeps the in-session ones', async () => {
    const d2 = writeCase(events)
    await runHunt({caseDir: d2, iocFiles: [iocFile()], windowMs: 60_000})
    const {f: f2} = read(d2)
    expect(byRule(f2, 'event-log-cleared')[0].correlated).toBe(false)
    expect(byRule(f2, 'account-change-remote-session')).toHaveLength(1)
  })
})

describe('hunt precision and other rules', () => {
  it('a routine vendor session with nothing inside gives a session and no findings', async () => {
    const dir = writeCase([
      scLog('2024-03-01T10:00:00Z', T.REMOTE_SESSION_START, 100, 'Vendor Tech Connected', SC_A, {user: 'Vendor Tech'}, {operator: 'Vendor Tech', relay_host: 'support.vendor.example', relay_port: 8041}),
      scLog('2024-03-01T10:20:00Z', T.REMOTE_SESSION_END, 101, 'Vendor Tech Disconnected', SC_A, {user: 'Vendor Tech'}, {operator: 'Vendor Tech'}),
    ])
    await runHunt({caseDir: dir, windowMs: WINDOW})
    const {f, s} = read(dir)
    expect(f.findings).toEqual([])
    expect(s.sessions).toHaveLength(1)
    expect(s.sessions[0]).toMatchObject({suspicious: false, reasons: [], operator: 'Vendor Tech', duration_seconds: 1200, instance: {relay_host: 'support.vendor.example'}})
  })

  it('hidden accounts, spoolsv children, portable remote tools, rejected AnyDesk and Session.db sessions', async () => {
    const D = '2024-05-02T'
    const dir = writeCase([
      evtx(`${D}09:00:00Z`, T.ACCOUNT_CREATED, 'Security', 'Microsoft-Windows-Security-Auditing', 4720, 'A user account was created: helpdesk$', {user: 'helpdesk$'}, {subject_user: 'admin'}),
      evtx(`${D}09:00:01Z`, T.ACCOUNT_EXISTS, 'Security', 'x', 0, 'machine account', {user: 'PHARM-SRV01$'}, {}),
      evtx(`${D}09:05:00Z`, T.PROCESS_CREATED, 'Security', 'Microsoft-Windows-Security-Auditing', 4688, 'A new process: cmd.exe', {process: 'C:\\Windows\\System32\\cmd.exe', command_line: 'cmd.exe /c whoami'}, {parent_process: 'C:\\Windows\\System32\\spoolsv.exe'}),
      evtx(`${D}09:05:01Z`, T.PROCESS_CREATED, 'Security', 'Microsoft-Windows-Security-Auditing', 4688, 'A new process: PrintIsolationHost.exe', {process: 'C:\\Windows\\System32\\PrintIsolationHost.exe'}, {parent_process: 'C:\\Windows\\System32\\spoolsv.exe'}),
      evtx(`${D}09:06:00Z`, T.PROCESS_CREATED, 'Security', 'Microsoft-Windows-Security-Auditing', 4688, 'A new process: AnyDesk.exe', {process: 'C:\\Users\\Public\\Music\\AnyDesk.exe', command_line: 'C:\\Users\\Public\\Music\\AnyDesk.exe --install "C:\\ProgramData\\AD" --start-with-win --silent'}, {tool: 'AnyDesk'}),
      evtx(`${D}09:06:05Z`, T.PROCESS_CREATED, 'Security', 'Microsoft-Windows-Security-Auditing', 4688, 'A new process: AnyDesk.exe', {process: 'C:\\Program Files (x86)\\AnyDesk\\AnyDesk.exe'}, {tool: 'AnyDesk'}),
      anydesk(`${D}09:10:00Z`, T.REMOTE_PEER_ADDRESS, 'Logged in from 192.0.2.10:4000 on relay 1.', {src_ip: '192.0.2.10'}),
      anydesk(`${D}09:10:01Z`, T.REMOTE_SESSION_REQUEST, 'Incoming session request: X (111222333)', {remote_id: '111222333'}, {alias: 'X'}),
      anydesk(`${D}09:10:20Z`, T.REMOTE_SESSION_END, 'Session closed by remote.'),
      ev({at: `${D}09:10:00Z`, type: T.REMOTE_SESSION_START, source: 'AnyDesk', member: 'files/C/ProgramData/AnyDesk/connection_trace.txt', line: 3, desc: 'Connection Start', message: 'Incoming REJECTED 111222333', fields: {remote_id: '111222333'}, attributes: {tool: 'AnyDesk', auth_method: 'REJECTED'}}),
      ev({at: `${D}11:00:00Z`, type: T.REMOTE_SESSION_START, source: 'ScreenConnect', member: 'files/C/Program Files (x86)/ScreenConnect/App_Data/Session.db', record: 'c1', message: 'Host tech connected to Guest session', fields: {user: 'tech', src_ip: '198.51.100.9'}, attributes: {tool: 'ScreenConnect', process_type: 'Host', session_guid: 'g-1', connection_id: 'c1'}}),
      ev({at: `${D}11:02:00Z`, type: T.REMOTE_COMMAND, source: 'ScreenConnect', member: 'files/C/Program Files (x86)/ScreenConnect/App_Data/Session.db', record: 'e1', message: 'QueuedCommand by tech: net user', fields: {user: 'tech', command_line: 'net user'}, attributes: {tool: 'ScreenConnect', session_guid: 'g-1'}}),
      ev({at: `${D}11:30:00Z`, type: T.REMOTE_SESSION_END, source: 'ScreenConnect', member: 'files/C/Program Files (x86)/ScreenConnect/App_Data/Session.db', record: 'c1-end', message: 'Host tech disconnected', fields: {user: 'tech'}, attributes: {tool: 'ScreenConnect', process_type: 'Host', session_guid: 'g-1', connection_id: 'c1'}}),
      evtx(`${D}12:00:00Z`, T.LOGON_SUCCESS, 'Security', 'Microsoft-Windows-Security-Auditing', 4624, 'logon type 10 from 192.0.2.44', {user: 'bob', src_ip: '192.0.2.44'}, {logon_type: 10}),
      evtx(`${D}12:00:00Z`, T.LOGON_SUCCESS, 'Security', 'Microsoft-Windows-Security-Auditing', 4624, 'network logon', {user: 'carol', src_ip: '192.0.2.45'}, {logon_type: 3}),
    ])
    await runHunt({caseDir: dir, windowMs: WINDOW})
    const {f, s} = read(dir)
    const hidden = byRule(f, 'hidden-account')
    expect(hidden.map((x) => x.entities.accounts)).toEqual([['helpdesk$']])
    const spool = byRule(f, 'spoolsv-child-process')
    expect(spool.map((x) => x.entities.files)).toEqual([['C:\\Windows\\System32\\cmd.exe']])
    const unusual = byRule(f, 'remote-access-binary-unusual-folder')
    expect(unusual.map((x) => x.entities.files)).toEqual([['C:\\Users\\Public\\Music\\AnyDesk.exe']])
    expect(byRule(f, 'anydesk-silent-install')).toHaveLength(1)
    const ad = s.sessions.find((x) => x.tool === 'AnyDesk') as RemoteSession
    expect(ad).toMatchObject({remote_address: '192.0.2.10', remote_id: '111222333', auth_method: 'REJECTED', suspicious: false})
    expect(ad.reasons.join(' ')).toMatch(/REJECTED/)
    expect(ad.reasons.join(' ')).toMatch(/not authenticated/)
    const db = s.sessions.find((x) => x.tool === 'ScreenConnect') as RemoteSession
    expect(db).toMatchObject({operator: 'tech', remote_address: '198.51.100.9', instance: {session_guid: 'g-1'}, duration_seconds: 1800})
    expect(db.activity.map((a) => a.summary)).toEqual(['QueuedCommand by tech: net user'])
    const rdp = s.sessions.filter((x) => x.tool === 'RDP')
    expect(rdp).toHaveLength(1)
    expect(rdp[0]).toMatchObject({operator: 'bob', remote_address: '192.0.2.44', end: null, duration_seconds: null})
    // Session.db rows describe guests on the server: they are not extra instances on this host
    expect(byRule(f, 'multiple-screenconnect-instances')).toEqual([])
  })
})

describe('hunt errors and damaged input', () => {
  it('E_CASE_MISSING (exit 4) when the case has no events.jsonl', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ratchet-empty-'))
    const e = await runHunt({caseDir: dir, windowMs: WINDOW}).catch((x: unknown) => x)
    expect(isRatchetError(e) && e.code).toBe('E_CASE_MISSING')
    expect(isRatchetError(e) && e.exitCode).toBe(4)
  })

  it('E_IOC_PARSE names the IOC file and line', async () => {
    const dir = writeCase([])
    const bad = join(dir, 'bad.txt')
    writeFileSync(bad, '1.2.3.4\nnot an indicator at all\n')
    const e = await runHunt({caseDir: dir, iocFiles: [bad], windowMs: WINDOW}).catch((x: unknown) => x)
    expect(isRatchetError(e) && e.code).toBe('E_IOC_PARSE')
    expect((e as Error).message).toContain(`${bad}:2`)
  })

  it('bad lines in events.jsonl become diagnostics and the run goes on; manifest hashes are matched', async () => {
    const good = ev({at: '2024-01-01T00:00:00Z', type: T.FILE_CREATED, source: 'EVTX', member: 'files/x.evtx', record: 1, message: 'created C:\\Windows\\Temp\\text.xml', fields: {file_name: 'C:\\Windows\\Temp\\text.xml'}})
    const dir = mkdtempSync(join(tmpdir(), 'ratchet-dmg-'))
    writeFileSync(join(dir, 'events.jsonl'), `{oops\n${JSON.stringify({id: 'x'})}\n${JSON.stringify(good)}\n`)
    mkdirSync(join(dir, 'evidence'))
    writeFileSync(join(dir, 'evidence', 'manifest.json'), JSON.stringify({format: 'ratchet-manifest/1', ended_utc: '2024-01-02T00:00:00.0000000Z', items: [
      {original_path: 'C:\\Windows\\Temp\\text.xml', archive_path: 'files/C/Windows/Temp/text.xml', artefact: 'x', kind: 'file', read_method: 'read', status: 'collected', hashes: {sha256: 'a'.repeat(64), sha1: 'b'.repeat(40), md5: 'c'.repeat(32)}},
    ]}))
    await runHunt({caseDir: dir, windowMs: WINDOW})
    const {f} = read(dir)
    expect(f.diagnostics?.map((d) => `${d.code}@${d.line}`)).toEqual(['HUNT_EVENT_LINE_NOT_JSON@1', 'HUNT_EVENT_LINE_NOT_EVENT@2'])
    expect(f.stats?.events).toBe(1)
    expect(f.manifest).toMatchObject({status: 'checked', location: 'evidence/manifest.json', items: 1})
    const hits = byRule(f, 'ioc-hit')
    expect(hits).toHaveLength(1)
    expect(hits[0].ioc_hits.map((h) => h.field).sort()).toEqual(['file_name', 'manifest.file_name'])
  })
})

describe('hunt on other inputs', () => {
  it('one AnyDesk connection logged by both traces is one session', async () => {
    const svc = 'files/C/ProgramData/AnyDesk/ad_svc.trace'
    const usr = 'files/C/Users/lab/AppData/Roaming/AnyDesk/ad.trace'
    const dir = writeCase([
      anydesk('2024-02-16T20:29:01Z', T.REMOTE_PEER_ADDRESS, 'Logged in from 192.0.2.7:1 on relay 1.', {src_ip: '192.0.2.7'}, {}, svc),
      anydesk('2024-02-16T20:29:02Z', T.REMOTE_SESSION_REQUEST, 'Incoming session request: A (221436813)', {remote_id: '221436813'}, {alias: 'A'}, svc),
      anydesk('2024-02-16T20:29:05Z', T.REMOTE_AUTH, 'Authenticated by local user.', {}, {auth_method: 'local user'}, svc),
      anydesk('2024-02-16T20:50:00Z', T.REMOTE_SESSION_END, 'Session stopped.', {}, {}, svc),
      anydesk('2024-02-16T20:29:03Z', T.REMOTE_SESSION_REQUEST, 'Incoming session request: A (221436813)', {remote_id: '221436813'}, {alias: 'A'}, usr),
      anydesk('2024-02-16T20:51:00Z', T.REMOTE_SESSION_END, 'Session closed.', {}, {}, usr),
    ])
    await runHunt({caseDir: dir, windowMs: WINDOW})
    const {s} = read(dir)
    expect(s.sessions).toHaveLength(1)
    expect(s.sessions[0]).toMatchObject({remote_id: '221436813', remote_address: '192.0.2.7', auth_method: 'local user', end: '2024-02-16T20:51:00.0000000Z', reasons: ['the remote address 192.0.2.7 is outside private address ranges']})
    expect(s.sessions[0].event_ids).toHaveLength(6)
  })

  it('reads CRLF events.jsonl, STIX files and the manifest inside a zip archive', async () => {
    const e = ev({at: '2024-01-01T00:00:00Z', type: T.NETWORK_CONNECTION, source: 'EVTX', member: 'files/s.evtx', record: 3, message: 'conn to 198.51.100.23:443', fields: {dst_ip: '198.51.100.23', dst_port: 443}})
    const dir = mkdtempSync(join(tmpdir(), 'ratchet-zip-'))
    writeFileSync(join(dir, 'events.jsonl'), `${JSON.stringify(e)}\r\n`)
    mkdirSync(join(dir, 'evidence'))
    const {ZipArchive} = await import('archiver')
    const {createWriteStream} = await import('node:fs')
    await new Promise<void>((resolve, reject) => {
      const ws = createWriteStream(join(dir, 'evidence', 'case.zip'))
      ws.on('close', () => resolve())
      const a = new ZipArchive()
      a.on('error', reject)
      a.pipe(ws)
      a.append(JSON.stringify({format: 'ratchet-manifest/1', items: [{original_path: '/tmp/x.bin', archive_path: 'files/tmp/x.bin', artefact: 'x', kind: 'file', read_method: 'read', status: 'collected', hashes: {sha256: 'f'.repeat(64), sha1: 'e'.repeat(40), md5: 'd'.repeat(32)}}]}), {name: 'manifest.json'})
      void a.finalize()
    })
    const stix = join(dir, 'feed.json')
    writeFileSync(stix, JSON.stringify({type: 'bundle', id: 'bundle--x', objects: [
      {type: 'indicator', id: 'indicator--1', pattern_type: 'stix', pattern: "[ipv4-addr:value = '198.51.100.0/24'] OR [file:hashes.MD5 = 'DDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDD']"},
      {type: 'indicator', id: 'indicator--2', pattern_type: 'stix', pattern: "[windows-registry-key:key = 'HKLM\\\\x']"},
    ]}))
    await runHunt({caseDir: dir, iocFiles: [stix], packs: [], windowMs: WINDOW})
    const {f} = read(dir)
    expect(f.stats?.events).toBe(1)
    expect(f.manifest).toMatchObject({status: 'checked', location: 'evidence/case.zip!manifest.json', items: 1})
    expect(f.iocs.skipped).toEqual([expect.objectContaining({source: `${stix}#indicator--2`, reason: expect.stringMatching(/windows-registry-key/)})])
    expect(f.ioc_hits.map((h) => `${h.field}:${h.indicator}`)).toEqual(['manifest.md5:dddddddddddddddddddddddddddddddd', 'dst_ip:198.51.100.0/24'])
    expect(byRule(f, 'ioc-connection')).toHaveLength(1)
    expect(byRule(f, 'ioc-hit')[0].entities.files).toEqual(['files/tmp/x.bin'])
  })
})
