import * as fs from 'node:fs'
import * as path from 'node:path'
import * as YAML from 'yaml'
import {beforeAll, describe, expect, it} from 'vitest'
import {compileRuleSet, createMatcher, evtxRecordEvent, loadSigmaRules, normalizedEvent, type CompiledRuleSet, type CorrelationHit, type SigmaHit} from '../../../src/detect/sigma/index.js'
import type {NormalizedEvent} from '../../../src/events/types.js'
import {parseEvtxBuffer} from '../../../src/parsers/evtx/index.js'
import type {EvtxEventSpec} from '../../../src/writers/evtx/index.js'
import {at, audit4697, cleared, evtxOf, failedLogon, logon, security, system7045} from './evtx-builders.js'

/**
 * ratchet's own Sigma rules (artefacts/sigma/rules): each is well-formed, fires on a generated positive and
 * stays silent on a near miss. Events go through ratchet's EVTX writer and parser, as real logs would.
 */

const RULES_DIR = path.resolve(new URL('../../../artefacts/sigma/rules', import.meta.url).pathname)
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

let set: CompiledRuleSet
beforeAll(async () => {
  const {rules, skipped} = await loadSigmaRules([RULES_DIR])
  expect(skipped).toEqual([])
  set = compileRuleSet(rules)
  expect(set.skipped).toEqual([])
})

function run(specs: EvtxEventSpec[]): {hits: SigmaHit[]; correlations: CorrelationHit[]} {
  const m = createMatcher(set)
  const hits = parseEvtxBuffer(evtxOf(specs)).records.flatMap((r) => m.push(evtxRecordEvent(r, 'gen.evtx')))
  return {hits, correlations: m.finish()}
}
const titles = (specs: EvtxEventSpec[]): string[] => {
  const r = run(specs)
  return [...r.hits, ...r.correlations].map((h) => h.rule.title)
}

describe('rule files', () => {
  const files = fs.readdirSync(RULES_DIR).filter((f) => f.endsWith('.yml'))
  it.each(files)('%s is a complete ratchet rule', (f) => {
    const docs = YAML.parseAllDocuments(fs.readFileSync(path.join(RULES_DIR, f), 'utf8')).map((d) => d.toJS() as Record<string, unknown>)
    expect(f).toMatch(/^[a-z0-9_]{10,70}\.yml$/)
    for (const d of docs) {
      expect(d.id, `${f}: id`).toMatch(UUID)
      expect(typeof d.title).toBe('string')
      // Helper documents (named, referenced by a correlation) report only through it.
      if (d.name) continue
      expect(['low', 'medium', 'high', 'critical']).toContain(d.level)
      expect(String(d.description).length, `${f}: description`).toBeGreaterThan(120)
      expect((d.tags as string[]).some((t) => /^attack\.t\d{4}(\.\d{3})?$/.test(t)), `${f}: ATT&CK technique tag`).toBe(true)
      expect((d.falsepositives as string[]).length).toBeGreaterThan(0)
      expect((d.references as string[]).length).toBeGreaterThan(0)
    }
  })
  it('ids are unique', async () => {
    const {rules} = await loadSigmaRules([RULES_DIR])
    expect(new Set(rules.map((r) => r.id)).size).toBe(rules.length)
  })
})

