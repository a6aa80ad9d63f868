import {NtfsDamage} from './errors.js'

/** One data run: `length` clusters from `vcn`; `lcn` null for a sparse run (reads as zeros). */
export interface Run {
  vcn: number
  lcn: number | null
  length: number
}

/**
 * Decodes a mapping-pairs array (run list) at [start, end) of `b`. Header byte: low nibble = size of the
 * length field, high nibble = size of the signed LCN delta (0 = sparse). Ends at a zero header byte.
 * `firstVcn` is the attribute extent's starting VCN. Bounds every field; damage throws NtfsDamage with the
 * offset relative to `b`.
 */
export function decodeRuns(b: Uint8Array, start: number, end: number, firstVcn: number, clusterLimit = Number.MAX_SAFE_INTEGER): Run[] {
  const runs: Run[] = []
  let p = start
  let vcn = firstVcn
  let lcn = 0
  while (p < end) {
    const h = b[p]!
    if (h === 0) return runs
    const lenSize = h & 0x0f
    const offSize = h >> 4
    if (lenSize === 0 || lenSize > 8 || offSize > 8 || p + 1 + lenSize + offSize > end) {
      throw new NtfsDamage('NTFS_RUNLIST_BAD', `bad run header 0x${h.toString(16)}`, p)
    }
    let length = 0
    for (let i = lenSize - 1; i >= 0; i--) length = length * 256 + b[p + 1 + i]!
    if (length <= 0 || length > clusterLimit) throw new NtfsDamage('NTFS_RUNLIST_BAD', `run length ${length} out of range`, p)
    if (offSize === 0) {
      runs.push({vcn, lcn: null, length})
    } else {
      let delta = 0
      for (let i = offSize - 1; i >= 0; i--) delta = delta * 256 + b[p + 1 + lenSize + i]!
      if (b[p + lenSize + offSize]! & 0x80) delta -= 2 ** (8 * offSize)
      lcn += delta
      if (lcn < 0 || lcn > clusterLimit) throw new NtfsDamage('NTFS_RUNLIST_BAD', `run LCN ${lcn} outside the volume`, p)
      runs.push({vcn, lcn, length})
    }
    vcn += length
    p += 1 + lenSize + offSize
  }
  throw new NtfsDamage('NTFS_RUNLIST_BAD', 'run list has no terminating zero byte', end)
}
