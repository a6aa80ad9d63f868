import {mkdir, readdir, utimes, writeFile} from 'node:fs/promises'
import {dirname, join, resolve} from 'node:path'
import type {Database} from 'sql.js'
import {errorMessage, osErrorCode, RatchetError} from '../core/errors.js'
import {redactCommand} from '../core/redact.js'
import {loadSqlJs} from '../parsers/sqlite/open.js'
import {buildWal, markWalMode} from '../writers/sqlite/wal.js'
import {writeDemoFile, type DemoFile} from './generate.js'
import {Rng} from './rng.js'
import {PAYLOAD, ROUTINE_VENDOR_SESSIONS, VENDOR_SC} from './scenario.js'
import {BRUTE_FORCE, CITIES, INTRUDER_VISITS, NORTHWIND, ROUTINE_COMMANDS, SERVER, STATES} from './server-scenario.js'
import {isoPlus, isoToDate} from './timeutil.js'
import {SESSION_DB_SCHEMA as SCHEMA} from './session-db-schema.js'

/**
 * The demo ScreenConnect *server*: `<dir>/volume/Program Files (x86)/ScreenConnect/` with App_Data/Session.db
 * and Session.db-wal (the newest rows exist only in the WAL, written here frame by frame), security.db,
 * User.xml, one benign App_Extensions folder, and `<dir>/iocs.txt`. Deterministic for a seed.
 *
 * The Session.db schema is RECONSTRUCTED, not published: ConnectWise documents none of it. Tables and
 * columns follow what public incident queries show (ARTEFACTS.md §3); real servers have more columns.
 */

export interface DemoServerResult {
  volume: string
  iocs: string
  seed: number
  host: string
  machines: number
  /** Machines the intruder reached (what the blast radius must list). */
  intruded: string[]
  files: DemoFile[]
  story: string[]
}


/** .NET Guid.ToByteArray(): the first three fields little-endian. */
export function guidBytes(g: string): Uint8Array {
  const b = Buffer.from(g.replace(/-/g, ''), 'hex')
  const out = Buffer.alloc(16)
  out[0] = b[3]; out[1] = b[2]; out[2] = b[1]; out[3] = b[0]
  out[4] = b[5]; out[5] = b[4]; out[6] = b[7]; out[7] = b[6]
  b.copy(out, 8, 8, 16)
  return out
}

/** .NET ticks (100 ns since 0001-01-01) as an SQL integer literal (sql.js cannot bind a 64-bit integer). */
export function ticksLiteral(iso: string): string {
  return (621_355_968_000_000_000n + BigInt(isoToDate(iso).getTime()) * 10_000n + BigInt(Number(/\.\d{3}(\d{4})/.exec(iso)?.[1] ?? 0))).toString()
}

interface Row {
  at: string
  sql: string
  params: (string | number | Uint8Array | null)[]
}

interface Machine {
  machine: string
  domain: string
  customer: string
  state: string
  store: string
  guid: string
  guestAddress: string
}

function machines(rng: Rng): Machine[] {
  const out: Machine[] = CITIES.map((c, i) => ({
    machine: `${c.toUpperCase().slice(0, 6)}-RX${String(i + 1).padStart(2, '0')}`,
    domain: `${c.toUpperCase()}RX`,
    customer: `${c} Family Pharmacy`,
    state: STATES[i],
    store: `Store ${String(1001 + i)}`,
    guid: rng.guid(),
    guestAddress: `203.0.113.${10 + i}`,
  }))
  out.push({machine: NORTHWIND.machine, domain: NORTHWIND.domain, customer: NORTHWIND.customer, state: NORTHWIND.state, store: 'Store 1040', guid: NORTHWIND.sessionGuid, guestAddress: '192.0.2.18'})
  return out
}

