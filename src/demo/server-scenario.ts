import {HOST, PAYLOAD, RUN_COMMANDS, T, VENDOR_SC} from './scenario.js'

/**
 * The vendor side of the demo: the self-hosted ScreenConnect server (`rs.tdsclinical.com`) that serves ~40
 * pharmacies. Routine maintenance by the vendor's technicians from the vendor office, then an intruder who
 * guessed the `rxsupport` web login and used it to reach a handful of pharmacies — RXSRV01, the demo host,
 * among them (same session GUID and command texts as the client demo, so the two cases join).
 * Addresses are documentation ranges (RFC 5737).
 */

export const SERVER = {
  name: 'TDS-SC01',
  root: 'Program Files (x86)/ScreenConnect',
  /** The vendor office: where both technician accounts always work from. */
  officeAddress: '192.0.2.10',
  officeAddress2: '192.0.2.11',
  /** The intruder's address (also in iocs.txt). */
  intruderAddress: '198.51.100.77',
  /** A second intruder address that is in no indicator list: caught only as "new address for this account". */
  intruderAddress2: '203.0.113.99',
  routineOperator: VENDOR_SC.routineOperator,
  abusedOperator: VENDOR_SC.actorOperator,
  /** Routine work happens 13:00–22:59 UTC (08:00–17:59 US Central). */
  workHours: [13, 22] as const,
  baselineStart: '2023-10-02T00:00:00.0000000Z',
  end: '2023-11-08T16:00:00.0000000Z',
  /** Rows from this time on are written only to Session.db-wal (not yet checkpointed). */
  walFrom: '2023-11-01T00:00:00.0000000Z',
} as const

export const CITIES = [
  'Abilene', 'Akron', 'Albany', 'Amarillo', 'Athens', 'Augusta', 'Bangor', 'Billings', 'Boise', 'Bozeman', 'Casper', 'Cheyenne',
  'Dayton', 'Dover', 'Duluth', 'Eugene', 'Fargo', 'Flagstaff', 'Helena', 'Joplin', 'Juneau', 'Laramie', 'Lubbock', 'Macon',
  'Mobile', 'Moab', 'Nampa', 'Ogden', 'Peoria', 'Pueblo', 'Reno', 'Salem', 'Tulsa', 'Topeka', 'Tucson', 'Utica', 'Waco', 'Yuma', 'Provo',
] as const
export const STATES = ['TX', 'OH', 'NY', 'TX', 'GA', 'GA', 'ME', 'MT', 'ID', 'MT', 'WY', 'WY', 'OH', 'DE', 'MN', 'OR', 'ND', 'AZ', 'MT', 'MO', 'AK', 'WY', 'TX', 'GA', 'AL', 'UT', 'ID', 'UT', 'IL', 'CO', 'NV', 'OR', 'OK', 'KS', 'AZ', 'NY', 'TX', 'AZ', 'UT'] as const

/** The demo host's own pharmacy (client demo RXSRV01). */
export const NORTHWIND = {machine: HOST.name, domain: 'NORTHWIND-RX', customer: 'Northwind Rx', state: 'IL', sessionGuid: VENDOR_SC.sessionGuid} as const

export interface IntruderStep {
  at: string
  kind: 'command' | 'output' | 'file'
  text: string
  /** RanFiles 85 / SentFiles 86 for files. */
  fileType?: 85 | 86
  hidden?: boolean
}

export interface IntruderVisit {
  /** Index into CITIES, or -1 for Northwind (the client demo host). */
  city: number
  connect: string
  disconnect: string
  address: string
  steps: IntruderStep[]
}

const DEMO_PW = 'DemoOnly-Pa55'

export const BRUTE_FORCE = {
  failures: ['2023-10-28T01:41:12.0000000Z', '2023-10-28T01:41:40.0000000Z', '2023-10-28T01:42:05.0000000Z', '2023-10-28T01:42:31.0000000Z', '2023-10-28T01:43:02.0000000Z'],
  success: '2023-10-28T01:44:18.0000000Z',
} as const

const ran = (c: (typeof RUN_COMMANDS)[number]): string => c.text.replace(/\r\n/g, '\n')

