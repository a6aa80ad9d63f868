import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {screenconnectSecurityDb, screenconnectSessionDb, screenconnectUserXml} from '../../../src/analyze/plugins/screenconnect.js'
import {dotnetGuid} from '../../../src/parsers/screenconnect/session-db.js'
import {ipv4FromInt} from '../../../src/parsers/screenconnect/security-db.js'
import {parseUserXml} from '../../../src/parsers/screenconnect/user-xml.js'
import {loadSqlJs} from '../../../src/parsers/sqlite/open.js'
import {runPlugin} from '../../analyze/run-plugin.js'
import {addWalRows, buildBaseSessionDb, cleanupTemp, tempDir, guidBytes, hasPython, S_VICTIM, ticks} from './build-session-db.js'

const PY = hasPython()
if (!PY) console.warn('SKIP Session.db WAL tests: python3 with sqlite3 is not available to create a real WAL')

afterAll(cleanupTemp)

describe('ScreenConnect Session.db (schema reconstructed, not published)', () => {
  it('decodes .NET GUID blobs', () => {
    expect(dotnetGuid(guidBytes(S_VICTIM))).toBe(S_VICTIM)
  })

  it.skipIf(!PY)('reads rows that live only in the WAL, flags them and hidden rows', async () => {
    const dir = tempDir('scbase')
    const base = await buildBaseSessionDb(dir)
    const {db, wal} = addWalRows(base)
    // Without the WAL only the routine rows exist.
    const plain = await runPlugin(screenconnectSessionDb, db, 'files/App_Data/Session.db')
    expect(plain.events).toHaveLength(3)
    const {events, diagnostics} = await runPlugin(screenconnectSessionDb, db, 'files/App_Data/Session.db', {siblings: {'files/App_Data/Session.db-wal': wal}})
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([])
    expect(diagnostics.some((d) => d.code === 'SQLITE_WAL_APPLIED')).toBe(true)
    expect(events).toHaveLength(9)
    const walOnly = events.filter((e) => e.attributes.from_wal === true)
    expect(walOnly).toHaveLength(6)
    expect(events.filter((e) => e.attributes.session_guid !== S_VICTIM).every((e) => e.attributes.from_wal === undefined)).toBe(true)

    const start = events.find((e) => e.event_type === 'remote_access.session_start' && e.attributes.session_guid === S_VICTIM)!
    expect(start.datetime).toBe('2023-10-28T14:00:00.0000000Z')
    expect(start.src_ip).toBe('203.0.113.66')
    expect(start.user).toBe('vendor.tech')
    expect(start.attributes).toMatchObject({process_type: 'Host', guest_machine: 'BEST-SRV01', guest_domain: 'BESTDRUGS', session_name: 'PHARM-0002', custom_properties: ['Best Drugs LLC', 'OH'], tool: 'ScreenConnect'})

    const cmd = events.find((e) => e.event_type === 'remote_access.command' && e.attributes.from_wal)!
    expect(cmd.command_line).toBe('net user backup P@ssw0rd! /add')
    expect(cmd.user).toBe('vendor.tech')
    const output = events.find((e) => e.event_type === 'remote_access.command_output')!
    expect(output.attributes.output).toBe('The command completed successfully.')
    expect(output.attributes.process_type).toBe('Guest')

    const sent = events.find((e) => e.event_type === 'remote_access.file_transfer')!
    expect(sent.file_name).toBe('text.xml')
    expect(sent.attributes.action).toBe('SentFiles')
    expect(sent.attributes.hidden).toBe(true)
    expect(events.filter((e) => e.attributes.hidden === true)).toHaveLength(1)

    const unknown = events.find((e) => e.attributes.event_type_number === 99)!
    expect(unknown.event_type).toBe('remote_access.other')
    expect(unknown.attributes.event_type_name).toBe('EventType99')

    const textTime = events.find((e) => e.event_type === 'remote_access.session_end' && e.attributes.session_guid !== S_VICTIM)!
    expect(textTime.datetime).toBe('2023-10-20T15:30:00.0000000Z')
  })

  it.skipIf(!PY)('ignores WAL frames after a corrupted checksum (SQLite would too)', async () => {
    const dir = tempDir('scbase')
    const {db, wal} = addWalRows(await buildBaseSessionDb(dir))
    const bytes = readFileSync(wal)
    const pageSize = bytes.readUInt32BE(8)
    // Corrupt the first frame's page data: its checksum fails, so no frame is valid.
    bytes[32 + 24 + 100] = bytes[32 + 24 + 100]! ^ 0xff
    const bad = join(dir, 'bad-wal')
    writeFileSync(bad, bytes)
    const {events, diagnostics} = await runPlugin(screenconnectSessionDb, db, 'Session.db', {siblings: {'Session.db-wal': bad}})
    expect(pageSize).toBeGreaterThanOrEqual(512)
    expect(diagnostics.some((d) => d.code === 'SQLITE_WAL_BAD_FRAME_CHECKSUM')).toBe(true)
    expect(events).toHaveLength(3)
  })

  it('reports a file that is not SQLite as a diagnostic', async () => {
    const dir = tempDir('scbad')
    const p = join(dir, 'Session.db')
    writeFileSync(p, 'this is not a database')
    const {events, diagnostics} = await runPlugin(screenconnectSessionDb, p, 'Session.db')
    expect(events).toEqual([])
    expect(diagnostics.map((d) => d.code)).toEqual(['SQLITE_OPEN_FAILED'])
  })
})

