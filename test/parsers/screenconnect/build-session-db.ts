/**
 * Builds a ScreenConnect server Session.db (+ a real Session.db-wal) for tests.
 *
 * FIXTURE NOTE: the Session.db schema is NOT published by ConnectWise. The tables and columns below are
 * reconstructed from what public incident queries show (../shared/ARTEFACTS.md §3): Session, SessionConnection,
 * SessionEvent, SessionConnectionEvent with .NET GUID blobs and .NET-tick times. Real servers have more
 * columns; the parser reads columns by name and tolerates missing ones.
 *
 * The base database is written with sql.js; python3's sqlite3 then switches it to WAL mode, sets
 * wal_autocheckpoint=0 and inserts rows that therefore live only in the WAL; db and WAL are copied before
 * the connection closes (closing would checkpoint them into the db).
 */
import {execFileSync, spawnSync} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {loadSqlJs} from '../../../src/parsers/sqlite/open.js'

const created: string[] = []
/** A temp folder removed by cleanupTemp() (call it from afterAll). */
export function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), `ratchet-${prefix}-`))
  created.push(d)
  return d
}
export function cleanupTemp(): void {
  for (const d of created.splice(0)) rmSync(d, {recursive: true, force: true})
}

export function hasPython(): boolean {
  return spawnSync('python3', ['-c', 'import sqlite3'], {stdio: 'ignore'}).status === 0
}

/** .NET GUID bytes (first three fields little-endian) for a canonical GUID string. */
export function guidBytes(g: string): Uint8Array {
  const h = g.replace(/-/g, '')
  const b = Buffer.from(h, 'hex')
  const out = Buffer.alloc(16)
  out[0] = b[3]!; out[1] = b[2]!; out[2] = b[1]!; out[3] = b[0]!
  out[4] = b[5]!; out[5] = b[4]!; out[6] = b[7]!; out[7] = b[6]!
  b.copy(out, 8, 8, 16)
  return out
}

export const ticks = (iso: string): bigint => 621_355_968_000_000_000n + BigInt(Date.parse(iso)) * 10_000n

export const S_ROUTINE = '11111111-2222-3333-4444-555555555555'
export const S_VICTIM = 'a922f424-3ea9-41da-8b4a-1dfd978702f8'
export const C_HOST = '0a0b0c0d-0000-4000-8000-000000000001'
export const C_GUEST = '0a0b0c0d-0000-4000-8000-000000000002'
export const C_HOST2 = '0a0b0c0d-0000-4000-8000-000000000003'

const SCHEMA = `
CREATE TABLE Session (SessionID BLOB PRIMARY KEY, Name TEXT, SessionType INTEGER, Host TEXT, IsPublic INTEGER, Code TEXT,
  CustomProperty1 TEXT, CustomProperty2 TEXT, CustomProperty3 TEXT, CustomProperty4 TEXT, CustomProperty5 TEXT, CustomProperty6 TEXT, CustomProperty7 TEXT, CustomProperty8 TEXT,
  GuestMachineName TEXT, GuestMachineDomain TEXT, GuestLoggedOnUserName TEXT, GuestLoggedOnUserDomain TEXT, GuestOperatingSystemName TEXT, GuestLastActivityTime INTEGER, IsEnded INTEGER);
CREATE TABLE SessionConnection (SessionID BLOB, ConnectionID BLOB PRIMARY KEY, ProcessType INTEGER, ParticipantName TEXT, NetworkAddress TEXT);
CREATE TABLE SessionEvent (SessionID BLOB, EventID BLOB PRIMARY KEY, EventType INTEGER, Host TEXT, Data TEXT, Time INTEGER, EventAttributes INTEGER, ConnectionID BLOB);
CREATE TABLE SessionConnectionEvent (SessionID BLOB, ConnectionID BLOB, EventID BLOB PRIMARY KEY, EventType INTEGER, Time, Data TEXT, EventAttributes INTEGER);
`

let evn = 0
const eid = (): Uint8Array => guidBytes(`eeeeeeee-0000-4000-8000-${String(++evn).padStart(12, '0')}`)

