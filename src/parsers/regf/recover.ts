import {diag, type Diagnostic} from '../../core/diagnostics.js'
import {hasAscii, u32, u64} from '../../binary/le.js'
import {BASE_BLOCK_SIZE, HBINS_START, putU32, readBaseBlock, writeBaseBlockChecksum, type BaseBlock} from './base-block.js'
import {marvin32} from './marvin32.js'

/**
 * Transaction-log recovery of a dirty hive, done the way the regf specification describes Windows doing it,
 * on a private copy in memory: the evidence files are only read.
 *
 * - Old format (Windows XP..8.0, `.LOG`/`.LOG1`): a 512-byte base block, then at 512 a "DIRT" dirty vector
 *   (one bit per 512-byte sector of the hive bins), then the dirty sectors in bit order, from the next
 *   512-byte boundary on.
 * - New format (Windows 8.1+): a 512-byte base block, then "HvLE" log entries from 512, each with a sequence
 *   number, the hive-bins size after it, dirty-page references and two Marvin32 hashes. Entries apply in
 *   sequence order across `.LOG1` and `.LOG2`, starting at or above the primary's secondary sequence number
 *   and contiguous; the first bad hash, bad size or gap ends a log.
 */

export interface LogInput {
  name: string
  bytes: Uint8Array
}

export interface LogEntryInfo {
  log: string
  offset: number
  sequence: number
  hiveBinsSize: number
  dirtyPages: number
}

export interface RecoveryReport {
  /** Whether the primary needed recovery (sequence numbers differ or its checksum is wrong). */
  needed: boolean
  /** Whether log data was applied. */
  applied: boolean
  format?: 'old' | 'new'
  entries: LogEntryInfo[]
  /** Dirty pages (new format) or 512-byte sectors (old format) written into the copy. */
  pages: number
  /** Sequence number of the recovered hive (last entry applied). */
  sequence?: number
  logs: {name: string; usable: boolean; why?: string; entries?: number}[]
}

const SECTOR = 512
const ENTRY_HEADER = 40
/** A hive-bins size beyond this is not a real hive (largest real hives are a few hundred MiB). */
export const MAX_HIVE_BINS = 2 * 1024 * 1024 * 1024 - 1

interface ParsedEntry extends LogEntryInfo {
  refsAt: number
  bytes: Uint8Array
}

function parseNewEntries(log: LogInput, diagnostics: Diagnostic[]): ParsedEntry[] {
  const b = log.bytes
  const out: ParsedEntry[] = []
  let p = SECTOR
  while (p + ENTRY_HEADER <= b.length && hasAscii(b, p, 'HvLE')) {
    const size = u32(b, p + 4)
    const where = {file: log.name, offset: p}
    if (size < ENTRY_HEADER || size % SECTOR !== 0 || p + size > b.length) {
      diagnostics.push(diag('REGF_LOG_ENTRY_SIZE', 'warning', `log entry size ${size} is not a multiple of 512 inside the file; log ends here`, where))
      break
    }
    const sequence = u32(b, p + 12)
    const hiveBinsSize = u32(b, p + 16)
    const count = u32(b, p + 20)
    if (marvin32(b, p, 32) !== u64(b, p + 32)) {
      diagnostics.push(diag('REGF_LOG_ENTRY_HASH', 'warning', `log entry ${sequence}: header hash (hash-2) mismatch; log ends here`, where))
      break
    }
    if (marvin32(b, p + ENTRY_HEADER, size - ENTRY_HEADER) !== u64(b, p + 24)) {
      diagnostics.push(diag('REGF_LOG_ENTRY_HASH', 'warning', `log entry ${sequence}: data hash (hash-1) mismatch; log ends here`, where))
      break
    }
    // Dirty-page references, then the pages in the same order; every page must lie in the entry and the hive.
    let need = ENTRY_HEADER + count * 8
    let ok = need <= size && hiveBinsSize % 4096 === 0 && hiveBinsSize <= MAX_HIVE_BINS
    for (let i = 0; ok && i < count; i++) {
      const off = u32(b, p + ENTRY_HEADER + i * 8)
      const len = u32(b, p + ENTRY_HEADER + i * 8 + 4)
      need += len
      if (off + len > hiveBinsSize || need > size) ok = false
    }
    if (!ok) {
      diagnostics.push(diag('REGF_LOG_ENTRY_PAGES', 'warning', `log entry ${sequence}: dirty-page references outside the entry or the hive; log ends here`, where))
      break
    }
    const prev = out[out.length - 1]
    if (prev && sequence !== prev.sequence + 1) break // a stale entry from an earlier cycle: the log's live part ends
    out.push({log: log.name, offset: p, sequence, hiveBinsSize, dirtyPages: count, refsAt: p + ENTRY_HEADER, bytes: b})
    p += size
  }
  return out
}

