import {createReadStream, createWriteStream} from 'node:fs'
import {mkdtemp, rm} from 'node:fs/promises'
import {join} from 'node:path'
import {createInterface} from 'node:readline'
import {once} from 'node:events'
import type {Writable} from 'node:stream'
import {compareEvents} from '../events/order.js'
import type {NormalizedEvent} from '../events/types.js'

/**
 * Sorts events with bounded memory: events are buffered up to `runSize`, sorted with compareEvents and
 * spilled to a temp file as JSONL; at the end the runs are k-way merged (binary heap) into the output.
 * With fewer events than one run nothing touches the disk. The total order makes the output byte-identical.
 */
/** What the order needs of an event, plus its serialized line (the event object itself is not kept). */
interface Keyed {
  datetime: string
  evidence: NormalizedEvent['evidence']
  event_type: string
  id: string
  line: string
}
const byOrder = (a: Keyed, b: Keyed): number => compareEvents(a as unknown as NormalizedEvent, b as unknown as NormalizedEvent)

export class ExternalSorter {
  private buf: Keyed[] = []
  private bufChars = 0
  private runs: string[] = []
  private dir: string | undefined
  count = 0

  constructor(
    private readonly tmpRoot: string,
    private readonly runSize = 100_000,
    /** Serialized characters buffered before a spill: bounds memory whatever the event size. */
    private readonly runChars = 32 * 1024 * 1024,
  ) {}

  async add(ev: NormalizedEvent): Promise<void> {
    const line = JSON.stringify(ev)
    const e = ev.evidence
    this.buf.push({datetime: ev.datetime, evidence: {member: e.member, sha256: '', offset: e.offset, record: e.record, line: e.line}, event_type: ev.event_type, id: ev.id, line})
    this.bufChars += line.length
    this.count++
    if (this.buf.length >= this.runSize || this.bufChars >= this.runChars) await this.spill()
  }

  get spilledRuns(): number {
    return this.runs.length
  }

  private async spill(): Promise<void> {
    this.buf.sort(byOrder)
    this.dir ??= await mkdtemp(join(this.tmpRoot, 'ratchet-sort-'))
    const path = join(this.dir, `run-${String(this.runs.length).padStart(5, '0')}.jsonl`)
    const ws = createWriteStream(path)
    // Each run line carries its sort key before a tab (JSON never holds a raw tab), so the merge compares
    // without re-parsing whole events.
    await writeLines(ws, this.buf.map((e) => `${JSON.stringify([e.datetime, e.evidence.member, e.evidence.offset ?? null, e.evidence.record ?? null, e.evidence.line ?? null, e.event_type, e.id])}\t${e.line}`))
    this.runs.push(path)
    this.buf = []
    this.bufChars = 0
  }

  /** Writes all events, sorted, as JSONL to `out` (which is ended). */
  async writeTo(out: Writable): Promise<void> {
    try {
      if (!this.runs.length) {
        this.buf.sort(byOrder)
        await writeLines(out, this.buf.map((e) => e.line))
        this.buf = []
        return
      }
      // The last buffer joins the merge from memory (sorted in place) instead of making a round trip to disk.
      this.buf.sort(byOrder)
      await mergeRuns(this.runs, this.buf, out)
      this.buf = []
    } finally {
      if (this.dir) await rm(this.dir, {recursive: true, force: true})
    }
  }
}

async function writeLines(ws: Writable, lines: Iterable<string>): Promise<void> {
  const batch = new BatchWriter(ws)
  for (const l of lines) {
    const p = batch.push(l)
    if (p) await p
  }
  await batch.end()
}

/** Collects lines and writes them ~1 MiB at a time with one join (no growing string concatenation). */
class BatchWriter {
  private parts: string[] = []
  private chars = 0
  constructor(private readonly ws: Writable) {}

  /** Returns a promise only when it flushed (callers await it then), so most lines cost no microtask. */
  push(line: string): Promise<void> | undefined {
    this.parts.push(line)
    this.chars += line.length + 1
    return this.chars >= 1 << 20 ? this.flush() : undefined
  }

  private async flush(): Promise<void> {
    if (!this.parts.length) return
    this.parts.push('')
    const ok = this.ws.write(this.parts.join('\n'))
    this.parts = []
    this.chars = 0
    if (!ok) await once(this.ws, 'drain')
  }

  async end(): Promise<void> {
    await this.flush()
    this.ws.end()
    await once(this.ws, 'finish')
  }
}

interface Head {
  ev: Keyed
  src: () => Keyed | undefined | Promise<Keyed | undefined>
}

type RunKey = [string, string, number | null, string | number | null, number | null, string, string]

function keyedFromRunLine(raw: string): Keyed {
  const tab = raw.indexOf('\t')
  const k = JSON.parse(raw.slice(0, tab)) as RunKey
  return {datetime: k[0], evidence: {member: k[1], sha256: '', offset: k[2] ?? undefined, record: k[3] ?? undefined, line: k[4] ?? undefined}, event_type: k[5], id: k[6], line: raw.slice(tab + 1)}
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
  const fromFile = (p: string): Head['src'] => {
    const it = createInterface({input: createReadStream(p), crlfDelay: Infinity})[Symbol.asyncIterator]()
    return async () => {
      const r = await it.next()
      return r.done ? undefined : keyedFromRunLine(r.value)
    }
  }
  const fromMemory = (arr: Keyed[]): Head['src'] => {
    let i = 0
    return () => arr[i++]
  }
  for (const src of [...paths.map(fromFile), ...(memory.length ? [fromMemory(memory)] : [])]) {
    const ev = await src()
    if (ev) push({ev, src})
  }
  const batch = new BatchWriter(out)
  while (heap.length) {
    const h = pop()
    const p = batch.push(h.ev.line)
    if (p) await p
    const ev = await h.src()
    if (ev) push({ev, src: h.src})
  }
  await batch.end()
}
