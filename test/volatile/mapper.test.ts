import {createHash} from 'node:crypto'
import {Readable} from 'node:stream'
import {describe, expect, it} from 'vitest'
import {mapVolatileParsed} from '../../src/events/mappers/volatile.js'
import type {NormalizedEvent} from '../../src/events/types.js'
import {PARSED_FORMAT, type ParsedVolatileFile, type VolatileRecord} from '../../src/parsers/volatile/index.js'
import {parseRegQuery} from '../../src/parsers/volatile/windows.js'
import {volatileParsedPlugin} from '../../src/parsers/volatile/plugin.js'
import {readFileSync} from 'node:fs'

const CAPTURED = '2023-11-08T20:15:00.1230000Z'
const ctx = {member: 'volatile/windows.volatile.x/parsed.json', sha256: 'ab'.repeat(32), artefact: 'windows.volatile.x', host: 'WIN-SRV01'}

function file(records: VolatileRecord[], extra: Partial<ParsedVolatileFile> = {}): ParsedVolatileFile {
  return {
    format: PARSED_FORMAT, artefact: 'windows.volatile.x', os: 'windows', command: 'powershell.exe', argv: ['powershell.exe'], exit_code: 0,
    started_utc: CAPTURED, ended_utc: CAPTURED, timed_out: false, fallback_used: false, parser: 'x', records, diagnostics: [], ...extra,
  }
}

const SC_KEY = 'BgIAAACkAABSU0ExAAgAAAEAAQ'
const SC_CMD = `"C:\\Program Files (x86)\\ScreenConnect Client (1A2B3C4D5E6F7A8B)\\ScreenConnect.ClientService.exe" "?e=Access&y=Guest&h=relay.example-sc.com&p=8041&s=6F1C2D3E-4A5B-6C7D-8E9F-0A1B2C3D4E5F&k=${SC_KEY}&t="`

