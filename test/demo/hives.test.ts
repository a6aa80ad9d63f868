import {spawnSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {generateDemoHost, type DemoHostResult} from '../../src/demo/index.js'
import {ANYDESK_SHA1, TIME_ZONE} from '../../src/demo/hives.js'
import {rogueImagePath} from '../../src/demo/logs.js'
import {ANYDESK, HOST, ROGUE_SC, T, USERS} from '../../src/demo/scenario.js'
import {parseEvtxBuffer} from '../../src/parsers/evtx/index.js'
import {hasHivexregedit, hivexExport, type OracleKey} from '../writers/regf/oracles.js'

/**
 * The demo host's hives, read back by hivex (hivexregedit for values, hivexml for key times) and decoded the
 * way RegRipper's samparse decodes SAM records: the facts the story needs are there, and agree with the logs.
 */

const hasHivexml = spawnSync('sh', ['-c', 'command -v hivexml'], {encoding: 'utf8'}).status === 0
if (!hasHivexml) console.warn('hivexml not installed (Debian libhivex-bin): demo hive key-time checks skipped')

const tmp = mkdtempSync(join(tmpdir(), 'ratchet-demo-hives-'))
afterAll(() => rmSync(tmp, {recursive: true, force: true}))
let host: DemoHostResult
beforeAll(async () => {
  host = await generateDemoHost(join(tmp, 'h'))
})
const vol = (p: string): string => join(host.volume, p)
const SAM = 'Windows/System32/config/SAM'
const SYSTEM = 'Windows/System32/config/SYSTEM'
const SOFTWARE = 'Windows/System32/config/SOFTWARE'
const AMCACHE = 'Windows/AppCompat/Programs/Amcache.hve'

/** Key path (below the root, `\`-separated) → last-written time to the second, from hivexml. */
function keyTimes(file: string): Map<string, string> {
  // hivexml opens /dev/stdout by name, which fails on Node's socket stdio: give it a real pipe.
  const xml = spawnSync('sh', ['-c', 'hivexml "$1" | cat', 'sh', file], {maxBuffer: 1 << 26, encoding: 'utf8'}).stdout
  const out = new Map<string, string>()
  const stack: string[] = []
  for (const m of xml.matchAll(/<node name="([^"]*)"[^>]*><mtime>([^<]+)<\/mtime>|<\/node>/g)) {
    if (m[0] === '</node>') {
      stack.pop()
      continue
    }
    stack.push(m[1])
    out.set(stack.slice(1).join('\\'), m[2])
  }
  return out
}

const val = (k: OracleKey | undefined, name: string): Buffer => {
  const v = k?.values.find((x) => x.name === name)
  if (!v) throw new Error(`no value ${name} in ${k?.path}`)
  return v.data
}
const str = (b: Buffer): string => b.toString('utf16le').replace(/\0+$/, '')
const filetimeIso = (b: Buffer, at: number): string | null => {
  const t = b.readBigUInt64LE(at)
  return t === 0n ? null : new Date(Number((t - 116_444_736_000_000_000n) / 10_000n)).toISOString()
}
const sec = (iso: string): string => `${iso.slice(0, 19)}Z`

/** SAM user V: descriptor i at i*12 (offset from 0xCC, size), per winreg-kb / RegRipper samparse. */
const vString = (v: Buffer, i: number): string => {
  const off = v.readUInt32LE(i * 12) + 0xcc
  return v.subarray(off, off + v.readUInt32LE(i * 12 + 4)).toString('utf16le')
}

function sidText(b: Buffer, at: number): {sid: string; len: number} {
  const n = b[at + 1]
  const auth = b.readUIntBE(at + 2, 6)
  const subs = Array.from({length: n}, (_, i) => b.readUInt32LE(at + 8 + i * 4))
  return {sid: `S-${b[at]}-${auth}${subs.map((s) => `-${s}`).join('')}`, len: 8 + n * 4}
}

/** Alias C members: count at 0x30, SIDs from 0x34 + offset at 0x28. */
function aliasMembers(c: Buffer): string[] {
  const out: string[] = []
  let p = 0x34 + c.readUInt32LE(0x28)
  for (let i = 0; i < c.readUInt32LE(0x30); i++) {
    const s = sidText(c, p)
    out.push(s.sid)
    p += s.len
  }
  return out
}