describe('Windows rules', () => {
  it('remote-access tool installed as a service (7045 and 4697), not an ordinary service', () => {
    expect(titles([system7045(at(0), {name: 'ScreenConnect Client (1a2b3c)', imagePath: '"C:\\Program Files (x86)\\ScreenConnect Client (1a2b3c)\\ScreenConnect.ClientService.exe" "?e=Access&y=Guest"'})])).toContain('Remote-access software installed as a Windows service')
    expect(titles([audit4697(at(0), {name: 'AnyDesk', file: '"C:\\Program Files (x86)\\AnyDesk\\AnyDesk.exe" --service'})])).toContain('Remote-access software installed as a Windows service')
    expect(titles([system7045(at(0), {name: 'ContosoBackup', imagePath: '"C:\\Program Files\\Contoso\\backup.exe"'})])).not.toContain('Remote-access software installed as a Windows service')
  })
  it('log cleared: 1102 and 104 from the Eventlog provider only', () => {
    expect(titles([cleared(at(0), 'security')])).toContain('Windows event log cleared')
    expect(titles([cleared(at(0), 'system')])).toContain('Windows event log cleared')
    expect(titles([cleared(at(0), 'system', 'Some-Other-Provider')])).not.toContain('Windows event log cleared')
  })
  it('account created, not a computer account', () => {
    expect(titles([security(at(0), 4720, {TargetUserName: 'mallory', TargetSid: 'S-1-5-21-1-2-3-1010'})])).toContain('Local or domain user account created')
    expect(titles([security(at(0), 4720, {TargetUserName: 'WS01$', TargetSid: 'S-1-5-21-1-2-3-1011'})])).not.toContain('Local or domain user account created')
  })
  it('account enabled (4722), not disabled (4725)', () => {
    expect(titles([security(at(0), 4722, {TargetUserName: 'Guest'})])).toContain('User account enabled')
    expect(titles([security(at(0), 4725, {TargetUserName: 'Guest'})])).not.toContain('User account enabled')
  })
  it('added to a privileged group by SID (Administrators, Domain Admins), not to Users', () => {
    const add = (sid: string) => security(at(0), 4732, {MemberSid: 'S-1-5-21-1-2-3-1010', TargetUserName: 'x', TargetSid: sid})
    expect(titles([add('S-1-5-32-544')])).toContain('Account added to a privileged group')
    expect(titles([{...add('S-1-5-21-1-2-3-512'), eventId: 4728}])).toContain('Account added to a privileged group')
    expect(titles([add('S-1-5-32-545')])).not.toContain('Account added to a privileged group')
  })
  it('getsystem: a service echoing into a named pipe; echo into a file is not', () => {
    const t = 'Service installed that echoes into a named pipe (getsystem)'
    expect(titles([system7045(at(0), {name: 'xyzabc', imagePath: 'cmd.exe /c echo xyzabc > \\\\.\\pipe\\xyzabc', startType: 'demand start'})])).toContain(t)
    expect(titles([audit4697(at(0), {name: 'abc', file: '%COMSPEC% /c echo abc > \\\\.\\pipe\\abc'})])).toContain(t)
    expect(titles([system7045(at(0), {name: 'logger', imagePath: 'cmd.exe /c echo started > C:\\logs\\x.txt'})])).not.toContain(t)
  })
  it('PsExec service, not a look-alike name', () => {
    const t = 'PsExec-style remote service execution'
    expect(titles([system7045(at(0), {name: 'PSEXESVC', imagePath: '%SystemRoot%\\PSEXESVC.exe', startType: 'demand start'})])).toContain(t)
    expect(titles([system7045(at(0), {name: 'PSEXESVC2', imagePath: 'C:\\tools\\notpsexec.exe', startType: 'demand start'})])).not.toContain(t)
  })
  it('auto-start service in System32, Temp, ProgramData or a profile; not Program Files, svchost or demand start', () => {
    const t = 'New auto-start service whose program sits in System32, Temp, ProgramData or a user profile'
    for (const p of ['C:\\Windows\\System32\\updsvc.exe', '"C:\\Windows\\Temp\\a.exe" -k', 'C:\\ProgramData\\x\\agent.exe', 'C:\\Users\\bob\\AppData\\Roaming\\x.exe']) {
      expect(titles([system7045(at(0), {name: 'svc', imagePath: p})]), p).toContain(t)
    }
    expect(titles([audit4697(at(0), {name: 'svc', file: 'C:\\Windows\\System32\\updsvc.exe'})])).toContain(t)
    expect(titles([system7045(at(0), {name: 'svc', imagePath: '"C:\\Program Files\\Vendor\\svc.exe"'})])).not.toContain(t)
    expect(titles([system7045(at(0), {name: 'svc', imagePath: 'C:\\Windows\\System32\\svchost.exe -k netsvcs'})])).not.toContain(t)
    expect(titles([system7045(at(0), {name: 'svc', imagePath: 'C:\\Windows\\System32\\updsvc.exe', startType: 'demand start'})])).not.toContain(t)
    expect(set.rules.find((r) => r.title === t)!.builtin).toBe('during-suspicious-session')
  })
})

