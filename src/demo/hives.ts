import {createHash} from 'node:crypto'
import {filetimeToIso} from '../core/time.js'
import type {EvtxEventSpec} from '../writers/evtx/index.js'
import {writeRegf, type RegfKey, type RegfValue} from '../writers/regf/index.js'
import {ACB, aliasC, ridKey, userF, userV, type SamAlias, type SamUser} from './sam-records.js'
import {ANYDESK, HOST, PAYLOAD, ROGUE_SC, T, USERS, VENDOR_SC, scInstallDir, sidOf} from './scenario.js'
import {isoPlus} from './timeutil.js'
import {rogueImagePath, vendorImagePath} from './logs.js'

/**
 * The demo host's registry hives, written with the regf writer: SAM (the story's accounts, one of them known
 * only from SAM), SYSTEM (computer name, time zone, the ScreenConnect and AnyDesk services), SOFTWARE (product,
 * uninstall entries, profiles, the hidden account) and Amcache.hve (executed files with SHA-1). Times come from
 * scenario.ts and, for logons, from the demo's own Security log, so hives and logs tell one story.
 */

export const INSTALLED_2019 = '2019-06-18T15:22:41.0000000Z'
/** When the pharmacy's staff accounts were set up (also the base time of the profile folders). */
export const STAFF_CREATED = '2021-03-09T18:04:12.0000000Z'

/** Windows' registry data of the host's zone, America/Chicago = "Central Standard Time". */
export const TIME_ZONE = {
  keyName: 'Central Standard Time',
  standardName: '@tzres.dll,-112',
  daylightName: '@tzres.dll,-111',
  /** Minutes west of UTC (UTC = local + bias). */
  bias: 360,
  daylightBias: -60,
} as const

const key = (name: string, lastWritten: string, values: RegfValue[] = [], subkeys: RegfKey[] = [], className?: string): RegfKey => ({
  name,
  lastWritten,
  values,
  subkeys,
  className,
})
const sz = (name: string, data: string): RegfValue => ({name, type: 'REG_SZ', data})
const expand = (name: string, data: string): RegfValue => ({name, type: 'REG_EXPAND_SZ', data})
const dword = (name: string, data: number): RegfValue => ({name, type: 'REG_DWORD', data: data >>> 0})
const qword = (name: string, data: bigint): RegfValue => ({name, type: 'REG_QWORD', data})
const bin = (name: string, data: Uint8Array): RegfValue => ({name, type: 'REG_BINARY', data})

// --- SAM -------------------------------------------------------------------------------------------------------

/** Logons per account name from the demo's Security log: newest 4624 (interactive or RDP) and count. */
export function logonsFromSecurity(events: readonly EvtxEventSpec[]): Map<string, {last: string; count: number}> {
  const out = new Map<string, {last: string; count: number}>()
  for (const e of events) {
    if (e.eventId !== 4624 || e.body.kind !== 'named') continue
    const field = (n: string): unknown => e.body.kind === 'named' ? e.body.data.find(([k]) => k === n)?.[1] : undefined
    const name = field('TargetUserName') as {value?: unknown} | undefined
    const type = field('LogonType') as {value?: unknown} | undefined
    if (typeof name?.value !== 'string' || (Number(type?.value) !== 2 && Number(type?.value) !== 10)) continue
    const iso = filetimeToIso(e.timeCreated)
    if (iso === undefined) continue
    const prev = out.get(name.value)
    out.set(name.value, {last: prev && prev.last > iso ? prev.last : iso, count: (prev?.count ?? 0) + 1})
  }
  return out
}

interface DemoAccount extends SamUser {
  /** Names\<user> key time: when the account was created. */
  created: string
}

