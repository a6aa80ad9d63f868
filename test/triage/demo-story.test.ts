import {existsSync, readFileSync} from 'node:fs'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {runDemo, type DemoRunResult} from '../../src/demo/run.js'
import {readManifest} from '../../src/evidence/extract.js'
import type {Finding, FindingsFile, RemoteSession, SessionsFile} from '../../src/detect/types.js'
import type {NormalizedEvent} from '../../src/events/types.js'

/**
 * The story the demo host tells (notes: demo-readme "What the demo host shows"), end to end through the
 * library: generate → collect → verify → analyze → hunt → timeline → report. What a general counsel reads
 * must match it: the intruder's account is critical and tied to the intrusion, the administrator's decoy is not.
 */
describe('demo story', () => {
  let tmp: string
  let run: DemoRunResult
  let f: FindingsFile
  let sessions: RemoteSession[]
  let events: Map<string, NormalizedEvent>
  let html: string

  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'ratchet-demo-story-'))
    run = await runDemo({caseDir: join(tmp, 'case'), commandLine: ['test']})
    const dir = run.triage.case_dir
    f = JSON.parse(readFileSync(join(dir, 'findings.json'), 'utf8')) as FindingsFile
    sessions = (JSON.parse(readFileSync(join(dir, 'sessions.json'), 'utf8')) as SessionsFile).sessions
    events = new Map(
      readFileSync(join(dir, 'events.jsonl'), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as NormalizedEvent)
        .map((e) => [e.id, e]),
    )
    html = readFileSync(join(dir, 'report.html'), 'utf8')
  }, 60_000)

  afterAll(async () => {
    await rm(tmp, {recursive: true, force: true})
    if (run) await rm(dirname(dirname(run.host.volume)), {recursive: true, force: true})
  })

  it('removes the generated host volume from the temp folder (issue 13 #15; --keep-host keeps it)', () => {
    expect(existsSync(dirname(dirname(run.host.volume)))).toBe(false)
    expect(existsSync(run.triage.archive)).toBe(true)
  })

  const byRule = (rule: string): Finding[] => f.findings.filter((x) => x.rule === rule)
  const evs = (x: Finding): NormalizedEvent[] => x.event_ids.map((id) => events.get(id)).filter((e): e is NormalizedEvent => e !== undefined)
  const anydesk = (): RemoteSession => {
    const l = sessions.filter((s) => s.tool === 'AnyDesk' && s.remote_address === '198.51.100.77')
    expect(l).toHaveLength(1)
    return l[0]!
  }
  const actorSc = (): RemoteSession => sessions.find((s) => s.tool === 'ScreenConnect' && s.operator === 'rxsupport')!

  it('the evidence archive verifies', () => {
    expect(run.triage.verification).toBe('verified')
    expect(run.triage.unverified).toBe(false)
  })

  it('the triage collection holds the registry hives, read from the image as they are', async () => {
    const m = await readManifest(run.triage.archive)
    for (const hive of ['System32\\config\\SAM', 'System32\\config\\SYSTEM', 'System32\\config\\SOFTWARE', 'AppCompat\\Programs\\Amcache.hve']) {
      const item = m.items.find((i) => i.original_path.endsWith(hive))
      expect(item, hive).toMatchObject({artefact: expect.stringMatching(/^windows\.registry\./), read_method: 'read', status: 'collected'})
    }
  })

  it('itsupport, created and made an administrator during the ScreenConnect session, is a critical correlated finding named by its account', () => {
    const l = byRule('account-change-remote-session').filter((x) => x.entities.accounts?.includes('itsupport'))
    expect(l).toHaveLength(1)
    const acc = l[0]!
    expect(acc).toMatchObject({severity: 'critical', correlated: true, title: 'Account created or given rights during a remote session: itsupport'})
    expect(acc.session_ids).toContain(actorSc().id)
    expect(acc.rationale).toMatch(/created, enabled and added to Administrators/)
    expect(acc.rationale).toContain('S-1-5-21-3623811015-3361044348-30300820-1004')
    expect(evs(acc).map((e) => e.attributes.event_id).sort()).toEqual([4624, 4720, 4722, 4732])
    // and then put to use: the console logon as itsupport during the AnyDesk session
    expect(acc.rationale).toContain('The account was then used: a console (interactive) logon at 2023-11-02T03:06:40.2219583Z (UTC) during the AnyDesk session from 198.51.100.77.')
    // no finding is named by a bare SID
    for (const x of f.findings) expect(x.title).not.toMatch(/S-1-5-21-/)
  })

  it('adm_kwilson, created by jmiller at the console with no remote session near it, is a plain uncorrelated account creation', () => {
    const l = f.findings.filter((x) => x.entities.accounts?.includes('adm_kwilson'))
    expect(l).toHaveLength(1)
    expect(l[0]).toMatchObject({rule: 'account-change', correlated: false, severity: 'low', session_ids: []})
    // the demo does not contradict itself: no remote session spans the decoy's creation
    const created = evs(l[0]!).find((e) => e.event_type === 'account.created')!
    const overlapping = sessions.filter((s) => s.start && s.end && s.start <= created.datetime && created.datetime <= s.end)
    expect(overlapping).toEqual([])
  })

  it('the AnyDesk session from 198.51.100.77 is one suspicious session from request to close', () => {
    const s = anydesk()
    expect(s).toMatchObject({suspicious: true, remote_id: '793412605', end: '2023-11-02T03:48:22.1140000Z', direction: 'incoming'})
    expect(s.start! <= '2023-11-02T03:05:12.3310000Z').toBe(true)
    expect(s.reasons.join(' ')).toMatch(/198\.51\.100\.77/)
    expect(sessions.filter((x) => x.tool === 'AnyDesk')).toHaveLength(1)
  })

  it('the change journal ($J) puts the dropped payload, the run.cmd files and AnyDesk.exe in the timeline and in the sessions', () => {
    const rows = readFileSync(join(run.triage.case_dir, 'timeline.csv'), 'utf8').split('\n')
    const usn = (desc: string, name: string): string[] => rows.filter((l) => l.includes(`,USN ${desc},`) && l.includes(`,${name},`) && l.includes('windows.filesystem.usnjrnl'))
    // text.xml: created in ConnectWiseControl\Temp just before ScreenConnect logged the transfer (02:15:31)
    expect(usn('FILE_CREATE', 'text.xml')).toHaveLength(1)
    expect(usn('FILE_CREATE', 'text.xml')[0]).toContain('2023-11-02T02:15:30.671224+00:00')
    for (const guid of ['0d7c3b8e-2f41-4a6d-b1c9-5e8a7f30d214', '6a1f9e42-7c3d-48b5-9e07-c2d4b6a8f913', 'b84e2d17-9a05-4c6f-a3e8-71d9c5b20f6e']) {
      expect(usn('FILE_CREATE', `${guid}run.cmd`)).toHaveLength(1)
    }
    // AnyDesk.exe: pushed into ConnectWiseControl\Temp, then copied under Program Files by --install
    expect(usn('FILE_CREATE', 'AnyDesk.exe')).toHaveLength(2)
    expect(usn('FILE_CREATE', 'ScreenConnect.ClientSetup.msi')).toHaveLength(1)
    // ordinary churn: temporary files created and deleted, a save through a rename
    expect(rows.filter((l) => l.includes(',USN FILE_DELETE,')).length).toBeGreaterThan(20)
    expect(usn('RENAME_NEW_NAME', 'Rx_Inventory_Oct2023.csv')).toHaveLength(1)
    // the journal's file events are activity of the sessions they happened in
    const names = (s: RemoteSession): string[] => s.activity.filter((a) => /\(USN journal\)/.test(a.summary)).map((a) => a.summary.replace(/^.*: /, ''))
    const sc = names(actorSc())
    expect(sc).toEqual(expect.arrayContaining(['text.xml', 'AnyDesk.exe', '0d7c3b8e-2f41-4a6d-b1c9-5e8a7f30d214run.cmd', 'b84e2d17-9a05-4c6f-a3e8-71d9c5b20f6erun.cmd']))
    expect(names(anydesk())).toEqual(expect.arrayContaining(['ScreenConnect.ClientSetup.msi', 'system.config']))
    // and the IOC text.xml is found in the journal too
    const ioc = f.findings.find((x) => x.rule === 'ioc-hit' && x.title.includes('text.xml'))
    expect(ioc && evs(ioc).some((e) => e.timestamp_desc === 'USN FILE_CREATE')).toBe(true)
  })

  it('routine RDP sessions from the LAN are not suspicious and tie nothing into the story', () => {
    const rdp = sessions.filter((s) => s.tool === 'RDP')
    expect(rdp.length).toBeGreaterThan(10)
    expect(rdp.filter((s) => s.suspicious)).toEqual([])
    const rdpIds = new Set(rdp.map((s) => s.id))
    for (const x of f.findings) expect(x.session_ids.filter((id) => rdpIds.has(id))).toEqual([])
  })

  it('both ScreenConnect instances, and the finding that there are two, tied to the AnyDesk session that brought the second', () => {
    const thumbs = new Set(sessions.filter((s) => s.tool === 'ScreenConnect').map((s) => s.instance?.thumbprint))
    expect(thumbs).toEqual(new Set(['f1a2c3d4e5b60718', '9c4e7a1b3d5f6082']))
    expect(sessions.find((s) => s.instance?.thumbprint === 'f1a2c3d4e5b60718' && s.operator === 'rxsupport')?.instance?.relay_host).toBe('rs.tdsclinical.com')
    const multi = byRule('multiple-screenconnect-instances')
    expect(multi).toHaveLength(1)
    expect(multi[0]!.entities.instances).toEqual(['9c4e7a1b3d5f6082', 'f1a2c3d4e5b60718'])
    expect(multi[0]!.correlated).toBe(true)
    expect(multi[0]!.session_ids).toEqual([anydesk().id])
  })

  it('the two 104 log clears are one correlated finding; the maintenance clear weeks before is separate and lower', () => {
    const l = byRule('event-log-cleared')
    const actor = l.filter((x) => x.correlated)
    expect(actor).toHaveLength(1)
    expect(actor[0]!.severity).toBe('high')
    const cleared = evs(actor[0]!)
    expect(cleared.map((e) => e.attributes.event_id)).toEqual([104, 104])
    expect(cleared.map((e) => e.attributes.cleared_channel).sort()).toEqual(['Microsoft-Windows-PowerShell/Operational', 'Windows PowerShell'])
    expect(actor[0]!.session_ids).toEqual([anydesk().id])
    const maintenance = l.filter((x) => !x.correlated)
    expect(maintenance).toHaveLength(1)
    expect(evs(maintenance[0]!).map((e) => e.attributes.event_id)).toEqual([1102])
    expect(maintenance[0]!.severity).toBe('medium')
  })

  it('the AnyDesk service install is a correlated finding during the ScreenConnect session', () => {
    const l = byRule('remote-access-service-installed').filter((x) => x.title.endsWith(': AnyDesk Service'))
    expect(l).toHaveLength(1)
    expect(l[0]).toMatchObject({correlated: true, severity: 'high'})
    expect(l[0]!.session_ids).toEqual([actorSc().id])
    expect(evs(l[0]!).map((e) => e.attributes.event_id).sort()).toEqual([4697, 7045])
  })

  it('no duplicate findings: one per rule and subject, one per indicator', () => {
    const keys = f.findings.map((x) => `${x.rule}\u0000${x.title}`)
    expect(new Set(keys).size).toBe(keys.length)
    const indicators = f.findings.filter((x) => x.rule === 'ioc-hit' || x.rule === 'ioc-connection').map((x) => x.title.replace(/^.*: /, ''))
    expect(indicators.sort()).toEqual(['198.51.100.77', 'rs.tdsclinical.com', 'text.xml'])
  })

  it('the report dates the intrusion from activity, and the 2019 relay setting as configuration', () => {
    const summary = html.slice(html.indexOf('id="summary"'), html.indexOf('id="recommendations"')).replace(/<[^>]+>/g, '').replace(/\s+/g, ' ')
    expect(summary).toContain('The activity began on 2 Nov 2023, 02:14 UTC')
    expect(summary).toMatch(/configured to use the relay rs\.tdsclinical\.com since at least 18 Jun 2019/)
    expect(summary).not.toMatch(/began on 18 Jun 2019/)
    expect(summary).toContain('The account itsupport was created, enabled, added to the Administrators group and used to log on.')
    // told session by session, the intruder's account first in the vendor-instance session
    expect(summary).toContain('During or just after the ScreenConnect session by operator rxsupport (2 Nov 2023, 02:14 UTC to 02:31 UTC): account created or given rights: itsupport;')
    // the AnyDesk session's own file preparation (its trace) is told with it, after the log clear; the registry
    // adds the account known only from SAM (its 4720 never logged)
    expect(summary).toMatch(/During or just after the AnyDesk session from 198\.51\.100\.77 \(2 Nov 2023, 03:05 UTC to 03:48 UTC\): .*?local account known only from the SAM hive: svc_helpdesk; Windows event log cleared; files transferred through AnyDesk[;.]/)
    // one machine, named by its FQDN in the logs and its bare name in the SYSTEM hive, is one host
    expect(summary).toContain('This report covers only RXSRV01.northwind-rx.local;')
    expect(summary).toMatch(/The first remote session tied to this activity is a ScreenConnect session by operator rxsupport on instance f1a2c3d4e5b60718 through the relay rs\.tdsclinical\.com, starting 2 Nov 2023, 02:14 UTC\./)
    // the cover's window is the intrusion, not the 2019 configuration date nor the decoys
    const cover = html.slice(0, html.indexOf('id="summary"')).replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ')
    // with the host's local time beside it: the zone comes from the SYSTEM hive (Central, daylight time until 5 Nov)
    expect(cover).toMatch(/Intrusion activity 2023-11-02 02:14:07 UTC 2023-11-01 21:14:07 \(UTC−05:00\) host to 2023-11-02 03:51:12 UTC/)
    // the vendor's long-standing instance is suspended pending its owner, the intruder's tools removed
    const recs = html.slice(html.indexOf('id="recommendations"'), html.indexOf('id="findings"')).replace(/<[^>]+>/g, '').replace(/\s+/g, ' ')
    expect(recs).toContain('Uninstall or disable remote-access software nobody authorised, and its services: AnyDesk Service, ScreenConnect Client (9c4e7a1b3d5f6082).')
    expect(recs).toMatch(/Suspend ScreenConnect instance f1a2c3d4e5b60718, in place since at least 2019-06-18/)
    expect(recs).not.toMatch(/adm_kwilson|RXSRV01\$/)
    // the 2019 configuration date does not stretch the activity chart; it is said, not drawn
    // (seen twice: the client's config file and its service's key in the SYSTEM hive)
    expect(html).toContain('2 events dated far from the rest (2019-06-18) are not drawn; they remain in the timeline.')
    // the decoy is not part of the story
    expect(summary).not.toContain('adm_kwilson')
    // times: the image's manifest has no zone; the SYSTEM hive's (Central) places the host-local records in UTC
    expect(summary).toContain('2 Nov 2023, 02:14 UTC (1 Nov 2023, 21:14 host time (UTC−05:00))')
    expect(html).not.toContain('host-local, zone unknown')
    // the intruder's passwords (net user …, --set-password) are evidence, not report text
    expect(html).not.toContain('DemoOnly-Pa55')
    expect(html).toMatch(/net user itsupport \[(password not shown in this report|REDACTED sha256:[0-9a-f]{12}…)\] \/add/)
  })
})
