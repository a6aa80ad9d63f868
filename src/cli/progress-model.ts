/**
 * The progress model behind the terminal line: what is being done (stage), how far in bytes (or records),
 * how fast, and when it will be done. Pure (time is passed in), so it is unit-tested without a terminal.
 *
 * The rate is measured over a sliding window of recent samples, not since the start: a run that slows
 * (a big compressible log after many small files) shows its current speed and an honest ETA.
 */
export type ProgressUnit = 'bytes' | 'records' | 'percent'

export interface ProgressSample {
  /** What is being done now: `hashing`, `packing`, `analysing`… */
  stage: string
  done: number
  /** Unknown (undefined) while it is still being counted. */
  total?: number
  unit: ProgressUnit
  /** The file or item in hand. */
  current?: string
}

const WINDOW_MS = 5000

export class ProgressModel {
  private sample: ProgressSample | undefined
  private history: {t: number; done: number}[] = []

  update(now: number, s: ProgressSample): void {
    // a new stage or unit starts its own rate
    if (!this.sample || this.sample.stage !== s.stage || this.sample.unit !== s.unit || s.done < this.sample.done) this.history = []
    this.sample = s
    this.history.push({t: now, done: s.done})
    while (this.history.length > 2 && now - this.history[0]!.t > WINDOW_MS) this.history.shift()
  }

  /** Units per second over the window; undefined until two samples at least 200 ms apart. */
  rate(): number | undefined {
    const h = this.history
    if (h.length < 2) return undefined
    const first = h[0]!
    const last = h[h.length - 1]!
    const dt = last.t - first.t
    if (dt < 200) return undefined
    return ((last.done - first.done) * 1000) / dt
  }

  /** Seconds left at the current rate; undefined without a total or a rate. */
  etaSeconds(): number | undefined {
    const s = this.sample
    const r = this.rate()
    if (!s || s.total === undefined || r === undefined || r <= 0) return undefined
    return Math.max(0, (s.total - s.done) / r)
  }

  fraction(): number | undefined {
    const s = this.sample
    if (!s || s.total === undefined || s.total <= 0) return undefined
    return Math.min(1, s.done / s.total)
  }

  /** One line, at most `width` characters: `hashing  83%  42.1 MiB/s  ETA 0:01  250.0 MiB/300.0 MiB  path`. */
  render(label: string, width = 100): string {
    const s = this.sample
    if (!s) return label
    // most telling first, so that a narrow terminal still shows percentage, rate and ETA
    const parts = [label, s.stage]
    const f = s.unit === 'percent' ? s.done / 100 : this.fraction()
    if (f !== undefined) parts.push(`${Math.floor(f * 100)}%`)
    const r = this.rate()
    if (r !== undefined && s.unit !== 'percent') parts.push(`${fmt(r, s.unit)}/s`)
    const eta = s.unit === 'percent' ? etaFromPercent(this.history, s.done) : this.etaSeconds()
    if (eta !== undefined) parts.push(`ETA ${clock(eta)}`)
    const amount = s.unit === 'percent' ? undefined : s.total !== undefined ? `${fmt(s.done, s.unit)}/${fmt(s.total, s.unit)}` : fmt(s.done, s.unit)
    if (amount) parts.push(amount)
    let line = parts.join('  ')
    if (s.current) {
      const room = width - line.length - 2
      if (room > 8) line += `  ${s.current.length > room ? `…${s.current.slice(-(room - 1))}` : s.current}`
    }
    return line.slice(0, width)
  }
}

function etaFromPercent(h: {t: number; done: number}[], pct: number): number | undefined {
  if (h.length < 2) return undefined
  const dt = h[h.length - 1]!.t - h[0]!.t
  const dp = h[h.length - 1]!.done - h[0]!.done
  if (dt < 200 || dp <= 0) return undefined
  return ((100 - pct) * dt) / dp / 1000
}

export function fmt(n: number, unit: ProgressUnit): string {
  if (unit === 'records') return n >= 10_000 ? `${(n / 1000).toFixed(0)}k rec` : `${Math.round(n)} rec`
  if (unit === 'percent') return `${Math.round(n)}%`
  if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(2)} GiB`
  if (n >= 1024 ** 2) return `${(n / 1024 ** 2).toFixed(1)} MiB`
  if (n >= 1024) return `${(n / 1024).toFixed(0)} KiB`
  return `${Math.round(n)} B`
}

export function clock(seconds: number): string {
  const s = Math.round(seconds)
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  const sec = String(s % 60).padStart(2, '0')
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`
}
