import {mapEvtxRecord} from '../../src/events/mappers/windows.js'
import type {NormalizedEvent} from '../../src/events/types.js'
import {parseEvtxBuffer} from '../../src/parsers/evtx/index.js'
import {EvtxWriter, filetimeFromIso, v, type EvtxEventSpec, type EvtxValue} from '../../src/writers/evtx/index.js'
import {writeCase} from './case-builder.js'

/**
 * Windows event logs for detection tests, written with ratchet's EVTX writer and read back through the EVTX
 * parser and the Windows mapper, as `analyze` would: the providers, channels and field names are Windows'
 * own (Security, System, TerminalServices LocalSessionManager / RemoteConnectionManager).
 */

export const PC = 'DESKTOP-7K2QH1M'
const SECURITY = {provider: 'Microsoft-Windows-Security-Auditing', providerGuid: '{54849625-5478-4994-A5BA-3E3B0328C30D}', channel: 'Security'}
const LSM = {provider: 'Microsoft-Windows-TerminalServices-LocalSessionManager', providerGuid: '{5d896912-022d-40aa-a3a0-4a2c16d2b8cd}', channel: 'Microsoft-Windows-TerminalServices-LocalSessionManager/Operational'}
const RCM = {provider: 'Microsoft-Windows-TerminalServices-RemoteConnectionManager', providerGuid: '{c76baa63-ae81-421c-b425-340b4b24157f}', channel: 'Microsoft-Windows-TerminalServices-RemoteConnectionManager/Operational'}
const KERNEL = {provider: 'Microsoft-Windows-Kernel-General', providerGuid: '{a68ca8b7-004f-d7b6-a698-07e2de0f1f5d}', channel: 'System'}

export interface Principal {
  sid: string
  name: string
  domain: string
}
export const SYSTEM: Principal = {sid: 'S-1-5-18', name: `${PC}$`, domain: 'WORKGROUP'}

const subject = (s: Principal): [string, EvtxValue][] => [
  ['SubjectUserSid', v.sid(s.sid)],
  ['SubjectUserName', v.str(s.name)],
  ['SubjectDomainName', v.str(s.domain)],
  ['SubjectLogonId', v.hex64(0x3e7n)],
]

function named(base: {provider: string; providerGuid?: string; channel: string; eventSourceName?: string}, at: string, eventId: number, data: [string, EvtxValue][], computer = PC): EvtxEventSpec {
  return {...base, eventId, version: 0, level: 4, task: 0, keywords: 0x8020000000000000n, timeCreated: filetimeFromIso(at), processId: 652, threadId: 700, computer, body: {kind: 'named', data}}
}

function lsmUser(at: string, eventId: number, fields: [string, EvtxValue][], computer: string): EvtxEventSpec {
  return {...LSM, eventId, version: 0, level: 4, task: 0, keywords: 0x1000000000000000n, timeCreated: filetimeFromIso(at), processId: 1012, threadId: 1100, computer, userId: 'S-1-5-18', body: {kind: 'user', element: 'EventXML', xmlns: 'Event_NS', fields}}
}

/** LocalSessionManager 21 logon / 22 shell start / 24 disconnected / 25 reconnected (`LOCAL` = the console); 23 logoff. */
export function lsm(at: string, eventId: 21 | 22 | 23 | 24 | 25, o: {user: string; session: number; address?: string}, computer = PC): EvtxEventSpec {
  const fields: [string, EvtxValue][] = [
    ['User', v.str(o.user)],
    ['SessionID', v.u32(o.session)],
  ]
  if (eventId !== 23) fields.push(['Address', v.str(o.address ?? 'LOCAL')])
  return lsmUser(at, eventId, fields, computer)
}

/** RemoteConnectionManager 1149: user authentication succeeded (RDP). */
export function rdpAuth(at: string, o: {user: string; domain: string; address: string}, computer = PC): EvtxEventSpec {
  return {...RCM, eventId: 1149, version: 0, level: 4, task: 0, keywords: 0x4000000000000000n, timeCreated: filetimeFromIso(at), processId: 1216, threadId: 1300, computer, userId: 'S-1-5-20', body: {kind: 'user', element: 'EventXML', xmlns: 'Event_NS', fields: [['Param1', v.str(o.user)], ['Param2', v.str(o.domain)], ['Param3', v.str(o.address)]]}}
}

/** 4624 / 4625 with a logon type and source address (`-` when none). */
export function logon(at: string, o: {target: Principal; type: number; ip?: string; failed?: boolean}, computer = PC): EvtxEventSpec {
  return named(SECURITY, at, o.failed ? 4625 : 4624, [
    ...subject(SYSTEM),
    ['TargetUserSid', v.sid(o.target.sid)],
    ['TargetUserName', v.str(o.target.name)],
    ['TargetDomainName', v.str(o.target.domain)],
    ['LogonType', v.u32(o.type)],
    ['LogonProcessName', v.str('User32 ')],
    ['AuthenticationPackageName', v.str('Negotiate')],
    ['WorkstationName', v.str(computer)],
    ['IpAddress', v.str(o.ip ?? '-')],
    ['IpPort', v.str(o.ip ? '50123' : '-')],
  ], computer)
}