describe('mapVolatileParsed', () => {
  it('processes: own start time, parent name, remote tool, ScreenConnect key hashed and relay pivot', () => {
    const {events, diagnostics} = mapVolatileParsed(file([
      {kind: 'process', pid: 600, name: 'services.exe'},
      {kind: 'process', pid: 4312, ppid: 600, name: 'AnyDesk.exe', path: 'C:\\ProgramData\\AnyDesk\\AnyDesk.exe', command_line: 'AnyDesk.exe --service', user: 'NT AUTHORITY\\SYSTEM', start_utc: '2023-11-08T14:02:11.0000000Z'},
      {kind: 'process', pid: 2044, ppid: 600, name: 'ScreenConnect.ClientService.exe', command_line: SC_CMD},
    ]), ctx)
    expect(diagnostics).toEqual([])
    expect(events.map((e) => e.event_type)).toEqual(['process.running', 'process.running', 'process.running', 'remote_access.relay'])
    const [svc, any, sc, relay] = events as [NormalizedEvent, NormalizedEvent, NormalizedEvent, NormalizedEvent]
    expect(svc).toMatchObject({datetime: CAPTURED, timestamp_desc: 'Volatile Capture', process: 'services.exe', source: 'Volatile', host: 'WIN-SRV01'})
    expect(any).toMatchObject({
      datetime: '2023-11-08T14:02:11.0000000Z', timestamp: Date.parse('2023-11-08T14:02:11Z') * 1000, timestamp_desc: 'Process Start',
      process: 'C:\\ProgramData\\AnyDesk\\AnyDesk.exe', command_line: 'AnyDesk.exe --service', user: 'NT AUTHORITY\\SYSTEM',
      evidence: {member: ctx.member, sha256: ctx.sha256, record: 1},
      attributes: {pid: 4312, ppid: 600, parent: 'services.exe', tool: 'AnyDesk', start_time: '2023-11-08T14:02:11.0000000Z', captured_utc: CAPTURED},
    })
    const keyHash = createHash('sha256').update(SC_KEY).digest('hex')
    expect(sc.command_line).not.toContain(SC_KEY)
    expect(sc.command_line).toContain(`k=<sha256:${keyHash}>`)
    expect(sc.attributes).toMatchObject({tool: 'ScreenConnect', instance: '1a2b3c4d5e6f7a8b', relay_host: 'relay.example-sc.com', relay_port: 8041, session_type: 'Access', session_guid: '6f1c2d3e-4a5b-6c7d-8e9f-0a1b2c3d4e5f', key_sha256: keyHash})
    expect(relay).toMatchObject({event_type: 'remote_access.relay', attributes: {relay_host: 'relay.example-sc.com', relay_port: 8041, seen_in: 'process.running'}})
    expect(JSON.stringify(events)).not.toContain(SC_KEY)
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length)
  })

  it('accounts: account.exists plus a dated password_last_set; group members as account.exists with groups', () => {
    const {events} = mapVolatileParsed(file([
      {kind: 'user', name: 'helpdesk', sid: 'S-1-5-21-1-2-3-1003', enabled: true, last_logon_utc: '2023-11-08T14:00:00.0000000Z', password_last_set_utc: '2023-11-08T13:58:41.0000000Z'},
      {kind: 'group_member', group: 'Administratoren', group_sid: 'S-1-5-32-544', member: 'WIN-SRV01\\helpdesk', member_sid: 'S-1-5-21-1-2-3-1003'},
      {kind: 'group_member', group: 'Users', member: 'WIN-SRV01\\bob'},
    ]), ctx)
    expect(events.map((e) => [e.event_type, e.datetime, e.timestamp_desc, e.user])).toEqual([
      ['account.exists', CAPTURED, 'Volatile Capture', 'helpdesk'],
      ['account.password_last_set', '2023-11-08T13:58:41.0000000Z', 'Password Last Set', 'helpdesk'],
      ['account.exists', CAPTURED, 'Volatile Capture', 'WIN-SRV01\\helpdesk'],
      ['account.exists', CAPTURED, 'Volatile Capture', 'WIN-SRV01\\bob'],
    ])
    expect(events[0]!.attributes).toMatchObject({enabled: true, last_logon: '2023-11-08T14:00:00.0000000Z'})
    expect(events[2]!.attributes).toMatchObject({groups: ['Administratoren'], group_sid: 'S-1-5-32-544', privileged_group: true})
    expect(events[3]!.attributes).toMatchObject({groups: ['Users'], privileged_group: false})
    const linux = mapVolatileParsed(file([{kind: 'user', name: 'toor', uid: 0, gid: 0}, {kind: 'group_member', group: 'sudo', gid: 27, member: 'alice'}], {os: 'linux'}), ctx).events
    expect(linux[0]!.attributes).toMatchObject({uid: 0, uid0: true})
    expect(linux[1]!.attributes).toMatchObject({groups: ['sudo'], privileged_group: true})
  })

  it('sessions, connections, services, tasks, DNS, ARP, software and clock records', () => {
    const {events} = mapVolatileParsed(file([
      {kind: 'session', user: 'administrator', session_name: 'rdp-tcp#0', session_id: 2, state: 'Active', logon_text: '11/8/2023 2:14 PM', current: true},
      {kind: 'session', user: 'root', line: 'pts/0', from: '203.0.113.50', logon_utc: '2023-11-08T14:05:01.0000000Z'},
      {kind: 'connection', protocol: 'tcp', local_address: '10.0.0.5', local_port: 49712, remote_address: '203.0.113.50', remote_port: 443, state: 'Established', pid: 4312, created_utc: '2023-11-08T14:02:15.0000000Z'},
      {kind: 'connection', protocol: 'tcp', local_address: '0.0.0.0', local_port: 135, remote_address: '0.0.0.0', remote_port: 0, state: 'Listen', pid: 1008},
      {kind: 'service', name: 'AnyDesk', image_path: '"C:\\Program Files (x86)\\AnyDesk\\AnyDesk.exe" --service', start_type: 'Auto', state: 'Running', account: 'LocalSystem'},
      {kind: 'task', name: '\\AnyDeskUpdate', action: 'C:\\ProgramData\\AnyDesk\\AnyDesk.exe --start-service', run_as: 'SYSTEM', schedules: ['Daily']},
      {kind: 'dns_entry', name: 'relay.example-sc.com', type: 'A', data: '203.0.113.50', ttl: 287},
      {kind: 'arp_entry', ip: '10.0.0.1', mac: '00:15:5d:01:02:03', interface: '10.0.0.5'},
      {kind: 'software', name: 'ScreenConnect Client (1a2b3c4d5e6f7a8b)', version: '23.8.5.8707', install_date: '20231108'},
      {kind: 'time_status', name: 'time_zone', value: 'Central Standard Time'},
    ]), ctx)
    const types = events.map((e) => e.event_type)
    expect(types).toEqual(['logon.session', 'logon.session', 'network.connection', 'network.connection', 'service.exists', 'task.exists', 'network.dns_cache', 'network.neighbor', 'software.installed', 'host.info'])
    expect(events[0]).toMatchObject({datetime: CAPTURED, attributes: {tool: 'RDP', session_id: 2, original_time: '11/8/2023 2:14 PM', original_time_zone: 'host-local:unknown', current: true}})
    expect(events[1]).toMatchObject({datetime: '2023-11-08T14:05:01.0000000Z', timestamp_desc: 'Logon', src_ip: '203.0.113.50'})
    expect(events[2]).toMatchObject({datetime: '2023-11-08T14:02:15.0000000Z', timestamp_desc: 'Connection Start', src_ip: '10.0.0.5', src_port: 49712, dst_ip: '203.0.113.50', dst_port: 443, attributes: {state: 'Established', pid: 4312}})
    expect(events[3]!.dst_ip).toBeUndefined()
    expect(events[4]).toMatchObject({process: '"C:\\Program Files (x86)\\AnyDesk\\AnyDesk.exe" --service', attributes: {service_name: 'AnyDesk', start_type: 'Auto', state: 'Running', account: 'LocalSystem', tool: 'AnyDesk'}})
    expect(events[5]).toMatchObject({command_line: 'C:\\ProgramData\\AnyDesk\\AnyDesk.exe --start-service', user: 'SYSTEM', attributes: {task_name: '\\AnyDeskUpdate', tool: 'AnyDesk'}})
    expect(events[6]).toMatchObject({dst_ip: '203.0.113.50', attributes: {query_name: 'relay.example-sc.com', record_type: 'A'}})
    expect(events[7]).toMatchObject({dst_ip: '10.0.0.1', attributes: {mac: '00:15:5d:01:02:03'}})
    expect(events[8]!.attributes).toMatchObject({software_name: 'ScreenConnect Client (1a2b3c4d5e6f7a8b)', install_date: '20231108', tool: 'ScreenConnect'})
  })

  it('registry keys: remote-access service keys become service.exists (+ relay); the rest is counted, not dropped silently', () => {
    const text = readFileSync(new URL('../fixtures/volatile/reg-query-services-screenconnect.txt', import.meta.url), 'utf8')
    const {events, diagnostics} = mapVolatileParsed(file(parseRegQuery(text).records, {command: 'reg.exe'}), ctx)
    expect(events.map((e) => [e.event_type, e.attributes.service_name, e.attributes.tool])).toEqual([
      ['service.exists', 'AnyDesk', 'AnyDesk'],
      ['service.exists', 'ScreenConnect Client (1a2b3c4d5e6f7a8b)', 'ScreenConnect'],
      ['remote_access.relay', 'ScreenConnect Client (1a2b3c4d5e6f7a8b)', 'ScreenConnect'],
    ])
    expect(events[0]!.attributes).toMatchObject({start_type: 'Auto', account: 'LocalSystem', image_path: '"C:\\Program Files (x86)\\AnyDesk\\AnyDesk.exe" --service'})
    expect(JSON.stringify(events)).not.toContain(SC_KEY)
    expect(diagnostics).toMatchObject([{code: 'VOLATILE_REGISTRY_NOT_MAPPED', severity: 'info', message: expect.stringMatching(/^2 registry keys/)}])
  })

  it('is deterministic, and a file without a valid capture time gives a diagnostic and no events', () => {
    const f = file([{kind: 'process', pid: 1, name: 'a'}, {kind: 'dns_entry', name: 'x', type: 'A'}])
    expect(JSON.stringify(mapVolatileParsed(f, ctx))).toBe(JSON.stringify(mapVolatileParsed(structuredClone(f), ctx)))
    const bad = mapVolatileParsed(file([{kind: 'process', pid: 1, name: 'a'}], {started_utc: 'yesterday'}), ctx)
    expect(bad.events).toEqual([])
    expect(bad.diagnostics.map((d) => d.code)).toEqual(['VOLATILE_NO_CAPTURE_TIME'])
    const odd = mapVolatileParsed(file([{kind: 'nonsense'} as unknown as VolatileRecord]), ctx)
    expect(odd.diagnostics.map((d) => d.code)).toEqual(['VOLATILE_UNKNOWN_KIND'])
  })
})

