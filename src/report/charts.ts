import type {EventScan} from './case-data.js'
import {isoToMs, durationText} from './time-format.js'
import type {FindingCtx, HistogramView, SessionCtx, SwimlaneView, Tick} from './vm-types.js'

/** Chart geometry for the inline SVGs. Pure numbers and label strings; the templates draw them. */

const HOUR = 3_600_000
/** Lanes beyond this are left out of the chart (the table lists every shown session). */
const MAX_LANES = 24
const BIN_SIZES = [HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, 24 * HOUR, 48 * HOUR, 7 * 24 * HOUR, 30 * 24 * HOUR, 91 * 24 * HOUR, 365 * 24 * HOUR]
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

const r1 = (n: number): number => Math.round(n * 10) / 10

function binLabel(ms: number): string {
  if (ms < 24 * HOUR) return `${ms / HOUR} hour${ms === HOUR ? '' : 's'}`
  if (ms < 7 * 24 * HOUR) return `${ms / (24 * HOUR)} day${ms === 24 * HOUR ? '' : 's'}`
  if (ms === 7 * 24 * HOUR) return '1 week'
  return `${Math.round(ms / (24 * HOUR))} days`
}

function tickLabel(ms: number, spanMs: number): string {
  const d = new Date(ms)
  const day = `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]}`
  if (spanMs <= 2 * 24 * HOUR) return `${day} ${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`
  if (spanMs <= 300 * 24 * HOUR) return day
  return `${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`
}

function ticks(start: number, end: number, x0: number, plotW: number, n = 6): Tick[] {
  const span = Math.max(end - start, 1)
  const out: Tick[] = []
  for (let i = 0; i <= n; i++) {
    const t = start + (span * i) / n
    out.push({x: r1(x0 + (plotW * i) / n), label: tickLabel(t, span), anchor: i === 0 ? 'start' : i === n ? 'end' : 'middle'})
  }
  return out
}

/** Events per time bin over the whole case; the share cited by findings drawn on top in the accent colour. */
export function histogram(scan: EventScan, maxBins = 72): HistogramView {
  const width = 960
  const height = 190
  const plotTop = 14
  const plotBottom = 150
  const x0 = 44
  const plotW = width - x0 - 12
  const all = scan.hours.map((h) => ({ms: Date.parse(`${h.hour}:00:00Z`), count: h.count, key: h.key})).filter((h) => Number.isFinite(h.ms))
  if (all.length === 0) return {width, height, plotTop, plotBottom, binLabel: '', bars: [], ticks: [], max: 0, empty: true, omitted: ''}
  const {hours, omitted} = trimOutliers(all)
  const first = hours[0]!.ms
  const last = hours[hours.length - 1]!.ms + HOUR
  const size = BIN_SIZES.find((s) => Math.ceil((last - first) / s) <= maxBins) ?? BIN_SIZES[BIN_SIZES.length - 1]!
  const start = Math.floor(first / size) * size
  const nBins = Math.max(1, Math.ceil((last - start) / size))
  const bins = Array.from({length: nBins}, () => ({count: 0, key: 0}))
  for (const h of hours) {
    const i = Math.min(nBins - 1, Math.floor((h.ms - start) / size))
    bins[i]!.count += h.count
    bins[i]!.key += h.key
  }
  const max = Math.max(...bins.map((b) => b.count), 1)
  const bw = plotW / nBins
  const ph = plotBottom - plotTop
  const bars = bins.flatMap((b, i) => {
    if (b.count === 0) return []
    const h = Math.max(1, (b.count / max) * ph)
    const kh = b.key > 0 ? Math.max(1.5, (b.key / max) * ph) : 0
    const from = new Date(start + i * size).toISOString().slice(0, 16).replace('T', ' ')
    return [{x: r1(x0 + i * bw + 0.5), w: r1(Math.max(1, bw - 1)), y: r1(plotBottom - h), h: r1(h), keyY: r1(plotBottom - kh), keyH: r1(kh), title: `${from} UTC (+${binLabel(size)}): ${b.count} events, ${b.key} cited by findings or sessions`}]
  })
  return {width, height, plotTop, plotBottom, binLabel: binLabel(size), bars, ticks: ticks(start, start + nBins * size, x0, plotW), max, empty: false, omitted}
}

const OUTLIER_GAP = 60 * 24 * HOUR

/**
 * A few events dated far from the rest (a configuration file written years earlier, a 1970 "time unknown")
 * would stretch the axis until the weeks that matter are one bar: at each end, a group of at most 1% of the
 * events separated from the rest by more than 60 days is left off the chart and told in the caption.
 */