describe.skipIf(!hasHivexregedit)('demo hives read back by hivex', () => {
  it('SAM: every story account with its RID (Names default-value type, F at 0x30, key name) and name (V)', () => {
    const keys = hivexExport(vol(SAM))
    const users = '\\SAM\\Domains\\Account\\Users'
    const expected = [
      ['Administrator', 500],
      ['Guest', 501],
      ['DefaultAccount', 503],
      ['WDAGUtilityAccount', 504],
      ...[USERS.jmiller, USERS.kwilson, USERS.admKwilson, USERS.actor, USERS.samOnly].map((u) => [u.name, u.rid] as const),
    ] as const
    for (const [name, rid] of expected) {
      expect(keys.get(`${users}\\Names\\${name}`)?.values).toEqual([{name: '', type: rid, data: Buffer.alloc(0)}])
      const k = keys.get(`${users}\\${rid.toString(16).toUpperCase().padStart(8, '0')}`)
      expect(val(k, 'F').readUInt32LE(0x30)).toBe(rid)
      expect(vString(val(k, 'V'), 1)).toBe(name)
    }
    const f = val(keys.get(`${users}\\000003ED`), 'F')
    expect(filetimeIso(f, 0x18)).toBe(T.samOnlyAccountCreated.replace(/(\.\d{3})\d+Z$/, '$1Z'))
    expect(filetimeIso(f, 0x08)).toBeNull() // never logged on
    expect(f.readUInt16LE(0x38) & 0x0001).toBe(0) // enabled
    expect(vString(val(keys.get(`${users}\\000003ED`), 'V'), 2)).toBe('Help Desk Service')
    // Guest is disabled.
    expect(val(keys.get(`${users}\\000001F5`), 'F').readUInt16LE(0x38) & 0x0001).toBe(1)
  })

  it('SAM: Administrators (alias 0x220) lists both actor accounts; Remote Desktop Users lists kwilson', () => {
    const keys = hivexExport(vol(SAM))
    const aliases = '\\SAM\\Domains\\Builtin\\Aliases'
    const admins = aliasMembers(val(keys.get(`${aliases}\\00000220`), 'C'))
    expect(admins).toEqual([500, 1001, 1003, 1004, 1005].map((r) => `${HOST.machineSid}-${r}`))
    expect(aliasMembers(val(keys.get(`${aliases}\\0000022B`), 'C'))).toEqual([`${HOST.machineSid}-${USERS.kwilson.rid}`])
    expect(keys.get(`${aliases}\\Names\\Administrators`)?.values[0]?.type).toBe(0x220)
  })

  it('SYSTEM: current control set, computer name, time zone, and the remote-access services', () => {
    const keys = hivexExport(vol(SYSTEM))
    expect(val(keys.get('\\Select'), 'Current').readUInt32LE(0)).toBe(1)
    expect(str(val(keys.get('\\ControlSet001\\Control\\ComputerName\\ComputerName'), 'ComputerName'))).toBe(HOST.name)
    const tz = keys.get('\\ControlSet001\\Control\\TimeZoneInformation')
    expect(str(val(tz, 'TimeZoneKeyName'))).toBe('Central Standard Time')
    expect(val(tz, 'Bias').readInt32LE(0)).toBe(TIME_ZONE.bias)
    expect(val(tz, 'DaylightBias').readInt32LE(0)).toBe(-60)
    expect(str(val(tz, 'StandardName'))).toBe('@tzres.dll,-112')
    const svc = '\\ControlSet001\\Services'
    expect(str(val(keys.get(`${svc}\\ScreenConnect Client (${ROGUE_SC.thumbprint})`), 'ImagePath'))).toBe(rogueImagePath())
    expect(str(val(keys.get(`${svc}\\ScreenConnect Client (f1a2c3d4e5b60718)`), 'ImagePath'))).toContain('&h=rs.tdsclinical.com&p=8041&')
    expect(str(val(keys.get(`${svc}\\AnyDesk`), 'ImagePath'))).toBe(ANYDESK.imagePath)
    expect(keys.has(`\\ControlSet001\\Control\\SafeBoot\\Network\\ScreenConnect Client (${ROGUE_SC.thumbprint})`)).toBe(true)
  })

  it('SYSTEM service ImagePaths equal the 7045 ImagePaths of the demo System log', () => {
    const keys = hivexExport(vol(SYSTEM))
    const {records} = parseEvtxBuffer(new Uint8Array(readFileSync(vol('Windows/System32/winevt/Logs/System.evtx'))))
    const installs = records.filter((r) => r.eventId === 7045).map((r) => r.data as Record<string, unknown>)
    for (const [name, key] of [[`ScreenConnect Client (${ROGUE_SC.thumbprint})`, `ScreenConnect Client (${ROGUE_SC.thumbprint})`], ['AnyDesk Service', 'AnyDesk']]) {
      const ev = installs.find((d) => d.ServiceName === name)
      expect(ev?.ImagePath).toBe(str(val(keys.get(`\\ControlSet001\\Services\\${key}`), 'ImagePath')))
    }
  })

  it('SOFTWARE: product, build, uninstall entries, and svc_helpdesk hidden from the logon screen', () => {
    const keys = hivexExport(vol(SOFTWARE))
    const cv = keys.get('\\Microsoft\\Windows NT\\CurrentVersion')
    expect(str(val(cv, 'ProductName'))).toBe('Windows Server 2019 Standard')
    expect(str(val(cv, 'CurrentBuild'))).toBe('17763')
    const un = [...keys.values()].filter((k) => /\\Uninstall\\[^\\]+$/.test(k.path)).map((k) => str(val(k, 'DisplayName')))
    expect(un).toEqual(expect.arrayContaining(['AnyDesk', `ScreenConnect Client (${ROGUE_SC.thumbprint})`, 'ScreenConnect Client (f1a2c3d4e5b60718)']))
    expect(val(keys.get('\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon\\SpecialAccounts\\UserList'), USERS.samOnly.name).readUInt32LE(0)).toBe(0)
  })

  it("Amcache: AnyDesk.exe's executions with FileId = 0000 + SHA-1, path, size, link date, publisher", () => {
    const keys = hivexExport(vol(AMCACHE))
    const files = [...keys.values()].filter((k) => k.path.startsWith('\\Root\\InventoryApplicationFile\\'))
    const anydesk = files.filter((k) => k.path.includes('anydesk.exe|'))
    expect(anydesk.map((k) => str(val(k, 'LowerCaseLongPath'))).sort()).toEqual([
      'c:\\program files (x86)\\anydesk\\anydesk.exe',
      'c:\\users\\jmiller\\documents\\connectwisecontrol\\temp\\anydesk.exe',
    ])
    for (const k of anydesk) {
      expect(str(val(k, 'FileId'))).toBe(`0000${ANYDESK_SHA1}`)
      expect(val(k, 'Size').readBigUInt64LE(0)).toBeGreaterThan(0n)
      expect(str(val(k, 'LinkDate'))).toMatch(/^\d\d\/\d\d\/\d{4} \d\d:\d\d:\d\d$/)
      expect(str(val(k, 'Publisher'))).toBe('anydesk software gmbh')
      expect(str(val(k, 'ProductName'))).toBe('anydesk')
    }
    expect(ANYDESK_SHA1).toMatch(/^[0-9a-f]{40}$/)
  })
})

