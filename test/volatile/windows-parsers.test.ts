import {readFileSync} from 'node:fs'
import {describe, expect, it} from 'vitest'
import {decodeOutput} from '../../src/parsers/volatile/text.js'
import * as W from '../../src/parsers/volatile/windows.js'

const fx = (name: string): string => decodeOutput(readFileSync(new URL(`../fixtures/volatile/${name}`, import.meta.url))).text

describe('Windows process parsers', () => {
  it('CIM JSON from PowerShell 5.1: \\/Date(ms)\\/ dates, nulls for protected processes', () => {
    // ConvertTo-Json in 5.1 writes DateTime as "\/Date(<ms since epoch, UTC>)\/"; System has no path.
    const text = String.raw`[{"ProcessId":4,"ParentProcessId":0,"Name":"System","ExecutablePath":null,"CommandLine":null,"SessionId":0,"CreationDate":"\/Date(1698710400000)\/","Owner":null},{"ProcessId":4312,"ParentProcessId":812,"Name":"AnyDesk.exe","ExecutablePath":"C:\\ProgramData\\AnyDesk\\AnyDesk.exe","CommandLine":"\"C:\\ProgramData\\AnyDesk\\AnyDesk.exe\" --service","SessionId":0,"CreationDate":"\/Date(1699452131123)\/","Owner":"NT AUTHORITY\\SYSTEM"}]`
    const {records, diagnostics} = W.parseWinProcessJson(text)
    expect(diagnostics).toEqual([])
    expect(records).toEqual([
      {kind: 'process', pid: 4, ppid: 0, name: 'System', session_id: 0, start_utc: '2023-10-31T00:00:00.0000000Z'},
      {kind: 'process', pid: 4312, ppid: 812, name: 'AnyDesk.exe', path: 'C:\\ProgramData\\AnyDesk\\AnyDesk.exe', command_line: '"C:\\ProgramData\\AnyDesk\\AnyDesk.exe" --service', user: 'NT AUTHORITY\\SYSTEM', session_id: 0, start_utc: '2023-11-08T14:02:11.1230000Z'},
    ])
  })

  it('a single process is serialised as an object, not an array; ISO dates with offset are converted', () => {
    const text = '{"ProcessId":812,"ParentProcessId":600,"Name":"services.exe","CreationDate":"2023-11-08T08:02:11.1234567-06:00"}\r\n'
    const {records} = W.parseWinProcessJson(text)
    expect(records).toEqual([{kind: 'process', pid: 812, ppid: 600, name: 'services.exe', start_utc: '2023-11-08T14:02:11.1234567Z'}])
  })

  it('5.1 {"value":[…],"Count":n} array wrapper, empty output, and non-JSON output', () => {
    expect(W.parseWinProcessJson('{"value":[{"ProcessId":1,"Name":"a"},{"ProcessId":2,"Name":"b"}],"Count":2}').records.map((r) => r.kind === 'process' && r.pid)).toEqual([1, 2])
    expect(W.parseWinProcessJson('').records).toEqual([])
    const bad = W.parseWinProcessJson('Get-CimInstance : Access denied')
    expect(bad.records).toEqual([])
    expect(bad.diagnostics.map((d) => d.code)).toEqual(['WIN_PROCESS_BAD_JSON'])
  })

  it('tasklist /v /fo csv read by position under German headings, quoted quotes in cells', () => {
    const {records, diagnostics} = W.parseTasklistCsv(fx('tasklist-v-csv-german-headings.csv'))
    expect(records).toHaveLength(3)
    expect(records[1]).toMatchObject({kind: 'process', pid: 4312, name: 'AnyDesk.exe', user: 'WIN-SRV01\\helpdesk', session_id: 1, extra: {mem_usage: '24.512 K', window_title: 'AnyDesk'}})
    expect(records[2]).toMatchObject({pid: 5120, user: 'WIN-SRV01\\svc, "quoted"', extra: {session_name: 'RDP-Tcp#0'}})
    expect(diagnostics.map((d) => d.code)).toEqual(['WIN_TASKLIST_FALLBACK'])
  })
})

