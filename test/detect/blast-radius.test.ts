import {mkdtempSync, readdirSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {analyze} from '../../src/analyze/index.js'
import type {BlastRadiusFile} from '../../src/detect/blast/types.js'
import {runHunt, type HuntResult} from '../../src/detect/hunt.js'
import {redactCommand, redactionMark} from '../../src/core/redact.js'
import type {FindingsFile, SessionsFile} from '../../src/detect/types.js'
import {generateReport} from '../../src/report/generate.js'
import {writeTimeline} from '../../src/timeline/write.js'
import {ANYDESK_PASSWORD, buildServerImage, G, HOSTILE_CUSTOMER, HOSTILE_MACHINE, IOC_ADDRESS, NEW_ADDRESS, PASSWORD} from './server-image.js'

let root: string
let caseDir: string
let hunt: HuntResult
let blast: BlastRadiusFile
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'ratchet-blast-'))
  const {image, iocs} = await buildServerImage(root)
  caseDir = join(root, 'case')
  await analyze(image, {out: caseDir})
  hunt = await runHunt({caseDir, iocFiles: [iocs], windowMs: 30 * 60_000})
  blast = JSON.parse(readFileSync(join(caseDir, 'blast-radius.json'), 'utf8')) as BlastRadiusFile
}, 60_000)
afterAll(() => rmSync(root, {recursive: true, force: true}))

const machine = (guid: string) => blast.affected.find((m) => m.session_id === guid)