/** Writes Session.db (base rows, in the db) and returns its path; WAL rows are added by addWalRows. */
export async function buildBaseSessionDb(dir: string): Promise<string> {
  const SQL = await loadSqlJs()
  const db = new SQL.Database()
  db.exec(SCHEMA)
  db.run('INSERT INTO Session VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)', [guidBytes(S_ROUTINE), 'PHARM-0001', 2, 'vendor.tech', 0, null, 'Acme Pharmacy', 'TX', '', '', '', '', '', '', 'ACME-POS1', 'ACME', 'clerk', 'ACME', 'Windows 10', null, 0])
  db.run('INSERT INTO Session VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)', [guidBytes(S_VICTIM), 'PHARM-0002', 2, 'vendor.tech', 0, null, 'Best Drugs LLC', 'OH', '', '', '', '', '', '', 'BEST-SRV01', 'BESTDRUGS', 'admin', 'BESTDRUGS', 'Windows Server 2019', null, 0])
  db.run('INSERT INTO SessionConnection VALUES (?,?,?,?,?)', [guidBytes(S_ROUTINE), guidBytes(C_HOST), 1, 'vendor.tech', '198.51.100.7'])
  db.run('INSERT INTO SessionConnection VALUES (?,?,?,?,?)', [guidBytes(S_VICTIM), guidBytes(C_GUEST), 2, 'BEST-SRV01', '192.0.2.44'])
  const ce = 'INSERT INTO SessionConnectionEvent VALUES (?,?,?,?,?,?,?)'
  db.run(ce, [guidBytes(S_ROUTINE), guidBytes(C_HOST), eid(), 10, ticks('2023-10-20T15:00:00Z').toString(), null, 0])
  db.run(ce, [guidBytes(S_ROUTINE), guidBytes(C_HOST), eid(), 11, '2023-10-20 15:30:00', null, 0]) // text time variant
  db.run('INSERT INTO SessionEvent VALUES (?,?,?,?,?,?,?,?)', [guidBytes(S_ROUTINE), eid(), 44, 'vendor.tech', 'ipconfig /all', ticks('2023-10-20T15:05:00Z').toString(), 0, null])
  const bytes = db.export()
  db.close()
  const path = join(dir, 'Session.db')
  writeFileSync(path, bytes)
  // sql.js binds bigint-as-string for ticks; store them as integers like real servers do.
  execFileSync('python3', ['-c', `import sqlite3;c=sqlite3.connect(${JSON.stringify(path)});c.execute("UPDATE SessionConnectionEvent SET Time=CAST(Time AS INTEGER) WHERE typeof(Time)='text' AND Time NOT LIKE '%-%'");c.execute("UPDATE SessionEvent SET Time=CAST(Time AS INTEGER)");c.commit();c.close()`])
  return path
}

/** Switches to WAL mode and adds the intrusion rows, which then live only in Session.db-wal. Returns the copy dir. */
export function addWalRows(dbPath: string): {db: string; wal: string} {
  const out = tempDir('scdb')
  const hex = (g: string): string => `X'${Buffer.from(guidBytes(g)).toString('hex')}'`
  const e = (n: number): string => `X'${Buffer.from(guidBytes(`eeeeeeee-0000-4000-8000-${String(1000 + n).padStart(12, '0')}`)).toString('hex')}'`
  const stmts = [
    `INSERT INTO SessionConnection VALUES (${hex(S_VICTIM)}, ${hex(C_HOST2)}, 1, 'vendor.tech', '203.0.113.66')`,
    `INSERT INTO SessionConnectionEvent VALUES (${hex(S_VICTIM)}, ${hex(C_HOST2)}, ${e(1)}, 10, ${ticks('2023-10-28T14:00:00Z')}, NULL, 0)`,
    `INSERT INTO SessionEvent VALUES (${hex(S_VICTIM)}, ${e(2)}, 44, 'vendor.tech', 'net user backup P@ssw0rd! /add', ${ticks('2023-10-28T14:01:00Z')}, 0, NULL)`,
    `INSERT INTO SessionConnectionEvent VALUES (${hex(S_VICTIM)}, ${hex(C_GUEST)}, ${e(3)}, 70, ${ticks('2023-10-28T14:01:05Z')}, 'The command completed successfully.', 0)`,
    `INSERT INTO SessionConnectionEvent VALUES (${hex(S_VICTIM)}, ${hex(C_HOST2)}, ${e(4)}, 86, ${ticks('2023-10-28T14:02:00Z')}, 'text.xml', 1)`,
    `INSERT INTO SessionConnectionEvent VALUES (${hex(S_VICTIM)}, ${hex(C_HOST2)}, ${e(5)}, 99, ${ticks('2023-10-28T14:03:00Z')}, 'future event', 0)`,
    `INSERT INTO SessionConnectionEvent VALUES (${hex(S_VICTIM)}, ${hex(C_HOST2)}, ${e(6)}, 11, ${ticks('2023-10-28T14:30:00Z')}, NULL, 0)`,
  ]
  const py = `
import sqlite3, shutil, sys
db, out = sys.argv[1], sys.argv[2]
c = sqlite3.connect(db)
c.execute('PRAGMA journal_mode=WAL')
c.execute('PRAGMA wal_autocheckpoint=0')
for s in ${JSON.stringify(stmts)}:
    c.execute(s)
c.commit()
shutil.copy(db, out + '/Session.db')
shutil.copy(db + '-wal', out + '/Session.db-wal')
c.close()
`
  execFileSync('python3', ['-c', py, dbPath, out])
  return {db: join(out, 'Session.db'), wal: join(out, 'Session.db-wal')}
}