describe('password guessing followed by a success (correlation over 4625/4624)', () => {
  const burst = (n: number, startS: number, stepS: number, o: {user?: string; ip?: string; workstation?: string} = {}) =>
    Array.from({length: n}, (_, i) => failedLogon(at(startS + i * stepS), {user: o.user ?? 'Administrator', ip: o.ip ?? '203.0.113.7', workstation: o.workstation}))
  const ACCOUNT = 'Password guessing followed by a successful logon (same account)'
  const ADDRESS = 'Password guessing followed by a successful logon (same source address)'

  it('a burst of failures then a success: one finding per grouping, with every grouped event', () => {
    const {hits, correlations} = run([...burst(95, 0, 0.2), logon(at(40), {user: 'Administrator', ip: '203.0.113.7', logonType: '10'})])
    expect(hits.map((h) => h.rule.title)).toEqual([]) // the base rules report only through the correlations
    const byTitle = new Map(correlations.map((c) => [c.rule.title, c]))
    expect([...byTitle.keys()].sort()).toEqual([ACCOUNT, ADDRESS])
    const acc = byTitle.get(ACCOUNT)!
    expect(acc.group).toEqual({TargetUserName: 'Administrator'})
    expect(acc.events).toHaveLength(96)
    expect(acc.events[95]!.eventId).toBe(4624)
    expect(acc.rule.tags).toContain('attack.t1110')
    expect(acc.rule.level).toBe('high')
  })
  it('a burst without a success: nothing', () => {
    expect(run(burst(50, 0, 1)).correlations).toEqual([])
  })
  it('successes spread out with a few failures among them: nothing', () => {
    const specs = [0, 3600, 7200, 10800].flatMap((t) => [failedLogon(at(t), {user: 'alice', ip: '10.0.0.5'}), logon(at(t + 30), {user: 'alice', ip: '10.0.0.5', logonType: '2'})])
    expect(run(specs).correlations).toEqual([])
  })
  it('near misses: nine failures, a success after the window, a success by another account and address', () => {
    expect(run([...burst(9, 0, 1), logon(at(20), {user: 'Administrator', ip: '203.0.113.7', logonType: '10'})]).correlations).toEqual([])
    expect(run([...burst(20, 0, 1), logon(at(20 + 31 * 60), {user: 'Administrator', ip: '203.0.113.7', logonType: '10'})]).correlations).toEqual([])
    expect(run([...burst(20, 0, 1), logon(at(30), {user: 'bob', ip: '10.9.9.9', logonType: '10'})]).correlations).toEqual([])
  })
  it('failures spread so that no five minutes hold ten: nothing', () => {
    expect(run([...burst(30, 0, 40), logon(at(1300), {user: 'Administrator', ip: '203.0.113.7', logonType: '3'})]).correlations).toEqual([])
  })
  it('spraying many accounts from one workstation name without an address', () => {
    const spray = Array.from({length: 12}, (_, i) => failedLogon(at(i), {user: `user${i}`, ip: '-', workstation: 'KALI'}))
    const r = run([...spray, logon(at(60), {user: 'user3', ip: '-', workstation: 'KALI', logonType: '3'})])
    expect(r.correlations.map((c) => c.rule.title)).toEqual(['Password guessing followed by a successful logon (same source workstation)'])
  })
  it('service logons (type 5) are not the success', () => {
    expect(run([...burst(20, 0, 1), logon(at(30), {user: 'Administrator', ip: '203.0.113.7', logonType: '5'})]).correlations).toEqual([])
  })
})

