import {workerThreadsAvailable} from '../core/runtime.js'
import {createReadStream, openSync, readSync, closeSync, statSync} from 'node:fs'
import {availableParallelism} from 'node:os'
import {awaitWorker, spawnModuleWorker} from '../core/worker.js'
import {diag, type Diagnostic} from '../core/diagnostics.js'
import {errorMessage, osErrorCode, RatchetError} from '../core/errors.js'
import {EventTypes as T, type NormalizedEvent} from '../events/types.js'
import {attr, micros, scInstance, scRelay, tool} from './event-util.js'
import type {HitEvent} from './types.js'
import {EventMatcher} from './ioc/event-match.js'
import {IocIndex} from './ioc/matcher.js'
import {compileRule, type CompiledRule} from './rule-eval.js'
import type {Rule} from './schema.js'
import type {SigmaRule} from './sigma/index.js'
import {emptySigmaPart, MAX_HOST_READS, SigmaRangeMatcher, type SigmaPart} from './sigma-range.js'
import {isActivityCandidate, isSkeleton} from './sessions.js'
import type {Indicator, IocHit} from './types.js'

/**
 * The single pass over events.jsonl: each line is parsed once, matched against the IOC index, the data
 * rules and the Sigma rules (sigma-range.ts), and only what sessions and findings need is kept. The work is per line, so byte ranges of a large
 * file are scanned in worker threads and merged in file order — the merged result equals a sequential scan.
 */

/** Bounds on what a scan keeps from a stream of any length; totals are still counted. */
export const MAX_HITS = 20_000
export const MAX_RULE_EVENTS = 100_000
export const MAX_KEPT_DIAGNOSTICS = 100
const MAX_INSTANCE_EVENTS = 20
const NO_HITS: IocHit[] = []
const MAX_TEXT = 4096

export interface ScanResult {
  /** How many byte ranges were scanned (1 = in this thread). */
  ranges: number
  lines: number
  events: number
  unverified: boolean
  diagnostics: Diagnostic[]
  diagCount: number
  skeleton: NormalizedEvent[]
  accounts: NormalizedEvent[]
  ruleEvents: Map<string, NormalizedEvent[]>
  hits: HitEvent[]
  hitsTotal: number
  /** host → thumbprint / relay → events naming it (bounded). */
  instances: Map<string, Map<string, NormalizedEvent[]>>
  relays: Map<string, Map<string, NormalizedEvent[]>>
  relayOf: Map<string, {host: string; port?: number}>
  /** Activity candidates, remembered by line, time and host only. */
  candLine: number[]
  candTime: number[]
  candHost: string[]
  /** Sigma matches in file order, for sigma-hunt.ts resolveSigma. */
  sigma: SigmaPart
}

/** What the scan matches events with. */
export interface ScanRules {
  indicators: Indicator[]
  rules: Rule[]
  /** Sigma rules as loaded (HuntSigma.rules); none: no Sigma matching. */
  sigma?: SigmaRule[]
  /** Events without a host whose Sigma match read it, kept per range for a second match (default MAX_HOST_READS). */
  maxHostReads?: number
}

/** Keeps what sessions and findings need of an event; long texts are cut (the event stays in events.jsonl). */
export function slim(ev: NormalizedEvent): NormalizedEvent {
  const cut = (s: string | undefined): string | undefined => (s !== undefined && s.length > MAX_TEXT ? `${s.slice(0, MAX_TEXT)}…` : s)
  if (ev.event_type === T.PROCESS_CREATED || ev.event_type === T.PROCESS_RUNNING || ev.event_type === T.FILE_CREATED || ev.event_type === T.SCRIPT_BLOCK) {
    const a: Record<string, unknown> = {}
    for (const k of ['tool', 'parent_process', 'parent', 'pid', 'ppid']) if (ev.attributes?.[k] !== undefined) a[k] = ev.attributes[k]
    return {...ev, message: cut(ev.message) as string, command_line: cut(ev.command_line), attributes: a}
  }
  return ev
}

export function isEvent(v: unknown): v is NormalizedEvent {
  if (!v || typeof v !== 'object') return false
  const e = v as Record<string, unknown>
  return typeof e.id === 'string' && typeof e.datetime === 'string' && typeof e.event_type === 'string' && !!e.evidence && typeof e.evidence === 'object'
}

function addFact(m: Map<string, Map<string, NormalizedEvent[]>>, host: string, key: string, evs: NormalizedEvent[]): void {
  let h = m.get(host)
  if (!h) m.set(host, (h = new Map()))
  let l = h.get(key)
  if (!l) h.set(key, (l = []))
  for (const ev of evs) if (l.length < MAX_INSTANCE_EVENTS) l.push(ev)
}