describe.skipIf(!hasHivexml)('demo hive key times tell the story', () => {
  it("Names\\<user> key times are the accounts' creation; svc_helpdesk's is during the AnyDesk session", () => {
    const t = keyTimes(vol(SAM))
    const names = 'SAM\\Domains\\Account\\Users\\Names'
    expect(t.get(`${names}\\${USERS.samOnly.name}`)).toBe(sec(T.samOnlyAccountCreated))
    expect(t.get(`${names}\\${USERS.actor.name}`)).toBe(sec(T.accountCreated))
    expect(t.get(`${names}\\${USERS.admKwilson.name}`)).toBe(sec(T.decoyAccountCreated))
    expect(T.samOnlyAccountCreated > T.anydeskIncoming && T.samOnlyAccountCreated < T.anydeskSessionEnd).toBe(true)
    const sys = keyTimes(vol(SYSTEM))
    expect(sys.get(`ControlSet001\\Services\\ScreenConnect Client (${ROGUE_SC.thumbprint})`)).toBe(sec(T.rogueScInstalled))
    expect(sys.get('ControlSet001\\Services\\AnyDesk')).toBe(sec(T.anydeskServiceInstalled))
  })
})

describe('demo Security log: svc_helpdesk is known only from SAM', () => {
  it('has no 4720/4722/4732 and no mention of svc_helpdesk or its SID, but the 4719 audit-policy changes before it', () => {
    const {records} = parseEvtxBuffer(new Uint8Array(readFileSync(vol('Windows/System32/winevt/Logs/Security.evtx'))))
    const sid = `${HOST.machineSid}-${USERS.samOnly.rid}`
    const mentions = records.filter((r) => JSON.stringify(r.data).includes(USERS.samOnly.name) || JSON.stringify(r.data).includes(sid))
    expect(mentions).toEqual([])
    const created = records.filter((r) => r.eventId === 4720).map((r) => (r.data as Record<string, unknown>).TargetUserName)
    expect(created.sort()).toEqual([USERS.admKwilson.name, USERS.actor.name])
    const policy = records.filter((r) => r.eventId === 4719)
    expect(policy).toHaveLength(2)
    expect(policy.every((r) => r.timeCreated === T.auditPolicyDisabled)).toBe(true)
  })
})
