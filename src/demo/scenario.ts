/**
 * The demo host's story: a pharmacy's Windows Server 2019 reached through its supply-chain vendor's
 * self-hosted ScreenConnect instance (the sector alert of Nov 2023, ARTEFACTS.md §1). Every name, address
 * and time the generator writes comes from here, so tests and the README can cite them.
 *
 * Addresses are from the documentation ranges (RFC 5737 TEST-NET-2/3, 192.0.2.0/24): a demo must not accuse
 * a real address. The vendor relay name is the public IOC from the alert.
 */

export const HOST = {
  name: 'RXSRV01',
  fqdn: 'RXSRV01.northwind-rx.local',
  /** Local time zone of the host (HostToAddressMap times are written in it). */
  timeZone: 'America/Chicago',
  machineSid: 'S-1-5-21-3623811015-3361044348-30300820',
  /** The pharmacy's own public address (AnyDesk's "External address"). */
  publicAddress: '192.0.2.18',
  lanClient: '10.20.30.15',
} as const

export interface DemoUser {
  name: string
  rid: number
  /** Has a profile folder under Users/. */
  profile: boolean
}

export const USERS = {
  administrator: {name: 'Administrator', rid: 500, profile: true},
  jmiller: {name: 'jmiller', rid: 1001, profile: true},
  kwilson: {name: 'kwilson', rid: 1002, profile: true},
  /** Decoy: created legitimately by jmiller weeks before the intrusion. */
  admKwilson: {name: 'adm_kwilson', rid: 1003, profile: true},
  /** Created by the actor and added to Administrators. */
  actor: {name: 'itsupport', rid: 1004, profile: true},
  /**
   * Second account of the actor, created from the AnyDesk session after account-management auditing was
   * switched off (auditpol): no 4720/4722/4732 in the Security log — known only from the SAM hive. Hidden
   * from the logon screen (Winlogon\SpecialAccounts\UserList) and never used to log on.
   */
  samOnly: {name: 'svc_helpdesk', rid: 1005, profile: false},
} as const satisfies Record<string, DemoUser>

export const sidOf = (u: DemoUser): string => `${HOST.machineSid}-${u.rid}`

/** Vendor ScreenConnect instance: old, unmanaged (version from 2019), relay named in the alert. */
export const VENDOR_SC = {
  thumbprint: 'f1a2c3d4e5b60718',
  relayHost: 'rs.tdsclinical.com',
  relayAddress: '192.0.2.41',
  relayPort: 8041,
  version: '19.2.24707.7131',
  sessionGuid: '5a8e3c61-0b7d-4f2e-9c14-7d2a6b9e3f05',
  /** Operator names seen in the Application log. */
  routineOperator: 'TDS Support',
  actorOperator: 'rxsupport',
} as const

/** Second ScreenConnect instance installed by the actor through the AnyDesk session. */
export const ROGUE_SC = {
  thumbprint: '9c4e7a1b3d5f6082',
  relayHost: 'sc.helpdesk-relay.net',
  relayAddress: '203.0.113.45',
  relayPort: 8041,
  version: '23.8.4.8708',
  sessionGuid: 'c3f9a2d7-5e61-4b08-8a3c-1f6e9d2b7a40',
} as const

export const ANYDESK = {
  localId: '1184026771',
  remoteId: '793412605',
  remoteAlias: 'itsupport',
  remoteFingerprint: '5be1c2a9d0e4',
  remoteAddress: '198.51.100.77',
  remotePort: 51234,
  relay: '3c8a1f2e',
  version: '7.1.16',
  imagePath: '"C:\\Program Files (x86)\\AnyDesk\\AnyDesk.exe" --service',
} as const

export const PAYLOAD = {
  fileName: 'text.xml',
  /** Where ScreenConnect drops pushed files for the logged-on user. */
  dir: 'C:\\Users\\jmiller\\Documents\\ConnectWiseControl\\Temp',
  msbuild: 'C:\\Windows\\Microsoft.NET\\Framework64\\v4.0.30319\\MSBuild.exe',
} as const

