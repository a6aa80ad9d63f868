import {filetimeFromIso, v, type EvtxEventSpec} from '../../../src/writers/evtx/index.js'

/** Sample events shared by the writer tests: every value type, classic Data, UserData, a manifest event. */

// 100-ns precision must survive the round trip.
export const T0 = filetimeFromIso('2023-11-01T12:00:00.1234567Z')
export const SEC = 10_000_000n
export const SECURITY_GUID = '{54849625-5478-4994-A5BA-3E3B0328C30D}'

export function security4720(i: number): EvtxEventSpec {
  return {
    provider: 'Microsoft-Windows-Security-Auditing',
    providerGuid: SECURITY_GUID,
    eventId: 4720,
    task: 13824,
    level: 0,
    keywords: 0x8020000000000000n,
    timeCreated: T0 + BigInt(i) * SEC,
    processId: 644,
    threadId: 1200 + i,
    channel: 'Security',
    computer: 'PHARM-SRV01.corp.local',
    body: {
      kind: 'named',
      data: [
        ['TargetUserName', v.str(`user${i}`)],
        ['TargetDomainName', v.str('PHARM-SRV01')],
        ['TargetSid', v.sid(`S-1-5-21-3623811015-3361044348-30300820-${1000 + i}`)],
        ['SubjectLogonId', v.hex64(0x3e7n)],
        ['UserAccountControl', v.str('%%2080')],
        ['PrivilegeList', v.str('-')],
      ],
    },
  }
}

export const allTypes: EvtxEventSpec = {
  provider: 'Ratchet-Test',
  providerGuid: '{0f0e0d0c-0b0a-0908-0706-050403020100}',
  eventId: 9,
  qualifiers: 16384,
  version: 2,
  level: 3,
  task: 5,
  opcode: 1,
  keywords: 0x4000000000000001n,
  timeCreated: T0,
  activityId: '{A1B2C3D4-E5F6-4711-8899-AABBCCDDEEFF}',
  processId: 4,
  threadId: 8,
  channel: 'Application',
  computer: 'PHARM-SRV01.corp.local',
  userId: 'S-1-5-18',
  body: {
    kind: 'named',
    data: [
      ['Str', v.str('a<b & "c"')],
      ['U8', v.u8(200)],
      ['U16', v.u16(65000)],
      ['U32', v.u32(4000000000)],
      ['U64', v.u64(18000000000000000000n)],
      ['I32', v.i32(123456)],
      ['H32', v.hex32(0x1f)],
      ['H64', v.hex64(0xdeadbeefn)],
      ['FT', v.filetime(T0)],
      ['ST', v.systemtime(new Date(Date.UTC(2023, 10, 1, 12, 0, 0, 250)))],
      ['Sid', v.sid('S-1-5-32-544')],
      ['Guid', v.guid('{12345678-9ABC-DEF0-1234-56789ABCDEF0}')],
      ['Bool', v.bool(true)],
      ['Bin', v.binary(Uint8Array.from([0x00, 0x7f, 0xff]))],
    ],
  },
}

export const classic: EvtxEventSpec = {
  provider: 'ScreenConnect Client (3a8b4c5d6e7f8091)',
  eventSourceName: 'ScreenConnect Client (3a8b4c5d6e7f8091)',
  eventId: 0,
  qualifiers: 0,
  keywords: 0x80000000000000n,
  timeCreated: T0 + 5n * SEC,
  channel: 'Application',
  computer: 'PHARM-SRV01.corp.local',
  body: {kind: 'unnamed', data: ["Transferred files with action 'Transfer':\ntext.xml\n\nVersion: 19.2.24707.7131\n"], binary: Uint8Array.from([1, 2])},
}

export const cleared: EvtxEventSpec = {
  provider: 'Microsoft-Windows-Eventlog',
  providerGuid: '{fc65ddd8-d6ef-4962-83d5-6e5cfe9ce148}',
  eventId: 1102,
  task: 104,
  level: 4,
  keywords: 0x4020000000000000n,
  timeCreated: T0 + 9n * SEC,
  processId: 1100,
  threadId: 3000,
  channel: 'Security',
  computer: 'PHARM-SRV01.corp.local',
  body: {
    kind: 'user',
    element: 'LogFileCleared',
    xmlns: 'http://manifests.microsoft.com/win/2004/08/windows/eventlog',
    fields: [
      ['SubjectUserSid', v.sid('S-1-5-21-3623811015-3361044348-30300820-1013')],
      ['SubjectUserName', v.str('svc_update')],
      ['SubjectDomainName', v.str('PHARM-SRV01')],
      ['SubjectLogonId', v.hex64(0x5a3f1n)],
    ],
  },
}