export function demoAccounts(logons: Map<string, {last: string; count: number}>): DemoAccount[] {
  // Last logon and count as SAM keeps them: the newest interactive/RDP logon in the Security log, and the
  // logons before the log began (`before`) plus those in it.
  const seen = (name: string, before: number): Pick<SamUser, 'lastLogon' | 'logonCount'> => {
    const l = logons.get(name)
    return l ? {lastLogon: l.last, logonCount: before + l.count} : {}
  }
  const staff = ACB.NORMAL | ACB.DONT_EXPIRE_PASSWORD
  return [
    {name: 'Administrator', rid: 500, comment: 'Built-in account for administering the computer/domain', acb: staff, created: INSTALLED_2019, passwordLastSet: INSTALLED_2019, lastLogon: '2023-08-29T14:11:52.6210934Z', logonCount: 41},
    {name: 'Guest', rid: 501, comment: 'Built-in account for guest access to the computer/domain', acb: 0x0215, created: INSTALLED_2019},
    {name: 'DefaultAccount', rid: 503, comment: 'A user account managed by the system.', acb: 0x0215, created: INSTALLED_2019},
    {name: 'WDAGUtilityAccount', rid: 504, comment: 'A user account managed and used by the system for Windows Defender Application Guard scenarios.', acb: ACB.NORMAL | ACB.DISABLED, created: INSTALLED_2019, passwordLastSet: INSTALLED_2019},
    {...USERS.jmiller, fullName: 'Jim Miller', comment: 'Pharmacy IT (part-time)', acb: staff, created: STAFF_CREATED, passwordLastSet: '2023-07-14T15:02:19.3304417Z', ...seen(USERS.jmiller.name, 612)},
    {...USERS.kwilson, fullName: 'Karen Wilson', comment: 'Store manager', acb: staff, created: isoPlus(STAFF_CREATED, 311), passwordLastSet: '2023-05-02T13:47:55.0183262Z', ...seen(USERS.kwilson.name, 187)},
    {...USERS.admKwilson, fullName: 'Karen Wilson (admin)', acb: ACB.NORMAL, created: T.decoyAccountCreated, passwordLastSet: T.decoyAccountCreated, ...seen(USERS.admKwilson.name, 0)},
    {...USERS.actor, acb: ACB.NORMAL, created: T.accountCreated, passwordLastSet: T.accountCreated, ...seen(USERS.actor.name, 0)},
    {...USERS.samOnly, fullName: 'Help Desk Service', comment: 'Remote support service account', acb: staff, created: T.samOnlyAccountCreated, passwordLastSet: T.samOnlyAccountCreated},
  ]
}

const ADMINISTRATORS_RIDS = [500, USERS.jmiller.rid, USERS.admKwilson.rid, USERS.actor.rid, USERS.samOnly.rid]

export function demoAliases(): SamAlias[] {
  const local = (rid: number): string => `${HOST.machineSid}-${rid}`
  return [
    {rid: 544, name: 'Administrators', comment: 'Administrators have complete and unrestricted access to the computer/domain', members: ADMINISTRATORS_RIDS.map(local)},
    {rid: 545, name: 'Users', comment: 'Users are prevented from making accidental or intentional system-wide changes and can run most applications', members: ['S-1-5-4', 'S-1-5-11']},
    {rid: 546, name: 'Guests', comment: 'Guests have the same access as members of the Users group by default, except for the Guest account which is further restricted', members: [local(501)]},
    {rid: 555, name: 'Remote Desktop Users', comment: 'Members in this group are granted the right to logon remotely', members: [local(USERS.kwilson.rid)]},
    {rid: 580, name: 'Remote Management Users', comment: 'Members of this group can access WMI resources over management protocols (such as WS-Management via the Windows Remote Management service). This applies only to WMI namespaces that grant access to the user.', members: []},
  ]
}

/** Membership changes date the alias key: the last one for Administrators is svc_helpdesk's. */
const ALIAS_TIMES: Record<number, string> = {544: T.samOnlyAddedToAdministrators, 545: INSTALLED_2019, 546: INSTALLED_2019, 555: STAFF_CREATED, 580: INSTALLED_2019}