/** Key moments of the intrusion (UTC, ISO with 7 fractional digits where Windows would have them). */
export const T = {
  /** First day of the retained Security log: maintenance clear by jmiller (benign 1102). */
  securityLogStart: '2023-10-02T14:03:11.4418207Z',
  decoyLogon: '2023-10-11T19:40:02.1180443Z',
  decoyAccountCreated: '2023-10-11T20:02:37.5521906Z',
  scConnected: '2023-11-02T02:14:07.2209115Z',
  scTransferPayload: '2023-11-02T02:15:31.0812240Z',
  scRunPayload: '2023-11-02T02:16:02.6650187Z',
  scTransferAnyDesk: '2023-11-02T02:21:40.3307712Z',
  scRunAnyDesk: '2023-11-02T02:22:09.9144263Z',
  anydeskServiceInstalled: '2023-11-02T02:22:14.5087731Z',
  scRunAccount: '2023-11-02T02:24:48.0039952Z',
  accountCreated: '2023-11-02T02:24:50.7721344Z',
  scDisconnected: '2023-11-02T02:31:02.4471090Z',
  anydeskIncoming: '2023-11-02T03:05:12.3310000Z',
  actorLogon: '2023-11-02T03:06:40.2219583Z',
  rogueScInstalled: '2023-11-02T03:25:48.9902114Z',
  /** `auditpol /set /category:"Account Management" /success:disable /failure:disable` from the AnyDesk session. */
  auditPolicyDisabled: '2023-11-02T03:32:58.4410982Z',
  /** svc_helpdesk created in lusrmgr.msc (SAM: Names\svc_helpdesk key time), then added to Administrators. */
  samOnlyAccountCreated: '2023-11-02T03:34:27.1187435Z',
  samOnlyAddedToAdministrators: '2023-11-02T03:34:51.5521093Z',
  /** svc_helpdesk hidden from the logon screen with regedit (SOFTWARE ...\SpecialAccounts\UserList). */
  samOnlyHidden: '2023-11-02T03:36:02.3107745Z',
  rogueScConnected: '2023-11-02T03:41:05.1178822Z',
  rogueScDisconnected: '2023-11-02T03:44:51.7730016Z',
  anydeskSessionEnd: '2023-11-02T03:48:22.0140000Z',
  logsCleared: '2023-11-02T03:51:09.3381520Z',
  /** Day the responder images the host; the logs end here. */
  collection: '2023-11-08T16:00:00.0000000Z',
} as const

/** Routine vendor sessions (nothing suspicious): [connected, disconnected]. */
export const ROUTINE_VENDOR_SESSIONS: ReadonlyArray<readonly [string, string]> = [
  ['2023-10-04T15:12:44.1029301Z', '2023-10-04T15:31:09.8812240Z'],
  ['2023-10-17T14:03:18.5530117Z', '2023-10-17T14:19:52.0047731Z'],
  ['2023-10-24T16:45:02.7761823Z', '2023-10-24T17:02:37.3390016Z'],
]

export const NOISE_START = '2023-10-02T00:00:00Z'

/** Commands the actor queued through the vendor instance; each becomes `<guid>run.cmd` and an Application-log line. */
export interface RunCommand {
  guid: string
  at: string
  text: string
}

const SC_TEMP = `C:\\Windows\\Temp\\ScreenConnect\\${VENDOR_SC.version}`

export const RUN_COMMANDS: readonly RunCommand[] = [
  {
    guid: '0d7c3b8e-2f41-4a6d-b1c9-5e8a7f30d214',
    at: T.scRunPayload,
    text: `${PAYLOAD.msbuild} ${PAYLOAD.dir}\\${PAYLOAD.fileName}`,
  },
  {
    guid: '6a1f9e42-7c3d-48b5-9e07-c2d4b6a8f913',
    at: T.scRunAnyDesk,
    text:
      `"${PAYLOAD.dir}\\AnyDesk.exe" --install "C:\\Program Files (x86)\\AnyDesk" --start-with-win --silent\r\n` +
      `echo DemoOnly-Pa55 | "C:\\Program Files (x86)\\AnyDesk\\AnyDesk.exe" --set-password`,
  },
  {
    guid: 'b84e2d17-9a05-4c6f-a3e8-71d9c5b20f6e',
    at: T.scRunAccount,
    text: `net user ${USERS.actor.name} DemoOnly-Pa55 /add\r\nnet localgroup administrators ${USERS.actor.name} /add`,
  },
]

export const runCmdPath = (c: RunCommand): string => `${SC_TEMP}\\${c.guid}run.cmd`
export const scInstallDir = (thumbprint: string): string => `C:\\Program Files (x86)\\ScreenConnect Client (${thumbprint})`
