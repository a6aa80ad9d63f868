import {filetimeAt, u16le, u32le} from './common.js'

/**
 * AppCompatCache (ShimCache) value data. Layouts as documented for Mandiant's ShimCacheParser and Eric
 * Zimmerman's AppCompatCacheParser:
 * - Windows 10 / Server 2016+: header of 0x30 (pre-1703) or 0x34 bytes (size in the first dword), then
 *   entries "10ts", unknown u32, entry size u32, path length u16, path, last-modified FILETIME, data size, data.
 * - Windows 8.0 / 8.1 / Server 2012 (R2): 0x80-byte header, entries "00ts"/"10ts", unknown, entry size, path
 *   length, path, insert flags u32, shim flags u32, last modified, data size, data.
 * - Windows 7 / Server 2008 R2: signature 0xBADC0FEE, count at 4, 0x80-byte header, fixed 32-bit or 64-bit
 *   entries with (length, max length, path offset) then last modified.
 * Entries are in cache order (most recent first); the cache records presence, not necessarily execution.
 */
export interface ShimCacheEntry {
  /** 0-based position in the cache (0 = most recently inserted or updated). */
  position: number
  path: string
  /** File last-modified time recorded with the entry. */
  lastModified?: string
  /** Windows 7/8 insert flag 0x2 ("executed") when the format has it. */
  executed?: boolean
}

export interface ShimCacheResult {
  format: 'win10' | 'win8' | 'win7x64' | 'win7x86' | 'unknown'
  entries: ShimCacheEntry[]
  /** Why parsing stopped early, when it did. */
  problem?: string
}

const utf16 = new TextDecoder('utf-16le')
const MAX_ENTRIES = 100_000

function tsEntries(b: Uint8Array, start: number, win8: boolean): ShimCacheResult {
  const entries: ShimCacheEntry[] = []
  let p = start
  while (p + 12 <= b.length && entries.length < MAX_ENTRIES) {
    const sig = String.fromCharCode(b[p]!, b[p + 1]!, b[p + 2]!, b[p + 3]!)
    if (sig !== '10ts' && sig !== '00ts') return {format: win8 ? 'win8' : 'win10', entries, problem: `unexpected entry signature at ${p}`}
    const size = u32le(b, p + 8)
    const body = p + 12
    const end = body + size
    if (end > b.length) return {format: win8 ? 'win8' : 'win10', entries, problem: `entry at ${p} runs past the data`}
    const plen = u16le(b, body)
    const path = utf16.decode(b.subarray(body + 2, Math.min(end, body + 2 + plen)))
    let q = body + 2 + plen
    let executed: boolean | undefined
    if (win8) {
      executed = (u32le(b, q) & 0x2) !== 0
      q += 8
    }
    entries.push({position: entries.length, path, lastModified: filetimeAt(b, q), executed})
    p = end
  }
  return {format: win8 ? 'win8' : 'win10', entries}
}

function win7(b: Uint8Array): ShimCacheResult {
  const count = Math.min(u32le(b, 4), MAX_ENTRIES)
  // 64-bit entries are 48 bytes, 32-bit ones 32: the first entry's path offset field tells which (a 64-bit
  // offset has a zero upper half; a 32-bit layout puts the FILETIME there).
  const x64 = u32le(b, 0x80 + 12) === 0 && u32le(b, 0x80 + 8) < b.length
  const size = x64 ? 48 : 32
  const entries: ShimCacheEntry[] = []
  for (let i = 0; i < count; i++) {
    const e = 0x80 + i * size
    if (e + size > b.length) return {format: x64 ? 'win7x64' : 'win7x86', entries, problem: 'entry table runs past the data'}
    const len = u16le(b, e)
    const off = x64 ? u32le(b, e + 8) : u32le(b, e + 4)
    const path = off + len <= b.length ? utf16.decode(b.subarray(off, off + (len & ~1))) : ''
    const tp = x64 ? e + 16 : e + 8
    entries.push({position: i, path, lastModified: filetimeAt(b, tp), executed: (u32le(b, tp + 8) & 0x2) !== 0})
  }
  return {format: x64 ? 'win7x64' : 'win7x86', entries}
}

export function parseShimCache(b: Uint8Array): ShimCacheResult {
  if (b.length < 8) return {format: 'unknown', entries: [], problem: 'value too short'}
  const first = u32le(b, 0)
  if (first === 0xbadc0fee) return win7(b)
  if ((first === 0x30 || first === 0x34) && b.length >= first + 4) return tsEntries(b, first, false)
  if (first === 0x80 && b.length >= 0x84) return tsEntries(b, 0x80, true)
  return {format: 'unknown', entries: [], problem: `unknown header 0x${first.toString(16)}`}
}
