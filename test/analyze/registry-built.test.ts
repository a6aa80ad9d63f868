import {describe, expect, it} from 'vitest'
import {mapSoftware, mapSystem} from '../../src/events/mappers/registry.js'
import {Hive} from '../../src/parsers/regf/hive.js'
import {readSam} from '../../src/parsers/regf/hives/sam.js'
import {readSoftware} from '../../src/parsers/regf/hives/software.js'
import {readSystem} from '../../src/parsers/regf/hives/system.js'
import {buildHive, dword, utf16z, type TKey} from '../parsers/regf/build.js'

/**
 * SOFTWARE and the Windows 10 parts of SYSTEM (BAM, DHCP interfaces) on hives built here with the documented
 * key layout: the shared corpus has no SOFTWARE hive and only a Windows 7 SYSTEM.
 */
const ctx = {member: 'Windows/System32/config/X', sha256: 'f'.repeat(64), artefact: 'windows.registry.hives'}
const sz = (name: string, s: string) => ({name, type: 1, data: utf16z(s)})
const ft = (iso: string): Uint8Array => {
  const b = new Uint8Array(24)
  const v = BigInt(Date.parse(iso)) * 10_000n + 116_444_736_000_000_000n
  new DataView(b.buffer).setBigUint64(0, v, true)
  return b
}

describe('SOFTWARE hive', () => {
  const root: TKey = {
    name: 'ROOT',
    subkeys: [
      {
        name: 'Microsoft',
        subkeys: [
          {
            name: 'Windows',
            subkeys: [
              {
                name: 'CurrentVersion',
                subkeys: [
                  {name: 'Run', values: [sz('Updater', 'C:\\ProgramData\\upd\\AnyDesk.exe --silent')]},
                  {name: 'Uninstall', subkeys: [{name: 'AnyDesk', values: [sz('DisplayName', 'AnyDesk'), sz('DisplayVersion', '7.1.0'), sz('Publisher', 'philandro Software GmbH'), sz('InstallDate', '20231102'), sz('InstallLocation', 'C:\\Program Files (x86)\\AnyDesk')]}, {name: 'NoName'}]},
                ],
              },
            ],
          },
          {
            name: 'Windows NT',
            subkeys: [
              {
                name: 'CurrentVersion',
                values: [sz('ProductName', 'Windows Server 2019 Standard'), sz('CurrentBuildNumber', '17763'), sz('ReleaseId', '1809'), {name: 'InstallDate', type: 4, data: dword(1_600_000_000)}],
                subkeys: [{name: 'ProfileList', subkeys: [{name: 'S-1-5-21-1-2-3-1003', values: [{name: 'ProfileImagePath', type: 2, data: utf16z('C:\\Users\\svc_backup')}]}]}],
              },
            ],
          },
        ],
      },
    ],
  }
  it('version, Uninstall, Run and ProfileList become events that point at their keys', () => {
    const s = readSoftware(new Hive(buildHive(root).bytes))
    expect(s.version).toMatchObject({productName: 'Windows Server 2019 Standard', build: '17763', displayVersion: '1809', installDate: '2020-09-13T12:26:40.000Z'})
    expect(s.uninstall.map((u) => u.name)).toEqual(['AnyDesk']) // entries without DisplayName are not programs
    const evs = [...mapSoftware(ctx, s)]
    expect(evs.map((e) => e.event_type).sort()).toEqual(['account.profile', 'host.info', 'persistence.run_key', 'software.installed'])
    const run = evs.find((e) => e.event_type === 'persistence.run_key')!
    expect(run).toMatchObject({command_line: 'C:\\ProgramData\\upd\\AnyDesk.exe --silent', timestamp_desc: 'Key Last Written'})
    expect(run.evidence.record).toBe('Microsoft\\Windows\\CurrentVersion\\Run')
    expect(run.attributes).toMatchObject({registry_key: 'Microsoft\\Windows\\CurrentVersion\\Run', registry_value: 'Updater'})
    expect(evs.find((e) => e.event_type === 'account.profile')).toMatchObject({user: 'svc_backup'})
    expect(evs.find((e) => e.event_type === 'software.installed')!.attributes).toMatchObject({publisher: 'philandro Software GmbH', install_date: '20231102'})
  })
})

