import {isIP} from 'node:net'

/**
 * glibc `struct utmp` as written to /var/log/wtmp and /var/log/btmp on x86-64 (and i386, aarch64: the
 * same 384-byte layout, 32-bit ut_tv/ut_session for compatibility, little endian). Offsets from
 * <bits/utmp.h>: ut_type s16 (+2 pad) @0, ut_pid @4, ut_line[32] @8, ut_id[4] @40, ut_user[32] @44,
 * ut_host[256] @76, ut_exit {e_termination s16, e_exit s16} @332, ut_session @336, ut_tv {tv_sec,
 * tv_usec} @340, ut_addr_v6 s32[4] @348 (network byte order), __glibc_reserved[20] @364.
 */
export const UTMP_RECORD_SIZE = 384

/** ut_type values (utmp(5)). */
export const UtType = {
  EMPTY: 0,
  RUN_LVL: 1,
  BOOT_TIME: 2,
  NEW_TIME: 3,
  OLD_TIME: 4,
  INIT_PROCESS: 5,
  LOGIN_PROCESS: 6,
  USER_PROCESS: 7,
  DEAD_PROCESS: 8,
  ACCOUNTING: 9,
} as const

const TYPE_NAMES = ['EMPTY', 'RUN_LVL', 'BOOT_TIME', 'NEW_TIME', 'OLD_TIME', 'INIT_PROCESS', 'LOGIN_PROCESS', 'USER_PROCESS', 'DEAD_PROCESS', 'ACCOUNTING']

export interface UtmpRecord {
  /** Byte offset of the record in the file. */
  offset: number
  type: number
  typeName: string
  pid: number
  line: string
  id: string
  user: string
  host: string
  exitTermination: number
  exitStatus: number
  session: number
  tvSec: number
  tvUsec: number
  /** Address from ut_addr_v6 (IPv4 when only the first word is set), or undefined when all zero. */
  addr?: string
}

/** A fixed-size char array: up to the first NUL (a full-length field has none). */
function cstr(b: Buffer, start: number, len: number): string {
  const field = b.subarray(start, start + len)
  const nul = field.indexOf(0)
  return field.subarray(0, nul === -1 ? len : nul).toString('utf8')
}

function addrV6(b: Buffer, at: number): string | undefined {
  const a = b.subarray(at, at + 16)
  if (a.every((x) => x === 0)) return undefined
  if (a.subarray(4).every((x) => x === 0)) return `${a[0]}.${a[1]}.${a[2]}.${a[3]}`
  const groups: string[] = []
  for (let i = 0; i < 16; i += 2) groups.push(a.readUInt16BE(i).toString(16))
  // Canonical (RFC 5952) compression of the longest zero run, through the URL parser.
  return new URL(`http://[${groups.join(':')}]/`).hostname.slice(1, -1)
}

/** Decodes one record; `rec` must be UTMP_RECORD_SIZE bytes. Returns a problem instead when it is not a plausible record. */
export function parseUtmpRecord(rec: Buffer, offset: number): UtmpRecord | {problem: string; offset: number} {
  if (rec.length !== UTMP_RECORD_SIZE) return {problem: `record of ${rec.length} bytes, not ${UTMP_RECORD_SIZE}`, offset}
  const type = rec.readInt16LE(0)
  if (type < 0 || type >= TYPE_NAMES.length) return {problem: `ut_type ${type} is not a utmp record type`, offset}
  const tvUsec = rec.readInt32LE(344)
  if (tvUsec < 0 || tvUsec > 999_999) return {problem: `tv_usec ${tvUsec} out of range`, offset}
  return {
    offset,
    type,
    typeName: TYPE_NAMES[type]!,
    pid: rec.readInt32LE(4),
    line: cstr(rec, 8, 32),
    id: cstr(rec, 40, 4),
    user: cstr(rec, 44, 32),
    host: cstr(rec, 76, 256),
    exitTermination: rec.readInt16LE(332),
    exitStatus: rec.readInt16LE(334),
    session: rec.readInt32LE(336),
    tvSec: rec.readUInt32LE(340),
    tvUsec,
    addr: addrV6(rec, 348),
  }
}

/** The remote address of a record: ut_addr_v6 when set, else ut_host when it is a literal IP (`last -i` does the same). */
export function utmpSourceIp(r: UtmpRecord): string | undefined {
  if (r.addr) return r.addr
  const h = r.host.trim()
  return isIP(h) ? h : undefined
}
