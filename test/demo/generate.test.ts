import {spawnSync} from 'node:child_process'
import {mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {isRatchetError} from '../../src/core/errors.js'
import {generateDemoHost, type DemoHostResult} from '../../src/demo/index.js'
import {ANYDESK, ROGUE_SC, RUN_COMMANDS, USERS, VENDOR_SC} from '../../src/demo/scenario.js'
import {evtxexportEvents, hasEvtxexport, type OracleEvent} from '../writers/evtx/oracles.js'

const tmp = mkdtempSync(join(tmpdir(), 'ratchet-demo-'))
afterAll(() => rmSync(tmp, {recursive: true, force: true}))

let host: DemoHostResult
beforeAll(async () => {
  host = await generateDemoHost(join(tmp, 'a'))
})

const vol = (p: string): string => join(host.volume, p)
const LOGS = 'Windows/System32/winevt/Logs'

describe('demo host: tree', () => {
  it('has every expected artefact with Windows casing, and iocs.txt beside the volume', () => {
    const expected = [
      `${LOGS}/Security.evtx`,
      `${LOGS}/System.evtx`,
      `${LOGS}/Application.evtx`,
      `${LOGS}/Microsoft-Windows-TerminalServices-LocalSessionManager%4Operational.evtx`,
      `${LOGS}/Microsoft-Windows-TerminalServices-RemoteConnectionManager%4Operational.evtx`,
      `${LOGS}/Windows PowerShell.evtx`,
      `Program Files (x86)/ScreenConnect Client (${VENDOR_SC.thumbprint})/system.config`,
      `Program Files (x86)/ScreenConnect Client (${ROGUE_SC.thumbprint})/system.config`,
      `Windows/System32/config/systemprofile/AppData/Local/ScreenConnect Client (${VENDOR_SC.thumbprint})/user.config`,
      `Windows/System32/config/systemprofile/AppData/Local/ScreenConnect Client (${ROGUE_SC.thumbprint})/user.config`,
      ...RUN_COMMANDS.map((c) => `Windows/Temp/ScreenConnect/${VENDOR_SC.version}/${c.guid}run.cmd`),
      'Users/jmiller/Documents/ConnectWiseControl/Temp/text.xml',
      'ProgramData/AnyDesk/ad_svc.trace',
      'ProgramData/AnyDesk/connection_trace.txt',
      'ProgramData/AnyDesk/file_transfer_trace.txt',
      'ProgramData/AnyDesk/service.conf',
    ]
    const listed = host.files.map((f) => f.path)
    for (const p of expected) {
      expect(listed).toContain(p)
      expect(statSync(vol(p)).isFile()).toBe(true)
    }
    for (const u of ['Administrator', 'jmiller', 'kwilson', 'adm_kwilson', 'itsupport', 'Public']) expect(statSync(vol(`Users/${u}`)).isDirectory()).toBe(true)
    expect(resolve(host.iocs, '..')).toBe(resolve(host.volume, '..'))
    expect(readFileSync(host.iocs, 'utf8').split('\n')).toEqual(expect.arrayContaining(['198.51.100[.]77', 'rs.tdsclinical[.]com', 'text.xml']))
  })

  it('writes the ScreenConnect and AnyDesk text artefacts in their documented shapes', () => {
    const sys = readFileSync(vol(`Program Files (x86)/ScreenConnect Client (${VENDOR_SC.thumbprint})/system.config`), 'utf8')
    expect(sys).toMatch(/<setting name="ClientLaunchParametersConstraint" serializeAs="String">\s*<value>\?h=rs\.tdsclinical\.com&amp;p=8041&amp;k=[A-Za-z0-9+/=]+<\/value>/)
    const user = readFileSync(vol(`Windows/System32/config/systemprofile/AppData/Local/ScreenConnect Client (${VENDOR_SC.thumbprint})/user.config`), 'utf8')
    // 02:14:07 UTC on Nov 2 is 9:14:07 PM on Nov 1 in Chicago (CDT).
    expect(user).toContain('<setting name="HostToAddressMap" serializeAs="String">')
    expect(user).toContain('<value>rs.tdsclinical.com=192.0.2.41-11%2f1%2f2023%209%3a14%3a07%20PM</value>')
    const run = readFileSync(vol(`Windows/Temp/ScreenConnect/${VENDOR_SC.version}/${RUN_COMMANDS[0].guid}run.cmd`), 'utf8')
    expect(run).toBe('C:\\Windows\\Microsoft.NET\\Framework64\\v4.0.30319\\MSBuild.exe C:\\Users\\jmiller\\Documents\\ConnectWiseControl\\Temp\\text.xml\r\n')
    const trace = readFileSync(vol('ProgramData/AnyDesk/ad_svc.trace'), 'utf8')
    expect(trace).toMatch(/^ {3}info 2023-11-02 02:22:31\.508 {7}lsvc {3}4412 {3}4416 {5} +app\.cmd_line - Processing --set-password\.$/m)
    expect(trace).toContain(`anynet.any_socket - Logged in from ${ANYDESK.remoteAddress}:${ANYDESK.remotePort} on relay ${ANYDESK.relay}.`)
    expect(trace).toContain(`app.backend_session - Incoming session request: itsupport (${ANYDESK.remoteId})`)
    expect(trace).toContain('Authenticated by password.')
    expect(readFileSync(vol('ProgramData/AnyDesk/connection_trace.txt'), 'utf8')).toMatch(/^Incoming {4}2023-11-02, 03:05 {4}Passwd +793412605 {4}793412605\r\n$/)
    const ft = readFileSync(vol('ProgramData/AnyDesk/file_transfer_trace.txt'))
    expect([...ft.subarray(0, 2)]).toEqual([0xff, 0xfe])
    expect(ft.subarray(2).toString('utf16le')).toContain("File Manager\t2023-11-02, 03:21\tfinish\tupload  \t'ScreenConnect.ClientSetup.msi' (~8.72 MiB out of 8.72 MiB)")
    const conf = readFileSync(vol('ProgramData/AnyDesk/service.conf'), 'utf8')
    expect(conf).toMatch(/^ad\.anynet\.pwd_hash=[0-9a-f]{64}$/m)
    expect(conf).toMatch(/^ad\.anynet\.pwd_salt=[0-9a-f]{32}$/m)
  })

  it('gives files the times of the story', () => {
    const mtime = (p: string): string => statSync(vol(p)).mtime.toISOString()
    expect(mtime(`Windows/Temp/ScreenConnect/${VENDOR_SC.version}/${RUN_COMMANDS[0].guid}run.cmd`)).toBe('2023-11-02T02:16:02.665Z')
    expect(mtime('Users/jmiller/Documents/ConnectWiseControl/Temp/text.xml')).toBe('2023-11-02T02:15:31.081Z')
  })
})

describe('demo host: determinism', () => {
  it('same seed gives a byte-identical tree with the same times; another seed changes only the noise', async () => {
    const again = await generateDemoHost(join(tmp, 'b'))
    expect(again.files).toEqual(host.files)
    const other = await generateDemoHost(join(tmp, 'c'), {seed: 7})
    const sha = (r: DemoHostResult, p: string): string | undefined => r.files.find((f) => f.path === p)?.sha256
    expect(sha(other, `${LOGS}/Security.evtx`)).not.toBe(sha(host, `${LOGS}/Security.evtx`))
    expect(sha(other, 'Users/jmiller/Documents/ConnectWiseControl/Temp/text.xml')).toBe(sha(host, 'Users/jmiller/Documents/ConnectWiseControl/Temp/text.xml'))
    expect(other.logs.find((l) => l.path.endsWith('Security.evtx'))!.eventIds['4720']).toBe(2)
  })

  it('refuses a folder that is not empty', async () => {
    const dir = join(tmp, 'busy')
    mkdirSync(dir)
    writeFileSync(join(dir, 'keep.txt'), 'x')
    const err = await generateDemoHost(dir).catch((e: unknown) => e)
    expect(isRatchetError(err) && err.code).toBe('E_OUTPUT_EXISTS')
    expect(readFileSync(join(dir, 'keep.txt'), 'utf8')).toBe('x')
  })
})

describe.skipIf(!hasEvtxexport)('demo host: event logs read by libyal evtxexport', () => {
  const byId = (events: OracleEvent[], id: number): OracleEvent[] => events.filter((e) => e.eventId === id)

  it('every log parses completely and matches the generator summary', () => {
    for (const log of host.logs) {
      const events = evtxexportEvents(vol(log.path))!
      expect(events).toHaveLength(log.records)
      const counts: Record<string, number> = {}
      for (const e of events) counts[String(e.eventId)] = (counts[String(e.eventId)] ?? 0) + 1
      expect(counts).toEqual(log.eventIds)
      // Record ids are consecutive and times never go backwards.
      events.forEach((e, i) => i > 0 && expect(e.recordId).toBe(events[i - 1].recordId + 1))
      events.forEach((e, i) => i > 0 && expect(e.timeCreated >= events[i - 1].timeCreated).toBe(true))
    }
  })

  it('Security tells the account story and the MSBuild launch', () => {
    const sec = evtxexportEvents(vol(`${LOGS}/Security.evtx`))!
    expect(sec[0].eventId).toBe(1102)
    expect(sec[0].data.SubjectUserName).toBe('jmiller')
    const created = byId(sec, 4720)
    expect(created.map((e) => [e.data.TargetUserName, e.timeCreated])).toEqual([
      ['adm_kwilson', '2023-10-11T20:02:37.552190600Z'],
      ['itsupport', '2023-11-02T02:24:50.772134400Z'],
    ])
    const added = byId(sec, 4732).find((e) => e.data.MemberSid.endsWith(`-${USERS.actor.rid}`))!
    expect(added.data.TargetSid).toBe('S-1-5-32-544')
    expect(added.data.TargetUserName).toBe('Administrators')
    const procs = byId(sec, 4688)
    const msbuild = procs.find((e) => e.data.NewProcessName.endsWith('\\MSBuild.exe'))!
    expect(msbuild.data.CommandLine).toContain('\\ConnectWiseControl\\Temp\\text.xml')
    expect(msbuild.data.ParentProcessName).toBe('C:\\Windows\\System32\\cmd.exe')
    const cmd = procs.find((e) => e.data.CommandLine.includes(`${RUN_COMMANDS[0].guid}run.cmd`))!
    expect(cmd.data.ParentProcessName).toBe(`C:\\Program Files (x86)\\ScreenConnect Client (${VENDOR_SC.thumbprint})\\ScreenConnect.ClientService.exe`)
    expect(cmd.data.NewProcessId).toBe(msbuild.data.ProcessId)
    const logons = byId(sec, 4624)
    expect(logons.some((e) => e.data.TargetUserName === 'itsupport' && e.data.LogonType === '2')).toBe(true)
    expect(logons.filter((e) => e.data.LogonType === '5').length).toBeGreaterThan(50)
  })

  it('System has the AnyDesk and second ScreenConnect services, update noise and the log clears', () => {
    const sys = evtxexportEvents(vol(`${LOGS}/System.evtx`))!
    const installs = byId(sys, 7045)
    const anydesk = installs.find((e) => e.data.ServiceName === 'AnyDesk Service')!
    expect(anydesk.data.ImagePath).toBe('"C:\\Program Files (x86)\\AnyDesk\\AnyDesk.exe" --service')
    expect(anydesk.timeCreated).toBe('2023-11-02T02:22:14.508773100Z')
    const rogue = installs.find((e) => e.data.ServiceName === `ScreenConnect Client (${ROGUE_SC.thumbprint})`)!
    expect(rogue.data.ImagePath).toContain('?e=Access&y=Guest&h=sc.helpdesk-relay.net&p=8041&s=')
    expect(installs.filter((e) => e.data.ServiceName.startsWith('MpKsl')).length).toBeGreaterThanOrEqual(4)
    const clears = byId(sys, 104)
    expect(clears.map((e) => [e.data.Channel, e.data.SubjectUserName])).toEqual([
      ['Windows PowerShell', 'itsupport'],
      ['Microsoft-Windows-PowerShell/Operational', 'itsupport'],
    ])
  })

  it('Application has the vendor instance messages, routine sessions included', () => {
    const app = evtxexportEvents(vol(`${LOGS}/Application.evtx`))!
    const sc = app.filter((e) => e.provider === `ScreenConnect Client (${VENDOR_SC.thumbprint})`).map((e) => e.data['#0'].split('\n')[0])
    expect(sc.filter((m) => m === 'TDS Support Connected')).toHaveLength(3)
    expect(sc).toEqual(
      expect.arrayContaining([
        'rxsupport Connected',
        "Transferred files with action 'Transfer':",
        `Executed command of length: ${RUN_COMMANDS[0].text.length}`,
        'rxsupport Disconnected',
      ]),
    )
    const transfer = app.find((e) => e.data['#0']?.startsWith("Transferred files with action 'Transfer':\ntext.xml\n"))
    expect(transfer?.timeCreated).toBe('2023-11-02T02:15:31.081224000Z')
  })

  it('RDP logs carry UserData EventXML', () => {
    const lsm = evtxexportEvents(vol(`${LOGS}/Microsoft-Windows-TerminalServices-LocalSessionManager%4Operational.evtx`))!
    expect(lsm[0].xml).toContain('<EventXML xmlns="Event_NS">')
    expect(lsm[0].data.Address).toMatch(/^10\.20\.30\.\d+$/)
    expect(new Set(lsm.map((e) => e.eventId))).toEqual(new Set([21, 24, 25]))
    expect(lsm.find((e) => e.eventId === 25)!.data.User).toBe('RXSRV01\\jmiller')
    const rcm = evtxexportEvents(vol(`${LOGS}/Microsoft-Windows-TerminalServices-RemoteConnectionManager%4Operational.evtx`))!
    expect(rcm.every((e) => e.eventId === 1149 && e.data.Param2 === 'RXSRV01')).toBe(true)
  })
})

describe('ratchet demo generate (CLI)', () => {
  it('writes the host and returns the typed result with --json', () => {
    const dir = join(tmp, 'cli')
    const r = spawnSync(process.execPath, ['bin/dev.js', 'demo', 'generate', dir, '--seed', '5', '--json'], {encoding: 'utf8', cwd: resolve(import.meta.dirname, '../..')})
    expect(r.status, r.stderr).toBe(0)
    const out = JSON.parse(r.stdout) as DemoHostResult
    expect(out.seed).toBe(5)
    expect(out.volume).toBe(join(dir, 'volume'))
    expect(statSync(join(dir, 'iocs.txt')).isFile()).toBe(true)
    expect(out.files.length).toBe(host.files.length)
    const again = spawnSync(process.execPath, ['bin/dev.js', 'demo', 'generate', dir, '--json'], {encoding: 'utf8', cwd: resolve(import.meta.dirname, '../..')})
    expect(again.status).toBe(2)
    expect(JSON.parse(again.stdout).error.code).toBe('E_OUTPUT_EXISTS')
  })
})
