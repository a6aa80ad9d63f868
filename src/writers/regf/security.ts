import {encodeSid} from '../evtx/values.js'

/**
 * Self-relative security descriptors (MS-DTYP 2.4.6) for key security (sk) cells and SAM records.
 * Layout: Revision 1, Sbz1, Control (SE_SELF_RELATIVE | SE_DACL_PRESENT), then offsets of owner, group,
 * SACL (0: none) and DACL from the start of the descriptor; the SIDs and the ACL follow the 20-byte header.
 */

const SE_DACL_PRESENT = 0x0004
const SE_SELF_RELATIVE = 0x8000
const ACL_REVISION = 2
const ACCESS_ALLOWED_ACE_TYPE = 0
export const CONTAINER_INHERIT_ACE = 0x02

export interface Ace {
  sid: string
  mask: number
  flags?: number
}

/** ACCESS_ALLOWED_ACE: type, flags, size, mask, SID (MS-DTYP 2.4.4.2). */
function ace(a: Ace): Buffer {
  const sid = encodeSid(a.sid)
  const out = Buffer.alloc(8 + sid.length)
  out.writeUInt8(ACCESS_ALLOWED_ACE_TYPE, 0)
  out.writeUInt8(a.flags ?? 0, 1)
  out.writeUInt16LE(out.length, 2)
  out.writeUInt32LE(a.mask >>> 0, 4)
  sid.copy(out, 8)
  return out
}

/** ACL header (revision, size, ACE count) followed by the ACEs (MS-DTYP 2.4.5). */
function acl(aces: readonly Ace[]): Buffer {
  const body = Buffer.concat(aces.map(ace))
  const head = Buffer.alloc(8)
  head.writeUInt8(ACL_REVISION, 0)
  head.writeUInt16LE(8 + body.length, 2)
  head.writeUInt16LE(aces.length, 4)
  return Buffer.concat([head, body])
}

export function selfRelativeSd(o: {owner: string; group: string; dacl: readonly Ace[]}): Buffer {
  const owner = encodeSid(o.owner)
  const group = encodeSid(o.group)
  const dacl = acl(o.dacl)
  const head = Buffer.alloc(20)
  head.writeUInt8(1, 0)
  head.writeUInt16LE(SE_SELF_RELATIVE | SE_DACL_PRESENT, 2)
  head.writeUInt32LE(20, 4)
  head.writeUInt32LE(20 + owner.length, 8)
  head.writeUInt32LE(0, 12)
  head.writeUInt32LE(20 + owner.length + group.length, 16)
  return Buffer.concat([head, owner, group, dacl])
}

const KEY_ALL_ACCESS = 0x000f003f
const KEY_READ = 0x00020019

/**
 * The descriptor every written key shares: owned by Administrators, group SYSTEM; full control for SYSTEM and
 * Administrators, read for Users, inherited by subkeys — the shape of the default on HKLM\SOFTWARE keys.
 */
export function defaultKeySecurity(): Buffer {
  return selfRelativeSd({
    owner: 'S-1-5-32-544',
    group: 'S-1-5-18',
    dacl: [
      {sid: 'S-1-5-18', mask: KEY_ALL_ACCESS, flags: CONTAINER_INHERIT_ACE},
      {sid: 'S-1-5-32-544', mask: KEY_ALL_ACCESS, flags: CONTAINER_INHERIT_ACE},
      {sid: 'S-1-5-32-545', mask: KEY_READ, flags: CONTAINER_INHERIT_ACE},
    ],
  })
}
