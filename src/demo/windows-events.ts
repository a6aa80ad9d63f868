import {filetimeFromIso, v, type EvtxEventSpec, type EvtxValue} from '../writers/evtx/index.js'
import {HOST, sidOf, type DemoUser} from './scenario.js'

/**
 * Builders for the Windows events of the demo host, with the providers, GUIDs, versions, tasks, keywords and
 * EventData field lists Windows Server 2019 writes (ARTEFACTS.md §5). Each returns an EvtxEventSpec for the
 * EVTX writer; the caller gives the time and the facts.
 */

const SECURITY = {provider: 'Microsoft-Windows-Security-Auditing', providerGuid: '{54849625-5478-4994-A5BA-3E3B0328C30D}'}
const EVENTLOG = {provider: 'Microsoft-Windows-Eventlog', providerGuid: '{fc65ddd8-d6ef-4962-83d5-6e5cfe9ce148}'}
const SCM = {provider: 'Service Control Manager', providerGuid: '{555908d1-a6d7-4695-8e1e-26931d2012f4}', eventSourceName: 'Service Control Manager'}
const LSM = {provider: 'Microsoft-Windows-TerminalServices-LocalSessionManager', providerGuid: '{5d896912-022d-40aa-a3a0-4a2c16d2b8cd}'}
const RCM = {provider: 'Microsoft-Windows-TerminalServices-RemoteConnectionManager', providerGuid: '{c76baa63-ae81-421c-b425-340b4b24157f}'}
const EVENTLOG_NS = 'http://manifests.microsoft.com/win/2004/08/windows/eventlog'

export const CHANNELS = {
  security: 'Security',
  system: 'System',
  application: 'Application',
  lsm: 'Microsoft-Windows-TerminalServices-LocalSessionManager/Operational',
  rcm: 'Microsoft-Windows-TerminalServices-RemoteConnectionManager/Operational',
  powershell: 'Windows PowerShell',
} as const

const AUDIT_SUCCESS = 0x8020000000000000n
const LSASS_PID = 652
const SERVICES_PID = 636

/** The acting principal of a Security event (Subject*). */
export interface Subject {
  sid: string
  name: string
  domain: string
  logonId: bigint
}

export const SYSTEM_SUBJECT: Subject = {sid: 'S-1-5-18', name: `${HOST.name}$`, domain: 'WORKGROUP', logonId: 0x3e7n}

export function userSubject(u: DemoUser, logonId: bigint): Subject {
  return {sid: sidOf(u), name: u.name, domain: HOST.name, logonId}
}

const subjectData = (s: Subject): Array<[string, EvtxValue]> => [
  ['SubjectUserSid', v.sid(s.sid)],
  ['SubjectUserName', v.str(s.name)],
  ['SubjectDomainName', v.str(s.domain)],
  ['SubjectLogonId', v.hex64(s.logonId)],
]

function security(at: string, eventId: number, task: number, version: number, threadId: number, data: Array<[string, EvtxValue]>): EvtxEventSpec {
  return {
    ...SECURITY,
    eventId,
    version,
    level: 0,
    task,
    keywords: AUDIT_SUCCESS,
    timeCreated: filetimeFromIso(at),
    processId: LSASS_PID,
    threadId,
    channel: CHANNELS.security,
    computer: HOST.fqdn,
    body: {kind: 'named', data},
  }
}

const LOGON_PROCESS: Record<number, [string, string, string]> = {
  2: ['User32 ', 'Negotiate', 'C:\\Windows\\System32\\svchost.exe'],
  5: ['Advapi  ', 'Negotiate', 'C:\\Windows\\System32\\services.exe'],
  10: ['User32 ', 'Negotiate', 'C:\\Windows\\System32\\svchost.exe'],
}

