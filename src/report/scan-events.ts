import {CaseFiles} from '../core/case-layout.js'
import {diag, type Diagnostic} from '../core/diagnostics.js'
import {redactEvent} from '../core/redact.js'
import {foldHostNames} from '../events/host-names.js'
import {newScannedEvent, scanEventLine} from '../events/line-scan.js'
import type {NormalizedEvent} from '../events/types.js'
import {MAX_EVENT_LINE_CHARS, parseEventLine} from '../timeline/read-events.js'
import type {EventScan} from './case-data.js'
import {forEachLineBytes} from '../timeline/text-lines.js'

/** Bounds on what the report inlines (the full timeline is the CSV/JSONL file). */
export const KEY_LIMITS = {
  /** A case with at most this many events shows all of them as the key timeline. */
  inlineAll: 60,
  /** Events shown before and after each cited event. */
  neighbours: 2,
  /** Hard cap on key timeline rows. Cited events are kept first; neighbours stop at the cap. */
  maxRows: 600,
  maxDiagnostics: 100,
} as const

/**
 * An event as the scan first sees it: built (`event`, redacted) when the line took the general path or is
 * wanted whole, otherwise only its line's bytes, parsed if a cited event later pulls it into the key rows.
 */
interface Seen {
  line: number
  id: string
  event: NormalizedEvent | null
  bytes: Buffer | null
  start: number
  end: number
}

/** Decodes a located field (its bytes lie between two ASCII quotes, so they decode as in the whole line). */
const text = (b: Buffer, s: number, e: number): string => b.toString('utf8', s, e)

/** A field's last value: a run of events with the same type or host decodes it once (same bytes, same text). */
class LastText {
  private readonly bytes = Buffer.alloc(64)
  private len = -1
  private value = ''
  get(b: Buffer, s: number, e: number): string {
    const n = e - s
    if (n === this.len) {
      let j = 0
      while (j < n && b[s + j] === this.bytes[j]) j++
      if (j === n) return this.value
    }
    this.value = text(b, s, e)
    if (n <= this.bytes.length) {
      b.copy(this.bytes, 0, s, e)
      this.len = n
    } else this.len = -1
    return this.value
  }
}

const REGISTRY = Buffer.from('Registry')

/** Bytes [s, e) of `b` are `word`. */
function spells(b: Buffer, s: number, e: number, word: Buffer): boolean {
  if (e - s !== word.length) return false
  for (let j = 0; j < word.length; j++) if (b[s + j] !== word[j]) return false
  return true
}

/** The event of a line the fast scan accepted: the general path, which cannot refuse it, builds it. */
function build(s: Seen): NormalizedEvent {
  if (s.event) return s.event
  const r = parseEventLine(text(s.bytes!, s.start, s.end), s.line, CaseFiles.events)
  if ('diagnostic' in r) throw new Error(`events.jsonl line ${s.line}: the fast scan accepted a line the general path refuses (${r.diagnostic.message})`)
  // passwords typed into commands never reach the report (hunt's outputs are redacted the same way)
  return redactEvent(r.event)
}

/**
 * One pass over events.jsonl keeping only what the report shows: counts, per-hour histogram, the cited
 * events and their neighbours (a ring of the last few events supplies the ones before).
 *
 * Most of a million events are counted, never shown, and need six top-level fields. A line that
 * scanEventLine proves valid (what JSON.parse and parseEventLine's shape check would accept) is read from
 * its bytes: those fields are decoded, nothing else; the event is built only when it is shown. Any other
 * line takes the general path (decode, JSON.parse, shape check) with its diagnostics, so the result is the
 * same either way. `blockSize` exists for tests.
 */