describe('ScreenConnect security.db', () => {
  it('decodes big-endian IPv4 integers (signed too) and tells success from failure', async () => {
    expect(ipv4FromInt(3232235781)).toBe('192.168.1.5')
    expect(ipv4FromInt(-889163511)).toBe('203.0.113.9')
    const SQL = await loadSqlJs()
    const db = new SQL.Database()
    db.exec('CREATE TABLE SecurityEvent (EventType INTEGER, OperationResult INTEGER, NetworkAddress INTEGER, UserAgent TEXT, UserSource TEXT, UrlReferrer TEXT, UserName TEXT, Time INTEGER)')
    const ins = 'INSERT INTO SecurityEvent VALUES (?,?,?,?,?,?,?,?)'
    db.run(ins, [1, 2, -889163511, 'curl/8', 'Internal', null, 'vendor.tech', ticks('2023-10-28T13:58:00Z').toString()])
    db.run(ins, [1, 0, -889163511, 'curl/8', 'Internal', null, 'vendor.tech', ticks('2023-10-28T13:59:00Z').toString()])
    const dir = tempDir('secdb')
    const p = join(dir, 'security.db')
    writeFileSync(p, db.export())
    db.close()
    const {events} = await runPlugin(screenconnectSecurityDb, p, 'files/App_Data/security.db')
    expect(events.map((e) => [e.event_type, e.src_ip, e.user, e.datetime])).toEqual([
      ['remote_access.web_login_failed', '203.0.113.9', 'vendor.tech', '2023-10-28T13:58:00.0000000Z'],
      ['remote_access.web_login', '203.0.113.9', 'vendor.tech', '2023-10-28T13:59:00.0000000Z'],
    ])
  })
})

const USER_XML = `<?xml version="1.0" encoding="utf-8"?>
<Users>
  <User>
    <Name>vendor.tech</Name>
    <Email>tech@vendor.example</Email>
    <PasswordHash>c2VjcmV0LWhhc2gtdmFsdWU=</PasswordHash>
    <IsApproved>true</IsApproved>
    <IsLockedOut>false</IsLockedOut>
    <CreationDate>2019-03-01T10:00:00Z</CreationDate>
    <LastLoginDate>2023-10-28T13:59:00Z</LastLoginDate>
    <Roles><Role>Administrator</Role></Roles>
  </User>
  <User><Name>a&amp;b</Name><CreationDate>0001-01-01T00:00:00</CreationDate></User>
</Users>`

describe('ScreenConnect User.xml', () => {
  it('emits one event per dated field, never the password hash', async () => {
    expect(parseUserXml(USER_XML).map((u) => u.name)).toEqual(['vendor.tech', 'a&b'])
    const dir = tempDir('userxml')
    const p = join(dir, 'User.xml')
    writeFileSync(p, USER_XML)
    const {events} = await runPlugin(screenconnectUserXml, p, 'files/App_Data/User.xml', {mtime: '2023-11-01T00:00:00.0000000Z'})
    expect(events.map((e) => [e.user, e.timestamp_desc, e.datetime])).toEqual([
      ['vendor.tech', 'Creation Date', '2019-03-01T10:00:00.0000000Z'],
      ['vendor.tech', 'Last Login Date', '2023-10-28T13:59:00.0000000Z'],
      ['a&b', 'File Modified', '2023-11-01T00:00:00.0000000Z'],
    ])
    expect(events[0]!.attributes.roles).toEqual(['Administrator'])
    expect(JSON.stringify(events)).not.toContain('c2VjcmV0')
  })
})