/** 4624 (version 2) An account was successfully logged on. */
export function logon(
  at: string,
  o: {target: Subject; logonType: 2 | 5 | 10; ip?: string; port?: number; workstation?: string; logonGuid?: string; threadId: number},
): EvtxEventSpec {
  const [proc, pkg, image] = LOGON_PROCESS[o.logonType]
  return security(at, 4624, 12544, 2, o.threadId, [
    ...subjectData(SYSTEM_SUBJECT),
    ['TargetUserSid', v.sid(o.target.sid)],
    ['TargetUserName', v.str(o.target.name)],
    ['TargetDomainName', v.str(o.target.domain)],
    ['TargetLogonId', v.hex64(o.target.logonId)],
    ['LogonType', v.u32(o.logonType)],
    ['LogonProcessName', v.str(proc)],
    ['AuthenticationPackageName', v.str(pkg)],
    ['WorkstationName', v.str(o.workstation ?? (o.logonType === 5 ? '-' : HOST.name))],
    ['LogonGuid', v.guid(o.logonGuid ?? '{00000000-0000-0000-0000-000000000000}')],
    ['TransmittedServices', v.str('-')],
    ['LmPackageName', v.str('-')],
    ['KeyLength', v.u32(0)],
    ['ProcessId', v.hex64(o.logonType === 5 ? BigInt(SERVICES_PID) : 0x2a4n)],
    ['ProcessName', v.str(image)],
    ['IpAddress', v.str(o.ip ?? '-')],
    ['IpPort', v.str(o.port === undefined ? '-' : String(o.port))],
    ['ImpersonationLevel', v.str('%%1833')],
    ['RestrictedAdminMode', v.str('-')],
    ['TargetOutboundUserName', v.str('-')],
    ['TargetOutboundDomainName', v.str('-')],
    ['VirtualAccount', v.str('%%1843')],
    ['TargetLinkedLogonId', v.hex64(0n)],
    ['ElevatedToken', v.str('%%1842')],
  ])
}

/** 4688 (version 2) A new process has been created (command-line auditing on). */
export function processCreated(
  at: string,
  o: {subject: Subject; pid: number; image: string; commandLine: string; parentPid: number; parentImage: string; threadId: number},
): EvtxEventSpec {
  return security(at, 4688, 13312, 2, o.threadId, [
    ...subjectData(o.subject),
    ['NewProcessId', v.hex64(BigInt(o.pid))],
    ['NewProcessName', v.str(o.image)],
    ['TokenElevationType', v.str('%%1936')],
    ['ProcessId', v.hex64(BigInt(o.parentPid))],
    ['CommandLine', v.str(o.commandLine)],
    ['TargetUserSid', v.sid('S-1-0-0')],
    ['TargetUserName', v.str('-')],
    ['TargetDomainName', v.str('-')],
    ['TargetLogonId', v.hex64(0n)],
    ['ParentProcessName', v.str(o.parentImage)],
    ['MandatoryLabel', v.sid('S-1-16-16384')],
  ])
}

/** 4720 A user account was created. */
export function accountCreated(at: string, o: {subject: Subject; user: DemoUser; threadId: number}): EvtxEventSpec {
  return security(at, 4720, 13824, 0, o.threadId, [
    ['TargetUserName', v.str(o.user.name)],
    ['TargetDomainName', v.str(HOST.name)],
    ['TargetSid', v.sid(sidOf(o.user))],
    ...subjectData(o.subject),
    ['PrivilegeList', v.str('-')],
    ['SamAccountName', v.str(o.user.name)],
    ['DisplayName', v.str('%%1793')],
    ['UserPrincipalName', v.str('-')],
    ['HomeDirectory', v.str('%%1793')],
    ['HomePath', v.str('%%1793')],
    ['ScriptPath', v.str('%%1793')],
    ['ProfilePath', v.str('%%1793')],
    ['UserWorkstations', v.str('%%1793')],
    ['PasswordLastSet', v.str('%%1794')],
    ['AccountExpires', v.str('%%1794')],
    ['PrimaryGroupId', v.str('513')],
    ['AllowedToDelegateTo', v.str('-')],
    ['OldUacValue', v.str('0x0')],
    ['NewUacValue', v.str('0x15')],
    ['UserAccountControl', v.str('\n\t\t%%2080\n\t\t%%2082\n\t\t%%2084')],
    ['UserParameters', v.str('%%1793')],
    ['SidHistory', v.str('-')],
    ['LogonHours', v.str('%%1797')],
  ])
}

/** Audit subcategories of the "Account Management" category (auditpol /list /subcategory:* /v). */
export const ACCOUNT_MANAGEMENT_SUBCATEGORIES = {
  userAccountManagement: {id: '%%13824', guid: '{0CCE9235-69AE-11D9-BED3-505054503030}'},
  securityGroupManagement: {id: '%%13826', guid: '{0CCE9237-69AE-11D9-BED3-505054503030}'},
} as const

/**
 * 4719 System audit policy was changed: one event per subcategory whose setting changed. `%%8278` is the
 * Account Management category; `%%8448` "Success removed".
 */
export function auditPolicyChanged(at: string, o: {subject: Subject; subcategory: {id: string; guid: string}; threadId: number}): EvtxEventSpec {
  return security(at, 4719, 13568, 0, o.threadId, [
    ...subjectData(o.subject),
    ['CategoryId', v.str('%%8278')],
    ['SubcategoryId', v.str(o.subcategory.id)],
    ['SubcategoryGuid', v.guid(o.subcategory.guid)],
    ['AuditPolicyChanges', v.str('%%8448')],
  ])
}