function plan(seed: number): {base: Row[]; wal: Row[]; machines: Machine[]; security: Row[]} {
  const rng = new Rng(seed)
  const ms = machines(rng)
  const rows: Row[] = []
  const security: Row[] = []
  let n = 0
  const id = (): Uint8Array => guidBytes(`${rng.hex(8)}-${rng.hex(4)}-4${rng.hex(3)}-8${rng.hex(3)}-${String(++n).padStart(12, '0')}`)
  for (const m of ms) {
    rows.push({at: SERVER.baselineStart, sql: 'INSERT INTO Session VALUES (?,?,2,?,0,NULL,?,?,?,NULL,NULL,NULL,NULL,NULL,?,?,?,?,?,NULL,0)', params: [guidBytes(m.guid), m.machine, SERVER.routineOperator, m.customer, m.state, m.store, m.machine, m.domain, 'pharmacist', m.domain, 'Windows Server 2019 Standard']})
    const guestConn = id()
    rows.push({at: SERVER.baselineStart, sql: 'INSERT INTO SessionConnection VALUES (?,?,2,?,?)', params: [guidBytes(m.guid), guestConn, m.machine, m.guestAddress]})
    ;(m as Machine & {guestConn: Uint8Array}).guestConn = guestConn
  }
  const guestConnOf = (m: Machine): Uint8Array => (m as Machine & {guestConn: Uint8Array}).guestConn

  const visit = (m: Machine, operator: string, address: string, connect: string, disconnect: string, steps: {at: string; kind: string; text: string; fileType?: number; hidden?: boolean}[]): void => {
    const conn = id()
    const sid = guidBytes(m.guid)
    rows.push({at: connect, sql: 'INSERT INTO SessionConnection VALUES (?,?,1,?,?)', params: [sid, conn, operator, address]})
    rows.push({at: connect, sql: `INSERT INTO SessionConnectionEvent VALUES (?,?,?,10,${ticksLiteral(connect)},NULL,0)`, params: [sid, conn, id()]})
    for (const s of steps) {
      const hidden = s.hidden ? 1 : 0
      if (s.kind === 'command') rows.push({at: s.at, sql: `INSERT INTO SessionEvent VALUES (?,?,44,?,?,${ticksLiteral(s.at)},?,?)`, params: [sid, id(), operator, s.text, hidden, conn]})
      else if (s.kind === 'output') rows.push({at: s.at, sql: `INSERT INTO SessionConnectionEvent VALUES (?,?,?,70,${ticksLiteral(s.at)},?,?)`, params: [sid, guestConnOf(m), id(), s.text, hidden]})
      else rows.push({at: s.at, sql: `INSERT INTO SessionConnectionEvent VALUES (?,?,?,${s.fileType ?? 86},${ticksLiteral(s.at)},?,?)`, params: [sid, conn, id(), s.text, hidden]})
    }
    rows.push({at: disconnect, sql: `INSERT INTO SessionConnectionEvent VALUES (?,?,?,11,${ticksLiteral(disconnect)},NULL,0)`, params: [sid, conn, id()]})
  }

  // routine maintenance: every machine, 1–3 visits over the five weeks, both technicians, office addresses, work hours
  const days = 37
  for (const m of ms) {
    if (m.guid === NORTHWIND.sessionGuid) {
      // the client demo host's own routine vendor sessions (its Application log shows the same ones)
      for (const [on, off] of ROUTINE_VENDOR_SESSIONS) visit(m, SERVER.routineOperator, SERVER.officeAddress, on, off, [{at: isoPlus(on, 90), kind: 'command', text: 'sc query "RxPOS Service"'}, {at: isoPlus(on, 94), kind: 'output', text: ROUTINE_COMMANDS[1][1]}])
      continue
    }
    const visits = rng.int(1, 3)
    for (let v = 0; v < visits; v++) {
      const day = rng.int(0, days - 1)
      const hour = rng.int(SERVER.workHours[0], SERVER.workHours[1] - 1)
      const connect = isoPlus(SERVER.baselineStart, day * 86400 + hour * 3600 + rng.int(0, 3599))
      const operator = rng.next() < 0.6 ? SERVER.routineOperator : SERVER.abusedOperator
      const address = operator === SERVER.routineOperator ? SERVER.officeAddress : rng.pick([SERVER.officeAddress, SERVER.officeAddress2])
      const steps = []
      let t = isoPlus(connect, 60)
      for (let c = rng.int(0, 2); c > 0; c--) {
        const [text, output] = rng.pick(ROUTINE_COMMANDS)
        steps.push({at: t, kind: 'command', text}, {at: isoPlus(t, 4), kind: 'output', text: output})
        t = isoPlus(t, rng.int(60, 300))
      }
      if (rng.next() < 0.25) steps.push({at: t, kind: 'file', fileType: 86, text: 'RxPosUpdate_5.2.msi'})
      visit(m, operator, address, connect, isoPlus(t, rng.int(120, 900)), steps)
    }
  }
  // the intrusion
  for (const v of INTRUDER_VISITS) {
    const m = v.city < 0 ? ms[ms.length - 1] : ms[v.city]
    visit(m, SERVER.abusedOperator, v.address, v.connect, v.disconnect, v.steps)
  }
  rows.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0))

  // security.db: web logins of both technicians from the office during work days; the brute force; later logins
  const login = (at: string, user: string, address: string, ok: boolean): void => {
    const ip = address.split('.').reduce((acc, o) => acc * 256 + Number(o), 0)
    security.push({at, sql: `INSERT INTO SecurityEvent VALUES (1,?,?,?,'Internal',NULL,?,${ticksLiteral(at)})`, params: [ok ? 0 : 2, ip | 0, 'Mozilla/5.0 (Windows NT 10.0; Win64; x64)', user]})
  }
  for (let d = 0; d < days; d++) {
    for (const [user, addr] of [[SERVER.routineOperator, SERVER.officeAddress], [SERVER.abusedOperator, d % 2 ? SERVER.officeAddress2 : SERVER.officeAddress]] as const) {
      if (rng.next() < 0.7) login(isoPlus(SERVER.baselineStart, d * 86400 + SERVER.workHours[0] * 3600 + rng.int(0, 1800)), user, addr, true)
    }
  }
  for (const f of BRUTE_FORCE.failures) login(f, SERVER.abusedOperator, SERVER.intruderAddress, false)
  login(BRUTE_FORCE.success, SERVER.abusedOperator, SERVER.intruderAddress, true)
  login('2023-11-02T02:12:40.0000000Z', SERVER.abusedOperator, SERVER.intruderAddress, true)
  login('2023-11-06T04:19:02.0000000Z', SERVER.abusedOperator, SERVER.intruderAddress2, true)
  security.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0))

  return {base: rows.filter((r) => r.at < SERVER.walFrom), wal: rows.filter((r) => r.at >= SERVER.walFrom), machines: ms, security}
}