describe('blast radius of a ScreenConnect server (hand-built Session.db + WAL, security.db, User.xml)', () => {
  it('lists exactly the machines the suspicious activity reached, and counts the routine ones', () => {
    expect(hunt.blast_radius).toBe(join(caseDir, 'blast-radius.json'))
    expect(blast.affected.map((m) => m.session_id)).toEqual([G.bravo, G.charlie, G.delta])
    expect(blast.machines_total).toBe(5)
    expect(blast.routine_only).toBe(2)
    expect(blast.routine_machines).toEqual(['ALPHA-POS', 'ECHO-POS'])
    expect(hunt.counts.affected_machines).toBe(3)
  })

  it('defines the baseline by the first hard signal (the brute-forced web login) and explains each machine', () => {
    expect(blast.baseline.incident_start_utc).toBe('2023-10-20T01:04:00.0000000Z')
    expect(blast.brute_force).toEqual([expect.objectContaining({address: IOC_ADDRESS, failures: 3, user: 'tech1'})])
    expect(blast.baseline.operators).toEqual([{operator: 'tech1', addresses: ['192.0.2.10'], hours_utc: [14, 15], contacts: 8}])
    const b = machine(G.bravo)!
    expect(b.reasons.map((r) => r.code)).toEqual(['brute_force_address', 'ioc_address', 'new_address', 'recon_command', 'unusual_hour'])
    expect(b.operators).toEqual(['tech1'])
    expect(b.addresses).toEqual([IOC_ADDRESS])
    expect(b.customer).toBe('Bravo Drugs')
    expect(b.domain).toBe('PHARMA')
    expect(b.first_suspicious_utc).toBe('2023-10-20T01:10:00.0000000Z')
    expect(b.commands).toEqual([expect.objectContaining({text: 'whoami', status: 'succeeded', output: 'nt authority\\system', suspicious: true, from_wal: false})])
  })

  it('reads the rows that exist only in the WAL, flags hidden rows and the failed command', () => {
    const c = machine(G.charlie)!
    expect(c.addresses).toEqual([NEW_ADDRESS])
    expect(c.reasons.map((r) => r.code)).toEqual(['account_command', 'hidden_rows', 'ioc_file', 'new_address', 'unusual_hour'])
    expect(c.wal_only_rows).toBe(5)
    expect(c.commands).toHaveLength(1)
    expect(c.commands[0]).toMatchObject({status: 'failed', from_wal: true, meaning: 'creates a local user account', output: 'System error 5 has occurred.\n\nAccess is denied.'})
    expect(c.files).toEqual([expect.objectContaining({name: 'text.xml', action: 'SentFiles', hidden: true, from_wal: true})])
    expect(c.hidden_rows).toHaveLength(1)
    expect(c.evidence.every((e) => e.member.endsWith('App_Data/Session.db') && typeof e.record === 'string')).toBe(true)
    // a session whose Session row itself is only in the WAL
    const d = machine(G.delta)!
    expect(d.machine).toBe(HOSTILE_MACHINE)
    expect(d.reasons.map((r) => r.code)).toContain('remote_tool_command')
    // a RanCommand row with no text: it ran and printed nothing
    expect(d.commands[0]).toMatchObject({status: 'succeeded', output_event_id: expect.any(String)})
    expect(d.commands[0].output).toBeUndefined()
  })

  it('redacts the passwords in every output and keeps a hash', async () => {
    await writeTimeline({caseDir, format: 'csv', out: join(caseDir, 'timeline.csv')})
    const mark = redactionMark(PASSWORD)
    expect(mark).toMatch(/^\[REDACTED sha256:[0-9a-f]{12}…\]$/)
    expect(machine(G.charlie)!.commands[0].text).toBe(`net user backup ${mark} /add`)
    expect(machine(G.delta)!.commands[0].text).toBe(`echo ${redactionMark(ANYDESK_PASSWORD)} | "C:\\ProgramData\\AnyDesk.exe" --set-password`)
    expect(readFileSync(join(caseDir, 'timeline.csv'), 'utf8')).toContain(mark)
    // no file of the case folder holds a credential: events.jsonl included (issue 13)
    for (const f of readdirSync(caseDir)) {
      const text = readFileSync(join(caseDir, f), 'utf8')
      expect(text, f).not.toContain(PASSWORD)
      expect(text, f).not.toContain(ANYDESK_PASSWORD)
    }
    const events = readFileSync(join(caseDir, 'events.jsonl'), 'utf8')
    expect(events).toContain(mark)
    expect(events).toContain(redactionMark(ANYDESK_PASSWORD))
  })

  it('writes a formula-safe affected-machines.csv', () => {
    const csv = readFileSync(join(caseDir, 'affected-machines.csv'), 'utf8')
    const lines = csv.trim().split('\r\n')
    expect(lines).toHaveLength(4)
    expect(lines[0]).toMatch(/^machine,domain,customer,/)
    expect(csv).toContain(`'=HYPERLINK`)
    expect(csv).not.toMatch(/(^|,)=HYPERLINK/m)
  })

  it('marks the server-side sessions of the suspicious connections (and only those) suspicious', () => {
    const s = JSON.parse(readFileSync(join(caseDir, 'sessions.json'), 'utf8')) as SessionsFile
    const sus = s.sessions.filter((x) => x.suspicious)
    expect(sus.map((x) => x.instance?.session_guid).sort()).toEqual([G.bravo, G.charlie, G.delta])
    expect(sus.every((x) => x.reasons.some((r) => r.startsWith('blast radius (')))).toBe(true)
  })

  it('adds server findings with ATT&CK ids', () => {
    const f = JSON.parse(readFileSync(join(caseDir, 'findings.json'), 'utf8')) as FindingsFile
    const byRule = new Map(f.findings.map((x) => [x.rule, x]))
    expect(byRule.get('screenconnect-server-web-brute-force')?.attack).toEqual(['T1110'])
    expect(byRule.get('screenconnect-server-account-command')?.attack).toContain('T1136.001')
    expect(byRule.get('screenconnect-server-recon-command')?.rationale).toContain('BRAVO-SRV')
    expect(byRule.get('screenconnect-server-hidden-rows')?.attack).toEqual(['T1070'])
    expect(byRule.get('screenconnect-server-remote-tool-command')?.entities.commands?.[0]).toContain('[REDACTED sha256:')
    expect(f.rules.some((r) => r.id === 'screenconnect-server-ioc-address')).toBe(true)
  })

  it('reruns byte-identically', async () => {
    const first = readFileSync(join(caseDir, 'blast-radius.json'))
    const csv = readFileSync(join(caseDir, 'affected-machines.csv'))
    await runHunt({caseDir, iocFiles: [join(root, 'iocs.txt')], windowMs: 30 * 60_000})
    expect(readFileSync(join(caseDir, 'blast-radius.json')).equals(first)).toBe(true)
    expect(readFileSync(join(caseDir, 'affected-machines.csv')).equals(csv)).toBe(true)
  })

  it('the report gets an escaped Blast radius section', async () => {
    const r = await generateReport({caseDir, commandLine: ['ratchet', 'report', caseDir], now: new Date('2024-01-01T00:00:00Z')})
    const html = readFileSync(r.file, 'utf8')
    expect(html).toContain('id="blast"')
    expect(html).toContain('Customer machines reached')
    expect(html).toContain('reached 3 customer machines out of 5')
    expect(html).toContain('2 machines saw only routine access')
    expect(html).toContain('creates a local user account')
    expect(html).toContain('failed')
    expect(html).not.toContain('<script>alert(1)')
    expect(html).toContain('DELTA&lt;script&gt;')
    expect(html).not.toContain('<b>click</b>')
    expect(html).not.toContain(PASSWORD)
    expect(html).toMatch(/<rect class="hbar-key"[^>]*><title>2023-10-20: 1 suspicious connection<\/title>/)
  })
})