export function samHive(logons: Map<string, {last: string; count: number}>): Buffer {
  const accounts = demoAccounts(logons)
  const userKeys = accounts.map((a) => {
    const changed = [a.created, a.passwordLastSet ?? '', a.lastLogon ?? ''].sort().at(-1)!
    return key(ridKey(a.rid), changed, [bin('F', userF(a)), bin('V', userV(a, HOST.machineSid))])
  })
  // Names\<user>: no data; the default value's type is the RID, the key's time the account's creation.
  const names = accounts.map((a) => key(a.name, a.created, [{name: '', type: a.rid, data: new Uint8Array(0)}]))
  const newest = accounts.map((a) => a.created).sort().at(-1)!
  const aliases = demoAliases()
  const builtin = key('Builtin', INSTALLED_2019, [], [
    key('Aliases', T.samOnlyAddedToAdministrators, [], [
      ...aliases.map((a) => key(ridKey(a.rid), ALIAS_TIMES[a.rid], [bin('C', aliasC(a))])),
      key('Names', INSTALLED_2019, [], aliases.map((a) => key(a.name, INSTALLED_2019, [{name: '', type: a.rid, data: new Uint8Array(0)}]))),
    ]),
  ])
  const account = key('Account', newest, [], [key('Users', newest, [], [...userKeys, key('Names', newest, [], names)])])
  const root = key('ROOT', newest, [], [key('SAM', newest, [], [key('Domains', newest, [], [account, builtin])])])
  return writeRegf(root, {fileName: '\\SystemRoot\\System32\\Config\\SAM', lastWritten: T.collection})
}

// --- SYSTEM ----------------------------------------------------------------------------------------------------

/** SYSTEMTIME as TIME_ZONE_INFORMATION stores a transition rule: month, day of week, week of month, hour. */
function transition(month: number, week: number, hour: number): Buffer {
  const b = Buffer.alloc(16)
  b.writeUInt16LE(month, 2)
  b.writeUInt16LE(0, 4) // Sunday
  b.writeUInt16LE(week, 6)
  b.writeUInt16LE(hour, 8)
  return b
}

interface ServiceDef {
  key: string
  displayName: string
  imagePath: string
  start: number
  type: number
  objectName?: string
  description?: string
  installed: string
}

function serviceKey(s: ServiceDef): RegfKey {
  return key(s.key, s.installed, [
    sz('DisplayName', s.displayName),
    expand('ImagePath', s.imagePath),
    dword('Start', s.start),
    dword('Type', s.type),
    dword('ErrorControl', 1),
    sz('ObjectName', s.objectName ?? 'LocalSystem'),
    ...(s.description ? [sz('Description', s.description)] : []),
  ])
}

export const SC_SERVICE = (thumbprint: string): string => `ScreenConnect Client (${thumbprint})`

export function demoServices(): ServiceDef[] {
  return [
    {key: 'EventLog', displayName: 'Windows Event Log', imagePath: '%SystemRoot%\\System32\\svchost.exe -k LocalServiceNetworkRestricted -p', start: 2, type: 0x20, objectName: 'NT AUTHORITY\\LocalService', installed: INSTALLED_2019},
    {key: 'Spooler', displayName: 'Print Spooler', imagePath: '%SystemRoot%\\System32\\spoolsv.exe', start: 2, type: 0x110, installed: INSTALLED_2019},
    {key: 'TermService', displayName: 'Remote Desktop Services', imagePath: '%SystemRoot%\\System32\\svchost.exe -k NetworkService', start: 3, type: 0x20, objectName: 'NT Authority\\NetworkService', installed: INSTALLED_2019},
    {key: 'TrustedInstaller', displayName: 'Windows Modules Installer', imagePath: '%SystemRoot%\\servicing\\TrustedInstaller.exe', start: 3, type: 0x10, installed: INSTALLED_2019},
    {key: 'wuauserv', displayName: 'Windows Update', imagePath: '%systemroot%\\system32\\svchost.exe -k netsvcs -p', start: 3, type: 0x20, installed: INSTALLED_2019},
    {key: 'edgeupdate', displayName: 'Microsoft Edge Update Service (edgeupdate)', imagePath: '"C:\\Program Files (x86)\\Microsoft\\EdgeUpdate\\MicrosoftEdgeUpdate.exe" /svc', start: 2, type: 0x10, installed: '2023-10-10T09:48:19.6610042Z'},
    {key: SC_SERVICE(VENDOR_SC.thumbprint), displayName: SC_SERVICE(VENDOR_SC.thumbprint), imagePath: vendorImagePath(), start: 2, type: 0x10, installed: INSTALLED_2019},
    {key: SC_SERVICE(ROGUE_SC.thumbprint), displayName: SC_SERVICE(ROGUE_SC.thumbprint), imagePath: rogueImagePath(), start: 2, type: 0x10, installed: T.rogueScInstalled},
    {key: 'AnyDesk', displayName: 'AnyDesk Service', imagePath: ANYDESK.imagePath, start: 2, type: 0x10, description: 'AnyDesk support service', installed: T.anydeskServiceInstalled},
  ]
}

