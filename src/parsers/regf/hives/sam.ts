import type {Hive} from '../hive.js'
import {children, filetimeAt, keyTime, loc, openKey, readSid, u16le, u32le, valueMap, type RegLocator} from './common.js'

/**
 * Local accounts and built-in alias members from a SAM hive. Layouts of the F, V and C values as documented
 * by the forensic community (RegRipper samparse, libyal notes): F holds times, RID, flags and counters;
 * V a 0xCC-byte table of (offset, length) pairs into data after it; C the alias name, comment and member SIDs.
 */
export interface SamAccount {
  name: string
  rid: number
  sid?: string
  fullName?: string
  comment?: string
  /** Names\<user> key last written: when the account was created. */
  created?: string
  lastLogon?: string
  passwordLastSet?: string
  lastFailedLogon?: string
  accountExpires?: string
  logonCount?: number
  failedLogonCount?: number
  flags?: number
  disabled: boolean
  locked: boolean
  passwordNotRequired: boolean
  passwordNeverExpires: boolean
  /** Users\<RID> key (F/V values). */
  where: RegLocator
  /** Names\<user> key, when present. */
  nameKey?: RegLocator
}

export interface SamGroup {
  rid: number
  name?: string
  comment?: string
  members: string[]
  lastWritten?: string
  where: RegLocator
}

export interface SamData {
  domainSid?: string
  accounts: SamAccount[]
  groups: SamGroup[]
}

/** ACB flags in F at 0x38. */
const ACB_DISABLED = 0x0001
const ACB_PWNOTREQ = 0x0004
const ACB_PWNOEXP = 0x0200
const ACB_AUTOLOCK = 0x0400

const utf16 = new TextDecoder('utf-16le')

/** A string from the V value's table: entry `i` is (offset, length, unused) at 12*i; data starts at 0xCC. */
function vString(v: Uint8Array, i: number): string | undefined {
  const off = u32le(v, i * 12) + 0xcc
  const len = u32le(v, i * 12 + 4)
  if (len === 0 || off + len > v.length) return undefined
  return utf16.decode(v.subarray(off, off + (len & ~1)))
}

const WATCHED_ALIASES = new Set([544, 555, 580])

export function readSam(h: Hive): SamData {
  const out: SamData = {accounts: [], groups: []}
  const account = openKey(h, 'SAM\\Domains\\Account')
  if (account) {
    const v = valueMap(h, account).get('V')?.data
    // The machine SID's three sub-authorities are the last 12 bytes of Account\V.
    if (v && v.length >= 12) out.domainSid = `S-1-5-21-${u32le(v, v.length - 12)}-${u32le(v, v.length - 8)}-${u32le(v, v.length - 4)}`
  }
  const names = new Map<number, {created?: string; where: RegLocator; name: string}>()
  const namesKey = openKey(h, 'SAM\\Domains\\Account\\Users\\Names')
  if (namesKey) {
    for (const n of children(h, namesKey)) {
      // The default value's TYPE is the RID (its data is empty).
      const dv = valueMap(h, n).get('')
      if (dv) names.set(dv.type, {created: keyTime(n), where: loc(n, dv), name: n.node.name})
    }
  }
  const users = openKey(h, 'SAM\\Domains\\Account\\Users')
  for (const u of users ? children(h, users) : []) {
    if (!/^[0-9a-f]{8}$/i.test(u.node.name)) continue
    const rid = parseInt(u.node.name, 16)
    const vals = valueMap(h, u)
    const F = vals.get('F')?.data ?? new Uint8Array(0)
    const V = vals.get('V')?.data ?? new Uint8Array(0)
    const n = names.get(rid)
    const name = (V.length > 0xcc ? vString(V, 1) : undefined) ?? n?.name
    if (!name) continue
    const flags = F.length >= 0x3a ? u16le(F, 0x38) : undefined
    out.accounts.push({
      name,
      rid,
      sid: out.domainSid ? `${out.domainSid}-${rid}` : undefined,
      fullName: V.length > 0xcc ? vString(V, 2) : undefined,
      comment: V.length > 0xcc ? vString(V, 3) : undefined,
      created: n?.created,
      lastLogon: filetimeAt(F, 0x08),
      passwordLastSet: filetimeAt(F, 0x18),
      accountExpires: filetimeAt(F, 0x20),
      lastFailedLogon: filetimeAt(F, 0x28),
      failedLogonCount: F.length >= 0x42 ? u16le(F, 0x40) : undefined,
      logonCount: F.length >= 0x44 ? u16le(F, 0x42) : undefined,
      flags,
      disabled: flags !== undefined && (flags & ACB_DISABLED) !== 0,
      locked: flags !== undefined && (flags & ACB_AUTOLOCK) !== 0,
      passwordNotRequired: flags !== undefined && (flags & ACB_PWNOTREQ) !== 0,
      passwordNeverExpires: flags !== undefined && (flags & ACB_PWNOEXP) !== 0,
      where: loc(u, vals.get('F') ?? vals.get('V')),
      nameKey: n?.where,
    })
  }
  const aliases = openKey(h, 'SAM\\Domains\\Builtin\\Aliases')
  for (const a of aliases ? children(h, aliases) : []) {
    if (!/^[0-9a-f]{8}$/i.test(a.node.name)) continue
    const rid = parseInt(a.node.name, 16)
    const cv = valueMap(h, a).get('C')
    const C = cv?.data
    if (!C || C.length < 0x34) continue
    const str = (o: number, l: number): string | undefined => {
      const off = u32le(C, o) + 0x34
      const len = u32le(C, l)
      return len && off + len <= C.length ? utf16.decode(C.subarray(off, off + (len & ~1))) : undefined
    }
    const members: string[] = []
    let p = u32le(C, 0x28) + 0x34
    const count = u32le(C, 0x30)
    for (let i = 0; i < count && i < 10_000; i++) {
      const s = readSid(C, p)
      if (!s) break
      members.push(s.sid)
      p += s.length
    }
    const g: SamGroup = {rid, name: str(0x10, 0x14), comment: str(0x1c, 0x20), members, lastWritten: keyTime(a), where: loc(a, cv)}
    if (WATCHED_ALIASES.has(rid) || members.length) out.groups.push(g)
  }
  if (!out.domainSid) {
    // Account\V missing (a hive written by a tool): the machine SID is the prefix of any alias member SID whose
    // last sub-authority is the RID of a local account.
    const rids = new Set(out.accounts.map((a) => a.rid))
    for (const m of out.groups.flatMap((g) => g.members)) {
      const x = /^(S-1-5-21-\d+-\d+-\d+)-(\d+)$/.exec(m)
      if (x && rids.has(Number(x[2]))) {
        out.domainSid = x[1]
        break
      }
    }
    if (out.domainSid) for (const a of out.accounts) a.sid = `${out.domainSid}-${a.rid}`
  }
  return out
}
