import {createWriteStream, rmSync} from 'node:fs'
import {mkdtemp, open, rm, type FileHandle} from 'node:fs/promises'
import {join} from 'node:path'
import {once} from 'node:events'
import type {Writable} from 'node:stream'
import {compareEvents} from '../events/order.js'
import type {NormalizedEvent} from '../events/types.js'
import type {SerializedEvents} from './serialized.js'
import {redactEvent} from '../core/redact.js'
import {onExitCleanup} from '../core/exit-cleanup.js'

/**
 * Sorts events with bounded memory: events are buffered (as UTF-8 lines plus their sort keys) up to
 * `runSize` events or `runBytes` bytes, sorted with compareEvents and
 * spilled to a temp file as JSONL; at the end the runs are k-way merged (binary heap) into the output.
 * With fewer events than one run nothing touches the disk. The total order makes the output byte-identical.
 */
/** What the order needs of an event, plus its serialized line (the event object itself is not kept). */
interface Keyed {
  datetime: string
  evidence: NormalizedEvent['evidence']
  event_type: string
  id: string
  /**
   * The events.jsonl line (without newline): UTF-8 bytes [start, end) of a shared block (an arena, a
   * worker's batch, a run file block): off the JS heap, written without re-encoding, no view per event.
   */
  bytes: Buffer
  start: number
  end: number
}
const byOrder = (a: Keyed, b: Keyed): number => compareEvents(a as unknown as NormalizedEvent, b as unknown as NormalizedEvent)

/** Lines of `add`ed events are encoded into blocks of this size (one allocation per block, not per line). */
const ARENA = 1 << 20

export class ExternalSorter {
  private buf: Keyed[] = []
  private bufBytes = 0
  private runs: string[] = []
  private runCount = 0
  /** The run being written (spill), if any. */
  private spilling: Promise<void> | undefined
  private unregister: (() => void) | undefined
  private dir: string | undefined
  private arena = Buffer.allocUnsafeSlow(ARENA)
  private arenaPos = 0
  private encBytes = this.arena
  private encEnd = 0
  count = 0

  constructor(
    private readonly tmpRoot: string,
    private readonly runSize = 100_000,
    /** Serialized bytes buffered before a spill: bounds memory whatever the event size. */
    private readonly runBytes = 32 * 1024 * 1024,
  ) {}

  /** Returns a promise only when the buffer spilled (await it then), so most events cost no microtask. */
  add(ev: NormalizedEvent): Promise<void> | undefined {
    const e = ev.evidence
    // passwords typed into commands never reach events.jsonl (see detect/redact.ts); the archive keeps them
    const start = this.encode(JSON.stringify(redactEvent(ev)))
    return this.push({datetime: ev.datetime, evidence: {member: e.member, sha256: '', offset: e.offset, record: e.record, line: e.line}, event_type: ev.event_type, id: ev.id, bytes: this.encBytes, start, end: this.encEnd})
  }

  /** Adds events serialized elsewhere (a worker thread): the same lines and keys `add` would make. */
  async addSerialized(s: SerializedEvents): Promise<void> {
    const b = s.bounds
    // one Buffer view for the whole batch (a transferred batch arrives as a plain Uint8Array)
    const bytes = Buffer.isBuffer(s.bytes) ? s.bytes : Buffer.from(s.bytes.buffer, s.bytes.byteOffset, s.bytes.byteLength)
    for (let i = 0; i + 1 < b.length; i++) {
      const k: Keyed = {datetime: s.datetimes[i]!, evidence: {member: s.members[i]!, sha256: '', offset: s.offsets[i], record: s.records[i], line: s.textLines[i]}, event_type: s.types[i]!, id: s.ids[i]!, bytes, start: b[i]!, end: b[i + 1]!}
      const p = this.push(k)
      if (p) await p
    }
  }

  /** Encodes into the arena (or a buffer of its own when huge); returns the start, sets encBytes/encEnd. */
  private encode(line: string): number {
    const max = line.length * 3
    if (max > ARENA) {
      this.encBytes = Buffer.from(line, 'utf8')
      this.encEnd = this.encBytes.length
      return 0
    }
    if (this.arenaPos + max > ARENA) {
      this.arena = Buffer.allocUnsafeSlow(ARENA)
      this.arenaPos = 0
    }
    const start = this.arenaPos
    this.arenaPos += this.arena.write(line, start, 'utf8')
    this.encBytes = this.arena
    this.encEnd = this.arenaPos
    return start
  }

  /** Returns a promise only when the buffer spilled, so most events cost no microtask. */
  private push(k: Keyed): Promise<void> | undefined {
    this.buf.push(k)
    this.bufBytes += k.end - k.start
    this.count++
    if (this.buf.length >= this.runSize || this.bufBytes >= this.runBytes) return this.spill()
    return undefined
  }

  get spilledRuns(): number {
    return this.runCount
  }