describe('password redaction', () => {
  it('covers net user, piped --set-password, -p flags and leaves commands without passwords alone', () => {
    expect(redactCommand('net user bob S3cret /add')).toBe(`net user bob ${redactionMark('S3cret')} /add`)
    expect(redactCommand('net user bob "two words" /add')).toBe(`net user bob ${redactionMark('two words')} /add`)
    expect(redactCommand('net user bob /add')).toBe('net user bob /add')
    expect(redactCommand('net user bob * /add')).toBe('net user bob * /add')
    expect(redactCommand('net user /domain')).toBe('net user /domain')
    expect(redactCommand('net localgroup administrators bob /add')).toBe('net localgroup administrators bob /add')
    expect(redactCommand('echo hunter2 | anydesk.exe --set-password')).toBe(`echo ${redactionMark('hunter2')} | anydesk.exe --set-password`)
    expect(redactCommand('psexec \\\\host -u admin -p Winter2023 cmd')).toBe(`psexec \\\\host -u admin -p ${redactionMark('Winter2023')} cmd`)
    expect(redactCommand('anydesk.exe --set-password Xy12')).toBe(`anydesk.exe --set-password ${redactionMark('Xy12')}`)
    expect(redactCommand('ipconfig /all')).toBe('ipconfig /all')
    // idempotent: redacting twice changes nothing
    const once = redactCommand('net user bob S3cret /add')
    expect(redactCommand(once)).toBe(once)
    expect(HOSTILE_CUSTOMER.startsWith('=')).toBe(true)
  })
})

describe('blast radius precision: the baseline is per operator and address (issue 13)', () => {
  it('two machines that saw only the technician at work — usual address, at night, `whoami` — are not listed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ratchet-blast-night-'))
    try {
      const {image, iocs} = await buildServerImage(dir, {nightTechnician: true})
      const c = join(dir, 'case')
      await analyze(image, {out: c})
      await runHunt({caseDir: c, iocFiles: [iocs], windowMs: 30 * 60_000})
      const b = JSON.parse(readFileSync(join(c, 'blast-radius.json'), 'utf8')) as BlastRadiusFile
      expect(b.routine_machines).toEqual(['ALPHA-POS', 'ECHO-POS', 'FOXTROT-POS', 'GOLF-POS'])
      expect(b.affected.map((m) => m.session_id).sort()).toEqual([G.bravo, G.charlie, G.delta])
      // the intruder's whoami from the IOC address still counts, inside its suspicious connection
      expect(b.affected.find((m) => m.session_id === G.bravo)!.reasons.map((r) => r.code)).toContain('recon_command')
      expect(b.baseline.pairs).toContainEqual(expect.objectContaining({operator: 'tech1', address: '192.0.2.10', machines: 6}))
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  })
})