function trimOutliers(hours: {ms: number; count: number; key: number}[]): {hours: {ms: number; count: number; key: number}[]; omitted: string} {
  const prefix = [0]
  for (const h of hours) prefix.push(prefix[prefix.length - 1]! + h.count)
  const total = prefix[prefix.length - 1]!
  let lo = 0
  let hi = hours.length - 1
  for (let i = 0; i + 1 < hours.length; i++) if (hours[i + 1]!.ms - hours[i]!.ms > OUTLIER_GAP && prefix[i + 1]! <= total / 100) lo = i + 1
  for (let i = hours.length - 1; i > lo; i--) if (hours[i]!.ms - hours[i - 1]!.ms > OUTLIER_GAP && total - prefix[i]! <= total / 100) hi = i - 1
  const left = [...hours.slice(0, lo), ...hours.slice(hi + 1)]
  const cut = left.reduce((n, h) => n + h.count, 0)
  if (cut === 0) return {hours, omitted: ''}
  const days = [...new Set(left.map((h) => new Date(h.ms).toISOString().slice(0, 10)))].sort()
  return {hours: hours.slice(lo, hi + 1), omitted: `${cut} ${cut === 1 ? 'event' : 'events'} dated far from the rest (${days.slice(0, 4).join(', ')}${days.length > 4 ? ', …' : ''}) ${cut === 1 ? 'is' : 'are'} not drawn; ${cut === 1 ? 'it remains' : 'they remain'} in the timeline.`}
}

/**
 * Swim lanes: one lane per tool and remote party, sessions as bars over time, findings as markers on a top
 * lane. A session with no recorded end is drawn as a short bar with an open (dashed) end.
 */
export function swimlane(sessions: SessionCtx[], findings: FindingCtx[]): SwimlaneView {
  const width = 960
  const labelWidth = 210
  const plotW = width - labelWidth - 16
  const laneH = 30
  const axisH = 26
  const times: number[] = []
  for (const sc of sessions) for (const t of [sc.s.start, sc.s.end]) {
    const ms = isoToMs(t)
    if (ms !== undefined) times.push(ms)
  }
  // findings resting only on configuration dates (a relay set in 2019) are not placed on the activity axis
  for (const fc of findings) {
    if (!fc.dated) continue
    const ms = isoToMs(fc.start)
    if (ms !== undefined) times.push(ms)
  }
  if (sessions.length === 0 || times.length === 0) return {width, height: 0, labelWidth, lanes: [], bars: [], markers: [], ticks: [], empty: true}
  let start = Math.min(...times)
  let end = Math.max(...times)
  const pad = Math.max((end - start) * 0.03, 30 * 60_000)
  start -= pad
  end += pad
  const x = (ms: number): number => r1(labelWidth + ((ms - start) / (end - start)) * plotW)

  const laneKeys: string[] = []
  const laneOf = new Map<SessionCtx, number>()
  const laneInfo: {label: string; sub: string}[] = []
  for (const sc of sessions) {
    const party = sc.s.remote_address ?? sc.s.remote_id ?? sc.s.instance?.relay_host ?? sc.s.operator ?? 'unknown party'
    const k = `${sc.s.tool}\u0000${party}`
    let i = laneKeys.indexOf(k)
    if (i < 0) {
      if (laneKeys.length >= MAX_LANES) continue
      i = laneKeys.push(k) - 1
      laneInfo.push({label: `${sc.s.tool}`, sub: truncate(party, 30)})
    }
    laneOf.set(sc, i)
  }
  const top = findings.length > 0 ? 1 : 0
  const lanes = [
    ...(top ? [{y: 0, h: laneH, label: 'Findings', sub: `${findings.filter((f) => f.dated).length}, placed when they happened`}] : []),
    ...laneInfo.map((l, i) => ({y: (i + top) * laneH, h: laneH, label: l.label, sub: l.sub})),
  ]
  const bars = sessions.filter((sc) => laneOf.has(sc)).flatMap((sc) => {
    const s = isoToMs(sc.s.start)
    const e = isoToMs(sc.s.end)
    const a = s ?? e
    if (a === undefined) return []
    const bx = x(a)
    const openEnd = s === undefined || e === undefined
    const w = openEnd ? 14 : Math.max(4, x(e!) - bx)
    const lane = laneOf.get(sc)! + top
    return [{x: openEnd && s === undefined ? r1(bx - 14) : bx, y: lane * laneH + 7, w: r1(w), h: laneH - 14, cls: sc.s.suspicious ? 'sl-bad' : 'sl-ok', title: `${sc.label} ${sc.s.tool} ${sc.s.start ?? '?'} → ${sc.s.end ?? '?'} (${durationText(sc.s.duration_seconds)})`, href: `#${sc.anchor}`, openEnd}]
  })
  const markers = findings.flatMap((fc) => {
    if (!fc.dated) return []
    const ms = isoToMs(fc.start)
    if (ms === undefined) return []
    return [{x: x(ms), y: laneH / 2, cls: `mk-${fc.f.severity}`, title: `${fc.label} ${fc.f.title} (${fc.start})`, href: `#${fc.anchor}`, label: fc.label}]
  })
  const height = lanes.length * laneH + axisH
  return {width, height, labelWidth, lanes, bars, markers, ticks: ticks(start, end, labelWidth, plotW).map((t) => ({...t})), empty: false}
}

function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s
}
