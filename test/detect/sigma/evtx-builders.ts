import {EvtxWriter, filetimeFromIso, v, type EvtxEventSpec, type EvtxValue} from '../../../src/writers/evtx/index.js'

/**
 * Small EVTX builders for the Sigma tests: Security and System events with the providers and field names
 * Windows writes (Microsoft's event documentation), written by ratchet's own EVTX writer.
 */

const SECURITY = {provider: 'Microsoft-Windows-Security-Auditing', providerGuid: '{54849625-5478-4994-A5BA-3E3B0328C30D}', channel: 'Security'}
const SCM = {provider: 'Service Control Manager', providerGuid: '{555908d1-a6d7-4695-8e1e-26931d2012f4}', eventSourceName: 'Service Control Manager', channel: 'System'}
const EVENTLOG = {provider: 'Microsoft-Windows-Eventlog', providerGuid: '{fc65ddd8-d6ef-4962-83d5-6e5cfe9ce148}'}
const EVENTLOG_NS = 'http://manifests.microsoft.com/win/2004/08/windows/eventlog'
const COMPUTER = 'DC01.corp.example'

type Data = Record<string, string>
const named = (d: Data): Array<[string, EvtxValue]> => Object.entries(d).map(([k, x]) => [k, v.str(x)])

export function security(at: string, eventId: number, data: Data): EvtxEventSpec {
  return {...SECURITY, eventId, version: 0, level: 0, task: 12544, keywords: 0x8020000000000000n, timeCreated: filetimeFromIso(at), processId: 652, threadId: 700, computer: COMPUTER, body: {kind: 'named', data: named(data)}}
}

export function system7045(at: string, d: {name: string; imagePath: string; startType?: string}): EvtxEventSpec {
  return {
    ...SCM, eventId: 7045, qualifiers: 16384, version: 0, level: 4, keywords: 0x8080000000000000n, timeCreated: filetimeFromIso(at), processId: 636, threadId: 640, computer: COMPUTER, userId: 'S-1-5-21-1-2-3-500',
    body: {kind: 'named', data: named({ServiceName: d.name, ImagePath: d.imagePath, ServiceType: 'user mode service', StartType: d.startType ?? 'auto start', AccountName: 'LocalSystem'})},
  }
}

export function audit4697(at: string, d: {name: string; file: string; startType?: number}): EvtxEventSpec {
  return {
    ...security(at, 4697, {}),
    body: {
      kind: 'named',
      data: [
        ['SubjectUserSid', v.sid('S-1-5-21-1-2-3-500')], ['SubjectUserName', v.str('Administrator')], ['SubjectDomainName', v.str('CORP')], ['SubjectLogonId', v.hex64(0x3e7n)],
        ['ServiceName', v.str(d.name)], ['ServiceFileName', v.str(d.file)], ['ServiceType', v.hex32(0x10)], ['ServiceStartType', v.u32(d.startType ?? 2)], ['ServiceAccount', v.str('LocalSystem')],
      ],
    },
  }
}

export function cleared(at: string, which: 'security' | 'system', provider = EVENTLOG.provider): EvtxEventSpec {
  return {
    ...EVENTLOG, provider, eventId: which === 'security' ? 1102 : 104, version: 0, level: 4, task: 104, keywords: 0x4020000000000000n, timeCreated: filetimeFromIso(at), processId: 1208, threadId: 1300,
    channel: which === 'security' ? 'Security' : 'System', computer: COMPUTER,
    body: {kind: 'user', element: 'LogFileCleared', xmlns: EVENTLOG_NS, fields: [['SubjectUserName', v.str('Administrator')], ['SubjectDomainName', v.str('CORP')]]},
  }
}

/** 4625 An account failed to log on. */
export function failedLogon(at: string, d: {user: string; ip: string; workstation?: string; logonType?: string}): EvtxEventSpec {
  return security(at, 4625, {
    SubjectUserSid: 'S-1-0-0', SubjectUserName: '-', SubjectDomainName: '-', SubjectLogonId: '0x0', TargetUserSid: 'S-1-0-0', TargetUserName: d.user, TargetDomainName: 'CORP',
    Status: '0xc000006d', FailureReason: '%%2313', SubStatus: '0xc000006a', LogonType: d.logonType ?? '3', LogonProcessName: 'NtLmSsp ', AuthenticationPackageName: 'NTLM',
    WorkstationName: d.workstation ?? '-', IpAddress: d.ip, IpPort: '0',
  })
}

/** 4624 An account was successfully logged on. */
export function logon(at: string, d: {user: string; ip: string; workstation?: string; logonType: string}): EvtxEventSpec {
  return security(at, 4624, {
    SubjectUserSid: 'S-1-0-0', SubjectUserName: '-', TargetUserSid: 'S-1-5-21-1-2-3-500', TargetUserName: d.user, TargetDomainName: 'CORP', TargetLogonId: '0x1234', LogonType: d.logonType,
    LogonProcessName: 'User32 ', AuthenticationPackageName: 'Negotiate', WorkstationName: d.workstation ?? '-', IpAddress: d.ip, IpPort: '0',
  })
}

export function evtxOf(specs: EvtxEventSpec[]): Buffer {
  const w = new EvtxWriter()
  for (const s of specs) w.add(s)
  return w.toBuffer()
}

/** ISO time `seconds` after a base instant. */
export const at = (seconds: number): string => new Date(Date.UTC(2026, 2, 14, 2, 0, 0) + seconds * 1000).toISOString()