export function systemHive(): Buffer {
  const services = demoServices()
  const safeBoot = key('SafeBoot', T.rogueScInstalled, [], [
    key('Network', T.rogueScInstalled, [], [VENDOR_SC.thumbprint, ROGUE_SC.thumbprint].map((t) => key(SC_SERVICE(t), t === ROGUE_SC.thumbprint ? T.rogueScInstalled : INSTALLED_2019, [sz('', 'Service')]))),
  ])
  const tz = key('TimeZoneInformation', '2021-03-09T17:41:06.2207731Z', [
    dword('Bias', TIME_ZONE.bias),
    sz('DaylightName', TIME_ZONE.daylightName),
    bin('DaylightStart', transition(3, 2, 2)),
    dword('DaylightBias', TIME_ZONE.daylightBias),
    sz('StandardName', TIME_ZONE.standardName),
    bin('StandardStart', transition(11, 1, 2)),
    dword('StandardBias', 0),
    sz('TimeZoneKeyName', TIME_ZONE.keyName),
    dword('DynamicDaylightTimeDisabled', 0),
    dword('ActiveTimeBias', TIME_ZONE.bias),
  ])
  const control = key('Control', T.rogueScInstalled, [], [
    key('ComputerName', '2019-06-18T15:40:02.5512018Z', [], [key('ComputerName', '2019-06-18T15:40:02.5512018Z', [sz('ComputerName', HOST.name)])]),
    safeBoot,
    tz,
  ])
  const newestService = services.map((s) => s.installed).sort().at(-1)!
  const controlSet = key('ControlSet001', newestService, [], [control, key('Services', newestService, [], services.map(serviceKey))])
  const select = key('Select', INSTALLED_2019, [dword('Current', 1), dword('Default', 1), dword('Failed', 0), dword('LastKnownGood', 1)])
  const root = key('ROOT', T.collection, [], [controlSet, select])
  return writeRegf(root, {fileName: '\\SystemRoot\\System32\\Config\\SYSTEM', lastWritten: T.collection})
}

// --- SOFTWARE --------------------------------------------------------------------------------------------------

const unixSeconds = (iso: string): number => Math.floor(Date.parse(iso) / 1000)
const yyyymmdd = (iso: string): string => iso.slice(0, 10).replace(/-/g, '')