/** 4722 A user account was enabled. */
export function accountEnabled(at: string, o: {subject: Subject; user: DemoUser; threadId: number}): EvtxEventSpec {
  return security(at, 4722, 13824, 0, o.threadId, [
    ['TargetUserName', v.str(o.user.name)],
    ['TargetDomainName', v.str(HOST.name)],
    ['TargetSid', v.sid(sidOf(o.user))],
    ...subjectData(o.subject),
  ])
}

/** 4732 A member was added to a security-enabled local group (here: Administrators). */
export function addedToAdministrators(at: string, o: {subject: Subject; user: DemoUser; threadId: number}): EvtxEventSpec {
  return security(at, 4732, 13826, 0, o.threadId, [
    ['MemberName', v.str('-')],
    ['MemberSid', v.sid(sidOf(o.user))],
    ['TargetUserName', v.str('Administrators')],
    ['TargetDomainName', v.str('Builtin')],
    ['TargetSid', v.sid('S-1-5-32-544')],
    ...subjectData(o.subject),
    ['PrivilegeList', v.str('-')],
  ])
}

/** 4697 A service was installed in the system. */
export function serviceInstalledAudit(at: string, o: {subject: Subject; name: string; imagePath: string; threadId: number}): EvtxEventSpec {
  return security(at, 4697, 12289, 1, o.threadId, [
    ...subjectData(o.subject),
    ['ServiceName', v.str(o.name)],
    ['ServiceFileName', v.str(o.imagePath)],
    ['ServiceType', v.hex32(0x10)],
    ['ServiceStartType', v.u32(2)],
    ['ServiceAccount', v.str('LocalSystem')],
    ['ClientProcessStartKey', v.u64(0n)],
    ['ClientProcessId', v.u32(0)],
    ['ParentProcessId', v.u32(0)],
  ])
}

/** 1102 The audit log was cleared (UserData/LogFileCleared). */
export function securityLogCleared(at: string, o: {subject: Subject; threadId: number}): EvtxEventSpec {
  return {
    ...EVENTLOG,
    eventId: 1102,
    version: 0,
    level: 4,
    task: 104,
    opcode: 0,
    keywords: 0x4020000000000000n,
    timeCreated: filetimeFromIso(at),
    processId: 1208,
    threadId: o.threadId,
    channel: CHANNELS.security,
    computer: HOST.fqdn,
    body: {
      kind: 'user',
      element: 'LogFileCleared',
      xmlns: EVENTLOG_NS,
      fields: subjectData(o.subject),
    },
  }
}

/** 104 The <channel> log file was cleared (System; UserData/LogFileCleared). */
export function logCleared(at: string, o: {subject: Subject; channel: string; threadId: number}): EvtxEventSpec {
  return {
    ...EVENTLOG,
    eventId: 104,
    version: 0,
    level: 4,
    task: 104,
    opcode: 0,
    keywords: 0x8000000000000000n,
    timeCreated: filetimeFromIso(at),
    processId: 1208,
    threadId: o.threadId,
    channel: CHANNELS.system,
    computer: HOST.fqdn,
    userId: o.subject.sid,
    body: {
      kind: 'user',
      element: 'LogFileCleared',
      xmlns: EVENTLOG_NS,
      fields: [
        ['SubjectUserName', v.str(o.subject.name)],
        ['SubjectDomainName', v.str(o.subject.domain)],
        ['Channel', v.str(o.channel)],
        ['BackupPath', v.str('')],
      ],
    },
  }
}

function scm(at: string, eventId: number, threadId: number, data: Array<[string, EvtxValue]>, userId?: string, binary?: Uint8Array): EvtxEventSpec {
  return {
    ...SCM,
    eventId,
    qualifiers: 16384,
    version: 0,
    level: 4,
    task: 0,
    opcode: 0,
    keywords: 0x8080000000000000n,
    timeCreated: filetimeFromIso(at),
    processId: SERVICES_PID,
    threadId,
    channel: CHANNELS.system,
    computer: HOST.fqdn,
    userId,
    body: {kind: 'named', data, binary},
  }
}

