import {join} from 'node:path'
import {existsSync} from 'node:fs'
import {describe, expect, it} from 'vitest'
import {evtxPlugin} from '../../src/analyze/plugins/evtx.js'
import {mapEvtxRecord, WindowsMapper} from '../../src/events/mappers/windows.js'
import type {NormalizedEvent} from '../../src/events/types.js'
import type {EvtxRecord} from '../../src/parsers/evtx/record-types.js'
import {runPlugin} from '../analyze/run-plugin.js'
import {sharedEvtxDir, SKIP_MESSAGE} from '../parsers/evtx/shared.js'

const DIR = sharedEvtxDir()
if (!DIR) console.warn(SKIP_MESSAGE)
const sample = (name: string): string | undefined => (DIR && existsSync(join(DIR, name)) ? join(DIR, name) : undefined)

async function mapSample(name: string): Promise<NormalizedEvent[]> {
  const p = sample(name)!
  const {events, diagnostics} = await runPlugin(evtxPlugin, p, `files/C/Windows/System32/winevt/Logs/${name}`)
  expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([])
  return events
}

describe('Windows event mapping on real samples', () => {
  it.skipIf(!sample('evtxrs_new-user-security.evtx'))('4720 account.created and 4732 group add with privileged group', async () => {
    const evs = await mapSample('evtxrs_new-user-security.evtx')
    const created = evs.filter((e) => e.event_type === 'account.created')
    expect(created.length).toBeGreaterThanOrEqual(1)
    const c = created[0]!
    expect(c.user).toBeTruthy()
    expect(c.attributes.target_sid).toMatch(/^S-1-5-21-/)
    expect(c.attributes.subject_user).toBeTruthy()
    expect(c.attributes.event_id).toBe(4720)
    expect(c.attributes.TargetUserName).toBe(c.user)
    expect(c.evidence.record).toBe(c.attributes.record_id)
    expect(c.evidence.offset).toBeGreaterThan(0)
    expect(c.source).toBe('EVTX')
    expect(c.timestamp_desc).toBe('Event Logged')
    const added = evs.filter((e) => e.event_type === 'account.group_member_added' && e.attributes.event_id === 4732)
    expect(added.length).toBeGreaterThanOrEqual(1)
    const admins = added.find((e) => e.attributes.group_sid === 'S-1-5-32-544')
    if (admins) expect(admins.attributes.privileged_group).toBe(true)
    expect(added.every((e) => typeof e.attributes.privileged_group === 'boolean' && e.attributes.member_sid)).toBe(true)
    expect(evs.every((e) => e.host)).toBe(true)
  })

  it.skipIf(!sample('eas_LM_Remote_Service02_7045.evtx'))('7045 service.installed with image path', async () => {
    const evs = await mapSample('eas_LM_Remote_Service02_7045.evtx')
    const svc = evs.filter((e) => e.event_type === 'service.installed')
    expect(svc).toHaveLength(3)
    expect(svc.every((e) => e.attributes.service_name && e.attributes.image_path && e.process === e.attributes.image_path)).toBe(true)
  })

  it.skipIf(!sample('evtxrs_2-vss_7-System.evtx'))('7045 of TeamViewer is tagged with the tool', async () => {
    const evs = await mapSample('evtxrs_2-vss_7-System.evtx')
    const tv = evs.filter((e) => e.event_type === 'service.installed' && e.attributes.tool === 'TeamViewer')
    expect(tv.length).toBeGreaterThanOrEqual(1)
    expect(evs.filter((e) => e.event_type === 'evtx.record').length).toBeGreaterThan(0)
  })

  it.skipIf(!sample('eas_CA_4624_4625_LogonType2_LogonProc_chrome.evtx'))('4624/4625 logons with logon type names', async () => {
    const evs = await mapSample('eas_CA_4624_4625_LogonType2_LogonProc_chrome.evtx')
    const ok = evs.filter((e) => e.event_type === 'logon.success')
    const bad = evs.filter((e) => e.event_type === 'logon.failed')
    expect(ok.length + bad.length).toBeGreaterThanOrEqual(2)
    for (const e of [...ok, ...bad]) {
      expect(typeof e.attributes.logon_type).toBe('number')
      expect(e.attributes.logon_type_name).toBe({2: 'Interactive', 3: 'Network', 5: 'Service', 10: 'RemoteInteractive'}[e.attributes.logon_type as number] ?? e.attributes.logon_type_name)
      expect(e.src_ip).not.toBe('-')
    }
  })
})