describe('Windows network parsers', () => {
  it('Get-NetTCPConnection JSON with numeric State enum (5.1) and UDP endpoints', () => {
    const text = '[{"Protocol":"TCP","LocalAddress":"10.0.0.5","LocalPort":49712,"RemoteAddress":"203.0.113.50","RemotePort":443,"State":5,"OwningProcess":4312,"CreationTime":"2023-11-08T14:02:15.0000000Z"},{"Protocol":"TCP","LocalAddress":"::","LocalPort":3389,"RemoteAddress":"::","RemotePort":0,"State":"Listen","OwningProcess":1196,"CreationTime":null},{"Protocol":"UDP","LocalAddress":"0.0.0.0","LocalPort":500,"OwningProcess":3456}]'
    const {records} = W.parseWinNetJson(text)
    expect(records[0]).toEqual({kind: 'connection', protocol: 'tcp', local_address: '10.0.0.5', local_port: 49712, remote_address: '203.0.113.50', remote_port: 443, state: 'Established', pid: 4312, created_utc: '2023-11-08T14:02:15.0000000Z'})
    expect(records[1]).toMatchObject({state: 'Listen', local_port: 3389, pid: 1196})
    expect(records[2]).toEqual({kind: 'connection', protocol: 'udp', local_address: '0.0.0.0', local_port: 500, pid: 3456})
  })

  it('netstat -ano (English): IPv6 brackets, zone ids, UDP without state', () => {
    const {records, diagnostics} = W.parseNetstatAno(fx('netstat-ano-english.txt'))
    expect(diagnostics).toEqual([])
    expect(records).toHaveLength(6)
    expect(records[1]).toEqual({kind: 'connection', protocol: 'tcp', local_address: '10.0.0.5', local_port: 49712, remote_address: '203.0.113.50', remote_port: 443, state: 'Established', pid: 4312})
    expect(records[3]).toMatchObject({protocol: 'tcp6', local_address: '::', local_port: 3389, state: 'Listen'})
    expect(records[4]).toEqual({kind: 'connection', protocol: 'udp', local_address: '0.0.0.0', local_port: 500, pid: 3456})
    expect(records[5]).toMatchObject({protocol: 'udp6', local_address: 'fe80::1c2d:3e4f:5a6b:7c8d%7', local_port: 1900, pid: 2210})
  })

  it('netstat -ano (German): localised states in UTF-8 and in the OEM code page', () => {
    const {records} = W.parseNetstatAno(fx('netstat-ano-german-states.txt'))
    expect(records.map((r) => r.kind === 'connection' && r.state)).toEqual(['Listen', 'Established', 'TimeWait', undefined])
    // CP850 prints Ö as 0x99: not UTF-8, decoded as latin1, still recognised.
    const cp850 = Buffer.concat([Buffer.from('  TCP    0.0.0.0:135            0.0.0.0:0              ABH'), Buffer.from([0x99]), Buffer.from('REN          1008\r\n')])
    const dec = decodeOutput(cp850)
    expect(dec.encoding).toBe('latin1')
    expect(W.parseNetstatAno(dec.text).records[0]).toMatchObject({state: 'Listen', pid: 1008})
    const oem = decodeOutput(cp850, 'cp850')
    expect(oem.encoding).toBe('cp850')
    expect(oem.text).toContain('ABHÖREN')
    expect(W.parseNetstatAno(oem.text).records[0]).toMatchObject({state: 'Listen', pid: 1008})
  })

  it('net localgroup from a German console in CP850: umlauts in group and member names decode', () => {
    const text = 'Aliasname     G\u00e4ste\r\nBeschreibung  G\u00e4ste haben standardm\u00e4\u00dfig dieselben Rechte wie Benutzer\r\n\r\nMitglieder\r\n\r\n' +
      '-------------------------------------------------------------------------------\r\nGast\r\nJ\u00fcrgen\r\nDer Befehl wurde erfolgreich ausgef\u00fchrt.\r\n\r\n'
    const bytes = Buffer.from([...text].map((ch) => ({'\u00e4': 0x84, '\u00fc': 0x81, '\u00df': 0xe1} as Record<string, number>)[ch] ?? ch.charCodeAt(0)))
    const dec = decodeOutput(bytes, 'cp850')
    expect(W.parseNetLocalGroup(dec.text).records).toEqual([
      {kind: 'group_member', group: 'G\u00e4ste', member: 'Gast'},
      {kind: 'group_member', group: 'G\u00e4ste', member: 'J\u00fcrgen'},
    ])
  })
})