/** 7045 A service was installed in the system. */
export function serviceInstalled(
  at: string,
  o: {name: string; imagePath: string; serviceType?: string; startType?: string; account?: string; installerSid: string; threadId: number},
): EvtxEventSpec {
  return scm(
    at,
    7045,
    o.threadId,
    [
      ['ServiceName', v.str(o.name)],
      ['ImagePath', v.str(o.imagePath)],
      ['ServiceType', v.str(o.serviceType ?? 'user mode service')],
      ['StartType', v.str(o.startType ?? 'auto start')],
      ['AccountName', v.str(o.account ?? 'LocalSystem')],
    ],
    o.installerSid,
  )
}

/** 7036 The <service> service entered the <state> state (Binary = service key name, UTF-16 + NUL). */
export function serviceState(at: string, o: {displayName: string; keyName: string; state: 'running' | 'stopped'; threadId: number}): EvtxEventSpec {
  return scm(
    at,
    7036,
    o.threadId,
    [
      ['param1', v.str(o.displayName)],
      ['param2', v.str(o.state)],
    ],
    undefined,
    Buffer.from(`${o.keyName}/${o.state === 'running' ? 4 : 1}\0`, 'utf16le'),
  )
}

/** Classic Application-log event as older ScreenConnect clients write it (provider = service name, id 0). */
export function screenConnectApp(at: string, o: {thumbprint: string; message: string; version: string; threadId: number}): EvtxEventSpec {
  const source = `ScreenConnect Client (${o.thumbprint})`
  const text = `${o.message}\n\nVersion: ${o.version}\nExecutable Path: C:\\Program Files (x86)\\${source}\\ScreenConnect.ClientService.exe\n`
  return {
    provider: source,
    eventSourceName: source,
    eventId: 0,
    qualifiers: 0,
    version: 0,
    level: 4,
    task: 0,
    opcode: 0,
    keywords: 0x80000000000000n,
    timeCreated: filetimeFromIso(at),
    processId: 0,
    threadId: 0,
    channel: CHANNELS.application,
    computer: HOST.fqdn,
    body: {kind: 'unnamed', data: [text]},
  }
}

/** Application 16384 from Software Protection (daily routine noise). */
export function sppRestartScheduled(at: string, restartAt: string): EvtxEventSpec {
  return {
    provider: 'Microsoft-Windows-Security-SPP',
    providerGuid: '{E23B33B0-C8C9-472C-A5F9-F2BDFEA0F156}',
    eventSourceName: 'Software Protection Platform Service',
    eventId: 16384,
    qualifiers: 16384,
    version: 0,
    level: 4,
    task: 0,
    opcode: 0,
    keywords: 0x80000000000000n,
    timeCreated: filetimeFromIso(at),
    processId: 0,
    threadId: 0,
    channel: CHANNELS.application,
    computer: HOST.fqdn,
    body: {kind: 'unnamed', data: [restartAt, 'RulesEngine']},
  }
}

function terminalServices(
  base: {provider: string; providerGuid: string},
  channel: string,
  at: string,
  eventId: number,
  fields: Array<[string, EvtxValue]>,
  o: {userId: string; keywords: bigint; task: number; threadId: number; processId: number},
): EvtxEventSpec {
  return {
    ...base,
    eventId,
    version: 0,
    level: 4,
    task: o.task,
    opcode: 0,
    keywords: o.keywords,
    timeCreated: filetimeFromIso(at),
    processId: o.processId,
    threadId: o.threadId,
    channel,
    computer: HOST.fqdn,
    userId: o.userId,
    body: {kind: 'user', element: 'EventXML', xmlns: 'Event_NS', fields},
  }
}

/** LSM 21 logon / 24 disconnected / 25 reconnected. */
export function rdpSession(at: string, o: {eventId: 21 | 24 | 25; user: string; sessionId: number; address: string; threadId: number}): EvtxEventSpec {
  return terminalServices(
    LSM,
    CHANNELS.lsm,
    at,
    o.eventId,
    [
      ['User', v.str(o.user)],
      ['SessionID', v.u32(o.sessionId)],
      ['Address', v.str(o.address)],
    ],
    {userId: 'S-1-5-18', keywords: 0x1000000000000000n, task: 0, threadId: o.threadId, processId: 1012},
  )
}

/** RCM 1149 Remote Desktop Services: User authentication succeeded. */
export function rdpAuth(at: string, o: {user: string; domain: string; address: string; threadId: number}): EvtxEventSpec {
  return terminalServices(
    RCM,
    CHANNELS.rcm,
    at,
    1149,
    [
      ['Param1', v.str(o.user)],
      ['Param2', v.str(o.domain)],
      ['Param3', v.str(o.address)],
    ],
    {userId: 'S-1-5-20', keywords: 0x4000000000000000n, task: 0, threadId: o.threadId, processId: 1216},
  )
}

