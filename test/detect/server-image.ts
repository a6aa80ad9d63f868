/**
 * A hand-built ScreenConnect server image for the blast-radius tests: Session.db (+ a Session.db-wal holding
 * rows that are NOT in Session.db, written frame by frame by src/writers/sqlite/wal.ts), security.db and
 * User.xml under `Program Files (x86)/ScreenConnect/App_Data/`.
 *
 * FIXTURE NOTE: the Session.db schema is NOT published by ConnectWise; the tables and columns here are
 * reconstructed from public incident queries (../shared/ARTEFACTS.md §3). Real servers have more columns.
 *
 * The story (tech1 always works from 192.0.2.10 around 15:00 UTC):
 * - ALPHA, ECHO: routine maintenance only (ALPHA also after the incident started: must not be listed).
 * - Oct 20 01:00–01:03 three failed web logins for tech1 from 203.0.113.66, success at 01:04 (brute force).
 * - BRAVO: tech1 from 203.0.113.66 (in iocs.txt), `whoami` — in Session.db.
 * - CHARLIE: tech1 from 198.51.100.5 (new address, no IOC): `net user backup P@ssw0rd! /add` that FAILED,
 *   text.xml sent (row hidden) — every CHARLIE row of that visit exists only in the WAL.
 * - DELTA: a session created in the WAL with a hostile customer name (CSV formula, HTML), AnyDesk
 *   `--set-password` piped a password, from the IOC address.
 */