/**
 * Streams lines of a file (or of the byte range [start, end)), 1-based numbers, LF or CRLF. A plain chunk
 * splitter: readline's per-line event machinery costs more than the JSON parsing it feeds.
 */
export async function streamLines(path: string, onLine: (line: string, n: number) => void, range?: {start: number; end: number}): Promise<void> {
  if (range && range.end <= range.start) return
  const input = createReadStream(path, {encoding: 'utf8', highWaterMark: 1 << 20, ...(range ? {start: range.start, end: range.end - 1} : {})})
  let rest = ''
  let n = 0
  const emit = (line: string): void => {
    n++
    onLine(line.endsWith('\r') ? line.slice(0, -1) : line, n)
  }
  try {
    for await (const chunk of input as AsyncIterable<string>) {
      const buf = rest + chunk
      let from = 0
      let nl = buf.indexOf('\n', from)
      while (nl >= 0) {
        emit(buf.slice(from, nl))
        from = nl + 1
        nl = buf.indexOf('\n', from)
      }
      rest = buf.slice(from)
    }
  } catch (e) {
    input.destroy()
    if (e instanceof RatchetError || osErrorCode(e) === undefined) throw e
    throw new RatchetError('E_INPUT_READ', `cannot read ${path}: ${errorMessage(e)}`, {file: path})
  }
  if (rest !== '') emit(rest)
}

/**
 * Reads back chosen lines of a file without decoding the others (a read-back passes over every line to find
 * a few): `want` looks at a line's bytes [start, end) — the lines and numbers of streamLines, LF and a CR
 * before it excluded — and `onLine` gets the text of each line it wanted. On UTF-8 an ASCII text is in the
 * decoded line exactly when its bytes are in the line's bytes (see bytesInclude).
 */
export async function pickLines(path: string, want: (buf: Buffer, start: number, end: number, n: number) => boolean, onLine: (line: string, n: number) => void): Promise<void> {
  const input = createReadStream(path, {highWaterMark: 1 << 20})
  // a line longer than a chunk: its pieces, joined once its end arrives
  let pending: Buffer[] = []
  let n = 0
  const emit = (buf: Buffer, start: number, end: number): void => {
    n++
    if (end > start && buf[end - 1] === 0x0d) end--
    if (want(buf, start, end, n)) onLine(buf.toString('utf8', start, end), n)
  }
  try {
    for await (const chunk of input as AsyncIterable<Buffer>) {
      let from = 0
      let nl = chunk.indexOf(0x0a, from)
      if (nl >= 0 && pending.length > 0) {
        const line = Buffer.concat([...pending, chunk.subarray(0, nl)])
        pending = []
        emit(line, 0, line.length)
        from = nl + 1
        nl = chunk.indexOf(0x0a, from)
      }
      while (nl >= 0) {
        emit(chunk, from, nl)
        from = nl + 1
        nl = chunk.indexOf(0x0a, from)
      }
      if (from < chunk.length) pending.push(chunk.subarray(from))
    }
  } catch (e) {
    input.destroy()
    if (e instanceof RatchetError || osErrorCode(e) === undefined) throw e
    throw new RatchetError('E_INPUT_READ', `cannot read ${path}: ${errorMessage(e)}`, {file: path})
  }
  if (pending.length > 0) {
    const line = Buffer.concat(pending)
    emit(line, 0, line.length)
  }
}

/**
 * Whether bytes [start, end) of `buf` contain `needle` (ASCII). UTF-8 decoding keeps every ASCII byte as its
 * character and turns no other byte into one, so this is `line.includes(needle)` on the decoded line.
 */
export const bytesInclude = (buf: Buffer, start: number, end: number, needle: Buffer): boolean => end - start >= needle.length && buf.subarray(start, end).includes(needle)

