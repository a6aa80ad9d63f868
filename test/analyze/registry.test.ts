import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {analyze} from '../../src/analyze/index.js'
import {registryAmcache, registryNtuser, registrySam, registrySystem} from '../../src/analyze/plugins/registry.js'
import {Hive} from '../../src/parsers/regf/hive.js'
import {amcacheSha1} from '../../src/parsers/regf/hives/amcache.js'
import {readSam} from '../../src/parsers/regf/hives/sam.js'
import {parseShimCache} from '../../src/parsers/regf/hives/shimcache.js'
import {loadIndex, readSample, sharedRegistryDir, SKIP_MESSAGE} from '../parsers/regf/shared.js'
import {runPlugin} from './run-plugin.js'

/**
 * The registry plugins against the facts RegRipper reports for the shared hives (INDEX.json `facts`,
 * README "Facts a parser should surface"), and the SYSTEM hive naming the host and its zone in a case.
 */
const dir = sharedRegistryDir()
if (!dir) console.warn(SKIP_MESSAGE)
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ratchet-reg-'))
afterAll(() => fs.rmSync(tmp, {recursive: true, force: true}))

/** A sample as a file (gunzipped when stored compressed) at `rel` below a temp image root. */
function place(root: string, name: string, rel: string): string {
  const p = path.join(root, rel)
  fs.mkdirSync(path.dirname(p), {recursive: true})
  fs.writeFileSync(p, readSample(dir!, name))
  return p
}

describe('amcacheSha1', () => {
  it('drops the leading 0000 of FileId / value 101 and refuses what is not a SHA-1', () => {
    expect(amcacheSha1('0000' + 'AB'.repeat(20))).toBe('ab'.repeat(20))
    expect(amcacheSha1('ab'.repeat(20))).toBe('ab'.repeat(20))
    expect(amcacheSha1('0000abc')).toBeUndefined()
  })
})