/** 4720 user / 4741 computer account created (UserAccountControl as Windows writes it). */
export function accountCreated(at: string, o: {by: Principal; account: Principal; computer?: boolean}, computer = PC): EvtxEventSpec {
  return named(SECURITY, at, o.computer ? 4741 : 4720, [
    ...subject(o.by),
    ['TargetUserName', v.str(o.account.name)],
    ['TargetDomainName', v.str(o.account.domain)],
    ['TargetSid', v.sid(o.account.sid)],
    ['SamAccountName', v.str(o.account.name)],
    ['OldUacValue', v.str('0x0')],
    ['NewUacValue', v.str(o.computer ? '0x80' : '0x15')],
    ['UserAccountControl', v.str(o.computer ? '\r\n\t\t%%2087' : '\r\n\t\t%%2080\r\n\t\t%%2082\r\n\t\t%%2084')],
  ], computer)
}

/** 4722 account enabled. */
export function accountEnabled(at: string, o: {by: Principal; account: Principal}, computer = PC): EvtxEventSpec {
  return named(SECURITY, at, 4722, [...subject(o.by), ['TargetUserName', v.str(o.account.name)], ['TargetDomainName', v.str(o.account.domain)], ['TargetSid', v.sid(o.account.sid)]], computer)
}

/** 4732 member added to a local group (MemberName `-` for a local account or a domain group added by SID). */
export function addedToGroup(at: string, o: {by: Principal; memberSid: string; group: {sid: string; name: string}}, computer = PC): EvtxEventSpec {
  return named(SECURITY, at, 4732, [
    ...subject(o.by),
    ['MemberName', v.str('-')],
    ['MemberSid', v.sid(o.memberSid)],
    ['TargetUserName', v.str(o.group.name)],
    ['TargetDomainName', v.str('Builtin')],
    ['TargetSid', v.sid(o.group.sid)],
  ], computer)
}

/** A boot: EventLog 6009 (version) and 6005 (log service started), then Kernel-General 12 (OS started). */
export function boot(at: string, computer = PC): EvtxEventSpec[] {
  const classic = {provider: 'EventLog', eventSourceName: 'EventLog', channel: 'System'}
  return [
    {...classic, eventId: 6009, qualifiers: 32768, version: 0, level: 4, task: 0, keywords: 0x80000000000000n, timeCreated: filetimeFromIso(at), processId: 0, threadId: 0, computer, body: {kind: 'unnamed', data: ['10.00.', '19045', 'Multiprocessor Free', '0']}},
    {...classic, eventId: 6005, qualifiers: 32768, version: 0, level: 4, task: 0, keywords: 0x80000000000000n, timeCreated: filetimeFromIso(at), processId: 0, threadId: 0, computer, body: {kind: 'unnamed', data: []}},
    named(KERNEL, at, 12, [['MajorVersion', v.u32(10)], ['MinorVersion', v.u32(0)], ['BuildVersion', v.u32(19045)]], computer),
  ]
}

/** Writes each channel's records to an EVTX file, reads them back as analyze does, and writes a case folder. */
export function caseFromLogs(specs: EvtxEventSpec[]): {dir: string; events: NormalizedEvent[]} {
  const events: NormalizedEvent[] = []
  const byChannel = new Map<string, EvtxEventSpec[]>()
  for (const s of specs) byChannel.set(s.channel, [...(byChannel.get(s.channel) ?? []), s])
  for (const [channel, list] of byChannel) {
    const w = new EvtxWriter()
    for (const s of list.slice().sort((a, b) => (a.timeCreated < b.timeCreated ? -1 : a.timeCreated > b.timeCreated ? 1 : 0))) w.add(s)
    const {records, diagnostics} = parseEvtxBuffer(new Uint8Array(w.toBuffer()))
    if (diagnostics.length > 0) throw new Error(`EVTX writer output has diagnostics: ${JSON.stringify(diagnostics)}`)
    const ctx = {member: `files/C/Windows/System32/winevt/Logs/${channel.replace(/\//g, '%4')}.evtx`, sha256: 'ab'.repeat(32), artefact: 'windows.eventlogs.all'}
    for (const rec of records) events.push(...mapEvtxRecord(ctx, rec))
  }
  return {dir: writeCase(events), events}
}

/** System 7045: a service was installed (Service Control Manager, classic source). */
export function serviceInstalled(at: string, o: {name: string; imagePath: string; startType?: string}, computer = PC): EvtxEventSpec {
  return {
    provider: 'Service Control Manager',
    providerGuid: '{555908d1-a6d7-4695-8e1e-26931d2012f4}',
    eventSourceName: 'Service Control Manager',
    channel: 'System',
    eventId: 7045,
    qualifiers: 16384,
    version: 0,
    level: 4,
    task: 0,
    keywords: 0x8080000000000000n,
    timeCreated: filetimeFromIso(at),
    processId: 636,
    threadId: 900,
    computer,
    userId: 'S-1-5-21-3623811015-3361044348-30300820-500',
    body: {
      kind: 'named',
      data: [
        ['ServiceName', v.str(o.name)],
        ['ImagePath', v.str(o.imagePath)],
        ['ServiceType', v.str('user mode service')],
        ['StartType', v.str(o.startType ?? 'demand start')],
        ['AccountName', v.str('LocalSystem')],
      ],
    },
  }
}