  /**
   * Sorts the buffer and writes it as a run in the background: adding goes on meanwhile (the caller waits
   * only for the run before, so at most two buffers are held), and parser threads are not held up by
   * the disk. Runs are written one after another, in order.
   */
  private spill(): Promise<void> {
    const buf = this.buf
    this.buf = []
    this.bufBytes = 0
    buf.sort(byOrder)
    const before = this.spilling
    const index = this.runCount++
    const run = (async () => {
      await before
      if (!this.dir) {
        const dir = await mkdtemp(join(this.tmpRoot, 'ratchet-sort-'))
        this.dir = dir
        // runs are plaintext events: gone however the process ends
        this.unregister = onExitCleanup(() => rmSync(dir, {recursive: true, force: true}))
      }
      const path = join(this.dir, `run-${String(index).padStart(5, '0')}.jsonl`)
      // Each run line carries its sort key before a tab (JSON never holds a raw tab), so the merge compares
      // without re-parsing whole events.
      await writeLines(createWriteStream(path), buf, (e) => JSON.stringify([e.datetime, e.evidence.member, e.evidence.offset ?? null, e.evidence.record ?? null, e.evidence.line ?? null, e.event_type, e.id]))
      this.runs.push(path)
    })()
    run.catch(() => undefined) // surfaced by the next spill or by writeTo, which await it
    this.spilling = run
    return before ?? Promise.resolve()
  }

  /** Writes all events, sorted, as JSONL to `out` (which is ended). */
  async writeTo(out: Writable): Promise<void> {
    try {
      await this.spilling
      if (!this.runs.length) {
        this.buf.sort(byOrder)
        await writeLines(out, this.buf)
        this.buf = []
        return
      }
      // The last buffer joins the merge from memory (sorted in place) instead of making a round trip to disk.
      this.buf.sort(byOrder)
      await mergeRuns(this.runs, this.buf, out)
      this.buf = []
    } finally {
      await this.dispose()
    }
  }

  /** Removes the spilled runs (after a run being written ends); for a run that stops before writeTo. */
  async dispose(): Promise<void> {
    await this.spilling?.catch(() => undefined)
    this.buf = []
    if (this.dir) await rm(this.dir, {recursive: true, force: true})
    this.dir = undefined
    this.unregister?.()
  }
}

async function writeLines(ws: Writable, events: Keyed[], prefix?: (e: Keyed) => string): Promise<void> {
  const w = new LineWriter(ws)
  for (const e of events) {
    const p = w.push(e, prefix?.(e))
    if (p) await p
  }
  await w.end()
}

const BLOCK = 1 << 20

/**
 * Bytes a LineWriter lets the stream queue before it waits: the disk writes the blocks before while the
 * next ones are filled (waiting at the stream's own 16 KiB mark would leave one of the two idle).
 */
const WRITE_AHEAD = 8 << 20

/**
 * Writes lines ~1 MiB at a time: event lines are bytes already (copied into the block, never decoded);
 * only a run's short sort-key prefix is encoded here.
 */
class LineWriter {
  private buf = Buffer.allocUnsafe(BLOCK)
  private pos = 0
  /** A stream error (disk full) while nobody waits on the stream: thrown by the next push or end. */
  private failed: Error | undefined
  constructor(private readonly ws: Writable) {
    ws.on('error', (e) => (this.failed ??= e))
  }

  /** Writes `prefix` + TAB + `line` + LF (or `line` + LF); returns a promise only on backpressure. */
  push(e: Keyed, prefix?: string): Promise<void> | undefined {
    if (this.failed) return Promise.reject(this.failed)
    const len = e.end - e.start
    const max = (prefix === undefined ? 0 : prefix.length * 3 + 1) + len + 1
    if (this.pos + max > this.buf.length) {
      this.flush()
      // 'drain' comes only after a write said to wait (writableNeedDrain), once all is written
      if (this.ws.writableNeedDrain && this.ws.writableLength >= WRITE_AHEAD) return this.drained().then(() => this.push(e, prefix))
    }
    if (max > this.buf.length) {
      // a line larger than a block gets its own writes
      if (prefix !== undefined) this.ws.write(`${prefix}\t`)
      this.ws.write(e.bytes.subarray(e.start, e.end))
      this.ws.write('\n')
    } else {
      if (prefix !== undefined) {
        this.pos += this.buf.write(prefix, this.pos)
        this.buf[this.pos++] = 9
      }
      this.pos += e.bytes.copy(this.buf, this.pos, e.start, e.end)
      this.buf[this.pos++] = 10
    }
    return undefined
  }

  private async drained(): Promise<void> {
    if (this.failed) throw this.failed
    await once(this.ws, 'drain')
  }

  /** Hands the filled part of the block to the stream (which keeps it) and starts a new block. */
  private flush(): void {
    if (!this.pos) return
    this.ws.write(this.buf.subarray(0, this.pos))
    this.buf = Buffer.allocUnsafe(BLOCK)
    this.pos = 0
  }

  async end(): Promise<void> {
    if (this.failed) throw this.failed
    this.flush()
    this.ws.end()
    await once(this.ws, 'finish')
  }
}

