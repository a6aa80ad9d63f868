import {readFileSync, rmSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {runHunt} from '../../src/detect/hunt.js'
import type {FindingsFile, SessionsFile} from '../../src/detect/types.js'
import {accountCreated, accountEnabled, addedToGroup, boot, caseFromLogs, lsm, logon, PC, rdpAuth, SYSTEM, type Principal} from './windows-logs.js'

/**
 * Precision on Windows logs nobody attacked, and on the shapes that fooled hunt before: the console is not
 * remote desktop, session ids are reused after a restart, computer accounts and Windows' first-boot accounts
 * are Windows' own. The logs are written with ratchet's EVTX writer and read back as analyze does.
 */

const WINDOW = 30 * 60_000
const dirs: string[] = []
afterAll(() => {
  for (const d of dirs) rmSync(d, {recursive: true, force: true})
})

async function hunt(specs: Parameters<typeof caseFromLogs>[0]): Promise<{f: FindingsFile; s: SessionsFile}> {
  const {dir} = caseFromLogs(specs)
  dirs.push(dir)
  await runHunt({caseDir: dir, windowMs: WINDOW, packs: []})
  return {f: JSON.parse(readFileSync(join(dir, 'findings.json'), 'utf8')) as FindingsFile, s: JSON.parse(readFileSync(join(dir, 'sessions.json'), 'utf8')) as SessionsFile}
}

const DOMAIN_SID = 'S-1-5-21-3623811015-3361044348-30300820'
const user = (name: string, rid: number, domain = PC): Principal => ({name, sid: `${DOMAIN_SID}-${rid}`, domain})
const ADMINS = {sid: 'S-1-5-32-544', name: 'Administrators'}
const USERS = {sid: 'S-1-5-32-545', name: 'Users'}
const day = (n: number, hms: string): string => new Date(Date.UTC(2024, 0, 1 + n)).toISOString().slice(0, 11) + hms + 'Z'

describe('remote sessions that match reality', () => {
  it('console logons (LSM 21/22/24/25 with LOCAL, logon types 2/11/7 without a remote address) open no RDP session', async () => {
    const alice = user('alice', 1001)
    const specs = [...boot(day(0, '07:58:00'))]
    for (let d = 0; d < 12; d++) {
      specs.push(
        logon(day(d, '08:00:00'), {target: alice, type: 2, ip: '127.0.0.1'}),
        lsm(day(d, '08:00:01'), 21, {user: `${PC}\\alice`, session: 1}),
        lsm(day(d, '08:00:02'), 22, {user: `${PC}\\alice`, session: 1}),
        lsm(day(d, '12:00:00'), 24, {user: `${PC}\\alice`, session: 1}),
        logon(day(d, '13:00:00'), {target: alice, type: 7, ip: '127.0.0.1'}),
        lsm(day(d, '13:00:01'), 25, {user: `${PC}\\alice`, session: 1}),
        logon(day(d, '14:00:00'), {target: alice, type: 11}),
      )
    }
    const {f, s} = await hunt(specs)
    expect(s.sessions.filter((x) => x.tool === 'RDP')).toEqual([])
    expect(f.findings.filter((x) => x.correlated)).toEqual([])
  })

  it('a real RDP logon still opens a session, and a console logon on its id ends it', async () => {
    const bob = user('bob', 1002, 'CORP')
    const {s} = await hunt([
      ...boot(day(0, '06:00:00')),
      rdpAuth(day(0, '09:00:00'), {user: 'bob', domain: 'CORP', address: '10.1.2.3'}),
      logon(day(0, '09:00:02'), {target: bob, type: 10, ip: '10.1.2.3'}),
      lsm(day(0, '09:00:03'), 21, {user: 'CORP\\bob', session: 2, address: '10.1.2.3'}),
      // bob walks to the machine and takes his session over at the console
      lsm(day(0, '10:00:00'), 25, {user: 'CORP\\bob', session: 2}),
    ])
    const rdp = s.sessions.filter((x) => x.tool === 'RDP')
    expect(rdp).toHaveLength(1)
    expect(rdp[0]).toMatchObject({remote_address: '10.1.2.3', start: '2024-01-01T09:00:00.0000000Z', end: '2024-01-01T10:00:00.0000000Z'})
  })

  it('no session spans a reboot: session ids are reused after a restart', async () => {
    const admin = user('Administrator', 500)
    const {f, s} = await hunt([
      ...boot(day(0, '06:00:00')),
      // an RDP logon from outside (suspicious on its own) whose end is not logged …
      rdpAuth(day(0, '09:00:00'), {user: 'Administrator', domain: PC, address: '203.0.113.7'}),
      lsm(day(0, '09:00:02'), 21, {user: `${PC}\\Administrator`, session: 2, address: '203.0.113.7'}),
      // … then the computer restarts
      ...boot(day(0, '18:00:00')),
      // weeks later an administrator creates an account
      accountCreated(day(30, '10:00:00'), {by: admin, account: user('helpdesk', 1010)}),
      ...boot(day(179, '07:00:00')),
      // months later session id 2 is another user's RDP session, whose logon record is gone
      lsm(day(180, '11:00:00'), 24, {user: 'CORP\\carol', session: 2, address: '10.1.2.9'}),
    ])
    for (const x of s.sessions) {
      if (!x.start || !x.end) continue
      expect(Date.parse(x.end) - Date.parse(x.start), x.id).toBeLessThan(86_400_000)
    }
    const first = s.sessions.find((x) => x.remote_address === '203.0.113.7')
    expect(first?.end).toBe('2024-01-01T18:00:00.0000000Z')
    expect(first?.activity).toEqual([])
    const acct = f.findings.filter((x) => x.rule.startsWith('account-change'))
    expect(acct.map((x) => [x.rule, x.severity, x.correlated])).toEqual([['account-change', 'low', false]])
  })
})

describe('accounts that are Windows\' own', () => {
  it('a computer account joining the domain (4741, then enabled) is not a hidden account; a user account named x$ is', async () => {
    const dc = 'CITADEL-DC01'
    const admin: Principal = {name: 'Administrator', sid: `${DOMAIN_SID}-500`, domain: 'CORP'}
    const desk: Principal = {name: 'DESKTOP-SDN1RPT$', sid: `${DOMAIN_SID}-1104`, domain: 'CORP'}
    const sneaky: Principal = {name: 'svc$', sid: `${DOMAIN_SID}-1105`, domain: 'CORP'}
    const {f} = await hunt([
      accountCreated(day(0, '10:00:00'), {by: admin, account: desk, computer: true}, dc),
      accountEnabled(day(0, '10:00:01'), {by: admin, account: desk}, dc),
      accountCreated(day(3, '10:00:00'), {by: admin, account: sneaky}, dc),
    ])
    const hidden = f.findings.filter((x) => x.rule === 'hidden-account')
    expect(hidden.map((x) => x.entities.accounts)).toEqual([['svc$']])
    const desktop = f.findings.find((x) => x.entities.accounts?.includes('DESKTOP-SDN1RPT$'))
    expect(desktop).toMatchObject({rule: 'account-change', severity: 'low', correlated: false})
    expect(desktop?.rationale).toContain('Computer account "DESKTOP-SDN1RPT$"')
  })

  it("Windows' first-boot accounts (defaultuser0, the OOBE first user) and a domain join are not intrusions", async () => {
    const d0 = user('defaultuser0', 1000)
    const owner = user('owner', 1001)
    const specs = [
      ...boot(day(0, '09:00:00')),
      accountCreated(day(0, '09:05:00'), {by: SYSTEM, account: d0}),
      addedToGroup(day(0, '09:05:01'), {by: SYSTEM, memberSid: d0.sid, group: ADMINS}),
      logon(day(0, '09:05:10'), {target: d0, type: 2, ip: '127.0.0.1'}),
      lsm(day(0, '09:05:11'), 21, {user: `${PC}\\defaultuser0`, session: 1}),
      // the person setting the computer up chooses a name: SYSTEM creates the first user
      accountCreated(day(0, '09:40:00'), {by: SYSTEM, account: owner}),
      addedToGroup(day(0, '09:40:01'), {by: SYSTEM, memberSid: owner.sid, group: ADMINS}),
      logon(day(0, '09:41:00'), {target: owner, type: 2, ip: '127.0.0.1'}),
      lsm(day(0, '09:41:01'), 21, {user: `${PC}\\owner`, session: 2}),
      // joining the domain: Domain Admins into Administrators, Domain Users into Users
      addedToGroup(day(2, '11:00:00'), {by: SYSTEM, memberSid: 'S-1-5-21-1111111111-2222222222-3333333333-512', group: ADMINS}),
      addedToGroup(day(2, '11:00:00'), {by: SYSTEM, memberSid: 'S-1-5-21-1111111111-2222222222-3333333333-513', group: USERS}),
      ...boot(day(2, '11:05:00')),
      lsm(day(2, '11:06:00'), 21, {user: `${PC}\\owner`, session: 1}),
    ]
    const {f, s} = await hunt(specs)
    expect(s.sessions).toEqual([])
    expect(f.findings.filter((x) => x.severity === 'critical' || x.severity === 'high' || x.correlated)).toEqual([])
    const first = f.findings.filter((x) => x.entities.accounts?.includes('defaultuser0') || x.entities.accounts?.includes('owner'))
    expect(first).toHaveLength(2)
    for (const x of first) expect(x.rationale).toContain('first-boot setup (OOBE)')
    // Domain Users into Users gives no rights, so only the Domain Admins addition is listed
    const join = f.findings.filter((x) => x.rationale.includes('joining the computer to a domain'))
    expect(join.map((x) => [x.rule, x.severity, x.entities.accounts])).toEqual([['account-change', 'low', [`${PC}$`, 'S-1-5-21-1111111111-2222222222-3333333333-512']]])
  })
})