/** Scans one byte range (the whole file when undefined). Line numbers in the result are range-local. */
export async function scanRange(path: string, d: ScanRules, range?: {start: number; end: number}): Promise<ScanResult> {
  const index = new IocIndex(d.indicators)
  const matcher = new EventMatcher(index)
  const compiled = d.rules.map(compileRule).filter((c): c is CompiledRule => c !== undefined)
  const sigma = d.sigma && d.sigma.length > 0 ? new SigmaRangeMatcher(d.sigma, MAX_RULE_EVENTS, d.maxHostReads ?? MAX_HOST_READS) : undefined
  const r: ScanResult = {
    ranges: 1,
    lines: 0, events: 0, unverified: false, diagnostics: [], diagCount: 0, skeleton: [], accounts: [], ruleEvents: new Map(), hits: [], hitsTotal: 0,
    instances: new Map(), relays: new Map(), relayOf: new Map(), candLine: [], candTime: [], candHost: [], sigma: sigma?.part ?? emptySigmaPart(),
  }
  const bad = (code: string, message: string, line: number): void => {
    r.diagCount++
    if (r.diagnostics.length < MAX_KEPT_DIAGNOSTICS) r.diagnostics.push(diag(code, 'error', message, {file: 'events.jsonl', line}))
  }
  /** `iocs`: whether the event's line may hold an indicator (IocIndex.lineMayMatch); most lines cannot. */
  const onEvent = (ev: NormalizedEvent, line: number, iocs: boolean): void => {
    r.events++
    if (ev.unverified === true) r.unverified = true
    if (!ev.attributes || typeof ev.attributes !== 'object') ev.attributes = {}
    let kept: NormalizedEvent | undefined
    const keep = (): NormalizedEvent => (kept ??= slim(ev))
    const evHits = iocs ? matcher.match(ev) : NO_HITS
    if (evHits.length > 0) {
      r.hitsTotal += evHits.length
      for (const hit of evHits) if (r.hits.length < MAX_HITS) r.hits.push({ev: keep(), hit})
    }
    for (const c of compiled) {
      if (!c.types.has(ev.event_type) || !c.test(ev)) continue
      let l = r.ruleEvents.get(c.rule.id)
      if (!l) r.ruleEvents.set(c.rule.id, (l = []))
      if (l.length < MAX_RULE_EVENTS) l.push(keep())
    }
    if (isSkeleton(ev)) r.skeleton.push(keep())
    if (isActivityCandidate(ev)) {
      r.candLine.push(line)
      r.candTime.push(micros(ev))
      r.candHost.push(ev.host ?? '')
    }
    if (ev.event_type.startsWith('account.')) r.accounts.push(keep())
    sigma?.match(ev, keep)
    // Registry services (SYSTEM hive state, named by the NetBIOS host name) have their own finding
    // (remote-access-service-registry); as instance facts they would split a host's instances in two.
    const isSc = ev.source !== 'Registry' && (tool(ev) === 'ScreenConnect' || ((ev.event_type === T.SERVICE_INSTALLED || ev.event_type === T.SERVICE_EXISTS) && /screenconnect/i.test(`${attr(ev, 'service_name') ?? ''} ${attr(ev, 'image_path') ?? ''}`)))
    // Server-side rows (App_Data: Session.db, security.db) describe guests, not instances installed on this host
    if (isSc && !/(^|[\\/])app_data[\\/]/i.test(ev.evidence.member)) {
      const inst = scInstance(ev)
      const relay = scRelay(ev)
      const host = ev.host ?? ''
      if (inst) addFact(r.instances, host, inst, [keep()])
      if (relay.host) {
        addFact(r.relays, host, relay.port ? `${relay.host}:${relay.port}` : relay.host, [keep()])
        if (inst && !r.relayOf.has(`${host}|${inst}`)) r.relayOf.set(`${host}|${inst}`, {host: relay.host, port: relay.port})
      }
    }
  }
  await streamLines(
    path,
    (line, n) => {
      r.lines = n
      if (line.trim() === '') return
      let v: unknown
      try {
        v = JSON.parse(line)
      } catch (e) {
        bad('HUNT_EVENT_LINE_NOT_JSON', `line is not JSON: ${errorMessage(e)}`, n)
        return
      }
      if (!isEvent(v)) {
        bad('HUNT_EVENT_LINE_NOT_EVENT', 'line lacks id, datetime, event_type or evidence', n)
        return
      }
      onEvent(v, n, index.lineMayMatch(line))
    },
    range,
  )
  return r
}