export function softwareHive(): Buffer {
  const currentVersion = key('CurrentVersion', '2023-10-10T09:55:07.1123001Z', [
    sz('ProductName', 'Windows Server 2019 Standard'),
    sz('EditionID', 'ServerStandard'),
    sz('InstallationType', 'Server'),
    sz('CurrentVersion', '6.3'),
    sz('CurrentBuild', '17763'),
    sz('CurrentBuildNumber', '17763'),
    dword('UBR', 4974),
    sz('ReleaseId', '1809'),
    dword('InstallDate', unixSeconds(INSTALLED_2019)),
    sz('RegisteredOwner', 'Northwind Pharmacy'),
    sz('SystemRoot', 'C:\\Windows'),
  ], [
    key('ProfileList', T.actorLogon, [], [
      ...[USERS.administrator, USERS.jmiller, USERS.kwilson, USERS.admKwilson, USERS.actor].map((u) =>
        key(sidOf(u), u === USERS.actor ? T.actorLogon : u === USERS.admKwilson ? T.decoyAccountCreated : STAFF_CREATED, [expand('ProfileImagePath', `C:\\Users\\${u.name}`), dword('Flags', 0), dword('State', 0)]),
      ),
    ]),
    key('Winlogon', T.samOnlyHidden, [sz('Shell', 'explorer.exe'), sz('Userinit', 'C:\\Windows\\system32\\userinit.exe,')], [
      key('SpecialAccounts', T.samOnlyHidden, [], [key('UserList', T.samOnlyHidden, [dword(USERS.samOnly.name, 0)])]),
    ]),
  ])
  const uninstall64 = key('Uninstall', INSTALLED_2019, [], [
    key('Microsoft Edge Update', '2023-10-10T09:48:19.6610042Z', [sz('DisplayName', 'Microsoft Edge Update'), sz('DisplayVersion', '1.3.179.3'), sz('Publisher', 'Microsoft Corporation')]),
  ])
  const uninstall32 = key('Uninstall', T.rogueScInstalled, [], [
    key('AnyDesk', T.anydeskServiceInstalled, [
      sz('DisplayName', 'AnyDesk'),
      sz('DisplayVersion', `ad ${ANYDESK.version}`),
      sz('Publisher', 'AnyDesk Software GmbH'),
      sz('InstallLocation', 'C:\\Program Files (x86)\\AnyDesk'),
      sz('UninstallString', '"C:\\Program Files (x86)\\AnyDesk\\AnyDesk.exe" --uninstall'),
      sz('DisplayIcon', 'C:\\Program Files (x86)\\AnyDesk\\AnyDesk.exe'),
      sz('InstallDate', yyyymmdd(T.anydeskServiceInstalled)),
    ]),
    key('{B1C0A43E-2D5F-4C18-9E07-4F6A3B2D1C09}', INSTALLED_2019, [
      sz('DisplayName', SC_SERVICE(VENDOR_SC.thumbprint)),
      sz('DisplayVersion', VENDOR_SC.version),
      sz('Publisher', 'ScreenConnect Software'),
      sz('InstallDate', yyyymmdd(INSTALLED_2019)),
      sz('InstallLocation', `${scInstallDir(VENDOR_SC.thumbprint)}\\`),
      expand('UninstallString', 'MsiExec.exe /X{B1C0A43E-2D5F-4C18-9E07-4F6A3B2D1C09}'),
    ]),
    key('{6E2F9D41-8A3B-4F7C-B5D0-2C9E1A7F4B63}', T.rogueScInstalled, [
      sz('DisplayName', SC_SERVICE(ROGUE_SC.thumbprint)),
      sz('DisplayVersion', ROGUE_SC.version),
      sz('Publisher', 'ConnectWise, LLC'),
      sz('InstallDate', yyyymmdd(T.rogueScInstalled)),
      sz('InstallLocation', `${scInstallDir(ROGUE_SC.thumbprint)}\\`),
      expand('UninstallString', 'MsiExec.exe /X{6E2F9D41-8A3B-4F7C-B5D0-2C9E1A7F4B63}'),
    ]),
  ])
  const cv = (uninstall: RegfKey, t: string): RegfKey => key('Windows', t, [], [key('CurrentVersion', t, [], [uninstall])])
  const root = key('ROOT', T.collection, [], [
    key('Microsoft', T.samOnlyHidden, [], [key('Windows NT', T.samOnlyHidden, [], [currentVersion]), cv(uninstall64, INSTALLED_2019)]),
    key('WOW6432Node', T.rogueScInstalled, [], [key('Microsoft', T.rogueScInstalled, [], [cv(uninstall32, T.rogueScInstalled)])]),
  ])
  return writeRegf(root, {fileName: '\\SystemRoot\\System32\\Config\\SOFTWARE', lastWritten: T.collection})
}

