import {spawnSync} from 'node:child_process'
import {copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {isRatchetError} from '../../src/core/errors.js'
import type {BlastRadiusFile} from '../../src/detect/blast/types.js'
import {generateDemoServer, type DemoServerResult} from '../../src/demo/index.js'
import {SERVER} from '../../src/demo/server-scenario.js'
import {readSessionDb} from '../../src/parsers/screenconnect/session-db.js'
import {openSqlite} from '../../src/parsers/sqlite/open.js'
import {parseWal} from '../../src/parsers/sqlite/wal.js'

const repo = new URL('../..', import.meta.url).pathname
const ratchet = (args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', '--no-warnings', join(repo, 'bin/dev.js'), ...args], {cwd: repo, encoding: 'utf8', env: {...process.env, OCLIF_SKIP_NEW_VERSION_CHECK: '1'}, timeout: 120_000})
const hasPython = spawnSync('python3', ['-c', 'import sqlite3'], {stdio: 'ignore'}).status === 0

const tmp = mkdtempSync(join(tmpdir(), 'ratchet-demo-server-'))
afterAll(() => rmSync(tmp, {recursive: true, force: true}))

let srv: DemoServerResult
beforeAll(async () => {
  srv = await generateDemoServer(join(tmp, 'a'))
}, 60_000)

const APP = `${SERVER.root}/App_Data`

describe('demo ScreenConnect server', () => {
  it('writes the server tree and iocs.txt, deterministically', async () => {
    expect(srv.files.map((f) => f.path)).toEqual([
      `${SERVER.root}/App_Data/Session.db`,
      `${SERVER.root}/App_Data/Session.db-wal`,
      `${SERVER.root}/App_Data/User.xml`,
      `${SERVER.root}/App_Data/security.db`,
      `${SERVER.root}/App_Extensions/2d558935-686a-4bd0-9991-07539f5fe749/Manifest.xml`,
      `${SERVER.root}/web.config`,
    ])
    expect(srv.machines).toBe(40)
    expect(readFileSync(srv.iocs, 'utf8')).toContain('198.51.100[.]77')
    const again = await generateDemoServer(join(tmp, 'b'))
    expect(again.files).toEqual(srv.files)
    const other = await generateDemoServer(join(tmp, 'c'), {seed: 7})
    expect(other.files.find((f) => f.path.endsWith('Session.db'))!.sha256).not.toBe(srv.files.find((f) => f.path.endsWith('Session.db'))!.sha256)
  })

  it('ratchet demo generate --server --json writes the same bytes', () => {
    const r = ratchet(['demo', 'generate', join(tmp, 'cli'), '--server', '--json'])
    expect(r.status, r.stderr).toBe(0)
    const out = JSON.parse(r.stdout) as DemoServerResult
    expect(out.files).toEqual(srv.files)
    expect(out.intruded).toEqual(['DAYTON-RX13', 'NAMPA-RX27', 'ATHENS-RX05', 'RXSRV01', 'TOPEKA-RX34'])
  }, 60_000)

  it('refuses a non-empty folder', async () => {
    await expect(generateDemoServer(join(tmp, 'a'))).rejects.toSatisfy((e: unknown) => isRatchetError(e) && e.code === 'E_OUTPUT_EXISTS')
  })

  it('keeps the newest rows only in a valid Session.db-wal that the WAL reader applies', async () => {
    const db = readFileSync(join(srv.volume, APP, 'Session.db'))
    const wal = readFileSync(join(srv.volume, APP, 'Session.db-wal'))
    expect([db[18], db[19]]).toEqual([2, 2]) // WAL mode on disk
    const parsed = parseWal(wal)
    expect(parsed.diagnostics).toEqual([])
    expect(parsed.framesCommitted).toBe(parsed.framesValid)
    expect(parsed.framesValid).toBeGreaterThan(0)
    const without = await openSqlite(db, undefined, 'Session.db')
    const withWal = await openSqlite(db, wal, 'Session.db')
    const a = readSessionDb(without, 'Session.db')
    const b = readSessionDb(withWal, 'Session.db')
    without.close()
    withWal.close()
    expect(a.events.every((e) => (e.time ?? '') < SERVER.walFrom)).toBe(true)
    const walOnly = b.events.filter((e) => e.fromWal)
    expect(walOnly.length).toBe(b.events.length - a.events.length)
    expect(walOnly.every((e) => (e.time ?? '') >= SERVER.walFrom)).toBe(true)
    expect(walOnly.some((e) => e.eventType === 44 && e.data?.includes('MSBuild.exe'))).toBe(true)
    expect(b.events.filter((e) => e.hidden)).toHaveLength(2)
  })

  it.skipIf(!hasPython)('SQLite itself (python3 sqlite3) reads the WAL rows too', () => {
    const dir = mkdtempSync(join(tmp, 'py-'))
    copyFileSync(join(srv.volume, APP, 'Session.db'), join(dir, 'Session.db'))
    copyFileSync(join(srv.volume, APP, 'Session.db-wal'), join(dir, 'Session.db-wal'))
    const py = `import sqlite3,sys;c=sqlite3.connect(sys.argv[1]);print(c.execute("PRAGMA integrity_check").fetchone()[0]);print(c.execute("SELECT count(*) FROM SessionEvent WHERE Data LIKE '%MSBuild%'").fetchone()[0])`
    const r = spawnSync('python3', ['-c', py, join(dir, 'Session.db')], {encoding: 'utf8'})
    expect(r.stdout.trim().split('\n')).toEqual(['ok', '1'])
  })

  it('end to end: analyze → hunt --iocs → report lists exactly the intruded machines', () => {
    const c = join(tmp, 'case')
    expect(ratchet(['analyze', srv.volume, '--out', c]).status).toBe(0)
    const h = ratchet(['hunt', c, '--iocs', srv.iocs, '--json'])
    expect(h.status, h.stderr).toBe(0)
    expect(JSON.parse(h.stdout)).toMatchObject({blast_radius: join(c, 'blast-radius.json'), affected_machines: join(c, 'affected-machines.csv'), counts: {affected_machines: 5, routine_machines: 35}})
    const blast = JSON.parse(readFileSync(join(c, 'blast-radius.json'), 'utf8')) as BlastRadiusFile
    expect(blast.affected.map((m) => m.machine).sort()).toEqual([...srv.intruded].sort())
    const rx = blast.affected.find((m) => m.machine === 'RXSRV01')!
    expect(rx.wal_only_rows).toBeGreaterThan(0)
    expect(rx.hidden_rows).toHaveLength(2)
    expect(rx.reasons.map((r) => r.code)).toEqual(expect.arrayContaining(['payload_loader', 'remote_tool_command', 'account_command', 'hidden_rows', 'ioc_address']))
    expect(blast.affected.find((m) => m.machine.startsWith('TOPEKA'))!.reasons.map((r) => r.code)).not.toContain('ioc_address')
    expect(blast.affected.flatMap((m) => m.commands).filter((x) => x.status === 'failed')).toHaveLength(1)
    expect(readFileSync(join(c, 'affected-machines.csv'), 'utf8').trim().split('\r\n')).toHaveLength(6)
    const r = ratchet(['report', c])
    expect(r.status, r.stderr).toBe(0)
    const html = readFileSync(join(c, 'report.html'), 'utf8')
    expect(html).toContain('35 machines saw only routine access')
    expect(html).not.toContain('DemoOnly-Pa55')
    expect(existsSync(join(c, 'findings.json'))).toBe(true)
  }, 120_000)
})