const rec = (over: Partial<EvtxRecord>): EvtxRecord => ({
  recordId: 1, headerRecordNumber: 1, timeCreated: '2023-10-28T14:00:00.0000000Z', writtenTime: null, eventId: 0, qualifiers: null, version: 0, level: 4, task: 0, opcode: 0,
  keywords: null, provider: null, providerGuid: null, channel: 'Application', computer: 'BEST-SRV01', userId: null, processId: 1, threadId: 1, activityId: null,
  data: null, chunk: 0, offset: 4096, recovered: false, ...over,
})
const ctx = {member: 'files/Application.evtx', sha256: 'a'.repeat(64), artefact: 'windows.eventlogs'}

describe('Windows event mapping (hand-built records)', () => {
  it('ScreenConnect Application-log messages by provider prefix and text, not id', () => {
    const prov = 'ScreenConnect Client (d33f78b4994b28a6)'
    const m = (text: string, id = 0): NormalizedEvent[] => mapEvtxRecord(ctx, rec({provider: prov, eventId: id, data: [`${text}\n\nVersion: 23.9.8\nExecutable Path: C:\\x.exe`]}))
    const con = m('Cloud Account Administrator Connected', 100)[0]!
    expect([con.event_type, con.user, con.attributes.operator, con.attributes.instance, con.attributes.tool]).toEqual(['remote_access.session_start', 'Cloud Account Administrator', 'Cloud Account Administrator', 'd33f78b4994b28a6', 'ScreenConnect'])
    expect(m('vendor.tech Disconnected', 1)[0]!.event_type).toBe('remote_access.session_end')
    const files = m("Transferred files with action 'RunElevated':\ntext.xml\nAnyDesk.exe", 201)
    expect(files.map((e) => [e.event_type, e.file_name, e.attributes.action])).toEqual([
      ['remote_access.file_transfer', 'text.xml', 'RunElevated'],
      ['remote_access.file_transfer', 'AnyDesk.exe', 'RunElevated'],
    ])
    expect(new Set(files.map((e) => e.id)).size).toBe(2)
    expect(m('Executed command of length: 657', 200)[0]!.attributes.command_length).toBe(657)
    expect(m('Your host has ended the remote session. This application will now close.', 30)[0]!.attributes.ended_by_host).toBe(true)
    expect(m('the other party did not properly respond')[0]!.event_type).toBe('evtx.record')
  })

  it('7045 with a ScreenConnect ImagePath carries launch parameters, the key only hashed', () => {
    const key = 'BgIAAACkAABSU0ExAAgAAAEAAQDxSecretKeyMaterial'
    const image = `"C:\\Program Files (x86)\\ScreenConnect Client (d33f78b4994b28a6)\\ScreenConnect.ClientService.exe" "?e=Access&y=Guest&h=labogz.com&p=8041&s=a922f424-3ea9-41da-8b4a-1dfd978702f8&k=${encodeURIComponent(key)}&t=&c=Best%20Drugs"`
    const [e] = mapEvtxRecord(ctx, rec({provider: 'Service Control Manager', channel: 'System', eventId: 7045, data: {ServiceName: 'ScreenConnect Client (d33f78b4994b28a6)', ImagePath: image, ServiceType: 'user mode service', StartType: 'auto start', AccountName: 'LocalSystem'}}))
    expect(e!.event_type).toBe('service.installed')
    expect(e!.attributes).toMatchObject({tool: 'ScreenConnect', relay_host: 'labogz.com', relay_port: 8041, session_guid: 'a922f424-3ea9-41da-8b4a-1dfd978702f8', session_type: 'Access', instance: 'd33f78b4994b28a6', custom_properties: ['Best Drugs']})
    expect(e!.attributes.key_sha256).toMatch(/^[0-9a-f]{64}$/)
    // The key appears nowhere (ImagePath copies carry k=[sha256:…] instead); host and session stay readable.
    expect(JSON.stringify(e)).not.toContain('SecretKeyMaterial')
    expect(e!.attributes.ImagePath).toContain(`k=[sha256:${e!.attributes.key_sha256}]`)
    expect(e!.process).toContain('h=labogz.com')
  })

  it('reassembles 4104 script blocks split over records', () => {
    const mapper = new WindowsMapper()
    const part = (n: number, text: string, rid: number): EvtxRecord => rec({recordId: rid, offset: 1000 + rid, provider: 'Microsoft-Windows-PowerShell', channel: 'Microsoft-Windows-PowerShell/Operational', eventId: 4104, data: {MessageNumber: n, MessageTotal: 3, ScriptBlockText: text, ScriptBlockId: '{b1}', Path: ''}})
    expect(mapper.map(ctx, part(2, 'B-', 11))).toEqual([])
    expect(mapper.map(ctx, part(1, 'A-', 10))).toEqual([])
    const [done] = mapper.map(ctx, part(3, 'C', 12))
    expect(done!.event_type).toBe('powershell.script_block')
    expect(done!.attributes.script_block_text).toBe('A-B-C')
    expect(done!.attributes.script_block_id).toBe('{b1}')
    expect(done!.attributes.fragment_records).toEqual([10, 11, 12])
    expect(done!.evidence.record).toBe(10)
    mapper.map(ctx, rec({recordId: 20, provider: 'Microsoft-Windows-PowerShell', eventId: 4104, data: {MessageNumber: 1, MessageTotal: 2, ScriptBlockText: 'half', ScriptBlockId: '{b2}'}}))
    const flushed = mapper.flush()
    expect(flushed.map((e) => [e.attributes.partial, e.attributes.script_block_text])).toEqual([[true, 'half']])
  })

  it('maps RDP, log clearing, group adds to Domain Admins and falls back to evtx.record', () => {
    const [rdp] = mapEvtxRecord(ctx, rec({provider: 'Microsoft-Windows-TerminalServices-LocalSessionManager', eventId: 21, data: {_element: 'EventXML', User: 'BEST\\admin', SessionID: '2', Address: '203.0.113.66'}}))
    expect([rdp!.event_type, rdp!.user, rdp!.src_ip, rdp!.attributes.tool]).toEqual(['logon.rdp', 'BEST\\admin', '203.0.113.66', 'RDP'])
    const [auth] = mapEvtxRecord(ctx, rec({provider: 'Microsoft-Windows-TerminalServices-RemoteConnectionManager', eventId: 1149, data: {Param1: 'admin', Param2: 'BEST', Param3: '203.0.113.66'}}))
    expect([auth!.event_type, auth!.user, auth!.src_ip, auth!.attributes.domain]).toEqual(['logon.rdp_auth', 'admin', '203.0.113.66', 'BEST'])
    const [clr] = mapEvtxRecord(ctx, rec({provider: 'Microsoft-Windows-Eventlog', channel: 'System', eventId: 104, data: {_element: 'LogFileCleared', SubjectUserName: 'admin', Channel: 'Application'}}))
    expect([clr!.event_type, clr!.user, clr!.attributes.cleared_channel]).toEqual(['log.cleared', 'admin', 'Application'])
    const [grp] = mapEvtxRecord(ctx, rec({provider: 'Microsoft-Windows-Security-Auditing', channel: 'Security', eventId: 4728, data: {MemberName: 'CN=backup\\, svc,CN=Users,DC=best,DC=local', MemberSid: 'S-1-5-21-1-2-3-1105', TargetUserName: 'Domain Admins', TargetSid: 'S-1-5-21-1-2-3-512', SubjectUserName: 'admin'}}))
    expect([grp!.user, grp!.attributes.privileged_group, grp!.attributes.group_name]).toEqual(['backup, svc', true, 'Domain Admins'])
    const [gen] = mapEvtxRecord(ctx, rec({provider: 'Some-Provider', eventId: 55, data: {A: 'x', B: 'y'}}))
    expect([gen!.event_type, gen!.message]).toEqual(['evtx.record', 'Some-Provider 55: x | y'])
    // a classic Data array with a Binary element (7036 as Windows writes it): only the text items are told
    const [scm] = mapEvtxRecord(ctx, rec({provider: 'Service Control Manager', channel: 'System', eventId: 7036, data: {Data: ['Windows Update', 'running', {Binary: '7700'}]}}))
    expect(scm!.message).toBe('Service Control Manager 7036: Windows Update running')
    const [logon] = mapEvtxRecord(ctx, rec({provider: 'Microsoft-Windows-Security-Auditing', channel: 'Security', eventId: 4624, data: {TargetUserName: 'x', LogonType: '10', IpAddress: '-', IpPort: '-'}}))
    expect([logon!.src_ip, logon!.attributes.logon_type, logon!.attributes.logon_type_name]).toEqual([undefined, 10, 'RemoteInteractive'])
  })
})
