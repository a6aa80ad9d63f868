import {isUtf8} from 'node:buffer'
import {createHash} from 'node:crypto'
import {createWriteStream} from 'node:fs'
import {rename, rm, stat} from 'node:fs/promises'
import {basename, dirname, extname, isAbsolute, join, resolve} from 'node:path'
import {once} from 'node:events'
import {casePath} from '../core/case-layout.js'
import {diag, type Diagnostic} from '../core/diagnostics.js'
import {errorMessage, osErrorCode, RatchetError} from '../core/errors.js'
import {csvLine, mayNeedOneLine} from './csv.js'
import {csvColumns, csvRecord, defaultFileName, extensionFor, nativeJsonLine, timesketchObject, type TimelineFormat} from './columns.js'
import {buildFilter, matchesFilter} from './filter.js'
import {localTimeFormatter} from './local-time.js'
import {parseEventLine, type EventLine} from './read-events.js'
import {forEachLineBytes} from './text-lines.js'
import {directCsvRecord, directRoom} from './csv-direct.js'
import {redactEvent} from '../core/redact.js'

export interface TimelineOptions {
  caseDir: string
  format: TimelineFormat
  from?: string
  to?: string
  types?: string[]
  /** IANA zone: adds a `local_time` column. Times stay UTC in `datetime`. */
  tz?: string
  /** Output file; default `<case>/<defaultFileName(format)>`. Must end with the format's extension. */
  out?: string
}

export interface TimelineResult {
  file: string
  format: TimelineFormat
  sha256: string
  bytes: number
  events_read: number
  events_written: number
  filtered_out: number
  bad_lines: number
  out_of_order: number
  time_zone: string | null
  /** First diagnostics (at most MAX_DIAGNOSTICS); the counts above are complete. */
  diagnostics: Diagnostic[]
}

const MAX_DIAGNOSTICS = 100
const BLOCK = 1 << 20

/**
 * Streams `<case>/events.jsonl` (sorted by analyze) through the filter into one timeline file. Memory stays
 * flat whatever the event count: one line in, one row out, with back-pressure from the file. The file is
 * written beside its destination as `.partial` and renamed when complete, so a reader never sees half a
 * timeline. Input order is kept (it is the total order analyze sorted by); a line out of order is reported.
 */