export async function scanEvents(path: string, cited: ReadonlySet<string>, blockSize?: number): Promise<EventScan> {
  const N = KEY_LIMITS.neighbours
  const scan: EventScan = {total: 0, bad_lines: 0, out_of_order: 0, first: null, last: null, hosts: [], by_type: [], hours: [], key: [], cited: [], truncated: false, unverified_events: 0, diagnostics: []}
  const hosts = new Set<string>()
  const types = new Map<string, number>()
  const hours = new Map<string, {count: number; key: number}>()
  const all: NormalizedEvent[] = []
  const key: NormalizedEvent[] = []
  const keyIds = new Set<string>()
  const citedSeen = new Set<string>()
  // the last N events, oldest first
  const ring: Seen[] = []
  let after = 0
  let n = 0
  let hour = ''
  let hourEntry: {count: number; key: number} | null = null
  const note = (d: Diagnostic): void => {
    if (scan.diagnostics.length < KEY_LIMITS.maxDiagnostics) scan.diagnostics.push(d)
  }
  const addKey = (s: Seen, force: boolean): void => {
    if (keyIds.has(s.id)) return
    if (key.length >= KEY_LIMITS.maxRows && !force) {
      scan.truncated = true
      return
    }
    const e = build(s)
    s.event = e
    keyIds.add(s.id)
    key.push(e)
  }
  /** Everything but building the event: the fields both paths supply. */
  const take = (s: Seen, datetime: string, type: string, host: unknown, registry: boolean, unverified: boolean): void => {
    scan.total++
    if (scan.last !== null && datetime < scan.last) {
      scan.out_of_order++
      note(diag('REPORT_EVENTS_OUT_OF_ORDER', 'warning', `event ${s.id} is earlier than the one before it`, {file: CaseFiles.events, line: s.line}))
    }
    if (scan.first === null || datetime < scan.first) scan.first = datetime
    if (scan.last === null || datetime > scan.last) scan.last = datetime
    // a host that is not a string is hostile input, not a host name (it used to crash foldHostNames)
    if (typeof host === 'string' && host && hosts.size < 200) hosts.add(host)
    if (unverified) scan.unverified_events++
    types.set(type, (types.get(type) ?? 0) + 1)
    const isCited = cited.has(s.id)
    // registry records are state (accounts, services, programs a hive holds), dated when a key or value last
    // changed, often years before the case: drawn in the activity chart only when a finding cites them
    if (isCited || !registry) {
      // events come sorted, so mostly in the hour of the one before (a datetime is at least 19 characters)
      if (hourEntry === null || !datetime.startsWith(hour)) {
        hour = datetime.slice(0, 13)
        hourEntry = hours.get(hour) ?? null
        if (hourEntry === null) {
          hourEntry = {count: 0, key: 0}
          hours.set(hour, hourEntry)
        }
      }
      hourEntry.count++
      if (isCited) hourEntry.key++
    }
    if (all.length <= KEY_LIMITS.inlineAll) {
      s.event = build(s)
      all.push(s.event)
    }
    if (isCited) {
      citedSeen.add(s.id)
      for (const p of ring) addKey(p, false)
      // Cited events are always kept (up to 10x the row cap) so every summary link has a target.
      addKey(s, key.length < KEY_LIMITS.maxRows * 10)
      after = N
    } else if (after > 0) {
      addKey(s, false)
      after--
    }
    ring.push(s)
    if (ring.length > N) ring.shift()
  }
  const scanned = newScannedEvent()
  // bytes, not characters: a line this long in bytes may still be short enough for the general path, which decides
  const maxBytes = MAX_EVENT_LINE_CHARS
  const lastType = new LastText()
  const lastHost = new LastText()
  await forEachLineBytes(path, (b, start, end) => {
    n++
    if (scanEventLine(b, start, end, scanned, maxBytes)) {
      const sc = scanned
      const s: Seen = {line: n, id: text(b, sc.idStart, sc.idEnd), event: null, bytes: b, start, end}
      const registry = sc.sourceStart >= 0 && spells(b, sc.sourceStart, sc.sourceEnd, REGISTRY)
      take(s, text(b, sc.dtStart, sc.dtEnd), lastType.get(b, sc.typeStart, sc.typeEnd), sc.hostStart >= 0 ? lastHost.get(b, sc.hostStart, sc.hostEnd) : undefined, registry, sc.unverified)
      return
    }
    const line = text(b, start, end)
    if (line.trim() === '') return
    const item = parseEventLine(line, n, CaseFiles.events)
    if ('diagnostic' in item) {
      scan.bad_lines++
      note(item.diagnostic)
      return
    }
    const e = redactEvent(item.event)
    take({line: n, id: e.id, event: e, bytes: null, start: 0, end: 0}, e.datetime, e.event_type, e.host, e.source === 'Registry', Boolean(e.unverified))
  }, blockSize)
  scan.hosts = foldHostNames(hosts).sort()
  scan.by_type = [...types.entries()].map(([type, count]) => ({type, count})).sort((a, b) => b.count - a.count || (a.type < b.type ? -1 : 1))
  scan.hours = [...hours.entries()].map(([hour, v]) => ({hour, ...v})).sort((a, b) => (a.hour < b.hour ? -1 : a.hour > b.hour ? 1 : 0))
  scan.key = scan.total <= KEY_LIMITS.inlineAll ? all : key
  if (scan.total <= KEY_LIMITS.inlineAll) scan.truncated = false
  scan.cited = [...citedSeen].sort()
  return scan
}
