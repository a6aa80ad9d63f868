import {isRatchetError} from '../src/core/errors.js'
import {listNames} from '../src/ntfs/list.js'
import {BufferSource} from '../src/parsers/image/slice.js'
import type {ByteSource} from '../src/parsers/image/types.js'
import {NtfsDamage} from '../src/parsers/ntfs/errors.js'
import {lznt1Decompress} from '../src/parsers/ntfs/lznt1.js'
import {Mft} from '../src/parsers/ntfs/mft.js'
import {walkUsn} from '../src/parsers/ntfs/usn.js'
import {NtfsVolume} from '../src/parsers/ntfs/volume.js'
import {rng} from './evtx-fuzz-lib.js'

export {rng}

const INTERESTING = [0, 1, 7, 8, 0x18, 0x30, 0x80, 0xff, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff, 512, 1024, 4096]

/** Mutation positions: `regions` (e.g. the $MFT's bytes) most of the time, anywhere otherwise. */
function position(size: number, regions: [number, number][], r: () => number): number {
  if (regions.length && r() < 0.9) {
    const [a, b] = regions[Math.floor(r() * regions.length)]!
    return a + Math.floor(r() * Math.max(1, b - a))
  }
  return Math.floor(r() * size)
}

/** Byte patches over a source (copy-on-write), so a 48 MiB image is fuzzed without copying it. */
export class PatchedSource implements ByteSource {
  readonly size: number
  constructor(
    private readonly base: ByteSource,
    readonly patches: Map<number, number>,
    size?: number,
  ) {
    this.size = size ?? base.size
  }
  read(offset: number, length: number): Uint8Array {
    const end = Math.min(this.size, offset + Math.max(0, length))
    if (end <= offset) return new Uint8Array(0)
    const out = new Uint8Array(end - offset)
    out.set(this.base.read(offset, end - offset))
    for (const [p, v] of this.patches) if (p >= offset && p < end) out[p - offset] = v
    return out
  }
  close(): void {}
}

/** A set of byte patches: random bytes, interesting 16/32-bit values, zeroed runs, in the given regions. */
export function mutations(size: number, regions: [number, number][], r: () => number): Map<number, number> {
  const m = new Map<number, number>()
  const rounds = 1 + Math.floor(r() * 12)
  for (let i = 0; i < rounds; i++) {
    const p = position(size, regions, r)
    const kind = Math.floor(r() * 4)
    if (kind === 0) for (let k = 0, n = 1 + Math.floor(r() * 8); k < n; k++) m.set(p + k, Math.floor(r() * 256))
    else if (kind === 1 || kind === 2) {
      const v = INTERESTING[Math.floor(r() * INTERESTING.length)]!
      for (let k = 0; k < (kind === 1 ? 4 : 2); k++) m.set(p + k, (v >>> (8 * k)) & 0xff)
    } else for (let k = 0, n = Math.floor(r() * 64); k < n; k++) m.set(p + k, 0)
  }
  for (const p of [...m.keys()]) if (p >= size) m.delete(p)
  return m
}

export interface FuzzOutcome {
  ms: number
  lines: number
  /** An exception other than a documented RatchetError / NtfsDamage: a bug. */
  crash?: string
}

function classify(err: unknown): string | undefined {
  if (err instanceof NtfsDamage || isRatchetError(err)) return undefined
  return err instanceof Error ? (err.stack ?? err.message) : String(err)
}

/** Opens a mutated volume, lists it as bodyfile and JSONL, reads the first MiB of up to 64 files' streams. */
export function fuzzVolume(src: ByteSource): FuzzOutcome {
  const t0 = performance.now()
  let lines = 0
  try {
    const vol = NtfsVolume.open(src)
    const sink = (c: string): void => {
      lines += c.length > 0 ? 1 : 0
    }
    listNames(vol.mft, 'bodyfile', sink, {directoryIndex: (n) => vol.indexedEntries(n)})
    listNames(vol.mft, 'jsonl', sink)
    for (let n = 0, read = 0; n < vol.mft.count && read < 64; n++) {
      const e = vol.entry(n)
      if (!e) continue
      for (const s of e.streams) {
        const st = vol.openStream(e, s.name)
        if (st) st.read(0, 1 << 20)
      }
      if (e.isDirectory) vol.directoryEntries(e)
      read++
    }
    vol.lookup('/Windows/System32/config/SAM')
  } catch (err) {
    const crash = classify(err)
    if (crash) return {ms: performance.now() - t0, lines, crash}
  }
  return {ms: performance.now() - t0, lines}
}

/** A mutated standalone $MFT (bytes in memory), listed both ways. */
export function fuzzMft(bytes: Uint8Array): FuzzOutcome {
  const t0 = performance.now()
  let lines = 0
  try {
    const src = new BufferSource(bytes)
    const size = Mft.detectRecordSize(src) ?? 1024
    const mft = new Mft(src, size)
    listNames(mft, 'jsonl', () => lines++)
    listNames(mft, 'bodyfile', () => lines++)
  } catch (err) {
    const crash = classify(err)
    if (crash) return {ms: performance.now() - t0, lines, crash}
  }
  return {ms: performance.now() - t0, lines}
}

/** A mutated $J. */
export function fuzzUsn(bytes: Uint8Array): FuzzOutcome {
  const t0 = performance.now()
  let lines = 0
  try {
    walkUsn(new BufferSource(bytes), () => lines++)
  } catch (err) {
    const crash = classify(err)
    if (crash) return {ms: performance.now() - t0, lines, crash}
  }
  return {ms: performance.now() - t0, lines}
}

/** Random LZNT1 input (mostly valid-looking chunk headers) into a 64 KiB unit. */
export function fuzzLznt1(r: () => number): FuzzOutcome {
  const t0 = performance.now()
  const src = new Uint8Array(Math.floor(r() * 8192))
  for (let i = 0; i < src.length; i++) src[i] = Math.floor(r() * 256)
  if (src.length > 2) src[1] = (src[1]! & 0x0f) | 0xb0
  try {
    lznt1Decompress(src, new Uint8Array(65536))
  } catch (err) {
    const crash = classify(err)
    if (crash) return {ms: performance.now() - t0, lines: 0, crash}
  }
  return {ms: performance.now() - t0, lines: 0}
}

/** Applies patches to a copy of in-memory bytes (standalone files). */
export function patched(bytes: Uint8Array, m: Map<number, number>): Uint8Array {
  const b = new Uint8Array(bytes)
  for (const [p, v] of m) if (p < b.length) b[p] = v
  return b
}