describe('volatile.parsed analyze plugin', () => {
  const pctx = {...ctx, localPath: '/nonexistent', unverified: false}
  it('accepts parsed renderings only', () => {
    expect(volatileParsedPlugin.name).toBe('volatile.parsed')
    expect(volatileParsedPlugin.accepts('volatile/windows.volatile.processes/parsed.json')).toBe(true)
    expect(volatileParsedPlugin.accepts('volatile/windows.volatile.time/parsed-3.json')).toBe(true)
    expect(volatileParsedPlugin.accepts('VOLATILE/linux.volatile.users/PARSED.JSON')).toBe(true)
    expect(volatileParsedPlugin.accepts('volatile/windows.volatile.processes/powershell.stdout.txt')).toBe(false)
    expect(volatileParsedPlugin.accepts('files/C/Users/x/volatile/parsed.json')).toBe(false)
    expect(volatileParsedPlugin.accepts('volatile/executables/4312-parsed.json')).toBe(false)
  })

  it('maps the file, carries the collector diagnostics, marks unverified evidence', async () => {
    const f = file([{kind: 'process', pid: 4312, name: 'AnyDesk.exe'}], {timed_out: true, diagnostics: [{code: 'VOLATILE_TIMEOUT', severity: 'warning', message: 'timed out'}]})
    const out = volatileParsedPlugin.parse(Readable.from([Buffer.from(JSON.stringify(f))]), {...pctx, unverified: true})
    const events: NormalizedEvent[] = []
    for await (const e of out.events) events.push(e)
    expect(events).toHaveLength(1)
    expect(events[0]).toMatchObject({event_type: 'process.running', unverified: true, attributes: {tool: 'AnyDesk'}})
    expect(out.diagnostics.map((d) => [d.code, d.file])).toEqual([['VOLATILE_TIMEOUT', ctx.member], ['VOLATILE_CAPTURE_TIMED_OUT', ctx.member]])
  })

  it('throws a typed error for a file that is not a parsed rendering', async () => {
    for (const text of ['not json', '{"format":"something-else","records":[]}']) {
      const out = volatileParsedPlugin.parse(Readable.from([Buffer.from(text)]), pctx)
      await expect(async () => {
        for await (const _e of out.events) void _e
      }).rejects.toMatchObject({code: 'E_INPUT_FORMAT'})
    }
  })
})