function applyNewEntry(image: Uint8Array, e: ParsedEntry): Uint8Array {
  const wanted = HBINS_START + e.hiveBinsSize
  let out = image
  if (out.length !== wanted) {
    out = new Uint8Array(wanted)
    out.set(image.subarray(0, Math.min(image.length, wanted)))
  }
  const b = e.bytes
  let data = e.refsAt + e.dirtyPages * 8
  for (let i = 0; i < e.dirtyPages; i++) {
    const off = u32(b, e.refsAt + i * 8)
    const len = u32(b, e.refsAt + i * 8 + 4)
    out.set(b.subarray(data, data + len), HBINS_START + off)
    data += len
  }
  return out
}

function validLogBase(log: LogInput): {base?: BaseBlock; why?: string} {
  if (log.bytes.length === 0) return {why: 'empty file'}
  const base = readBaseBlock(log.bytes)
  if (!base) return {why: 'no regf base block'}
  if (!base.checksumOk) return {why: 'base block checksum mismatch'}
  return {base}
}

/**
 * Returns the recovered image (a new buffer) or the primary itself when nothing was applied, with a report
 * and diagnostics saying why logs were used or not.
 */
export function recoverHive(primary: Uint8Array, logs: LogInput[], file?: string): {image: Uint8Array; report: RecoveryReport; diagnostics: Diagnostic[]} {
  const diagnostics: Diagnostic[] = []
  const base = readBaseBlock(primary)
  const report: RecoveryReport = {needed: false, applied: false, entries: [], pages: 0, logs: []}
  if (!base) return {image: primary, report, diagnostics}
  report.needed = base.primarySequence !== base.secondarySequence || !base.checksumOk
  if (!report.needed) {
    if (logs.length) diagnostics.push(diag('REGF_LOGS_IGNORED', 'info', `hive is clean (sequence ${base.primarySequence}/${base.secondarySequence}): transaction logs ignored`, {file}))
    for (const l of logs) report.logs.push({name: l.name, usable: false, why: 'primary is clean'})
    return {image: primary, report, diagnostics}
  }
  const why = base.checksumOk ? `sequence numbers differ (${base.primarySequence}/${base.secondarySequence})` : 'base block checksum mismatch'
  if (!logs.length) {
    diagnostics.push(diag('REGF_DIRTY_NO_LOGS', 'warning', `hive is dirty (${why}) and no transaction log was given: parsed as it is, recent changes may be missing`, {file}))
    return {image: primary, report, diagnostics}
  }

  const usable: {log: LogInput; base: BaseBlock; format: 'old' | 'new'; entries: ParsedEntry[]}[] = []
  for (const log of logs) {
    const v = validLogBase(log)
    if (!v.base) {
      report.logs.push({name: log.name, usable: false, why: v.why})
      diagnostics.push(diag('REGF_LOG_UNUSABLE', 'warning', `transaction log unusable: ${v.why}`, {file: log.name}))
      continue
    }
    if (hasAscii(log.bytes, SECTOR, 'HvLE')) {
      const entries = parseNewEntries(log, diagnostics)
      const first = entries[0]
      if (!first) {
        report.logs.push({name: log.name, usable: false, why: 'no valid log entry'})
        continue
      }
      if (first.sequence < base.secondarySequence) {
        const w = `entries older than the primary (first entry ${first.sequence} < secondary sequence ${base.secondarySequence})`
        report.logs.push({name: log.name, usable: false, why: w, entries: entries.length})
        diagnostics.push(diag('REGF_LOG_STALE', 'info', `transaction log not applied: ${w}`, {file: log.name}))
        continue
      }
      usable.push({log, base: v.base, format: 'new', entries})
    } else if (hasAscii(log.bytes, SECTOR, 'DIRT')) {
      if (v.base.primarySequence !== v.base.secondarySequence) {
        report.logs.push({name: log.name, usable: false, why: 'old-format log with unequal sequence numbers (incomplete write)'})
        continue
      }
      usable.push({log, base: v.base, format: 'old', entries: []})
    } else {
      report.logs.push({name: log.name, usable: false, why: 'neither HvLE entries nor a DIRT vector at offset 512'})
      diagnostics.push(diag('REGF_LOG_UNUSABLE', 'warning', 'transaction log has neither HvLE entries nor a DIRT dirty vector at offset 512', {file: log.name}))
    }
  }

  let image = primary
  const newLogs = usable.filter((u) => u.format === 'new').sort((a, b) => a.entries[0]!.sequence - b.entries[0]!.sequence)
  if (newLogs.length) {
    image = primary.slice()
    let last: number | undefined
    for (const u of newLogs) {
      let applied = 0
      for (const e of u.entries) {
        if (last !== undefined && e.sequence !== last + 1) break
        image = applyNewEntry(image, e)
        report.entries.push({log: e.log, offset: e.offset, sequence: e.sequence, hiveBinsSize: e.hiveBinsSize, dirtyPages: e.dirtyPages})
        report.pages += e.dirtyPages
        last = e.sequence
        applied++
      }
      report.logs.push({name: u.log.name, usable: applied > 0, entries: applied, why: applied ? undefined : 'its entries do not continue the sequence of the earlier log'})
    }
    if (last !== undefined) {
      report.applied = true
      report.format = 'new'
      report.sequence = last
      finishBaseBlock(image, base.checksumOk ? undefined : newLogs[0]!.log.bytes, last, image.length - HBINS_START)
    }
  } else {
    const old = usable.find((u) => u.format === 'old')
    if (old) {
      const r = applyOld(primary, old.log, old.base, diagnostics)
      if (r) {
        image = r.image
        report.applied = true
        report.format = 'old'
        report.pages = r.sectors
        report.sequence = old.base.primarySequence
        report.logs.push({name: old.log.name, usable: true})
      }
    }
  }
  if (report.applied) {
    diagnostics.push(diag('REGF_LOG_APPLIED', 'info', `hive was dirty (${why}): applied ${report.format === 'new' ? `${report.entries.length} log entries, ${report.pages} dirty pages` : `${report.pages} dirty sectors`} in memory; sequence now ${report.sequence}`, {file}))
  } else {
    diagnostics.push(diag('REGF_DIRTY_LOGS_UNUSABLE', 'warning', `hive is dirty (${why}) and no transaction log could be applied: parsed as it is, recent changes may be missing`, {file}))
  }
  return {image, report, diagnostics}
}

