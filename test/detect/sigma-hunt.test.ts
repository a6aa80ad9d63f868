import {copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {runHunt} from '../../src/detect/hunt.js'
import type {Finding, FindingsFile, SessionsFile} from '../../src/detect/types.js'
import type {NormalizedEvent} from '../../src/events/types.js'
import {anydesk, writeCase} from './case-builder.js'
import {boot, caseFromLogs, logon, lsm, rdpAuth, serviceInstalled, type Principal} from './windows-logs.js'

/**
 * Sigma in hunt, on the shape of a real domain-controller intrusion (public DFIR case): passwords guessed for
 * Administrator (95 failures in 21 s), a remote desktop logon from the guessing address, services that echo
 * into a named pipe (Meterpreter's getsystem), and an auto-start service whose program sits in System32 —
 * before Sigma, hunt reported none of it. Logs written with ratchet's EVTX writer.
 */

const DC = 'CITADEL-DC01'
const ATTACKER = '194.61.24.102'
const admin: Principal = {name: 'Administrator', sid: 'S-1-5-21-2232410529-1445159330-2725690660-500', domain: 'C137'}
const dirs: string[] = []
afterAll(() => {
  for (const d of dirs) rmSync(d, {recursive: true, force: true})
})

function intrusion(): Parameters<typeof caseFromLogs>[0] {
  const specs = [...boot('2020-09-18T20:00:00Z', DC)]
  for (let i = 0; i < 95; i++) {
    const ms = Math.round((i * 21_000) / 95)
    specs.push(logon(new Date(Date.parse('2020-09-19T02:21:11Z') + ms).toISOString(), {target: admin, type: 3, ip: ATTACKER, failed: true}, DC))
  }
  specs.push(
    rdpAuth('2020-09-19T02:21:46Z', {user: 'Administrator', domain: 'C137', address: ATTACKER}, DC),
    logon('2020-09-19T02:21:47Z', {target: admin, type: 10, ip: ATTACKER}, DC),
    lsm('2020-09-19T02:21:48Z', 21, {user: 'C137\\Administrator', session: 2, address: ATTACKER}, DC),
    serviceInstalled('2020-09-19T02:24:06Z', {name: 'tjzhxk', imagePath: 'cmd.exe /c echo tjzhxk > \\\\.\\pipe\\tjzhxk'}, DC),
    serviceInstalled('2020-09-19T02:25:10Z', {name: 'coreupdater', imagePath: 'C:\\Windows\\System32\\coreupdater.exe', startType: 'auto start'}, DC),
    // an ordinary auto-start service weeks before, outside any session: stays a low lead
    serviceInstalled('2020-08-30T10:00:00Z', {name: 'vendoragent', imagePath: 'C:\\ProgramData\\Vendor\\agent.exe', startType: 'auto start'}, DC),
  )
  return specs
}

async function hunt(specs: Parameters<typeof caseFromLogs>[0], sigma?: string[]): Promise<{f: FindingsFile; s: SessionsFile}> {
  const {dir} = caseFromLogs(specs)
  dirs.push(dir)
  await runHunt({caseDir: dir, windowMs: 30 * 60_000, packs: [], sigma})
  return {f: JSON.parse(readFileSync(join(dir, 'findings.json'), 'utf8')) as FindingsFile, s: JSON.parse(readFileSync(join(dir, 'sessions.json'), 'utf8')) as SessionsFile}
}

describe('Sigma rules in hunt', () => {
  it('recognises the domain-controller intrusion: guessing then RDP success, getsystem, persistence during the session', async () => {
    const {f, s} = await hunt(intrusion())
    const rdp = s.sessions.find((x) => x.tool === 'RDP' && x.remote_address === ATTACKER)
    expect(rdp?.suspicious).toBe(true)
    const by = (title: RegExp): Finding[] => f.findings.filter((x) => title.test(x.title))
    const guess = by(/^Password guessing followed by a successful logon/)
    expect(guess.length).toBeGreaterThan(0)
    for (const g of guess) {
      expect(g).toMatchObject({severity: 'high', host: DC})
      expect(g.attack).toContain('T1110')
    }
    // one finding per rule and host, with every event the correlation grouped
    expect(new Set(guess.map((g) => g.rule)).size).toBe(guess.length)
    expect(Math.max(...guess.map((g) => g.event_ids.length))).toBeGreaterThanOrEqual(96)
    const pipe = by(/named pipe/)
    expect(pipe).toHaveLength(1)
    expect(pipe[0]).toMatchObject({severity: 'critical', correlated: true, session_ids: [rdp?.id]})
    expect(pipe[0].attack).toContain('T1134.001')
    expect(pipe[0].rationale).toMatch(/Sigma rule ".*", id [0-9a-f-]{36}, level critical/)
    const autostart = by(/^New auto-start service/)
    expect(autostart).toHaveLength(1)
    // the built-in "during a suspicious session" raised it: the vendor agent weeks before is in the same finding, the join made it high
    expect(autostart[0]).toMatchObject({severity: 'high', correlated: true, session_ids: [rdp?.id], attack: ['T1543.003']})
    expect(autostart[0].rationale).toContain('during or right after a suspicious remote session')
    expect(f.sigma?.rules_skipped).toEqual([])
    expect(f.rules.some((r) => r.id.startsWith('sigma-') && r.source.endsWith('win_getsystem_named_pipe_service.yml'))).toBe(true)
  })

  it('an auto-start service in ProgramData outside any suspicious session stays a low lead', async () => {
    const {f} = await hunt([...boot('2020-08-30T09:00:00Z', DC), serviceInstalled('2020-08-30T10:00:00Z', {name: 'vendoragent', imagePath: 'C:\\ProgramData\\Vendor\\agent.exe', startType: 'auto start'}, DC)])
    expect(f.findings.filter((x) => /^New auto-start service/.test(x.title)).map((x) => [x.severity, x.correlated])).toEqual([['low', false]])
  })

  it('--sigma adds the analyst\'s rules: level → severity, tags → ATT&CK, one finding for all matching events; a missing path is an error', async () => {
    const rules = mkdtempSync(join(tmpdir(), 'ratchet-sigma-rules-'))
    dirs.push(rules)
    writeFileSync(
      join(rules, 'failed_admin.yml'),
      [
        'title: Failed logon of the built-in Administrator',
        'id: 7b0c2a52-4d61-4d0e-9a47-3f0cf1a6d2b1',
        'status: test',
        'description: The built-in Administrator account failed to log on.',
        'references: [https://example.org/admin-failures]',
        'tags: [attack.credential-access, attack.t1110.003]',
        'logsource: {product: windows, service: security}',
        'detection:',
        '  selection: {EventID: 4625, TargetUserName: Administrator}',
        '  condition: selection',
        'level: medium',
      ].join('\n'),
    )
    // the built-in folder named again, and a copy of one built-in rule: each rule runs once, the copy is listed as skipped
    copyFileSync('artefacts/sigma/rules/win_getsystem_named_pipe_service.yml', join(rules, 'copy.yml'))
    const {f} = await hunt(intrusion(), [rules, 'artefacts/sigma/rules'])
    expect(f.findings.filter((x) => /named pipe/.test(x.title))).toHaveLength(1)
    expect(f.sigma?.rules_skipped.map((k) => [k.path.endsWith('copy.yml'), k.reason.startsWith('same rule id as ')])).toEqual([[true, true]])
    const mine = f.findings.filter((x) => x.title === 'Failed logon of the built-in Administrator')
    expect(mine).toHaveLength(1)
    expect(mine[0]).toMatchObject({rule: 'sigma-7b0c2a52-4d61-4d0e-9a47-3f0cf1a6d2b1', severity: 'medium', confidence: 'medium', attack: ['T1110.003']})
    expect(mine[0].event_ids).toHaveLength(95)
    expect(mine[0].rationale).toContain('References: https://example.org/admin-failures')
    await expect(runHunt({caseDir: dirs[dirs.length - 1], windowMs: 60_000, packs: [], sigma: [join(rules, 'missing.yml')]})).rejects.toMatchObject({code: 'E_INPUT_MISSING'})
  })

  it('matched inside the scan (worker threads or not) equals the general pass: correlations across ranges, events without a host on a one-host case', async () => {
    const rules = mkdtempSync(join(tmpdir(), 'ratchet-sigma-rules-'))
    dirs.push(rules)
    // a rule that reads the host: it can match an event without one only once the case host is given to it
    writeFileSync(
      join(rules, 'dc_transfer.yml'),
      [
        'title: File transfer on the domain controller',
        'id: 3f0b9b7e-8f61-4a43-9a7e-2b7f0d6f1c11',
        'status: test',
        'logsource: {product: ratchet}',
        'detection:',
        `  selection: {event_type: remote_access.file_transfer, host: ${DC}}`,
        '  condition: selection',
        'level: medium',
      ].join('\n'),
    )
    const transfer = (at: string, file: string): NormalizedEvent => {
      const e = anydesk(at, 'remote_access.file_transfer', `AnyDesk file transfer ${file}`, {file_name: file}, {tool: 'AnyDesk'})
      delete e.host
      return e
    }
    const run = async (more: Parameters<typeof caseFromLogs>[0]): Promise<{texts: string[]; f: FindingsFile}> => {
      const events = [...caseFromLogs([...intrusion(), ...more]).events, transfer('2020-09-19T02:22:30Z', 'nc.exe'), transfer('2020-09-19T02:23:30Z', 'mimikatz.zip')]
      const dir = writeCase(events)
      dirs.push(dir)
      // a correlated event whose line does not start with its id cannot be read back: reported the same way in every mode
      const path = join(dir, 'events.jsonl')
      const lines = readFileSync(path, 'utf8').split('\n')
      const k = lines.findIndex((l) => l.includes('"event_id":4625'))
      const {id, ...rest} = JSON.parse(lines[k]) as NormalizedEvent
      lines[k] = JSON.stringify({...rest, id})
      writeFileSync(path, lines.join('\n'))
      const texts: string[] = []
      for (const scan of [undefined, {parallelMinBytes: 0, workers: 3}, {parallelMinBytes: 0, workers: 3, maxHostReads: 0}, {maxHostReads: 0}]) {
        await runHunt({caseDir: dir, windowMs: 30 * 60_000, packs: [], sigma: [rules], scan})
        texts.push(readFileSync(join(dir, 'findings.json'), 'utf8') + readFileSync(join(dir, 'sessions.json'), 'utf8'))
      }
      return {texts, f: JSON.parse(readFileSync(join(dir, 'findings.json'), 'utf8')) as FindingsFile}
    }
    const one = await run([])
    expect(one.texts.map((t) => t === one.texts[0])).toEqual([true, true, true, true])
    const dcTransfer = one.f.findings.filter((x) => x.title === 'File transfer on the domain controller')
    expect(dcTransfer.map((x) => [x.host, x.event_ids.length])).toEqual([[DC, 2]])
    // a rule that does not read the host: matched in the scan, its events given the case host afterwards
    expect(one.f.findings.filter((x) => x.title === 'Files transferred through AnyDesk').map((x) => [x.host, x.event_ids.length])).toEqual([[DC, 2]])
    expect(one.f.findings.filter((x) => /^Password guessing followed by a successful logon/.test(x.title)).length).toBeGreaterThan(0)
    expect((one.f.diagnostics ?? []).filter((d) => d.code === 'HUNT_SIGMA_CORRELATION_EVENTS').length).toBeGreaterThan(0)
    // a second host: no case host, the host-less transfers stay without one and the rule on the host does not match
    const two = await run(boot('2020-09-19T03:00:00Z', 'OTHER-PC'))
    for (const t of two.texts.slice(1)) expect(t).toBe(two.texts[0])
    expect(two.f.findings.filter((x) => x.title === 'File transfer on the domain controller')).toEqual([])
    expect(two.f.findings.filter((x) => x.title === 'Files transferred through AnyDesk').map((x) => [x.host ?? '', x.event_ids.length])).toEqual([['', 2]])
  })
})

