import {readRows, tableNames, type OpenedDb, type Row, type SqlValue} from '../sqlite/open.js'
import {sessionTime} from './session-db.js'

/** ScreenConnect server `security.db`, table `SecurityEvent` (web logins; ARTEFACTS.md §3). */
export interface SecurityEventRecord {
  rowid: number
  eventType?: string
  operationResult?: string
  success: boolean
  networkAddress?: string
  networkAddressRaw?: string
  userAgent?: string
  userSource?: string
  urlReferrer?: string
  userName?: string
  time?: string
  timeRaw?: string
}

/** IPv4 stored as a big-endian integer (possibly signed 32-bit) → dotted quad. */
export function ipv4FromInt(v: number | bigint): string | undefined {
  const n = Number(BigInt.asUintN(32, BigInt(v)))
  if (typeof v === 'bigint' ? v > 0xffffffffn || v < -0x80000000n : v > 0xffffffff || v < -0x80000000) return undefined
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.')
}

function col(row: Row, name: string): SqlValue | undefined {
  const lower = name.toLowerCase()
  for (const k of Object.keys(row)) if (k.toLowerCase() === lower) return row[k]
  return undefined
}
const text = (v: SqlValue | undefined): string | undefined => (v === null || v === undefined ? undefined : v instanceof Uint8Array ? new TextDecoder().decode(v) : String(v) || undefined)

/**
 * Success: OperationResult 0 or text `Success` (the enum is unpublished; any other value is a failure and
 * the raw value is kept so an analyst can judge).
 */
export function readSecurityDb(opened: OpenedDb): {records: SecurityEventRecord[]; hasTable: boolean} {
  const table = tableNames(opened.db).get('securityevent')
  if (!table) return {records: [], hasTable: false}
  const records: SecurityEventRecord[] = []
  for (const r of readRows(opened.db, table)) {
    const res = col(r, 'OperationResult')
    const resText = text(res)
    const addr = col(r, 'NetworkAddress')
    let ip: string | undefined
    if (typeof addr === 'number' || typeof addr === 'bigint') ip = ipv4FromInt(addr)
    else if (typeof addr === 'string') ip = /^-?\d+$/.test(addr) ? ipv4FromInt(BigInt(addr)) : addr
    else if (addr instanceof Uint8Array && addr.length === 4) ip = [...addr].join('.')
    const rawTime = col(r, 'Time')
    const rec: SecurityEventRecord = {
      rowid: Number(col(r, '__rowid') ?? 0),
      eventType: text(col(r, 'EventType')),
      operationResult: resText,
      success: resText === '0' || /^success/i.test(resText ?? ''),
      networkAddress: ip,
      userAgent: text(col(r, 'UserAgent')),
      userSource: text(col(r, 'UserSource')),
      urlReferrer: text(col(r, 'UrlReferrer')),
      userName: text(col(r, 'UserName')),
      time: sessionTime(rawTime),
      timeRaw: text(rawTime),
    }
    if (addr !== null && addr !== undefined && !(addr instanceof Uint8Array)) rec.networkAddressRaw = String(addr)
    records.push(rec)
  }
  return {records, hasTable: true}
}