function run(db: Database, rows: Row[]): void {
  for (const r of rows) db.run(r.sql, r.params)
}

function userXml(): string {
  const user = (name: string, email: string, created: string, last: string, roles: string[]): string =>
    [
      '  <User>',
      `    <Name>${name}</Name>`,
      `    <Email>${email}</Email>`,
      '    <PasswordHash>ZGVtby1ub3QtYS1yZWFsLWhhc2g=</PasswordHash>',
      '    <IsApproved>true</IsApproved>',
      '    <IsLockedOut>false</IsLockedOut>',
      `    <CreationDate>${created}</CreationDate>`,
      `    <LastLoginDate>${last}</LastLoginDate>`,
      `    <Roles>${roles.map((r) => `<Role>${r}</Role>`).join('')}</Roles>`,
      '  </User>',
    ].join('\r\n')
  return ['<?xml version="1.0" encoding="utf-8"?>', '<Users>', user('admin', 'it@tdsclinical.example', '2019-05-02T17:10:00Z', '2023-09-28T15:02:11Z', ['Administrator']), user(SERVER.routineOperator, 'support@tdsclinical.example', '2019-05-02T17:20:00Z', '2023-11-07T14:05:51Z', ['Technician']), user(SERVER.abusedOperator, 'rx.support@tdsclinical.example', '2020-02-11T16:45:00Z', '2023-11-06T04:19:02Z', ['Technician', 'Administrator']), '</Users>', ''].join('\r\n')
}

const EXTENSION_MANIFEST = [
  '<?xml version="1.0" encoding="utf-8"?>',
  '<ExtensionManifest>',
  '  <Version>1.4</Version>',
  '  <Name>Session Report Export</Name>',
  '  <Author>ratchet demo</Author>',
  '  <ShortDescription>Exports session lists to CSV (benign demo extension).</ShortDescription>',
  '</ExtensionManifest>',
  '',
].join('\r\n')

export function demoServerIocs(): string {
  const defang = (s: string): string => s.replace(/\.(?=[^.]*$)/, '[.]')
  return ['# Indicators from the (simulated) sector alert, Nov 2023 - ratchet demo (vendor server)', defang(SERVER.intruderAddress), defang(VENDOR_SC.relayHost), PAYLOAD.fileName, ''].join('\n')
}

