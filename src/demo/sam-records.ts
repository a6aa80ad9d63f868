import {encodeSid} from '../writers/evtx/values.js'
import {filetimeFromIso} from '../writers/evtx/values.js'
import {selfRelativeSd} from '../writers/regf/index.js'

/**
 * Binary records of the SAM hive (HKLM\SAM\SAM\Domains\...), in the layouts documented by Joachim Metz's
 * winreg-kb ("Security Accounts Manager (SAM) keys": user V, alias C) and read the same way by RegRipper's
 * samparse plugin (user F offsets). Microsoft does not publish these; the offsets below are the ones both
 * sources agree on. Fields neither source names are written as zero.
 *
 * User F (Users\<RID>\F, 0x50 bytes):
 *   0x00 u16 2, u16 1 (revision)   0x08 FILETIME last logon        0x10 FILETIME last logoff (unused, 0)
 *   0x18 FILETIME password last set  0x20 FILETIME account expires (0x7fffffffffffffff: never)
 *   0x28 FILETIME last failed logon  0x30 u32 RID   0x34 u32 primary group RID (513, "None")
 *   0x38 u16 account control (ACB) flags   0x3c u16 country code   0x3e u16 code page
 *   0x40 u16 failed logon count      0x42 u16 logon count
 *
 * User V (Users\<RID>\V): 17 descriptors of 12 bytes (data offset relative to 0xCC, data size, unknown), then
 * the data, each item 4-byte aligned. Descriptor order: security descriptor, user name, full name, comment,
 * user comment, unknown, home directory, home directory connect, script path, profile path, workstations,
 * hours allowed, unknown, LM hash, NT hash, unknown, unknown. Strings are UTF-16LE without terminator. The
 * demo stores no password hashes (sizes 0).
 *
 * Alias C (Builtin\Aliases\<RID>\C): 0x00 RID, 0x04 0, 0x08 security descriptor size, 0x0C u16 2, u16 1,
 * 0x10/0x14 name offset/size, 0x1C/0x20 comment offset/size, 0x28/0x2C members offset/size, 0x30 member
 * count; offsets relative to 0x34 where the data (security descriptor first) begins; members are binary SIDs
 * one after another.
 */

/** Account control flags (MS-SAMR 2.2.1.12 USER_ACCOUNT Codes). */
export const ACB = {
  DISABLED: 0x0001,
  NORMAL: 0x0010,
  DONT_EXPIRE_PASSWORD: 0x0200,
} as const

const NEVER = 0x7fffffffffffffffn
const ft = (iso: string | undefined): bigint => (iso === undefined ? 0n : filetimeFromIso(iso))

export interface SamUser {
  name: string
  rid: number
  fullName?: string
  comment?: string
  acb: number
  /** ISO times; absent = never. */
  lastLogon?: string
  passwordLastSet?: string
  lastFailedLogon?: string
  logonCount?: number
  failedLogonCount?: number
}

export function userF(u: SamUser): Buffer {
  const f = Buffer.alloc(0x50)
  f.writeUInt16LE(2, 0x00)
  f.writeUInt16LE(1, 0x02)
  f.writeBigUInt64LE(ft(u.lastLogon), 0x08)
  f.writeBigUInt64LE(ft(u.passwordLastSet), 0x18)
  f.writeBigUInt64LE(NEVER, 0x20)
  f.writeBigUInt64LE(ft(u.lastFailedLogon), 0x28)
  f.writeUInt32LE(u.rid, 0x30)
  f.writeUInt32LE(513, 0x34)
  f.writeUInt16LE(u.acb, 0x38)
  f.writeUInt16LE(u.failedLogonCount ?? 0, 0x40)
  f.writeUInt16LE(u.logonCount ?? 0, 0x42)
  return f
}

/** Descriptor table then data: `items[i]` is the data of descriptor i (empty = size 0). */
function descriptorRecord(items: readonly Buffer[], count: number): Buffer {
  const head = Buffer.alloc(count * 12)
  const parts: Buffer[] = []
  let off = 0
  for (let i = 0; i < count; i++) {
    const d = items[i] ?? Buffer.alloc(0)
    head.writeUInt32LE(off, i * 12)
    head.writeUInt32LE(d.length, i * 12 + 4)
    const pad = (4 - (d.length % 4)) % 4
    parts.push(d, Buffer.alloc(pad))
    off += d.length + pad
  }
  return Buffer.concat([head, ...parts])
}

const utf16 = (s: string | undefined): Buffer => Buffer.from(s ?? '', 'utf16le')

// User object access masks (MS-SAMR 2.2.1.7): everyone may read the public fields, the user a little more,
// administrators everything.
const USER_READ_GENERAL_ETC = 0x0002035b
const USER_SELF = 0x00020044
const USER_ALL_ACCESS = 0x000f07ff

export function userV(u: SamUser, machineSid: string): Buffer {
  const sd = selfRelativeSd({
    owner: 'S-1-5-32-544',
    group: 'S-1-5-32-544',
    dacl: [
      {sid: 'S-1-1-0', mask: USER_READ_GENERAL_ETC},
      {sid: 'S-1-5-32-544', mask: USER_ALL_ACCESS},
      {sid: `${machineSid}-${u.rid}`, mask: USER_SELF},
    ],
  })
  return descriptorRecord([sd, utf16(u.name), utf16(u.fullName), utf16(u.comment)], 17)
}

export interface SamAlias {
  rid: number
  name: string
  comment: string
  members: readonly string[]
}

export function aliasC(a: SamAlias): Buffer {
  const sd = selfRelativeSd({
    owner: 'S-1-5-32-544',
    group: 'S-1-5-18',
    dacl: [
      {sid: 'S-1-1-0', mask: 0x0002000c},
      {sid: 'S-1-5-32-544', mask: 0x000f001f},
    ],
  })
  const name = utf16(a.name)
  const comment = utf16(a.comment)
  const members = Buffer.concat(a.members.map(encodeSid))
  const head = Buffer.alloc(0x34)
  // Data: security descriptor, name, comment, members (each 4-byte aligned, as in user V).
  const align = (n: number): number => (n + 3) & ~3
  const nameOff = align(sd.length)
  const commentOff = nameOff + align(name.length)
  const membersOff = commentOff + align(comment.length)
  head.writeUInt32LE(a.rid, 0x00)
  head.writeUInt32LE(sd.length, 0x08)
  head.writeUInt16LE(2, 0x0c)
  head.writeUInt16LE(1, 0x0e)
  head.writeUInt32LE(nameOff, 0x10)
  head.writeUInt32LE(name.length, 0x14)
  head.writeUInt32LE(commentOff, 0x1c)
  head.writeUInt32LE(comment.length, 0x20)
  head.writeUInt32LE(membersOff, 0x28)
  head.writeUInt32LE(members.length, 0x2c)
  head.writeUInt32LE(a.members.length, 0x30)
  const data = Buffer.alloc(membersOff + members.length)
  sd.copy(data, 0)
  name.copy(data, nameOff)
  comment.copy(data, commentOff)
  members.copy(data, membersOff)
  return Buffer.concat([head, data])
}

/** Key name of a user or alias under Users\ / Aliases\: the RID as 8 upper-case hex digits. */
export const ridKey = (rid: number): string => rid.toString(16).toUpperCase().padStart(8, '0')