describe('product: ratchet rules (normalized ScreenConnect and AnyDesk events)', () => {
  let n = 0
  const ne = (source: NormalizedEvent['source'], event_type: string, attributes: Record<string, unknown>, more: Partial<NormalizedEvent> = {}): NormalizedEvent => ({
    id: `e${++n}`, datetime: '2026-03-14T02:00:00.0000000Z', timestamp: Date.UTC(2026, 2, 14, 2) * 1000 + n * 1_000_000, timestamp_desc: 'x', message: 'm', source, artefact: 'a', event_type, host: 'WS01',
    evidence: {member: 'files/x', sha256: 'h'}, attributes, ...more,
  })
  const fire = (events: NormalizedEvent[]): string[] => {
    const m = createMatcher(set)
    const hits = events.flatMap((e) => m.push(normalizedEvent(e)))
    return [...hits, ...m.finish()].map((h) => h.rule.title)
  }
  it('ScreenConnect command execution and file transfer; the server table rows are not the client', () => {
    expect(fire([ne('EVTX', 'remote_access.command', {tool: 'ScreenConnect', instance: 'abc'})])).toContain('Commands run through ScreenConnect')
    expect(fire([ne('ScreenConnect', 'remote_access.file_transfer', {tool: 'ScreenConnect', instance: 'abc'})])).toContain('Files transferred through ScreenConnect')
    expect(fire([ne('ScreenConnect', 'remote_access.command', {tool: 'ScreenConnect', table: 'SessionEvent'})])).toEqual([])
    expect(fire([ne('AnyDesk', 'remote_access.command', {tool: 'AnyDesk'})])).toEqual([])
  })
  it('a second ScreenConnect instance on one computer; one instance seen many times is not', () => {
    const two = [ne('EVTX', 'remote_access.session_start', {tool: 'ScreenConnect', instance: 'aaa111'}), ne('ScreenConnect', 'remote_access.relay', {tool: 'ScreenConnect', instance: 'bbb222'})]
    expect(fire(two)).toContain('More than one ScreenConnect instance on one computer')
    const one = [ne('EVTX', 'remote_access.session_start', {tool: 'ScreenConnect', instance: 'aaa111'}), ne('ScreenConnect', 'remote_access.relay', {tool: 'ScreenConnect', instance: 'AAA111'})]
    expect(fire(one)).not.toContain('More than one ScreenConnect instance on one computer')
    const twoHosts = [two[0]!, {...two[1]!, host: 'WS02'}]
    expect(fire(twoHosts)).not.toContain('More than one ScreenConnect instance on one computer')
  })
  it('AnyDesk unattended password (trace, configuration, command line); a configuration without one is not', () => {
    const t = 'AnyDesk unattended-access password configured'
    expect(fire([ne('AnyDesk', 'remote_access.password_set', {tool: 'AnyDesk'})])).toContain(t)
    expect(fire([ne('AnyDesk', 'remote_access.config', {tool: 'AnyDesk', unattended_password_set: true})])).toContain(t)
    expect(fire([ne('Volatile', 'process.running', {}, {command_line: '"C:\\AnyDesk.exe" --set-password _full_access'})])).toContain(t)
    expect(fire([ne('AnyDesk', 'remote_access.config', {tool: 'AnyDesk', unattended_password_set: false})])).not.toContain(t)
  })
  it('AnyDesk file transfer, not ScreenConnect', () => {
    expect(fire([ne('AnyDesk', 'remote_access.file_transfer', {tool: 'AnyDesk', action: 'prepare'})])).toContain('Files transferred through AnyDesk')
    expect(fire([ne('AnyDesk', 'remote_access.session_start', {tool: 'AnyDesk'})])).toEqual([])
  })
})