/** Concatenates range results in file order, renumbering lines and re-applying the caps of a sequential scan. */
export function mergeScans(parts: ScanResult[]): ScanResult {
  const m: ScanResult = {
    ranges: parts.length,
    lines: 0, events: 0, unverified: false, diagnostics: [], diagCount: 0, skeleton: [], accounts: [], ruleEvents: new Map(), hits: [], hitsTotal: 0,
    instances: new Map(), relays: new Map(), relayOf: new Map(), candLine: [], candTime: [], candHost: [], sigma: emptySigmaPart(),
  }
  // the evidence member path/hash is reported once per member: drop repeats from later ranges
  const memberHits = new Set<string>()
  for (const p of parts) {
    const off = m.lines
    m.events += p.events
    m.unverified ||= p.unverified
    m.diagCount += p.diagCount
    for (const d of p.diagnostics) if (m.diagnostics.length < MAX_KEPT_DIAGNOSTICS) m.diagnostics.push({...d, line: (d.line ?? 0) + off})
    m.skeleton.push(...p.skeleton)
    m.accounts.push(...p.accounts)
    for (const [id, evs] of p.ruleEvents) {
      const l = m.ruleEvents.get(id) ?? []
      for (const e of evs) if (l.length < MAX_RULE_EVENTS) l.push(e)
      m.ruleEvents.set(id, l)
    }
    m.hitsTotal += p.hitsTotal
    for (const h of p.hits) {
      if (h.hit.field.startsWith('evidence.') && h.ev) {
        const k = `${h.ev.evidence.member}\u0000${h.hit.field}\u0000${h.hit.type}\u0000${h.hit.indicator}\u0000${h.hit.source}`
        if (memberHits.has(k)) {
          m.hitsTotal--
          continue
        }
        memberHits.add(k)
      }
      if (m.hits.length < MAX_HITS) m.hits.push(h)
    }
    for (const [src, dst] of [[p.instances, m.instances], [p.relays, m.relays]] as const)
      for (const [host, keys] of src) for (const [key, evs] of keys) addFact(dst, host, key, evs)
    for (const [k, v] of p.relayOf) if (!m.relayOf.has(k)) m.relayOf.set(k, v)
    for (let i = 0; i < p.candLine.length; i++) {
      m.candLine.push(p.candLine[i] + off)
      m.candTime.push(p.candTime[i])
      m.candHost.push(p.candHost[i])
    }
    m.sigma.records.push(...p.sigma.records)
    m.sigma.overflow ||= p.sigma.overflow
    m.lines += p.lines
  }
  return m
}

/** Byte ranges of about equal size, each starting right after a newline (so on a UTF-8 character boundary). */
export function splitRanges(path: string, parts: number): {start: number; end: number}[] {
  const size = statSync(path).size
  const cuts = [0]
  const fd = openSync(path, 'r')
  try {
    const buf = Buffer.alloc(64 * 1024)
    for (let i = 1; i < parts; i++) {
      let pos = Math.max(Math.floor((size * i) / parts), cuts[cuts.length - 1])
      let found = -1
      while (pos < size && found < 0) {
        const n = readSync(fd, buf, 0, buf.length, pos)
        if (n <= 0) break
        const nl = buf.subarray(0, n).indexOf(0x0a)
        if (nl >= 0) found = pos + nl + 1
        else pos += n
      }
      if (found < 0 || found >= size) break
      cuts.push(found)
    }
  } finally {
    closeSync(fd)
  }
  cuts.push(size)
  const out: {start: number; end: number}[] = []
  for (let i = 0; i + 1 < cuts.length; i++) if (cuts[i + 1] > cuts[i]) out.push({start: cuts[i], end: cuts[i + 1]})
  return out
}

/** One byte range scanned by the worker module beside this one (scan-worker). */
function runWorker(data: {path: string; rules: ScanRules; range: {start: number; end: number}}): Promise<ScanResult> {
  return awaitWorker<ScanResult>(spawnModuleWorker(import.meta.url, 'scan-worker', {workerData: data}))
}

export interface ScanOptions {
  /** Files at least this big are scanned in parallel (default 64 MiB). */
  parallelMinBytes?: number
  /** Number of ranges/workers (default: available cores, at most 8). */
  workers?: number
  /** See ScanRules.maxHostReads (tests lower it to take the general path). */
  maxHostReads?: number
}

/**
 * Scans events.jsonl, in worker threads when it is large and more than one core is available. When
 * workers cannot start (e.g. inside a single-file executable) it scans in this thread: same result.
 */
export async function scanEvents(path: string, rules: ScanRules, opts: ScanOptions = {}): Promise<ScanResult> {
  if (opts.maxHostReads !== undefined) rules = {...rules, maxHostReads: opts.maxHostReads}
  const size = statSync(path).size
  const workers = Math.min(opts.workers ?? availableParallelism(), 8)
  if (workers < 2 || size < (opts.parallelMinBytes ?? 64 * 1024 * 1024) || !workerThreadsAvailable()) return scanRange(path, rules)
  const ranges = splitRanges(path, workers)
  let parts: ScanResult[]
  try {
    parts = await Promise.all(ranges.map((range) => runWorker({path, rules, range})))
  } catch (e) {
    if (e instanceof RatchetError) throw e
    return scanRange(path, rules)
  }
  return mergeScans(parts)
}
