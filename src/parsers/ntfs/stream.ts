import type {ByteSource} from '../image/types.js'
import {NtfsDamage} from './errors.js'
import {lznt1Decompress} from './lznt1.js'
import type {Run} from './runs.js'

/** What is needed to read one attribute's value: resident bytes, or runs over the volume. */
export interface AttrData {
  resident: boolean
  /** Resident value (copied out of the record). */
  value?: Uint8Array
  runs: Run[]
  dataSize: number
  initializedSize: number
  /** log2 of clusters per compression unit; 0 = not compressed. */
  compressionUnit: number
}

/** Bytes the runs of an attribute map (sparse runs included): a bound for sizes read from a damaged header. */
export function mappedBytes(d: AttrData, clusterSize: number): number {
  if (d.resident) return d.value?.length ?? 0
  let clusters = 0
  for (const r of d.runs) clusters += r.length
  return clusters * clusterSize
}

/**
 * The value of a non-resident (or resident) attribute as a ByteSource: sparse runs and the region past the
 * initialized size read as zeros; LZNT1 compression units are decompressed one at a time (a unit whose runs
 * fill it completely is stored uncompressed, a unit with a sparse tail is compressed, an all-sparse one is zeros).
 */
export class AttrStream implements ByteSource {
  readonly size: number
  private cuIndex = -1
  private cuBytes: Uint8Array | undefined

  constructor(
    private readonly volume: ByteSource,
    private readonly clusterSize: number,
    private readonly data: AttrData,
  ) {
    this.size = data.dataSize
  }

  read(offset: number, length: number): Uint8Array {
    const start = Math.max(0, Math.min(offset, this.size))
    const end = Math.min(this.size, start + Math.max(0, length))
    const out = new Uint8Array(end - start)
    if (end <= start) return out
    if (this.data.resident) {
      out.set(this.data.value!.subarray(start, end))
      return out
    }
    const initEnd = Math.min(end, this.data.initializedSize)
    if (initEnd > start) {
      if (this.data.compressionUnit > 0) this.readCompressed(start, initEnd, out)
      else this.readPlain(start, initEnd, out, start)
    }
    return out
  }

  close(): void {}

  /** Index of the run containing `vcn`, or -1. Runs are sorted by VCN. */
  private findRun(vcn: number): number {
    const runs = this.data.runs
    let lo = 0
    let hi = runs.length - 1
    while (lo <= hi) {
      const mid = (lo + hi) >> 1
      const r = runs[mid]!
      if (vcn < r.vcn) hi = mid - 1
      else if (vcn >= r.vcn + r.length) lo = mid + 1
      else return mid
    }
    return -1
  }

  /** Copies bytes [start, end) of the uncompressed stream into out at (pos - outBase). */
  private readPlain(start: number, end: number, out: Uint8Array, outBase: number): void {
    const cs = this.clusterSize
    let pos = start
    while (pos < end) {
      const vcn = Math.floor(pos / cs)
      const i = this.findRun(vcn)
      if (i < 0) {
        // No run maps this VCN: a hole the run list does not describe; the bytes stay zero.
        const next = this.data.runs.find((r) => r.vcn > vcn)
        pos = next ? Math.min(end, next.vcn * cs) : end
        continue
      }
      const r = this.data.runs[i]!
      const runEnd = Math.min(end, (r.vcn + r.length) * cs)
      if (r.lcn !== null) {
        const src = this.volume.read(r.lcn * cs + (pos - r.vcn * cs), runEnd - pos)
        out.set(src, pos - outBase)
        if (src.length < runEnd - pos) throw new NtfsDamage('NTFS_READ_PAST_VOLUME', `run at LCN ${r.lcn} lies past the end of the volume`, r.lcn * cs)
      }
      pos = runEnd
    }
  }

  private readCompressed(start: number, end: number, out: Uint8Array): void {
    const cuClusters = 2 ** this.data.compressionUnit
    const cuSize = cuClusters * this.clusterSize
    for (let cu = Math.floor(start / cuSize); cu * cuSize < end; cu++) {
      const bytes = this.unit(cu, cuClusters, cuSize)
      const from = Math.max(start, cu * cuSize)
      const to = Math.min(end, (cu + 1) * cuSize)
      out.set(bytes.subarray(from - cu * cuSize, to - cu * cuSize), from - start)
    }
  }

  private unit(cu: number, cuClusters: number, cuSize: number): Uint8Array {
    if (this.cuIndex === cu && this.cuBytes) return this.cuBytes
    const cs = this.clusterSize
    const first = cu * cuClusters
    let allocated = 0
    for (let v = first; v < first + cuClusters; ) {
      const i = this.findRun(v)
      if (i < 0) break
      const r = this.data.runs[i]!
      const n = Math.min(r.vcn + r.length, first + cuClusters) - v
      if (r.lcn !== null) allocated += n
      v += n
    }
    const result = new Uint8Array(cuSize)
    if (allocated === cuClusters) {
      this.readPlain(cu * cuSize, (cu + 1) * cuSize, result, cu * cuSize)
    } else if (allocated > 0) {
      const packed = new Uint8Array(allocated * cs)
      let p = 0
      for (let v = first; v < first + cuClusters && p < packed.length; ) {
        const r = this.data.runs[this.findRun(v)]!
        const n = Math.min(r.vcn + r.length, first + cuClusters) - v
        if (r.lcn !== null) {
          packed.set(this.volume.read((r.lcn + (v - r.vcn)) * cs, n * cs), p)
          p += n * cs
        }
        v += n
      }
      lznt1Decompress(packed, result)
    }
    this.cuIndex = cu
    this.cuBytes = result
    return result
  }
}