// --- Amcache.hve -----------------------------------------------------------------------------------------------

/**
 * SHA-1 the demo's AnyDesk.exe is recorded with. The demo volume holds no AnyDesk binary (only its folder), so
 * the value is a fixed stand-in derived from a label: stable, and not the hash of any real program.
 */
export const ANYDESK_SHA1 = createHash('sha1').update(`ratchet demo AnyDesk.exe ${ANYDESK.version}`).digest('hex')
export const ROGUE_SC_SERVICE_SHA1 = createHash('sha1').update(`ratchet demo ScreenConnect.ClientService.exe ${ROGUE_SC.version}`).digest('hex')

export interface AmcacheFile {
  path: string
  sha1: string
  size: number
  linkDate: string
  publisher: string
  productName: string
  version: string
  /** InventoryApplicationFile key time: when the file was first recorded (run). */
  seen: string
}

export function demoAmcacheFiles(): AmcacheFile[] {
  const anydesk = {sha1: ANYDESK_SHA1, size: 5_373_952, linkDate: '10/03/2023 08:41:27', publisher: 'anydesk software gmbh', productName: 'anydesk', version: ANYDESK.version}
  return [
    {path: `${PAYLOAD.dir}\\AnyDesk.exe`, ...anydesk, seen: isoPlus(T.scRunAnyDesk, 1.1)},
    {path: 'C:\\Program Files (x86)\\AnyDesk\\AnyDesk.exe', ...anydesk, seen: T.anydeskServiceInstalled},
    {
      path: `${scInstallDir(ROGUE_SC.thumbprint)}\\ScreenConnect.ClientService.exe`,
      sha1: ROGUE_SC_SERVICE_SHA1,
      size: 95_160,
      linkDate: '08/23/2023 17:02:11',
      publisher: 'connectwise, llc',
      productName: 'screenconnect',
      version: ROGUE_SC.version,
      seen: isoPlus(T.rogueScInstalled, 2.4),
    },
  ]
}

/** Amcache's per-file key name: the file name, `|`, and a 16-hex-digit hash of the path. */
const fileKeyName = (path: string): string => `${path.split('\\').at(-1)!.toLowerCase()}|${createHash('sha1').update(path.toLowerCase()).digest('hex').slice(0, 16)}`

export function amcacheHive(): Buffer {
  const files = demoAmcacheFiles().map((f) =>
    key(fileKeyName(f.path), f.seen, [
      sz('ProgramId', `0000${createHash('sha1').update(f.productName).digest('hex').slice(0, 40)}`),
      sz('FileId', `0000${f.sha1}`),
      sz('LowerCaseLongPath', f.path.toLowerCase()),
      sz('LongPathHash', fileKeyName(f.path)),
      sz('Name', f.path.split('\\').at(-1)!),
      sz('OriginalFileName', f.path.split('\\').at(-1)!.toLowerCase()),
      sz('Publisher', f.publisher),
      sz('Version', f.version),
      sz('BinFileVersion', f.version),
      sz('BinaryType', 'pe32_i386'),
      sz('ProductName', f.productName),
      sz('ProductVersion', f.version),
      sz('LinkDate', f.linkDate),
      sz('BinProductVersion', f.version),
      qword('Size', BigInt(f.size)),
      dword('Language', 0),
      dword('IsPeFile', 1),
      dword('IsOsComponent', 0),
    ]),
  )
  const newest = demoAmcacheFiles().map((f) => f.seen).sort().at(-1)!
  const root = key('{11517B7C-E79D-4e20-961B-75A811715ADD}', newest, [], [
    key('Root', newest, [], [key('InventoryApplicationFile', newest, [], files)]),
  ])
  return writeRegf(root, {fileName: '\\??\\C:\\Windows\\AppCompat\\Programs\\Amcache.hve', lastWritten: newest})
}
