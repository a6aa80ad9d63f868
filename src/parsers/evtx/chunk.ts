import {diag, type Diagnostic} from '../../core/diagnostics.js'
import {hasAscii, u32, u64n} from '../../binary/le.js'
import {BinXmlError, ChunkContext, K_TI, instantiate, type TNode} from './binxml.js'
import {crc32} from './crc32.js'
import {extractRecord, type RecordHeaderFacts} from './extract.js'
import {planFor, recordFromPlan} from './plan.js'
import {CHUNK_HEADER_SIZE, CHUNK_MAGIC, CHUNK_SIZE, FLAG_NO_CRC32, chunkHeaderCrc, parseChunkHeader} from './header.js'
import type {EvtxRecord} from './record-types.js'
import type {XNode} from './tree.js'
import {fileTimeText} from './values.js'

/** Record header: "**\0\0", u32 size, u64 record number, u64 written FILETIME; size copy in the last 4 bytes. */
const RECORD_HEADER_SIZE = 24
const MIN_RECORD_SIZE = 28

export interface ChunkOptions {
  /** Also scan the chunk's unallocated space (after the free-space offset) for deleted records. */
  carve?: boolean
  /** The consumer needs each record's element tree (XML output); otherwise only the EvtxRecord. */
  needTree?: boolean
}

/**
 * One parsed record, handed to the sink. The EvtxRecord comes from the template's JSON plan when the
 * template is eligible (plan.ts), else from the element tree; the tree is built only when needed. All
 * work that can fail on hostile input is done in `prepare`, inside the caller's error handling.
 */
export class RecordParse {
  private nodes: XNode[] | null = null
  private rec: EvtxRecord | null = null
  /** True when the record came from the template's plan (for tests and profiling). */
  usedPlan = false

  constructor(
    private readonly tokens: TNode[],
    readonly facts: RecordHeaderFacts,
  ) {}

  prepare(needTree: boolean): void {
    if (needTree) this.tree()
    else this.rec = this.compute()
  }

  tree(): XNode[] {
    if (!this.nodes) {
      const out: XNode[] = []
      instantiate(this.tokens, null, out)
      this.nodes = out
    }
    return this.nodes
  }

  record(): EvtxRecord {
    return (this.rec ??= this.compute())
  }

  private compute(): EvtxRecord {
    const t = this.tokens
    if (t.length === 1) {
      const ti = t[0]!
      if (ti.k === K_TI) {
        const plan = planFor(ti.tpl)
        const r = plan ? recordFromPlan(plan, ti.values, this.facts) : null
        if (r) {
          this.usedPlan = true
          return r
        }
      }
    }
    return extractRecord(this.tree(), this.facts)
  }
}

export interface ParsedRecord {
  record: EvtxRecord
  nodes: XNode[] | null
}

/**
 * Receives each record as soon as it is parsed. Consuming records one by one (rather than collecting a
 * chunk's worth) keeps their short-lived objects in the young generation: cheaper garbage collection.
 */
export type RecordSink = (parsed: RecordParse) => void

/** A sink that collects records (and their trees when `keepTree`) into an array. */
export function collectInto(out: ParsedRecord[], keepTree: boolean): RecordSink {
  return (r) => {
    out.push({record: r.record(), nodes: keepTree ? r.tree() : null})
  }
}

function isRecordAt(b: Uint8Array, p: number): boolean {
  return b[p] === 0x2a && b[p + 1] === 0x2a && b[p + 2] === 0 && b[p + 3] === 0
}

function allZero(b: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (b[i] !== 0) return false
  return true
}

/** Next 8-byte-aligned record signature at or after p, or -1. */
function nextSignature(b: Uint8Array, p: number, limit: number): number {
  for (let q = (p + 7) & ~7; q + RECORD_HEADER_SIZE <= limit; q += 8) if (isRecordAt(b, q)) return q
  return -1
}

function writtenTime(b: Uint8Array, p: number): string | null {
  return fileTimeText(u32(b, p), u32(b, p + 4)) ?? null
}

/** A record passes validation when its size fits the slot and the trailing size copy matches. */
function validSize(b: Uint8Array, p: number): number {
  const size = u32(b, p + 4)
  if (size < MIN_RECORD_SIZE || p + size > b.length) return -1
  return u32(b, p + size - 4) === size ? size : -1
}

/**
 * Parses one 64 KiB chunk slot (possibly shorter at the end of a truncated file). Records go to `sink` in
 * slot order; damage goes to `diags` with the chunk index and file offsets. Never throws on bad input.
 */