import {mkdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {guidBytes, ticksLiteral} from '../../src/demo/server.js'
import {loadSqlJs} from '../../src/parsers/sqlite/open.js'
import {buildWal, markWalMode} from '../../src/writers/sqlite/wal.js'
import {SESSION_DB_SCHEMA as SCHEMA} from '../../src/demo/session-db-schema.js'

export const G = {
  alpha: 'aaaaaaaa-0000-4000-8000-000000000001',
  bravo: 'bbbbbbbb-0000-4000-8000-000000000002',
  charlie: 'cccccccc-0000-4000-8000-000000000003',
  delta: 'dddddddd-0000-4000-8000-000000000004',
  echo: 'eeeeeeee-0000-4000-8000-000000000005',
  foxtrot: 'ffffffff-0000-4000-8000-000000000006',
  golf: '99999999-0000-4000-8000-000000000007',
} as const

export const IOC_ADDRESS = '203.0.113.66'
export const NEW_ADDRESS = '198.51.100.5'
export const OFFICE = '192.0.2.10'
export const PASSWORD = 'P@ssw0rd!'
export const ANYDESK_PASSWORD = 'Adm1n-Pipe'
export const HOSTILE_CUSTOMER = '=HYPERLINK("http://evil.example","<b>click</b>")'
export const HOSTILE_MACHINE = 'DELTA<script>alert(1)</script>'


type Db = {run(sql: string, params?: (string | number | Uint8Array | null)[]): unknown}

let n = 0
const id = (): Uint8Array => guidBytes(`f0000000-0000-4000-8000-${String(++n).padStart(12, '0')}`)

function session(db: Db, guid: string, machine: string, customer: string): Uint8Array {
  db.run('INSERT INTO Session VALUES (?,?,2,?,0,NULL,?,?,NULL,NULL,NULL,NULL,NULL,NULL,?,?,?,?,?,NULL,0)', [guidBytes(guid), machine, 'tech1', customer, 'TX', machine, 'PHARMA', 'clerk', 'PHARMA', 'Windows 10'])
  const guest = id()
  db.run('INSERT INTO SessionConnection VALUES (?,?,2,?,?)', [guidBytes(guid), guest, machine, '192.0.2.200'])
  return guest
}

interface Step {
  at: string
  cmd?: string
  out?: string
  file?: string
  hidden?: boolean
}

function visit(db: Db, guid: string, guest: Uint8Array, address: string, on: string, off: string, steps: Step[]): void {
  const sid = guidBytes(guid)
  const conn = id()
  db.run('INSERT INTO SessionConnection VALUES (?,?,1,?,?)', [sid, conn, 'tech1', address])
  db.run(`INSERT INTO SessionConnectionEvent VALUES (?,?,?,10,${ticksLiteral(on)},NULL,0)`, [sid, conn, id()])
  for (const s of steps) {
    const h = s.hidden ? 1 : 0
    if (s.cmd !== undefined) db.run(`INSERT INTO SessionEvent VALUES (?,?,44,'tech1',?,${ticksLiteral(s.at)},?,?)`, [sid, id(), s.cmd, h, conn])
    if (s.out !== undefined) db.run(`INSERT INTO SessionConnectionEvent VALUES (?,?,?,70,${ticksLiteral(s.at.replace(/:(\d\d)\.0/, ':$1.5'))},?,?)`, [sid, guest, id(), s.out, h])
    if (s.file !== undefined) db.run(`INSERT INTO SessionConnectionEvent VALUES (?,?,?,86,${ticksLiteral(s.at)},?,?)`, [sid, conn, id(), s.file, h])
  }
  db.run(`INSERT INTO SessionConnectionEvent VALUES (?,?,?,11,${ticksLiteral(off)},NULL,0)`, [sid, conn, id()])
}

const routine = (day: string): Step[] => [{at: `${day}T15:02:00.0000000Z`, cmd: 'ipconfig /all', out: 'Windows IP Configuration'}]

/** Writes the image under `<root>/img` and `iocs.txt` beside it; returns their paths. */
export async function buildServerImage(root: string, opts: {nightTechnician?: boolean} = {}): Promise<{image: string; appData: string; iocs: string}> {
  n = 0
  const SQL = await loadSqlJs()
  const db = new SQL.Database()
  db.exec(SCHEMA)
  const gA = session(db, G.alpha, 'ALPHA-POS', 'Alpha Pharmacy')
  const gB = session(db, G.bravo, 'BRAVO-SRV', 'Bravo Drugs')
  const gC = session(db, G.charlie, 'CHARLIE-PC', 'Charlie Rx')
  const gE = session(db, G.echo, 'ECHO-POS', 'Echo Apothecary')
  // baseline: four days of routine work from the office around 15:00 UTC
  for (const [g, guest, day] of [[G.alpha, gA, '2023-10-02'], [G.bravo, gB, '2023-10-03'], [G.charlie, gC, '2023-10-04'], [G.echo, gE, '2023-10-05']] as const) {
    visit(db, g, guest, OFFICE, `${day}T15:00:00.0000000Z`, `${day}T15:20:00.0000000Z`, routine(day))
  }
  // the intrusion, still in Session.db: BRAVO from the IOC address
  visit(db, G.bravo, gB, IOC_ADDRESS, '2023-10-20T01:10:00.0000000Z', '2023-10-20T01:20:00.0000000Z', [{at: '2023-10-20T01:11:00.0000000Z', cmd: 'whoami', out: 'nt authority\\system'}])
  // routine work after the incident started: same account, usual address and hour
  visit(db, G.alpha, gA, OFFICE, '2023-10-21T15:00:00.0000000Z', '2023-10-21T15:20:00.0000000Z', routine('2023-10-21'))
  if (opts.nightTechnician) {
    // FOXTROT, GOLF: the technician's usual address, at night, during the incident, running `whoami`: routine
    const gF = session(db, G.foxtrot, 'FOXTROT-POS', 'Foxtrot Pharmacy')
    const gG = session(db, G.golf, 'GOLF-POS', 'Golf Drugs')
    visit(db, G.foxtrot, gF, OFFICE, '2023-10-06T15:00:00.0000000Z', '2023-10-06T15:20:00.0000000Z', routine('2023-10-06'))
    visit(db, G.golf, gG, OFFICE, '2023-10-07T15:00:00.0000000Z', '2023-10-07T15:20:00.0000000Z', routine('2023-10-07'))
    for (const [g, guest, day] of [[G.foxtrot, gF, '2023-10-21'], [G.golf, gG, '2023-10-22']] as const) {
      visit(db, g, guest, OFFICE, `${day}T03:00:00.0000000Z`, `${day}T03:20:00.0000000Z`, [{at: `${day}T03:01:00.0000000Z`, cmd: 'whoami', out: 'pharma\\clerk'}])
    }
  }
  const before = db.export()

  // newest rows: only in the WAL
  visit(db, G.charlie, gC, NEW_ADDRESS, '2023-10-22T02:00:00.0000000Z', '2023-10-22T02:30:00.0000000Z', [
    {at: '2023-10-22T02:01:00.0000000Z', cmd: `net user backup ${PASSWORD} /add`, out: 'System error 5 has occurred.\n\nAccess is denied.'},
    {at: '2023-10-22T02:05:00.0000000Z', file: 'text.xml', hidden: true},
  ])
  const gD = session(db, G.delta, HOSTILE_MACHINE, HOSTILE_CUSTOMER)
  visit(db, G.delta, gD, IOC_ADDRESS, '2023-10-23T03:00:00.0000000Z', '2023-10-23T03:10:00.0000000Z', [
    {at: '2023-10-23T03:01:00.0000000Z', cmd: `echo ${ANYDESK_PASSWORD} | "C:\\ProgramData\\AnyDesk.exe" --set-password`, out: ''},
  ])
  const after = db.export()
  db.close()
  const {wal} = buildWal(before, after, {salt1: 0x1234abcd, salt2: 0x0badf00d, checkpointSeq: 3})

  const sec = new SQL.Database()
  sec.exec('CREATE TABLE SecurityEvent (EventType INTEGER, OperationResult INTEGER, NetworkAddress INTEGER, UserAgent TEXT, UserSource TEXT, UrlReferrer TEXT, UserName TEXT, Time INTEGER)')
  const ip = (a: string): number => a.split('.').reduce((x, o) => x * 256 + Number(o), 0) | 0
  const login = (at: string, addr: string, ok: boolean): void => {
    sec.run(`INSERT INTO SecurityEvent VALUES (1,?,?,'Mozilla/5.0','Internal',NULL,'tech1',${ticksLiteral(at)})`, [ok ? 0 : 2, ip(addr)])
  }
  for (const d of ['02', '03', '04', '05']) login(`2023-10-${d}T14:58:00.0000000Z`, OFFICE, true)
  for (const m of ['00', '01', '02']) login(`2023-10-20T01:${m}:00.0000000Z`, IOC_ADDRESS, false)
  login('2023-10-20T01:04:00.0000000Z', IOC_ADDRESS, true)
  const secBytes = sec.export()
  sec.close()

  const image = join(root, 'img')
  const appData = join(image, 'Program Files (x86)', 'ScreenConnect', 'App_Data')
  mkdirSync(appData, {recursive: true})
  writeFileSync(join(appData, 'Session.db'), markWalMode(before))
  writeFileSync(join(appData, 'Session.db-wal'), wal)
  writeFileSync(join(appData, 'security.db'), secBytes)
  writeFileSync(
    join(appData, 'User.xml'),
    '<?xml version="1.0" encoding="utf-8"?>\n<Users><User><Name>tech1</Name><PasswordHash>bm90LWEtaGFzaA==</PasswordHash><CreationDate>2019-01-01T00:00:00Z</CreationDate><LastLoginDate>2023-10-20T01:04:00Z</LastLoginDate><Roles><Role>Technician</Role></Roles></User></Users>\n',
  )
  const iocs = join(root, 'iocs.txt')
  writeFileSync(iocs, `# test indicators\n${IOC_ADDRESS.replace(/\.(?=[^.]*$)/, '[.]')}\ntext.xml\n`)
  return {image, appData, iocs}
}