export const INTRUDER_VISITS: IntruderVisit[] = [
  {
    city: 12, // Dayton
    connect: '2023-10-28T02:03:11.0000000Z',
    disconnect: '2023-10-28T02:19:40.0000000Z',
    address: SERVER.intruderAddress,
    steps: [
      {at: '2023-10-28T02:04:02.0000000Z', kind: 'command', text: 'whoami /all'},
      {at: '2023-10-28T02:04:05.0000000Z', kind: 'output', text: 'USER INFORMATION\n----------------\nUser Name           SID\n=================== ========\nnt authority\\system S-1-5-18'},
      {at: '2023-10-28T02:05:30.0000000Z', kind: 'command', text: 'net group "Domain Admins" /domain'},
      {at: '2023-10-28T02:05:34.0000000Z', kind: 'output', text: 'The request will be processed at a domain controller for domain daytonrx.local.\n\nGroup name     Domain Admins\nMembers\n-------------------------------------------------------------------------------\nAdministrator            rxadmin\nThe command completed successfully.'},
      {at: '2023-10-28T02:07:12.0000000Z', kind: 'command', text: 'nltest /dclist:daytonrx.local'},
      {at: '2023-10-28T02:07:15.0000000Z', kind: 'output', text: 'Get list of DCs in domain \'daytonrx.local\' from \'\\\\DC01\'.\n    DC01.daytonrx.local [PDC]  [DS] Site: Default-First-Site-Name\nThe command completed successfully'},
    ],
  },
  {
    city: 26, // Nampa
    connect: '2023-10-29T03:10:44.0000000Z',
    disconnect: '2023-10-29T03:31:02.0000000Z',
    address: SERVER.intruderAddress,
    steps: [
      {at: '2023-10-29T03:12:20.0000000Z', kind: 'file', fileType: 86, text: 'AnyDesk.exe'},
      {at: '2023-10-29T03:13:01.0000000Z', kind: 'command', text: `"C:\\Users\\Public\\AnyDesk.exe" --install "C:\\Program Files (x86)\\AnyDesk" --start-with-win --silent\necho ${DEMO_PW} | "C:\\Program Files (x86)\\AnyDesk\\AnyDesk.exe" --set-password`},
      {at: '2023-10-29T03:13:40.0000000Z', kind: 'output', text: ''},
    ],
  },
  {
    city: 4, // Athens
    connect: '2023-10-30T02:40:09.0000000Z',
    disconnect: '2023-10-30T02:52:51.0000000Z',
    address: SERVER.intruderAddress,
    steps: [
      {at: '2023-10-30T02:41:15.0000000Z', kind: 'command', text: `net user support2 ${DEMO_PW} /add`},
      {at: '2023-10-30T02:41:18.0000000Z', kind: 'output', text: 'System error 5 has occurred.\n\nAccess is denied.'},
    ],
  },
  {
    city: -1, // RXSRV01 — the client demo host; newest rows, only in the WAL
    connect: T.scConnected,
    disconnect: T.scDisconnected,
    address: SERVER.intruderAddress,
    steps: [
      {at: T.scTransferPayload, kind: 'file', fileType: 86, text: PAYLOAD.fileName, hidden: true},
      {at: RUN_COMMANDS[0].at, kind: 'command', text: ran(RUN_COMMANDS[0]), hidden: true},
      {at: '2023-11-02T02:16:09.0000000Z', kind: 'output', text: 'Microsoft (R) Build Engine version 4.8.3761.0\nBuild started 11/2/2023 2:16:05 AM.\nBuild succeeded.\n    0 Warning(s)\n    0 Error(s)'},
      {at: T.scTransferAnyDesk, kind: 'file', fileType: 86, text: 'AnyDesk.exe'},
      {at: RUN_COMMANDS[1].at, kind: 'command', text: ran(RUN_COMMANDS[1])},
      {at: '2023-11-02T02:22:20.0000000Z', kind: 'output', text: ''},
      {at: RUN_COMMANDS[2].at, kind: 'command', text: ran(RUN_COMMANDS[2])},
      {at: '2023-11-02T02:24:52.0000000Z', kind: 'output', text: 'The command completed successfully.\n\nThe command completed successfully.'},
    ],
  },
  {
    city: 33, // Topeka
    connect: '2023-11-06T04:20:31.0000000Z',
    disconnect: '2023-11-06T04:29:12.0000000Z',
    address: SERVER.intruderAddress2,
    steps: [
      {at: '2023-11-06T04:21:07.0000000Z', kind: 'command', text: 'whoami'},
      {at: '2023-11-06T04:21:09.0000000Z', kind: 'output', text: 'nt authority\\system'},
    ],
  },
]

/** Routine maintenance commands and what they print. */
export const ROUTINE_COMMANDS: readonly (readonly [string, string])[] = [
  ['ipconfig /all', 'Windows IP Configuration\n\n   Host Name . . . . . . . . . . . . : POS1\n   DHCP Enabled. . . . . . . . . . . : Yes'],
  ['sc query "RxPOS Service"', 'SERVICE_NAME: RxPOS Service\n        STATE              : 4  RUNNING'],
  ['msiexec /i C:\\Windows\\Temp\\RxPosUpdate_5.2.msi /qn /norestart', ''],
  ['tasklist /fi "imagename eq RxPos.exe"', 'Image Name                     PID Session Name        Session#    Mem Usage\nRxPos.exe                     4120 Console                    1    182,404 K'],
  ['wmic qfe list brief', 'Description      HotFixID   InstalledOn\nSecurity Update  KB5031361  10/11/2023'],
]
