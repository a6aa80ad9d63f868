/**
 * The tree the regf writer takes: a key with its last-written time, optional class name, values and subkeys.
 * Names and types follow the format documentation (Maxim Suhanov, "Windows registry file format
 * specification"; libyal, "Windows NT Registry File (REGF) format").
 */

/** Value data types (winnt.h REG_* constants). */
export const REG_TYPES = {
  REG_NONE: 0,
  REG_SZ: 1,
  REG_EXPAND_SZ: 2,
  REG_BINARY: 3,
  REG_DWORD: 4,
  REG_DWORD_BIG_ENDIAN: 5,
  REG_LINK: 6,
  REG_MULTI_SZ: 7,
  REG_RESOURCE_LIST: 8,
  REG_FULL_RESOURCE_DESCRIPTOR: 9,
  REG_RESOURCE_REQUIREMENTS_LIST: 10,
  REG_QWORD: 11,
} as const

export type RegTypeName = keyof typeof REG_TYPES

export interface RegfValue {
  /** `""` is the key's default value. */
  name: string
  /**
   * A REG_* name, or any 32-bit number (SAM stores a RID as the type of a data-less default value).
   */
  type: RegTypeName | number
  /**
   * string for REG_SZ / EXPAND_SZ / LINK; string[] for MULTI_SZ; number for DWORD (either endianness);
   * bigint (or a safe integer) for QWORD; bytes for anything, stored as given.
   */
  data: string | readonly string[] | number | bigint | Uint8Array
}

export interface RegfKey {
  name: string
  /** ISO-8601 UTC timestamp or a FILETIME. */
  lastWritten: string | bigint
  className?: string
  values?: readonly RegfValue[]
  subkeys?: readonly RegfKey[]
}

export interface RegfWriteOptions {
  /** Minor format version: 3 (Windows XP: lf lists, no big data) or 5 (Windows 8 on: lh lists, db big data). */
  minorVersion?: 3 | 5
  /** Both sequence numbers of the base block (equal: the hive is clean). */
  sequence?: number
  /** Base block last-written time; defaults to the newest key time. */
  lastWritten?: string | bigint
  /** Base block file name (the last 31 characters are kept, as Windows keeps the tail of the path). */
  fileName?: string
  /** Most entries in one lf/lh leaf before the subkeys are split under an ri index (Windows splits large lists). */
  maxLeafEntries?: number
}