export function parseChunk(
  slot: Uint8Array,
  index: number,
  fileOffset: number,
  opts: ChunkOptions,
  sink: RecordSink,
  diags: Diagnostic[],
): void {
  const where = {chunk: index, offset: fileOffset}
  if (!hasAscii(slot, 0, CHUNK_MAGIC)) {
    if (allZero(slot, 0, slot.length)) return // an unused slot
    // Record signatures in the slot mean records were lost with the chunk header (an error; --carve
    // recovers them); without any, it is leftover disk content in a preallocated file (a warning).
    const lost = nextSignature(slot, 0, slot.length) >= 0
    diags.push(
      diag('EVTX_CHUNK_BAD_MAGIC', lost ? 'error' : 'warning', `chunk ${index}: slot is not empty but has no ElfChnk signature${lost ? '; it holds record signatures (use --carve to recover them)' : ''}`, where),
    )
    if (opts.carve) carve(slot, new ChunkContext(slot), index, fileOffset, 0, opts, sink, diags)
    return
  }
  if (slot.length < CHUNK_SIZE) {
    diags.push(diag('EVTX_TRUNCATED', 'warning', `chunk ${index}: only ${slot.length} of ${CHUNK_SIZE} bytes present (file truncated)`, where))
  }
  if (slot.length < CHUNK_HEADER_SIZE) return
  const h = parseChunkHeader(slot)
  const noCrc = (h.flags & FLAG_NO_CRC32) !== 0
  if (!noCrc && chunkHeaderCrc(slot) !== h.checksum) {
    diags.push(diag('EVTX_CHUNK_CRC', 'warning', `chunk ${index}: header CRC32 mismatch (stored 0x${h.checksum.toString(16)})`, where))
  }
  let limit = h.freeSpaceOffset
  if (limit < CHUNK_HEADER_SIZE || limit > slot.length) {
    diags.push(diag('EVTX_CHUNK_HEADER', 'warning', `chunk ${index}: free-space offset ${limit} out of range; walking records to the slot end`, where))
    limit = slot.length
  } else if (!noCrc) {
    const c = crc32(slot.subarray(CHUNK_HEADER_SIZE, limit))
    if (c !== h.eventRecordsChecksum) {
      diags.push(diag('EVTX_RECORD_CRC', 'warning', `chunk ${index}: event records CRC32 mismatch (stored 0x${h.eventRecordsChecksum.toString(16)}, computed 0x${c.toString(16)})`, where))
    }
  }
  const ctx = new ChunkContext(slot)
  let p = CHUNK_HEADER_SIZE
  while (p + RECORD_HEADER_SIZE <= limit) {
    if (!isRecordAt(slot, p)) {
      if (!allZero(slot, p, limit)) {
        diags.push(diag('EVTX_RECORD_SIZE', 'warning', `chunk ${index}: no record signature at chunk offset ${p} before the free-space offset ${limit}; rest of the chunk skipped`, {chunk: index, offset: fileOffset + p}))
      }
      break
    }
    const size = u32(slot, p + 4)
    const number = u64n(slot, p + 8)
    if (size < MIN_RECORD_SIZE || p + size > slot.length) {
      // Without a usable size the next record cannot be located: the walk of this chunk ends here, as in
      // the reference parsers (--carve still scans the rest).
      diags.push(
        diag('EVTX_RECORD_SIZE', 'error', `chunk ${index}: record ${number} has invalid size ${size}; rest of the chunk skipped`, {chunk: index, record: number, offset: fileOffset + p}),
      )
      break
    }
    if (u32(slot, p + size - 4) !== size) {
      diags.push(
        diag('EVTX_RECORD_SIZE', 'warning', `chunk ${index}: record ${number}: size copy ${u32(slot, p + size - 4)} differs from size ${size}`, {chunk: index, record: number, offset: fileOffset + p}),
      )
    }
    parseOne(slot, ctx, p, size, index, fileOffset, false, opts, sink, diags)
    p += size
  }
  if (opts.carve) carve(slot, ctx, index, fileOffset, Math.max(p, CHUNK_HEADER_SIZE), opts, sink, diags)
}

function parseOne(
  slot: Uint8Array,
  ctx: ChunkContext,
  p: number,
  size: number,
  index: number,
  fileOffset: number,
  recovered: boolean,
  opts: ChunkOptions,
  sink: RecordSink,
  diags: Diagnostic[],
): boolean {
  const number = u64n(slot, p + 8)
  ctx.warnings.length = 0
  let parsed: RecordParse
  try {
    const tokens = ctx.parseRecordTokens(p + RECORD_HEADER_SIZE, p + size - 4)
    parsed = new RecordParse(tokens, {
      headerRecordNumber: number,
      writtenTime: writtenTime(slot, p + 16),
      chunk: index,
      offset: fileOffset + p,
      recovered,
    })
    parsed.prepare(!!opts.needTree)
  } catch (e) {
    if (recovered) return false
    const msg = e instanceof Error ? e.message : String(e)
    const at = e instanceof BinXmlError ? e.offset : p
    diags.push(diag('EVTX_BINXML', 'error', `chunk ${index}: record ${number}: ${msg}`, {chunk: index, record: number, offset: fileOffset + at}))
    return false
  }
  for (const w of ctx.warnings) {
    diags.push(diag('EVTX_VALUE', 'warning', `chunk ${index}: record ${number}: ${w.message}`, {chunk: index, record: number, offset: fileOffset + w.offset}))
  }
  sink(parsed)
  return true
}

/** Scans [from, end of slot) for record signatures; records that validate and parse are kept as recovered. */
function carve(
  slot: Uint8Array,
  ctx: ChunkContext,
  index: number,
  fileOffset: number,
  from: number,
  opts: ChunkOptions,
  sink: RecordSink,
  diags: Diagnostic[],
): void {
  let found = 0
  let failed = 0
  let p = nextSignature(slot, from, slot.length)
  while (p >= 0) {
    const size = validSize(slot, p)
    if (size > 0 && parseOne(slot, ctx, p, size, index, fileOffset, true, opts, sink, diags)) {
      found++
      p = nextSignature(slot, p + size, slot.length)
    } else {
      failed++
      p = nextSignature(slot, p + 8, slot.length)
    }
  }
  if (found || failed) {
    diags.push(diag('EVTX_CARVED', 'info', `chunk ${index}: carved ${found} record(s) from unallocated space; ${failed} signature(s) did not validate or could not be rendered (template gone)`, {chunk: index, offset: fileOffset + from}))
  }
}