describe('SYSTEM hive, Windows 10 parts', () => {
  it('BAM (State\\UserSettings), DHCP interface, services with ServiceDll, current control set from Select', () => {
    const root: TKey = {
      name: 'ROOT',
      subkeys: [
        {name: 'Select', values: [{name: 'Current', type: 4, data: dword(2)}]},
        {name: 'ControlSet001', subkeys: [{name: 'Control', subkeys: [{name: 'ComputerName', subkeys: [{name: 'ComputerName', values: [sz('ComputerName', 'OLD-NAME')]}]}]}]},
        {
          name: 'ControlSet002',
          subkeys: [
            {name: 'Control', subkeys: [{name: 'ComputerName', subkeys: [{name: 'ComputerName', values: [sz('ComputerName', 'PHARM-SRV01')]}]}, {name: 'TimeZoneInformation', values: [sz('TimeZoneKeyName', 'W. Europe Standard Time'), {name: 'Bias', type: 4, data: dword(0xffffffc4)}, {name: 'ActiveTimeBias', type: 4, data: dword(0xffffff88)}]}]},
            {
              name: 'Services',
              subkeys: [
                {name: 'bam', subkeys: [{name: 'State', subkeys: [{name: 'UserSettings', subkeys: [{name: 'S-1-5-21-1-2-3-1003', values: [{name: '\\Device\\HarddiskVolume2\\Users\\Public\\AnyDesk.exe', type: 3, data: ft('2023-11-02T09:20:00Z')}, {name: 'Version', type: 4, data: dword(1)}]}]}]}]},
                {name: 'Tcpip', subkeys: [{name: 'Parameters', subkeys: [{name: 'Interfaces', subkeys: [{name: '{1234}', values: [{name: 'EnableDHCP', type: 4, data: dword(1)}, sz('DhcpIPAddress', '10.0.0.5'), sz('DhcpDomain', 'corp.example'), sz('DhcpNameServer', '10.0.0.1')]}]}]}]},
                {name: 'TermService', values: [sz('ImagePath', '%SystemRoot%\\System32\\svchost.exe -k NetworkService'), {name: 'Start', type: 4, data: dword(3)}], subkeys: [{name: 'Parameters', values: [{name: 'ServiceDll', type: 2, data: utf16z('%SystemRoot%\\System32\\termsrv.dll')}]}]},
              ],
            },
          ],
        },
      ],
    }
    const s = readSystem(new Hive(buildHive(root).bytes))
    expect(s.controlSet).toBe('ControlSet002')
    expect(s.computerName?.name).toBe('PHARM-SRV01')
    expect(s.timeZone).toMatchObject({keyName: 'W. Europe Standard Time', bias: -60, activeBias: -120})
    expect(s.bam).toEqual([expect.objectContaining({source: 'bam', sid: 'S-1-5-21-1-2-3-1003', path: '\\Device\\HarddiskVolume2\\Users\\Public\\AnyDesk.exe', lastRun: '2023-11-02T09:20:00.0000000Z'})])
    expect(s.interfaces[0]).toMatchObject({ip: ['10.0.0.5'], dhcp: true, domain: 'corp.example', nameServers: '10.0.0.1'})
    expect(s.services[0]).toMatchObject({name: 'TermService', serviceDll: '%SystemRoot%\\System32\\termsrv.dll', start: 3})
    const evs = [...mapSystem(ctx, s)]
    expect(evs.find((e) => e.event_type === 'execution.bam')).toMatchObject({datetime: '2023-11-02T09:20:00.0000000Z', timestamp_desc: 'Last Run'})
    expect(evs.find((e) => e.event_type === 'service.exists')!.attributes).toMatchObject({start_type: 'manual'})
  })
})

describe('SAM hive without Account\\V', () => {
  it('takes the machine SID from an alias member whose RID is a local account', () => {
    const sid = new Uint8Array(28)
    const dv = new DataView(sid.buffer)
    sid[0] = 1
    sid[1] = 5
    sid[7] = 5
    ;[21, 11, 22, 33, 1005].forEach((n, i) => dv.setUint32(8 + i * 4, n, true))
    const c = new Uint8Array(0x34 + sid.length)
    new DataView(c.buffer).setUint32(0x28, 0, true) // members at 0 (after the 0x34-byte header)
    new DataView(c.buffer).setUint32(0x30, 1, true)
    c.set(sid, 0x34)
    const root: TKey = {
      name: 'ROOT',
      subkeys: [
        {
          name: 'SAM',
          subkeys: [
            {
              name: 'Domains',
              subkeys: [
                {name: 'Account', subkeys: [{name: 'Users', subkeys: [{name: '000003ED', values: [{name: 'F', type: 3, data: new Uint8Array(0x50)}]}, {name: 'Names', subkeys: [{name: 'svc_helpdesk', values: [{name: '', type: 0x3ed, data: new Uint8Array(0)}]}]}]}]},
                {name: 'Builtin', subkeys: [{name: 'Aliases', subkeys: [{name: '00000220', values: [{name: 'C', type: 3, data: c}]}]}]},
              ],
            },
          ],
        },
      ],
    }
    const sam = readSam(new Hive(buildHive(root).bytes))
    expect(sam.domainSid).toBe('S-1-5-21-11-22-33')
    expect(sam.accounts).toEqual([expect.objectContaining({name: 'svc_helpdesk', rid: 1005, sid: 'S-1-5-21-11-22-33-1005'})])
    expect(sam.groups.find((g) => g.rid === 544)?.members).toEqual(['S-1-5-21-11-22-33-1005'])
  })
})