export async function generateDemoServer(dir: string, opts: {seed?: number} = {}): Promise<DemoServerResult> {
  const seed = opts.seed ?? 20231102
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new RatchetError('E_USAGE', `seed must be an integer from 0 to 4294967295, got ${seed}`, {seed})
  const root = resolve(dir)
  try {
    if ((await readdir(root)).length > 0) throw new RatchetError('E_OUTPUT_EXISTS', `output folder is not empty: ${root}`, {path: root})
  } catch (e) {
    if (e instanceof RatchetError) throw e
    if (osErrorCode(e) === 'ENOTDIR') throw new RatchetError('E_OUTPUT_EXISTS', `output path is a file: ${root}`, {path: root})
    if (osErrorCode(e) !== 'ENOENT') throw new RatchetError('E_OUTPUT_WRITE', `cannot use output folder ${root}: ${errorMessage(e)}`, {path: root})
  }
  const SQL = await loadSqlJs()
  const p = plan(seed)
  const db = new SQL.Database()
  db.exec(SCHEMA)
  run(db, p.base)
  const before = db.export()
  run(db, p.wal)
  const after = db.export()
  db.close()
  const rng = new Rng(seed ^ 0x5a17)
  const {wal} = buildWal(before, after, {salt1: rng.int(0, 0xffffffff), salt2: rng.int(0, 0xffffffff), checkpointSeq: 7})

  const sec = new SQL.Database()
  sec.exec('CREATE TABLE SecurityEvent (EventType INTEGER, OperationResult INTEGER, NetworkAddress INTEGER, UserAgent TEXT, UserSource TEXT, UrlReferrer TEXT, UserName TEXT, Time INTEGER)')
  run(sec, p.security)
  const secBytes = sec.export()
  sec.close()

  const lastBase = p.base[p.base.length - 1]?.at ?? SERVER.baselineStart
  const lastWal = p.wal[p.wal.length - 1]?.at ?? lastBase
  const appData = `${SERVER.root}/App_Data`
  const planned: {path: string; data: Uint8Array; mtime: string}[] = [
    {path: `${appData}/Session.db`, data: markWalMode(before), mtime: lastBase},
    {path: `${appData}/Session.db-wal`, data: wal, mtime: lastWal},
    {path: `${appData}/security.db`, data: secBytes, mtime: p.security[p.security.length - 1].at},
    {path: `${appData}/User.xml`, data: Buffer.from(userXml(), 'utf8'), mtime: '2023-11-07T14:05:51.0000000Z'},
    {path: `${SERVER.root}/App_Extensions/2d558935-686a-4bd0-9991-07539f5fe749/Manifest.xml`, data: Buffer.from(EXTENSION_MANIFEST, 'utf8'), mtime: '2022-04-12T19:30:00.0000000Z'},
    {path: `${SERVER.root}/web.config`, data: Buffer.from('<?xml version="1.0" encoding="utf-8"?>\r\n<configuration>\r\n  <appSettings>\r\n    <add key="WebServerListenUri" value="https://+:443/" />\r\n    <add key="RelayListenUri" value="relay://0.0.0.0:8041/" />\r\n  </appSettings>\r\n</configuration>\r\n', 'utf8'), mtime: '2019-05-02T17:05:00.0000000Z'},
  ]
  const volume = join(root, 'volume')
  const files: DemoFile[] = []
  try {
    for (const f of planned) files.push(await writeDemoFile(volume, f))
    // the server's system drive: an empty event-log folder, so the volume is recognised as a Windows source
    // (its event logs are not part of this demo; the client demo host has them)
    const logs = join(volume, 'Windows', 'System32', 'winevt', 'Logs')
    await mkdir(logs, {recursive: true})
    const bootTime = isoToDate(SERVER.baselineStart)
    for (let d = logs; d.length > volume.length; d = dirname(d)) await utimes(d, bootTime, bootTime)
    const iocs = join(root, 'iocs.txt')
    await writeFile(iocs, demoServerIocs(), 'utf8')
    const intruded = INTRUDER_VISITS.map((v) => (v.city < 0 ? p.machines[p.machines.length - 1] : p.machines[v.city]).machine)
    return {
      volume,
      iocs,
      seed,
      host: SERVER.name,
      machines: p.machines.length,
      intruded,
      files: files.sort((a, b) => (a.path < b.path ? -1 : 1)),
      story: [
        `${SERVER.baselineStart.slice(0, 10)}… routine maintenance of ${p.machines.length} pharmacies by "${SERVER.routineOperator}" and "${SERVER.abusedOperator}" from the vendor office (${SERVER.officeAddress}, ${SERVER.officeAddress2})`,
        `${BRUTE_FORCE.success} ${BRUTE_FORCE.failures.length} failed web logins for "${SERVER.abusedOperator}" from ${SERVER.intruderAddress}, then a success`,
        ...INTRUDER_VISITS.map((v) => `${v.connect} "${SERVER.abusedOperator}" from ${v.address} on ${(v.city < 0 ? p.machines[p.machines.length - 1] : p.machines[v.city]).machine}: ${v.steps.filter((s) => s.kind !== 'output').map((s) => redactCommand(s.text.split('\n')[0]).slice(0, 80)).join('; ')}`),
        `rows from ${SERVER.walFrom.slice(0, 10)} on exist only in Session.db-wal (not checkpointed); two of RXSRV01's rows are hidden`,
      ],
    }
  } catch (e) {
    if (e instanceof RatchetError) throw e
    throw new RatchetError('E_OUTPUT_WRITE', `cannot write the demo server under ${root}: ${errorMessage(e)}`, {path: root})
  }
}
