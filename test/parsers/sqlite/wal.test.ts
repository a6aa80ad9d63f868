import {readFileSync} from 'node:fs'
import {afterAll, describe, expect, it} from 'vitest'
import {applyWal, parseWal, WAL_FRAME_HEADER_SIZE, WAL_HEADER_SIZE} from '../../../src/parsers/sqlite/wal.js'
import {openSqlite} from '../../../src/parsers/sqlite/open.js'
import {addWalRows, buildBaseSessionDb, cleanupTemp, tempDir, hasPython} from '../screenconnect/build-session-db.js'

const PY = hasPython()
if (!PY) console.warn('SKIP WAL tests: python3 with sqlite3 is not available to create a real WAL')

async function realWal(): Promise<{db: Buffer; wal: Buffer}> {
  const {db, wal} = addWalRows(await buildBaseSessionDb(tempDir('wal')))
  return {db: readFileSync(db), wal: readFileSync(wal)}
}

afterAll(cleanupTemp)

describe('SQLite WAL', () => {
  it.skipIf(!PY)('validates the header and frames and keeps the last committed page versions', async () => {
    const {db, wal} = await realWal()
    expect(db[18]).toBe(2) // the copy on disk is a WAL-mode database
    const r = parseWal(wal)
    expect(r.diagnostics).toEqual([])
    expect(r.framesValid).toBeGreaterThan(0)
    expect(r.framesCommitted).toBe(r.framesValid)
    expect(r.dbPages).toBeGreaterThan(0)
    const {image} = applyWal(db, r)
    expect([image[18], image[19]]).toEqual([1, 1])
    expect(db[18]).toBe(2) // the evidence bytes are not modified
    const opened = await openSqlite(db, wal, 'Session.db')
    expect(opened.walApplied).toBe(true)
    const n = opened.db.exec('SELECT count(*) FROM SessionConnectionEvent')[0]!.values[0]![0]
    const nBase = opened.base!.exec('SELECT count(*) FROM SessionConnectionEvent')[0]!.values[0]![0]
    expect([n, nBase]).toEqual([7, 2])
    opened.close()
  })

  it.skipIf(!PY)('ignores frames of a transaction whose commit frame is missing', async () => {
    const {db, wal} = await realWal()
    const pageSize = wal.readUInt32BE(8)
    const cut = wal.subarray(0, wal.length - (WAL_FRAME_HEADER_SIZE + pageSize))
    const r = parseWal(cut)
    expect(r.pages.size).toBe(0)
    expect(r.diagnostics.map((d) => d.code)).toEqual(['SQLITE_WAL_UNCOMMITTED'])
    const opened = await openSqlite(db, cut, 'Session.db')
    expect(opened.walApplied).toBe(false)
    expect(opened.db.exec('SELECT count(*) FROM SessionConnectionEvent')[0]!.values[0]![0]).toBe(2)
    opened.close()
  })

  it('rejects a WAL with a bad magic or a short header', () => {
    expect(parseWal(new Uint8Array(10)).diagnostics[0]!.code).toBe('SQLITE_WAL_TRUNCATED')
    expect(parseWal(new Uint8Array(WAL_HEADER_SIZE)).diagnostics[0]!.code).toBe('SQLITE_WAL_BAD_MAGIC')
  })
})
