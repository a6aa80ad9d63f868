import {createRequire} from 'node:module'
import initSqlJs, {type Database, type SqlJsStatic} from 'sql.js'
import {diag, type Diagnostic} from '../../core/diagnostics.js'
import {applyWal, dbPageSize, parseWal, toRollback} from './wal.js'

/**
 * Opens an SQLite database image in sql.js (WASM, in memory — no native addon, so the standalone exe can
 * carry it). The caller's bytes are never modified: sql.js works on its own copy.
 */
export const MAX_SQLITE_BYTES = 512 * 1024 * 1024

let sqlPromise: Promise<SqlJsStatic> | undefined
export function loadSqlJs(): Promise<SqlJsStatic> {
  if (!sqlPromise) {
    const require = createRequire(import.meta.url)
    const wasmPath = require.resolve('sql.js/dist/sql-wasm.wasm')
    sqlPromise = initSqlJs({locateFile: () => wasmPath})
  }
  return sqlPromise
}

export type SqlValue = string | number | bigint | Uint8Array | null
export type Row = Record<string, SqlValue>

export interface OpenedDb {
  /** The database with committed WAL pages applied. */
  db: Database
  /** The database as on disk without the WAL (to tell WAL-only rows), when a WAL was applied. */
  base?: Database
  walApplied: boolean
  walPages: number
  diagnostics: Diagnostic[]
  close(): void
}

export async function openSqlite(dbBytes: Uint8Array, walBytes: Uint8Array | undefined, file: string): Promise<OpenedDb> {
  const SQL = await loadSqlJs()
  const diagnostics: Diagnostic[] = []
  if (dbPageSize(dbBytes) === undefined) throw new Error('not an SQLite 3 database (bad header)')
  const baseImage = toRollback(dbBytes.slice())
  let image = baseImage
  let walApplied = false
  let walPages = 0
  if (walBytes && walBytes.length) {
    const wal = parseWal(walBytes, `${file}-wal`)
    diagnostics.push(...wal.diagnostics)
    if (wal.pages.size) {
      const applied = applyWal(dbBytes, wal, file)
      diagnostics.push(...applied.diagnostics)
      image = applied.image
      walPages = applied.appliedPages
      walApplied = applied.appliedPages > 0
    }
  }
  const db = new SQL.Database(image)
  const base = walApplied ? new SQL.Database(baseImage) : undefined
  return {
    db,
    base,
    walApplied,
    walPages,
    diagnostics,
    close() {
      db.close()
      base?.close()
    },
  }
}

export function tableNames(db: Database): Map<string, string> {
  const out = new Map<string, string>()
  const res = db.exec("SELECT name FROM sqlite_master WHERE type='table'")
  for (const row of res[0]?.values ?? []) out.set(String(row[0]).toLowerCase(), String(row[0]))
  return out
}

/** Reads all rows of a table (by name, columns by name) with 64-bit integers kept exact as bigint. */
export function* readRows(db: Database, table: string, limit = 5_000_000): Generator<Row> {
  const stmt = db.prepare(`SELECT rowid AS __rowid, * FROM "${table.replace(/"/g, '""')}"`)
  try {
    const cols = stmt.getColumnNames()
    let n = 0
    const getter = stmt as unknown as {get(p: null, cfg: {useBigInt: boolean}): SqlValue[]}
    while (stmt.step()) {
      if (++n > limit) break
      const vals = getter.get(null, {useBigInt: true})
      const row: Row = {}
      for (let i = 0; i < cols.length; i++) {
        let v = vals[i] ?? null
        if (typeof v === 'bigint' && v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER)) v = Number(v)
        row[cols[i]!] = v
      }
      yield row
    }
  } finally {
    stmt.free()
  }
}

/** Canonical text of a row (without rowid) for comparing the WAL-applied and base databases. */
export function rowSignature(row: Row): string {
  const parts: string[] = []
  for (const [k, v] of Object.entries(row)) {
    if (k === '__rowid') continue
    const t = v instanceof Uint8Array ? `x${Buffer.from(v).toString('hex')}` : typeof v === 'bigint' ? `n${v}` : JSON.stringify(v)
    parts.push(`${k}=${t}`)
  }
  return parts.join('\u0001')
}

export function sizeDiagnostic(file: string, bytes: number): Diagnostic {
  return diag('SQLITE_TOO_LARGE', 'error', `${bytes} bytes exceeds the ${MAX_SQLITE_BYTES}-byte limit for in-memory SQLite (sql.js); not parsed`, {file})
}
