import {type BigIntStats, constants} from 'node:fs'
import {type FileHandle, open} from 'node:fs/promises'
import {osErrorCode} from '../core/errors.js'
import {formatUnix100ns} from '../core/time.js'
import type {ItemKind, MacbTimes} from '../evidence/manifest-types.js'

/**
 * Read-only access to source files. Opens never create, truncate or follow a final symlink; O_NOATIME keeps
 * the access time unchanged where the kernel allows it (owner or CAP_FOWNER), and O_NONBLOCK makes an open
 * that races with a FIFO swap return at once instead of blocking forever.
 */

const C = constants as typeof constants & {O_NOATIME?: number; O_NOFOLLOW?: number; O_NONBLOCK?: number}
const BASE_FLAGS = C.O_RDONLY | (C.O_NOFOLLOW ?? 0) | (C.O_NONBLOCK ?? 0)
const NOATIME = C.O_NOATIME ?? 0

export type OpenFn = (path: string, flags: number) => Promise<FileHandle>

export interface OpenedSource {
  handle: FileHandle
  /** False when O_NOATIME was refused (EPERM) and the file was opened without it. */
  noatime: boolean
}

export async function openReadOnly(path: string, openFn: OpenFn = (p, f) => open(p, f)): Promise<OpenedSource> {
  if (NOATIME) {
    try {
      return {handle: await openFn(path, BASE_FLAGS | NOATIME), noatime: true}
    } catch (e) {
      if (osErrorCode(e) !== 'EPERM') throw e
    }
  }
  return {handle: await openFn(path, BASE_FLAGS), noatime: false}
}

export function statKind(st: BigIntStats): ItemKind {
  if (st.isFile()) return 'file'
  if (st.isDirectory()) return 'directory'
  if (st.isSymbolicLink()) return 'symlink'
  if (st.isFIFO()) return 'fifo'
  if (st.isSocket()) return 'socket'
  if (st.isBlockDevice()) return 'block-device'
  if (st.isCharacterDevice()) return 'char-device'
  return 'other'
}

const nsToIso = (ns: bigint): string | null => (ns > 0n ? (formatUnix100ns(ns / 100n) ?? null) : null)

/** MACB from a bigint stat: full nanosecond precision truncated to 100 ns (FILETIME's unit). */
export function macb(st: BigIntStats): MacbTimes {
  return {
    modified: nsToIso(st.mtimeNs),
    accessed: nsToIso(st.atimeNs),
    changed: nsToIso(st.ctimeNs),
    // 0 means the file system (or kernel) does not report a birth time.
    born: nsToIso(st.birthtimeNs),
  }
}

export function modeString(st: BigIntStats): string {
  return (Number(st.mode) & 0o7777).toString(8).padStart(4, '0')
}
