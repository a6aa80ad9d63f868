import {readFileSync, rmSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {runHunt} from '../../src/detect/hunt.js'
import {isExternalAddress} from '../../src/detect/suspicion.js'
import type {FindingsFile, SessionsFile} from '../../src/detect/types.js'
import {EventTypes as T} from '../../src/events/types.js'
import {anydesk, ev, evtx, writeCase} from './case-builder.js'

const WINDOW = 30 * 60_000
const SEC = ['Security', 'Microsoft-Windows-Security-Auditing'] as const
const LSM = ['Microsoft-Windows-TerminalServices-LocalSessionManager/Operational', 'Microsoft-Windows-TerminalServices-LocalSessionManager'] as const
const dirs: string[] = []

function read(dir: string): {f: FindingsFile; s: SessionsFile} {
  return {f: JSON.parse(readFileSync(join(dir, 'findings.json'), 'utf8')) as FindingsFile, s: JSON.parse(readFileSync(join(dir, 'sessions.json'), 'utf8')) as SessionsFile}
}

const rdp = (on: string, off: string, user: string, ip: string, sid: number): ReturnType<typeof evtx>[] => [
  evtx(on, T.LOGON_RDP, LSM[0], LSM[1], 21, `RDP logon ${user}`, {user: `PHARM\\${user}`, src_ip: ip}, {session_id: sid, tool: 'RDP'}),
  evtx(off, T.LOGON_RDP_DISCONNECT, LSM[0], LSM[1], 24, `RDP disconnect ${user}`, {user: `PHARM\\${user}`, src_ip: ip}, {session_id: sid, tool: 'RDP'}),
]

const created = (at: string, name: string, rid: number, by: string): ReturnType<typeof evtx>[] => {
  const sid = `S-1-5-21-1-2-3-${rid}`
  return [
    evtx(at, T.ACCOUNT_CREATED, SEC[0], SEC[1], 4720, `A user account was created: ${name}`, {user: name}, {target_sid: sid, TargetSid: sid, subject_user: by}),
    // 4732 for a local account: MemberName is "-", only the SID names it
    evtx(at.replace(/:00Z$/, ':01Z'), T.ACCOUNT_GROUP_MEMBER_ADDED, SEC[0], SEC[1], 4732, `${sid} added to Administrators`, {user: sid}, {member_sid: sid, MemberName: '-', group_name: 'Administrators', group_sid: 'S-1-5-32-544', privileged_group: true, subject_user: by}),
  ]
}

afterAll(() => {
  for (const d of dirs) rmSync(d, {recursive: true, force: true})
})

describe('which sessions tie other events into the intrusion story', () => {
  it('classifies addresses: private, loopback and link-local are internal; documentation and public ranges are external', () => {
    for (const a of ['10.20.30.15', '192.168.1.2', '172.16.0.9', '127.0.0.1', '169.254.1.1', '::1', 'fe80::1', 'fd00::5']) expect(isExternalAddress(a), a).toBe(false)
    for (const a of ['198.51.100.77', '8.8.8.8', '2001:4860::8888']) expect(isExternalAddress(a), a).toBe(true)
    expect(isExternalAddress('not an address')).toBe(false)
    expect(isExternalAddress(undefined)).toBe(false)
  })

  it('an account made by an administrator during his routine LAN RDP session is plain administration, named by account not SID', async () => {
    const dir = writeCase([...rdp('2024-03-05T09:00:00Z', '2024-03-05T17:00:00Z', 'admin', '10.0.0.5', 2), ...created('2024-03-05T11:00:00Z', 'backup_svc', 1010, 'admin')])
    dirs.push(dir)
    await runHunt({caseDir: dir, windowMs: WINDOW})
    const {f, s} = read(dir)
    expect(s.sessions).toHaveLength(1)
    expect(s.sessions[0]).toMatchObject({tool: 'RDP', suspicious: false, reasons: []})
    expect(f.findings.map((x) => [x.rule, x.title, x.correlated, x.severity])).toEqual([['account-change', 'Account created or given rights: backup_svc', false, 'low']])
    expect(f.findings[0]!.rationale).toMatch(/Account "backup_svc" \(SID S-1-5-21-1-2-3-1010\) was created and added to Administrators by admin\./)
    expect(f.findings[0]!.event_ids).toHaveLength(2)
  })

  it('the same account made during an AnyDesk session from an outside address is critical and correlated', async () => {
    const dir = writeCase([
      ...rdp('2024-03-05T09:00:00Z', '2024-03-05T17:00:00Z', 'admin', '10.0.0.5', 2),
      anydesk('2024-03-05T10:58:00Z', T.REMOTE_SESSION_REQUEST, 'Incoming session request: X (111222333)', {remote_id: '111222333'}),
      anydesk('2024-03-05T10:58:01Z', T.REMOTE_PEER_ADDRESS, 'Logged in from 203.0.113.9:4000 on relay 1.', {src_ip: '203.0.113.9'}),
      anydesk('2024-03-05T10:58:05Z', T.REMOTE_AUTH, 'Accept request from 111222333', {remote_id: '111222333'}, {accepted: true}),
      anydesk('2024-03-05T10:58:06Z', T.REMOTE_AUTH, 'Authenticated by password', {}, {auth_method: 'password'}),
      anydesk('2024-03-05T11:30:00Z', T.REMOTE_SESSION_END, 'Session stopped.'),
      anydesk('2024-03-05T11:30:01Z', T.REMOTE_SESSION_END, 'The socket was closed remotely.'),
      ...created('2024-03-05T11:00:00Z', 'backup_svc', 1010, 'admin'),
    ])
    dirs.push(dir)
    await runHunt({caseDir: dir, windowMs: WINDOW})
    const {f, s} = read(dir)
    // both authentication lines and both closing lines belong to one AnyDesk session
    const ad = s.sessions.filter((x) => x.tool === 'AnyDesk')
    expect(ad).toHaveLength(1)
    expect(ad[0]).toMatchObject({remote_address: '203.0.113.9', auth_method: 'password', end: '2024-03-05T11:30:01.0000000Z', suspicious: true})
    expect(ad[0]!.event_ids).toHaveLength(6)
    expect(s.sessions.find((x) => x.tool === 'RDP')?.suspicious).toBe(false)
    const acc = f.findings.filter((x) => x.entities.accounts?.includes('backup_svc'))
    expect(acc.map((x) => [x.rule, x.severity, x.correlated, x.session_ids])).toEqual([['account-change-remote-session', 'critical', true, [ad[0]!.id]]])
    expect(acc[0]!.rationale).toMatch(/during the AnyDesk session from 203\.0\.113\.9/)
  })

  it('an RDP logon by an account created in the evidence makes its session suspect; a log clear outside every suspect session is reported apart and lower', async () => {
    const dir = writeCase([
      ...created('2024-03-01T08:00:00Z', 'itsupport', 1011, 'PHARM-SRV01$'),
      ...rdp('2024-03-02T01:00:00Z', '2024-03-02T02:00:00Z', 'itsupport', '10.0.0.77', 4),
      evtx('2024-03-02T01:30:00Z', T.LOG_CLEARED, 'System', 'Microsoft-Windows-Eventlog', 104, 'Event log Windows PowerShell cleared by itsupport', {user: 'itsupport'}, {cleared_channel: 'Windows PowerShell'}),
      evtx('2024-02-01T10:00:00Z', T.LOG_CLEARED, SEC[0], 'Microsoft-Windows-Eventlog', 1102, 'Security log cleared by admin', {user: 'admin'}, {cleared_channel: 'Security'}),
    ])
    dirs.push(dir)
    await runHunt({caseDir: dir, windowMs: WINDOW})
    const {f, s} = read(dir)
    const r = s.sessions.find((x) => x.tool === 'RDP')!
    expect(r.suspicious).toBe(true)
    expect(r.reasons.join(' ')).toMatch(/account PHARM\\itsupport logging on was created in the evidence \(2024-03-01T08:00:00/)
    const clears = f.findings.filter((x) => x.rule === 'event-log-cleared')
    expect(clears.map((x) => [x.title, x.severity, x.correlated])).toEqual([
      ['Windows event log cleared (outside the suspicious sessions)', 'medium', false],
      ['Windows event log cleared', 'high', true],
    ])
  })

  it("an account's only RDP logon, where others log on by RDP routinely, is suspect; the routine ones are not", async () => {
    const routine = [1, 2, 3, 4, 5, 6, 8, 9].flatMap((d) => rdp(`2024-04-${String(d).padStart(2, '0')}T09:00:00Z`, `2024-04-${String(d).padStart(2, '0')}T17:00:00Z`, 'jmiller', '10.0.0.5', 2))
    const dir = writeCase([...routine, ...rdp('2024-04-10T02:00:00Z', '2024-04-10T02:40:00Z', 'svc_sql', '10.0.0.9', 5), ...created('2024-04-10T02:10:00Z', 'helper', 1020, 'svc_sql')])
    dirs.push(dir)
    await runHunt({caseDir: dir, windowMs: WINDOW})
    const {f, s} = read(dir)
    const sus = s.sessions.filter((x) => x.suspicious)
    expect(sus.map((x) => x.operator)).toEqual(['PHARM\\svc_sql'])
    expect(sus[0]!.reasons).toContain('the only RDP logon of PHARM\\svc_sql in the evidence, where other accounts log on by RDP routinely')
    const acc = f.findings.filter((x) => x.entities.accounts?.includes('helper'))
    expect(acc.map((x) => [x.rule, x.severity, x.session_ids])).toEqual([['account-change-remote-session', 'critical', [sus[0]!.id]]])
  })

  it("a ScreenConnect server's brokered sessions (Session.db) are not judged by address or commands, only by indicators", async () => {
    const db = 'files/C/Program Files (x86)/ScreenConnect/App_Data/Session.db'
    const dir = writeCase([
      ev({at: '2024-05-02T11:00:00Z', type: T.REMOTE_SESSION_START, source: 'ScreenConnect', member: db, record: 'c1', message: 'Host tech connected', fields: {user: 'tech', src_ip: '198.51.100.9'}, attributes: {tool: 'ScreenConnect', process_type: 'Host', session_guid: 'g-1', connection_id: 'c1'}}),
      ev({at: '2024-05-02T11:02:00Z', type: T.REMOTE_COMMAND, source: 'ScreenConnect', member: db, record: 'e1', message: 'QueuedCommand by tech: ipconfig', fields: {user: 'tech', command_line: 'ipconfig'}, attributes: {tool: 'ScreenConnect', session_guid: 'g-1'}}),
      ev({at: '2024-05-02T11:30:00Z', type: T.REMOTE_SESSION_END, source: 'ScreenConnect', member: db, record: 'c1-end', message: 'Host tech disconnected', fields: {user: 'tech'}, attributes: {tool: 'ScreenConnect', process_type: 'Host', session_guid: 'g-1', connection_id: 'c1'}}),
    ])
    dirs.push(dir)
    await runHunt({caseDir: dir, windowMs: WINDOW})
    const {s} = read(dir)
    expect(s.sessions).toHaveLength(1)
    expect(s.sessions[0]).toMatchObject({remote_address: '198.51.100.9', suspicious: false, reasons: []})
  })

  it('times written in host-local time with an unknown zone are never placed against sessions', async () => {
    const dir = writeCase([
      anydesk('2024-03-05T10:58:01Z', T.REMOTE_PEER_ADDRESS, 'Logged in from 203.0.113.9:4000 on relay 1.', {src_ip: '203.0.113.9'}),
      anydesk('2024-03-05T10:58:06Z', T.REMOTE_AUTH, 'Authenticated by password', {}, {auth_method: 'password'}),
      anydesk('2024-03-05T11:30:00Z', T.REMOTE_SESSION_END, 'Session stopped.'),
      ev({at: '2024-03-05T11:00:00Z', type: T.ACCOUNT_CREATED, source: 'Volatile', member: 'volatile/users.json', message: 'account seen', fields: {user: 'late'}, attributes: {original_time_zone: 'host-local:unknown', original_time: '3/5/2024 11:00:00 AM'}}),
    ])
    dirs.push(dir)
    await runHunt({caseDir: dir, windowMs: WINDOW})
    const {f} = read(dir)
    const acc = f.findings.filter((x) => x.entities.accounts?.includes('late'))
    expect(acc.map((x) => [x.rule, x.correlated])).toEqual([['account-change', false]])
    expect(acc[0]!.rationale).toMatch(/local time as written \("3\/5\/2024 11:00:00 AM"\)/)
    expect(acc[0]!.rationale).not.toMatch(/\(UTC\)/)
  })
})
