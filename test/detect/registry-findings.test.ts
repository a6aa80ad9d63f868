import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {runHunt} from '../../src/detect/hunt.js'
import type {FindingsFile} from '../../src/detect/types.js'
import {EventTypes as T} from '../../src/events/types.js'
import {ev, evtx, HOST, writeCase} from './case-builder.js'

/** Hunt findings only hives make possible: accounts known from the SAM alone, services no 7045 explains, Amcache. */
const SAM = 'files/C/Windows/System32/config/SAM'
const SYSTEM = 'files/C/Windows/System32/config/SYSTEM'
const sam = (at: string, user: string, rid: number) =>
  ev({at, type: T.ACCOUNT_CREATED, source: 'Registry', artefact: 'windows.registry.hives', member: SAM, record: `SAM\\Domains\\Account\\Users\\Names\\${user}`, desc: 'Account Created', message: `Local account ${user} created`, fields: {user}, attributes: {rid, sid: `S-1-5-21-1-2-3-${rid}`}})
const svc = (name: string, image: string, display?: string) =>
  ev({at: '2023-11-02T10:00:00Z', type: T.SERVICE_EXISTS, source: 'Registry', artefact: 'windows.registry.hives', member: SYSTEM, record: `ControlSet001\\Services\\${name}`, desc: 'Key Last Written', message: `Service ${name}: ${image}`, fields: {process: image}, attributes: {service_name: name, display_name: display, image_path: image}})

describe('hunt with registry events', () => {
  it('SAM-only accounts, unexplained remote-access services, Amcache remote-access binaries', async () => {
    const events = [
      sam('2023-11-02T09:14:00Z', 'svc_backup', 1003), // no 4720 anywhere: the cleared-log account
      sam('2023-11-01T08:00:00Z', 'alice', 1001), // its 4720 is in the log
      sam('2019-01-01T00:00:00Z', 'Administrator', 500), // built in: never a finding
      sam('2020-05-05T00:00:00Z', 'jmiller', 1002), // created before the logs begin: its 4720 rolled over long ago
      // the logs name the host by its FQDN, the SYSTEM hive by its NetBIOS name
      evtx('2023-11-01T08:00:00Z', T.ACCOUNT_CREATED, 'Security', 'Microsoft-Windows-Security-Auditing', 4720, 'A user account was created: alice', {user: 'alice'}, {target_sid: 'S-1-5-21-1-2-3-1001'}, `${HOST}.corp.example`),
      svc('AnyDesk', '"C:\\Program Files (x86)\\AnyDesk\\AnyDesk.exe" --service'),
      svc('TeamViewer', '"C:\\Program Files\\TeamViewer\\TeamViewer_Service.exe"', 'TeamViewer Remote Service'),
      // 7045 names the service by its display name
      evtx('2023-11-02T10:01:00Z', T.SERVICE_INSTALLED, 'System', 'Service Control Manager', 7045, 'A service was installed: TeamViewer Remote Service', {}, {service_name: 'TeamViewer Remote Service', image_path: 'C:\\Program Files\\TeamViewer\\TeamViewer_Service.exe'}),
      svc('ScreenConnect Client (d33f78b4994b28a6)', '"C:\\Program Files (x86)\\ScreenConnect Client (d33f78b4994b28a6)\\ScreenConnect.ClientService.exe" "?e=Access&h=relay.example.net&p=8041"'),
      svc('Spooler', 'C:\\Windows\\System32\\spoolsv.exe'),
      evtx('2023-11-02T10:05:00Z', T.SERVICE_INSTALLED, 'System', 'Service Control Manager', 7045, 'A service was installed: ScreenConnect Client (d33f78b4994b28a6)', {}, {service_name: 'ScreenConnect Client (d33f78b4994b28a6)', image_path: 'C:\\Program Files (x86)\\ScreenConnect Client (d33f78b4994b28a6)\\ScreenConnect.ClientService.exe'}),
      ev({at: '2023-11-02T09:30:00Z', type: T.EXECUTION_AMCACHE, source: 'Registry', artefact: 'windows.registry.hives', member: 'files/C/Windows/AppCompat/Programs/Amcache.hve', record: 'Root\\InventoryApplicationFile\\anydesk.exe|1', desc: 'Key Last Written', message: 'Amcache: c:\\users\\public\\anydesk.exe', fields: {file_name: 'anydesk.exe'}, attributes: {path: 'c:\\users\\public\\anydesk.exe', sha1: 'a'.repeat(40)}}),
    ]
    const dir = writeCase(events)
    await runHunt({caseDir: dir, iocFiles: [], windowMs: 30 * 60_000})
    const f = JSON.parse(readFileSync(join(dir, 'findings.json'), 'utf8')) as FindingsFile
    const rule = (r: string) => f.findings.filter((x) => x.rule === r)
    const samOnly = rule('sam-account-without-creation-log')
    expect(samOnly.map((x) => x.entities.accounts)).toEqual([['svc_backup']])
    expect(samOnly[0]!.rationale).toContain('created 2023-11-02 per the SAM hive')
    expect(samOnly[0]!.rationale).toContain('no account-creation record (4720)')
    expect(samOnly[0]!.rationale).toContain('although they reach back to 2023-11-01')
    // SAM creation dates do not make log-based account-change findings of their own
    expect(f.findings.filter((x) => x.rule.startsWith('account-change')).flatMap((x) => x.entities.accounts ?? [])).not.toContain('svc_backup')
    expect(rule('remote-access-service-registry').map((x) => x.entities.services)).toEqual([['AnyDesk']])
    const am = rule('remote-access-binary-amcache')
    expect(am).toHaveLength(1)
    expect(am[0]!.entities.files).toEqual(['c:\\users\\public\\anydesk.exe'])
  })
})