describe('Windows account parsers', () => {
  it('Get-LocalUser JSON: 5.1 DisplayHint date wrapper, null last logon, numeric PrincipalSource', () => {
    const text = String.raw`[{"Name":"helpdesk","SID":"S-1-5-21-1-2-3-1003","Enabled":true,"FullName":"","Description":"","PrincipalSource":1,"LastLogon":{"value":"\/Date(1699452000000)\/","DisplayHint":2,"DateTime":"Wednesday, November 8, 2023 2:00:00 PM"},"PasswordLastSet":"2023-11-08T13:58:41.0000000Z","PasswordExpires":null},{"Name":"Guest","SID":"S-1-5-21-1-2-3-501","Enabled":false,"PrincipalSource":"Local","LastLogon":null,"PasswordLastSet":"\/Date(-62135596800000)\/"}]`
    const {records} = W.parseLocalUserJson(text)
    expect(records).toEqual([
      {kind: 'user', name: 'helpdesk', sid: 'S-1-5-21-1-2-3-1003', enabled: true, principal_source: 'Local', last_logon_utc: '2023-11-08T14:00:00.0000000Z', password_last_set_utc: '2023-11-08T13:58:41.0000000Z'},
      {kind: 'user', name: 'Guest', sid: 'S-1-5-21-1-2-3-501', enabled: false, principal_source: 'Local'},
    ])
  })

  it('net user: 25-character columns, names with a space, header and footer ignored', () => {
    const {records, diagnostics} = W.parseNetUser(fx('net-user-three-columns.txt'))
    expect(records.map((r) => r.kind === 'user' && r.name)).toEqual(['Administrator', 'DefaultAccount', 'Guest', 'helpdesk', 'WDAGUtilityAccount', 'sc admin'])
    expect(diagnostics.map((d) => d.code)).toEqual(['WIN_NET_USER_FALLBACK'])
  })

  it('Get-LocalGroupMember JSON: single member serialised as an object', () => {
    const text = '{"Group":"Administratoren","GroupSid":"S-1-5-32-544","Name":"WIN-SRV01\\\\helpdesk","SID":"S-1-5-21-1-2-3-1003","ObjectClass":"Benutzer","PrincipalSource":"Local"}'
    expect(W.parseLocalGroupMemberJson(text).records).toEqual([
      {kind: 'group_member', group: 'Administratoren', group_sid: 'S-1-5-32-544', member: 'WIN-SRV01\\helpdesk', member_sid: 'S-1-5-21-1-2-3-1003', object_class: 'Benutzer', principal_source: 'Local'},
    ])
  })

  it('net localgroup: members between the rule and the status sentence, in English and German', () => {
    expect(W.parseNetLocalGroup(fx('net-localgroup-administrators.txt')).records).toEqual([
      {kind: 'group_member', group: 'Administrators', member: 'Administrator'},
      {kind: 'group_member', group: 'Administrators', member: 'CONTOSO\\Domain Admins'},
      {kind: 'group_member', group: 'Administrators', member: 'helpdesk'},
    ])
    const de = W.parseNetLocalGroup(fx('net-localgroup-german-empty.txt'))
    expect(de.records).toEqual([])
    expect(de.diagnostics).toEqual([])
  })

  it('query user: current-session marker, disconnected session without SESSIONNAME, host-local logon text', () => {
    const {records, diagnostics} = W.parseQueryUser(fx('query-user-disconnected-no-sessionname.txt'))
    expect(diagnostics).toEqual([])
    expect(records).toEqual([
      {kind: 'session', user: 'administrator', session_name: 'rdp-tcp#0', session_id: 2, state: 'Active', idle: '.', logon_text: '11/8/2023 2:14 PM', current: true},
      {kind: 'session', user: 'helpdesk', session_id: 3, state: 'Disc', idle: '1:05', logon_text: '11/7/2023 9:02 AM', current: false},
      {kind: 'session', user: 'svc_backup', session_name: 'console', session_id: 1, state: 'Active', idle: 'none', logon_text: '11/1/2023 8:00 AM', current: false},
    ])
  })

  it('query user in German: localised header and states, day-first dates kept as text', () => {
    const {records} = W.parseQueryUser(fx('query-user-german.txt'))
    expect(records).toEqual([
      {kind: 'session', user: 'administrator', session_name: 'rdp-tcp#1', session_id: 2, state: 'Aktiv', idle: '.', logon_text: '08.11.2023 14:14', current: true},
      {kind: 'session', user: 'helpdesk', session_id: 3, state: 'Getr.', idle: '1+02:05', logon_text: '07.11.2023 09:02', current: false},
    ])
  })
})

