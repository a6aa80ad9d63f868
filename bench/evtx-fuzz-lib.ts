import {isRatchetError} from '../src/core/errors.js'
import {parseEvtxBuffer} from '../src/parsers/evtx/index.js'
import {renderChunkText} from '../src/parsers/evtx/render-chunk.js'

/** Small deterministic PRNG (mulberry32): the same seed gives the same mutations on every machine. */
export function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const INTERESTING = [0, 1, 0x7f, 0x80, 0xff, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff, 512, 4096, 65536, 65535]

/**
 * One mutated copy of an EVTX file. Mutations target the structures a parser trusts: record and chunk
 * headers, BinXML tokens, sizes, counts and offsets (most land in chunk data, a few in the file header).
 */
export function mutate(src: Uint8Array, r: () => number): Uint8Array {
  let b = src.slice()
  const pick = (lo: number, hi: number): number => lo + Math.floor(r() * Math.max(1, hi - lo))
  const dataPos = (): number => (b.length > 4608 && r() < 0.95 ? pick(4096, b.length) : pick(0, b.length))
  const rounds = 1 + Math.floor(r() * 8)
  for (let i = 0; i < rounds && b.length > 0; i++) {
    const kind = Math.floor(r() * 7)
    const p = dataPos()
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength)
    switch (kind) {
      case 0: // random bytes
        for (let k = 0, n = 1 + Math.floor(r() * 16); k < n && p + k < b.length; k++) b[p + k] = Math.floor(r() * 256)
        break
      case 1: // interesting 32-bit value (sizes, offsets, counts)
        if (p + 4 <= b.length) dv.setUint32(p, INTERESTING[Math.floor(r() * INTERESTING.length)]!, true)
        break
      case 2: // interesting 16-bit value (character counts, value sizes)
        if (p + 2 <= b.length) dv.setUint16(p, INTERESTING[Math.floor(r() * INTERESTING.length)]! & 0xffff, true)
        break
      case 3: // BinXML token soup
        for (let k = 0, n = 1 + Math.floor(r() * 8); k < n && p + k < b.length; k++) b[p + k] = Math.floor(r() * 0x50)
        break
      case 4: // truncate
        b = b.slice(0, pick(0, b.length))
        break
      case 5: // zero a range
        b.fill(0, p, Math.min(b.length, p + Math.floor(r() * 4096)))
        break
      case 6: {
        // copy a range over another (self-referencing offsets, duplicated records)
        const from = dataPos()
        const n = Math.floor(r() * 2048)
        b.copyWithin(p, from, Math.min(b.length, from + n))
        break
      }
    }
  }
  return b
}

export interface FuzzOutcome {
  ms: number
  records: number
  diagnostics: number
  notEvtx: boolean
  /** An exception other than the documented E_EVTX_NOT_EVTX: a bug. */
  crash?: string
}

/**
 * Parses one input with carving (the path that touches the most bytes) twice: through the element tree
 * (parseEvtxBuffer) and through the JSON fast path (`evtx dump` per-chunk text), and classifies the outcome.
 */
export function fuzzOne(b: Uint8Array): FuzzOutcome {
  const t0 = performance.now()
  try {
    const res = parseEvtxBuffer(b, {carve: true})
    for (let off = 4096, i = 0; off < b.length; off += 65536, i++) renderChunkText(b.subarray(off, off + 65536), i, off, 'jsonl', true)
    return {ms: performance.now() - t0, records: res.records.length, diagnostics: res.diagnostics.length, notEvtx: false}
  } catch (e) {
    const ms = performance.now() - t0
    if (isRatchetError(e) && e.code === 'E_EVTX_NOT_EVTX') return {ms, records: 0, diagnostics: 0, notEvtx: true}
    return {ms, records: 0, diagnostics: 0, notEvtx: false, crash: e instanceof Error ? (e.stack ?? e.message) : String(e)}
  }
}