describe.skipIf(!dir)('registry plugins on the shared hives', () => {
  const files = dir ? loadIndex(dir) : []
  for (const f of files.filter((x) => x.hive_type === 'SAM')) {
    it(`${f.file}: local accounts and RIDs as RegRipper samparse lists them`, () => {
      const want = (f.facts!.local_accounts as {name: string; rid: number}[]).map((a) => `${a.name}/${a.rid}`).sort()
      const sam = readSam(new Hive(readSample(dir!, f.file)))
      expect(sam.accounts.map((a) => `${a.name}/${a.rid}`).sort()).toEqual(want)
      expect(sam.domainSid).toBe(f.facts!.machine_sid)
    })
  }

  it('velo_SAM: events per account (exists, created by the Names key, password, last logon) and alias members', async () => {
    const p = place(tmp, 'velo_SAM', 'sam/SAM')
    const {events} = await runPlugin(registrySam, p, 'files/C/Windows/System32/config/SAM')
    const test = events.filter((e) => e.user === 'test' && e.event_type !== 'account.group_member')
    expect(test.map((e) => e.event_type).sort()).toEqual(['account.created', 'account.exists', 'account.password_last_set', 'logon.last'])
    const created = test.find((e) => e.event_type === 'account.created')!
    expect(created.datetime).toBe('2021-10-07T08:07:32.7119168Z')
    expect(created.evidence).toMatchObject({member: 'files/C/Windows/System32/config/SAM', record: 'SAM\\Domains\\Account\\Users\\Names\\test'})
    expect(test.find((e) => e.event_type === 'logon.last')!.attributes).toMatchObject({logon_count: 112, last_logon: '2021-12-01T12:40:21.8112981Z'})
    const admins = events.filter((e) => e.event_type === 'account.group_member' && e.attributes.group_rid === 544).map((e) => e.user)
    expect(admins.sort()).toEqual(['Administrator', 'test'])
  })

  it('regipy SYSTEM: computer name, time zone, last shutdown, PsExec service with its ImagePath, ShimCache', async () => {
    const p = place(tmp, 'regipy_SYSTEM.gz', 'sys/SYSTEM')
    const {events, diagnostics} = await runPlugin(registrySystem, p, 'Windows/System32/config/SYSTEM')
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([])
    expect(events.find((e) => e.attributes.name === 'computer_name')!.attributes.value).toBe('WKS-WIN732BITA')
    expect(events.find((e) => e.attributes.name === 'time_zone')!.attributes).toMatchObject({value: 'Eastern Standard Time', bias_minutes: 300})
    expect(events.find((e) => e.event_type === 'system.shutdown')!.datetime.slice(0, 19)).toBe('2012-04-04T01:58:40')
    const psexec = events.find((e) => e.event_type === 'service.exists' && e.attributes.service_name === 'PSEXESVC')!
    expect(psexec).toMatchObject({process: '%SystemRoot%\\PSEXESVC.EXE'})
    expect(psexec.evidence.record).toBe('ControlSet001\\services\\PSEXESVC') // names as stored
    expect(events.filter((e) => e.event_type === 'execution.shimcache').length).toBeGreaterThan(100)
  })

  it('ShimCache value formats: Windows 10, 10 Creators, 7 x64 (AppCompatCacheParser test expectations)', () => {
    const w10 = parseShimCache(readSample(dir!, 'museum_AppCompatCache_Win10.bin'))
    expect([w10.format, w10.entries.length]).toEqual(['win10', 350])
    expect([0, 7, 349].map((i) => w10.entries[i]!.path.split('\\').pop())).toEqual(['vds.exe', 'mstsc.exe', 'services.exe'])
    const cr = parseShimCache(readSample(dir!, 'museum_AppCompatCache_Win10Creators.bin'))
    expect(cr.entries).toHaveLength(506)
    expect([0, 349].map((i) => cr.entries[i]!.path.split('\\').pop())).toEqual(['nvstreg.exe', 'SLUI.exe'])
    const w7 = parseShimCache(readSample(dir!, 'museum_AppCompatCache_win7x64.bin'))
    expect([w7.format, w7.entries.length]).toEqual(['win7x64', 304])
    expect(w7.entries[7]).toMatchObject({executed: false})
    expect([0, 7, 300].map((i) => w7.entries[i]!.path.split('\\').pop())).toEqual(['wuauclt.exe', 'chrome.exe', 'chrmstp.exe'])
  })

  it('NTUSER.DAT with its log: Run value, UserAssist (ROT-13) with the D:\\setup64.exe run, user from the path', async () => {
    const root = path.join(tmp, 'nt')
    const p = place(root, 'regipy_transactions_NTUSER.DAT', 'NTUSER.DAT')
    const log = place(root, 'regipy_transactions_NTUSER.DAT.LOG1', 'NTUSER.DAT.LOG1')
    const member = 'files/C/Users/tony/NTUSER.DAT'
    const {events, diagnostics} = await runPlugin(registryNtuser, p, member, {siblings: {[member + '.LOG1']: log}})
    expect(diagnostics.map((d) => d.code)).toContain('REGF_LOG_APPLIED')
    expect(events.find((e) => e.event_type === 'persistence.run_key')).toMatchObject({user: 'tony', command_line: '"C:\\Users\\tony\\AppData\\Local\\Microsoft\\OneDrive\\OneDrive.exe" /background'})
    const setup = events.find((e) => e.event_type === 'execution.userassist' && /D:\\setup64\.exe$/i.test(String(e.attributes.name)))!
    expect(setup.datetime.slice(0, 19)).toBe('2017-07-12T07:34:32')
    expect(setup.attributes.run_count).toBe(1)
  })

  it('Amcache: InventoryApplicationFile entries (RegRipper count) and the old Root\\File layout, SHA-1 without 0000', async () => {
    for (const [name, want] of [['velo_Amcache.hve', 85], ['museum_Amcache_Win10_APTSimulatorVM_Amcache.hve', 123]] as const) {
      const p = place(tmp, name, `am/${name}`)
      const {events} = await runPlugin(registryAmcache, p, 'Windows/AppCompat/Programs/Amcache.hve')
      expect(events.filter((e) => e.event_type === 'execution.amcache').length).toBe(want)
    }
    const p = place(tmp, 'museum_Amcache_Win2012R2_StolenSzechuan_Amcache.hve', 'am/old.hve')
    const {events} = await runPlugin(registryAmcache, p, 'Windows/AppCompat/Programs/Amcache.hve')
    const files = events.filter((e) => e.event_type === 'execution.amcache')
    expect(files.length).toBeGreaterThan(100)
    expect(files.every((e) => e.attributes.layout === 'File')).toBe(true)
    expect(files.filter((e) => typeof e.attributes.sha1 === 'string').every((e) => /^[0-9a-f]{40}$/.test(e.attributes.sha1 as string))).toBe(true)
  })

  it('a mounted image with a SYSTEM hive: host name and time zone come from it (no unknown zone)', async () => {
    const img = path.join(tmp, 'img')
    place(img, 'regipy_SYSTEM.gz', 'Windows/System32/config/SYSTEM')
    place(img, 'velo_SAM', 'Windows/System32/config/SAM')
    const out = path.join(tmp, 'case')
    await analyze(img, {out})
    const a = JSON.parse(fs.readFileSync(path.join(out, 'analysis.json'), 'utf8'))
    expect(a.host).toMatchObject({hostname: 'WKS-WIN732BITA', time_zone: 'America/New_York'})
  })
})