describe('Windows service, task, DNS, ARP, software and registry parsers', () => {
  it('Win32_Service JSON', () => {
    const text = '[{"Name":"ScreenConnect Client (1a2b3c4d5e6f7a8b)","DisplayName":"ScreenConnect Client (1a2b3c4d5e6f7a8b)","PathName":"\\"C:\\\\Program Files (x86)\\\\ScreenConnect Client (1a2b3c4d5e6f7a8b)\\\\ScreenConnect.ClientService.exe\\" \\"?e=Access&h=relay.example-sc.com&p=8041\\"","StartMode":"Auto","State":"Running","StartName":"LocalSystem","ProcessId":2044,"Description":null}]'
    expect(W.parseWinServiceJson(text).records).toEqual([
      {kind: 'service', name: 'ScreenConnect Client (1a2b3c4d5e6f7a8b)', display_name: 'ScreenConnect Client (1a2b3c4d5e6f7a8b)', image_path: '"C:\\Program Files (x86)\\ScreenConnect Client (1a2b3c4d5e6f7a8b)\\ScreenConnect.ClientService.exe" "?e=Access&h=relay.example-sc.com&p=8041"', start_type: 'Auto', state: 'Running', account: 'LocalSystem', pid: 2044},
    ])
  })

  it('schtasks /fo csv /v: repeated heading rows skipped, one task per name with every trigger', () => {
    const {records, diagnostics} = W.parseSchtasksCsv(fx('schtasks-csv-v-repeated-header-multi-trigger.csv'))
    expect(diagnostics).toEqual([])
    expect(records).toHaveLength(2)
    expect(records[0]).toEqual({
      kind: 'task', name: '\\AnyDeskUpdate', host: 'WIN-SRV01', next_run_text: '11/9/2023 3:00:00 AM', status: 'Ready', last_run_text: '11/8/2023 3:00:00 AM',
      last_result: '0', author: 'WIN-SRV01\\helpdesk', action: 'C:\\ProgramData\\AnyDesk\\AnyDesk.exe --start-service', state: 'Enabled', run_as: 'SYSTEM',
      schedules: ['Daily 3:00:00 AM 11/8/2023 Every 1 day(s)', 'At logon time'],
    })
    expect(records[1]).toMatchObject({name: '\\Microsoft\\Windows\\Defrag\\ScheduledDefrag', schedules: ['Weekly 1:00:00 AM 1/1/2005 SUN']})
  })

  it('Get-DnsClientCache JSON with numeric Type/Section/Status', () => {
    const text = '[{"Entry":"relay.example-sc.com","Name":"relay.example-sc.com","Type":1,"Status":0,"Section":1,"TimeToLive":287,"DataLength":4,"Data":"203.0.113.50"},{"Entry":"nx.example","Name":"nx.example","Type":1,"Status":9003,"Section":1,"TimeToLive":40,"DataLength":0,"Data":null}]'
    expect(W.parseDnsCacheJson(text).records).toEqual([
      {kind: 'dns_entry', entry: 'relay.example-sc.com', name: 'relay.example-sc.com', type: 'A', data: '203.0.113.50', ttl: 287, section: 'Answer', status: 'Success'},
      {kind: 'dns_entry', entry: 'nx.example', name: 'nx.example', type: 'A', ttl: 40, section: 'Answer', status: 'NotExist'},
    ])
  })

  it('ipconfig /displaydns: CNAME chain without repeated heading, negative entry, German labels', () => {
    const {records, diagnostics} = W.parseIpconfigDisplayDns(fx('ipconfig-displaydns-cname-chain-and-negative.txt'))
    expect(diagnostics).toEqual([])
    expect(records).toEqual([
      {kind: 'dns_entry', entry: 'instance-abc.screenconnect.com', name: 'instance-abc.screenconnect.com', type: 'CNAME', data: 'relay.example-sc.com', ttl: 30, section: 'Answer'},
      {kind: 'dns_entry', entry: 'instance-abc.screenconnect.com', name: 'relay.example-sc.com', type: 'A', data: '203.0.113.50', ttl: 287, section: 'Answer'},
      {kind: 'dns_entry', entry: 'nonexistent.example', name: 'nonexistent.example', type: '', status: 'Name does not exist.'},
      {kind: 'dns_entry', entry: 'v6.example.net', name: 'v6.example.net', type: 'AAAA', data: '2001:db8::50', ttl: 120, section: 'Antwort'},
    ])
  })

  it('arp -a in German: interface lines by their "--- 0x" marker, MACs normalised', () => {
    const {records} = W.parseArpA(fx('arp-a-german.txt'))
    expect(records).toEqual([
      {kind: 'arp_entry', ip: '10.0.0.1', mac: '00:15:5d:01:02:03', type: 'dynamisch', interface: '10.0.0.5'},
      {kind: 'arp_entry', ip: '10.0.0.255', mac: 'ff:ff:ff:ff:ff:ff', type: 'statisch', interface: '10.0.0.5'},
      {kind: 'arp_entry', ip: '192.168.56.1', mac: '0a:00:27:00:00:12', type: 'dynamisch', interface: '192.168.56.10'},
    ])
  })

  it('Uninstall-key JSON and the reg query fallback (subkeys without DisplayName dropped)', () => {
    const text = '{"Key":"HKEY_LOCAL_MACHINE\\\\SOFTWARE\\\\WOW6432Node\\\\Microsoft\\\\Windows\\\\CurrentVersion\\\\Uninstall\\\\AnyDesk","DisplayName":"AnyDesk","DisplayVersion":"ad 7.1.16","Publisher":"AnyDesk Software GmbH","InstallDate":null,"InstallLocation":"\\"C:\\\\Program Files (x86)\\\\AnyDesk\\"","UninstallString":null}'
    expect(W.parseSoftwareJson(text).records).toEqual([
      {kind: 'software', name: 'AnyDesk', version: 'ad 7.1.16', publisher: 'AnyDesk Software GmbH', install_location: '"C:\\Program Files (x86)\\AnyDesk"', key: 'HKEY_LOCAL_MACHINE\\SOFTWARE\\WOW6432Node\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\AnyDesk'},
    ])
    const fb = W.parseRegQueryUninstall(fx('reg-query-uninstall.txt'))
    expect(fb.diagnostics).toEqual([])
    expect(fb.records.map((r) => r.kind === 'software' && [r.name, r.version, r.install_date])).toEqual([
      ['AnyDesk', 'ad 7.1.16', undefined],
      ['ScreenConnect Client (1a2b3c4d5e6f7a8b)', '23.8.5.8707', '20231108'],
    ])
  })

  it('reg query /s: key names with spaces and parentheses, empty and (value not set) data, REG_MULTI_SZ', () => {
    const {records, diagnostics} = W.parseRegQuery(fx('reg-query-services-screenconnect.txt'))
    expect(diagnostics).toEqual([])
    expect(records.map((r) => r.kind === 'registry_key' && r.key.split('\\').slice(4).join('\\'))).toEqual([
      'AnyDesk', 'ScreenConnect Client (1a2b3c4d5e6f7a8b)', 'ScreenConnect Client (1a2b3c4d5e6f7a8b)\\Security', 'Spooler',
    ])
    const sc = records[1]!
    expect(sc.kind === 'registry_key' && sc.values.find((v) => v.name === 'ImagePath')).toMatchObject({type: 'REG_EXPAND_SZ', data: expect.stringContaining('h=relay.example-sc.com&p=8041')})
    const spooler = records[3]!
    expect(spooler.kind === 'registry_key' && spooler.values).toEqual([
      {name: '(Default)', type: 'REG_SZ', data: '(value not set)'},
      {name: 'DependOnService', type: 'REG_MULTI_SZ', data: 'RPCSS\\0http'},
      {name: 'Description', type: 'REG_SZ', data: ''},
      {name: 'ImagePath', type: 'REG_EXPAND_SZ', data: '%SystemRoot%\\System32\\spoolsv.exe'},
    ])
  })

  it('time: tzutil without newline, clock JSON, w32tm key/value lines', () => {
    expect(W.parseTzutil('Central Standard Time').records).toEqual([{kind: 'time_status', name: 'time_zone', value: 'Central Standard Time'}])
    expect(W.parseWinClockJson('{"utc_now":"2023-11-08T20:15:00.1234567Z","time_zone_id":"Central Standard Time","utc_offset_minutes":-360}').records).toEqual([
      {kind: 'time_status', name: 'utc_now', value: '2023-11-08T20:15:00.1234567Z', value_utc: '2023-11-08T20:15:00.1234567Z'},
      {kind: 'time_status', name: 'time_zone', value: 'Central Standard Time'},
      {kind: 'time_status', name: 'utc_offset_minutes', value: '-360'},
    ])
    const kv = W.parseKeyValueLines(fx('w32tm-status.txt')).records
    expect(kv).toHaveLength(9)
    expect(kv).toContainEqual({kind: 'time_status', name: 'Source', value: 'dc01.contoso.local'})
    expect(kv).toContainEqual({kind: 'time_status', name: 'ReferenceId', value: '0x0A000001 (source IP:  10.0.0.1)'})
  })

  it('decodeOutput: UTF-16LE with BOM and without, UTF-8 BOM', () => {
    const s = 'Caption\r\nAnyDesk'
    expect(decodeOutput(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(s, 'utf16le')]))).toEqual({text: s, encoding: 'utf-16le'})
    expect(decodeOutput(Buffer.from(s, 'utf16le'))).toEqual({text: s, encoding: 'utf-16le'})
    expect(decodeOutput(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('[1]')]))).toEqual({text: '[1]', encoding: 'utf-8'})
  })
})