export async function writeTimeline(opts: TimelineOptions): Promise<TimelineResult> {
  const eventsPath = casePath(opts.caseDir, 'events')
  try {
    const st = await stat(eventsPath)
    if (!st.isFile()) throw new Error('not a file')
  } catch {
    throw new RatchetError('E_CASE_MISSING', `no events in ${opts.caseDir}: ${eventsPath} is missing (run ratchet analyze first)`, {file: eventsPath})
  }
  const filter = buildFilter({from: opts.from, to: opts.to, types: opts.types})
  const local = opts.tz !== undefined ? localTimeFormatter(opts.tz) : undefined
  const out = timelinePath(opts)

  const result: TimelineResult = {
    file: out,
    format: opts.format,
    sha256: '',
    bytes: 0,
    events_read: 0,
    events_written: 0,
    filtered_out: 0,
    bad_lines: 0,
    out_of_order: 0,
    time_zone: opts.tz ?? null,
    diagnostics: [],
  }
  const note = (d: Diagnostic): void => {
    if (result.diagnostics.length < MAX_DIAGNOSTICS) result.diagnostics.push(d)
  }
  const outOfOrder = (item: EventLine, datetime: string, prev: string, line: number): void => {
    result.out_of_order++
    const id = 'event' in item ? item.event.id : '?'
    note(diag('TIMELINE_OUT_OF_ORDER', 'warning', `event ${id} (${datetime}) comes after ${prev}: events.jsonl is not sorted; rows keep file order`, {file: 'events.jsonl', line}))
  }

  const hash = createHash('sha256')
  const partial = `${out}.partial`
  const sink = createWriteStream(partial)
  let sinkError: Error | undefined
  sink.on('error', (e) => {
    sinkError = e
  })
  const emit = async (bytes: Buffer): Promise<void> => {
    if (sinkError) throw sinkError
    hash.update(bytes)
    result.bytes += bytes.length
    if (!sink.write(bytes)) {
      await new Promise<void>((resolveDrain, rejectDrain) => {
        const ok = (): void => {
          sink.off('error', bad)
          resolveDrain()
        }
        const bad = (err: Error): void => {
          sink.off('drain', ok)
          rejectDrain(err)
        }
        sink.once('drain', ok)
        sink.once('error', bad)
      })
    }
  }

  // Rows are encoded straight into 1 MiB blocks, each hashed and written with one call: a stream hop per row
  // would cost more than the row, text is encoded to UTF-8 once (not once for the hash, once for the byte
  // count and once for the file), no long string of rows is built for the collector to move, and a block
  // bounds memory whatever the number of events.
  let block = Buffer.allocUnsafe(BLOCK)
  let pos = 0
  /** Blocks filled and waiting to be written: written after each block of events.jsonl is read. */
  const filled: Buffer[] = []
  const nextBlock = (): void => {
    if (pos === 0) return
    filled.push(block.subarray(0, pos))
    block = Buffer.allocUnsafe(BLOCK) // the stream keeps the filled one until written
    pos = 0
  }
  const writeFilled = async (): Promise<void> => {
    for (const b of filled.splice(0)) await emit(b)
  }
  /** Appends one row. */
  const put = (text: string): void => {
    // a UTF-16 code unit is at most 3 UTF-8 bytes
    if (pos + text.length * 3 > BLOCK) nextBlock()
    if (text.length * 3 <= BLOCK) pos += block.write(text, pos)
    else filled.push(Buffer.from(text, 'utf8'))
  }
  const csv = opts.format === 'csv' || opts.format === 'timesketch-csv' ? opts.format : undefined
  if (csv) put(csvLine(csvColumns(csv, local !== undefined)))

  try {
    let prev: string | undefined
    // Most lines of a CSV timeline are written straight from their bytes (csv-direct.ts); a line that path
    // is not sure of, and every line when filters or a zone are asked for, takes the general one below.
    const direct = csv !== undefined && local === undefined && filter.from === undefined && filter.to === undefined && filter.types === undefined
    let n = 0
    const onLine = (buf: Buffer, s: number, end: number): void => {
      n++
      const room = directRoom(end - s)
      if (direct && buf[s] === 0x7b && room <= BLOCK && isUtf8(buf.subarray(s, end))) {
        if (pos + room > BLOCK) nextBlock()
        const r = directCsvRecord(buf, s, end, csv, block, pos)
        if (r) {
          result.events_read++
          if (prev !== undefined && r.datetime < prev) outOfOrder(parseEventLine(buf.toString('utf8', s, end), n, 'events.jsonl'), r.datetime, prev, n)
          prev = r.datetime
          result.events_written++
          pos = r.end
          return
        }
      }
      const text = buf.toString('utf8', s, end)
      if (text.trim() === '') return // a trailing newline is normal
      const item = parseEventLine(text, n, 'events.jsonl')
      if ('diagnostic' in item) {
        result.bad_lines++
        note(item.diagnostic)
        return
      }
      // passwords typed into queued commands are redacted in every output (hash kept), as in hunt and report
      const e = redactEvent(item.event)
      result.events_read++
      if (prev !== undefined && e.datetime < prev) outOfOrder(item, e.datetime, prev, n)
      prev = e.datetime
      if (!matchesFilter(e, filter)) {
        result.filtered_out++
        return
      }
      result.events_written++
      const lt = local?.(e.datetime)
      put(csv ? csvRecord(e, csv, lt, !mayNeedOneLine(text)) : (opts.format === 'jsonl' ? nativeJsonLine(e, lt) : JSON.stringify(timesketchObject(e, lt))) + '\n')
    }
    // rows are made synchronously per line; what a read block produced is written before the next is read
    await forEachLineBytes(eventsPath, onLine, undefined, writeFilled)
    nextBlock()
    await writeFilled()
    sink.end()
    await once(sink, 'finish')
    if (sinkError) throw sinkError
    await rename(partial, out)
  } catch (e) {
    sink.destroy()
    await rm(partial, {force: true})
    if (e instanceof RatchetError) throw e
    throw new RatchetError('E_OUTPUT_WRITE', `could not write ${out}: ${errorMessage(e)}`, {file: out, os_error: osErrorCode(e)})
  }
  result.sha256 = hash.digest('hex')
  return result
}

/** The file a timeline is written to (checked: the format's extension, never the case events.jsonl). */
export function timelinePath(opts: TimelineOptions): string {
  if (opts.out === undefined) return join(resolve(opts.caseDir), defaultFileName(opts.format))
  const out = isAbsolute(opts.out) ? opts.out : resolve(opts.out)
  const want = extensionFor(opts.format)
  if (extname(out).toLowerCase() !== want) {
    // Timesketch picks its importer by extension; a .txt or extension-less file would be refused there.
    throw new RatchetError('E_USAGE', `--out for --format ${opts.format} must end with ${want} (got ${basename(out)})`, {flag: 'out', value: opts.out})
  }
  if (basename(out) === 'events.jsonl' && resolve(dirname(out)) === resolve(opts.caseDir)) {
    throw new RatchetError('E_USAGE', 'refusing to overwrite the case events.jsonl with a timeline', {flag: 'out'})
  }
  return out
}