interface Head {
  ev: Keyed
  src: () => Keyed | undefined | Promise<Keyed | undefined>
}

type RunKey = [string, string, number | null, string | number | null, number | null, string, string]

/** Room before a run block's bytes for the partial line left from the block before (joined without a copy of the block). */
const CARRY = 64 * 1024

/**
 * Reads a spilled run back in 1 MiB blocks: only the small key before the TAB is decoded; the event line
 * stays bytes (a view into the block) until the writer copies it out. Synchronous while a block lasts.
 * The next block is read while this one is merged, so the merge rarely waits for the disk.
 */
class RunReader {
  private buf: Buffer = Buffer.alloc(0)
  private pos = 0
  private filePos = 0
  private eof = false
  private ahead: Promise<{block: Buffer; at: number; n: number}> | undefined
  private constructor(private readonly fh: FileHandle) {}

  static async open(path: string): Promise<RunReader> {
    return new RunReader(await open(path, 'r'))
  }

  next(): Keyed | undefined | Promise<Keyed | undefined> {
    const nl = this.buf.indexOf(10, this.pos)
    if (nl >= 0) {
      const tab = this.buf.indexOf(9, this.pos)
      const k = JSON.parse(this.buf.toString('utf8', this.pos, tab)) as RunKey
      this.pos = nl + 1
      return {datetime: k[0], evidence: {member: k[1], sha256: '', offset: k[2] ?? undefined, record: k[3] ?? undefined, line: k[4] ?? undefined}, event_type: k[5], id: k[6], bytes: this.buf, start: tab + 1, end: nl}
    }
    if (this.eof) return this.close()
    return this.refill().then(() => this.next())
  }

  /** Reads BLOCK bytes at filePos into a fresh block (after CARRY bytes of room). */
  private read(): Promise<{block: Buffer; at: number; n: number}> {
    // a fresh block each time: lines handed out earlier stay valid until the writer has copied them
    const block = Buffer.allocUnsafe(CARRY + BLOCK)
    const at = this.filePos
    this.filePos += BLOCK
    return this.fh.read(block, CARRY, BLOCK, at).then(({bytesRead}) => ({block, at, n: bytesRead}))
  }

  private async refill(): Promise<void> {
    const rest = this.buf.subarray(this.pos)
    const {block, at, n} = await (this.ahead ?? this.read())
    this.ahead = undefined
    this.pos = 0
    if (n === 0) {
      this.eof = true
      this.buf = rest
      return
    }
    this.filePos = at + n // a short read: the next block starts right after it
    this.ahead = this.read()
    this.ahead.catch(() => undefined) // surfaced by the next refill
    if (rest.length <= CARRY) {
      rest.copy(block, CARRY - rest.length)
      this.buf = block.subarray(CARRY - rest.length, CARRY + n)
    } else this.buf = Buffer.concat([rest, block.subarray(CARRY, CARRY + n)])
  }

  private async close(): Promise<undefined> {
    if (this.pos < this.buf.length) throw new Error('sort run ends inside a line')
    await this.ahead?.catch(() => undefined)
    await this.fh.close()
    return undefined
  }
}

async function mergeRuns(paths: string[], memory: Keyed[], out: Writable): Promise<void> {
  const heap: Head[] = []
  const less = (a: Head, b: Head): boolean => byOrder(a.ev, b.ev) < 0
  const push = (h: Head): void => {
    heap.push(h)
    let i = heap.length - 1
    while (i > 0) {
      const p = (i - 1) >> 1
      if (!less(heap[i]!, heap[p]!)) break
      ;[heap[i], heap[p]] = [heap[p]!, heap[i]!]
      i = p
    }
  }
  const pop = (): Head => {
    const top = heap[0]!
    const last = heap.pop()!
    if (heap.length) {
      heap[0] = last
      let i = 0
      for (;;) {
        const l = 2 * i + 1
        const r = l + 1
        let m = i
        if (l < heap.length && less(heap[l]!, heap[m]!)) m = l
        if (r < heap.length && less(heap[r]!, heap[m]!)) m = r
        if (m === i) break
        ;[heap[i], heap[m]] = [heap[m]!, heap[i]!]
        i = m
      }
    }
    return top
  }
  const fromMemory = (arr: Keyed[]): Head['src'] => {
    let i = 0
    return () => arr[i++]
  }
  const sources: Head['src'][] = []
  for (const p of paths) {
    const r = await RunReader.open(p)
    sources.push(() => r.next())
  }
  if (memory.length) sources.push(fromMemory(memory))
  for (const src of sources) {
    const ev = await src()
    if (ev) push({ev, src})
  }
  const w = new LineWriter(out)
  while (heap.length) {
    const h = pop()
    const p = w.push(h.ev)
    if (p) await p
    const r = h.src()
    const ev = r instanceof Promise ? await r : r
    if (ev) push({ev, src: h.src})
  }
  await w.end()
}