/** Sets the recovered copy's base block: both sequence numbers, the hive-bins size, a fresh checksum. */
function finishBaseBlock(image: Uint8Array, fromLog: Uint8Array | undefined, sequence: number, hiveBinsSize: number): void {
  if (fromLog) image.set(fromLog.subarray(0, SECTOR), 0)
  putU32(image, 4, sequence)
  putU32(image, 8, sequence)
  putU32(image, 40, hiveBinsSize)
  writeBaseBlockChecksum(image)
}

function applyOld(primary: Uint8Array, log: LogInput, logBase: BaseBlock, diagnostics: Diagnostic[]): {image: Uint8Array; sectors: number} | undefined {
  const b = log.bytes
  const size = logBase.hiveBinsSize
  if (size % 4096 !== 0 || size > MAX_HIVE_BINS) {
    diagnostics.push(diag('REGF_LOG_UNUSABLE', 'warning', `old-format log declares an implausible hive-bins size ${size}`, {file: log.name}))
    return undefined
  }
  const bits = size / SECTOR
  const vectorEnd = SECTOR + 4 + Math.ceil(bits / 8)
  if (vectorEnd > b.length) {
    diagnostics.push(diag('REGF_LOG_UNUSABLE', 'warning', 'old-format log truncated inside its dirty vector', {file: log.name}))
    return undefined
  }
  const image = new Uint8Array(BASE_BLOCK_SIZE + size)
  image.set(primary.subarray(0, Math.min(primary.length, image.length)))
  let data = Math.ceil(vectorEnd / SECTOR) * SECTOR
  let sectors = 0
  for (let i = 0; i < bits; i++) {
    if (!(b[SECTOR + 4 + (i >> 3)]! & (1 << (i & 7)))) continue
    if (data + SECTOR > b.length) {
      diagnostics.push(diag('REGF_LOG_TRUNCATED', 'warning', `old-format log ends before dirty sector ${i}; the sectors after it were not applied`, {file: log.name, offset: data}))
      break
    }
    image.set(b.subarray(data, data + SECTOR), HBINS_START + i * SECTOR)
    data += SECTOR
    sectors++
  }
  image.set(b.subarray(0, SECTOR), 0)
  putU32(image, 28, 0) // the copy is a primary now
  writeBaseBlockChecksum(image)
  return {image, sectors}
}
