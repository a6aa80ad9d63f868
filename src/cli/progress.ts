import type {CollectProgress} from '../collect/collect.js'
import {ProgressModel} from './progress-model.js'

export {abortOnSignals} from './interrupt.js'

/** Redraws at most this often: a line per 256 KiB chunk would cost more than the copy. */
const REDRAW_MS = 100

/**
 * A one-line progress display on stderr: stage, bytes, percentage, rate and ETA (see ProgressModel). Only
 * on a terminal and never with --json (stdout then holds nothing but the JSON object); otherwise inert.
 */
export class ProgressLine {
  private readonly model = new ProgressModel()
  private last = 0
  private drawn = false

  constructor(
    private readonly label: string,
    private readonly out: NodeJS.WriteStream = process.stderr,
    private readonly now: () => number = Date.now,
  ) {}

  update(sample: Parameters<ProgressModel['update']>[1], force = false): void {
    const t = this.now()
    this.model.update(t, sample)
    if (!force && t - this.last < REDRAW_MS) return
    this.last = t
    const width = Math.max(40, (this.out.columns ?? 100) - 1)
    this.out.write(`\r${this.model.render(this.label, width)}\u001b[K`)
    this.drawn = true
  }

  stop(): void {
    if (this.drawn) this.out.write('\r\u001b[K')
    this.drawn = false
  }
}

/** The collection progress: bytes while files are hashed into the archive, 7-Zip's percentage while it packs. */
export function collectProgressBar(show: boolean, label = 'collect'): {onProgress?: (p: CollectProgress) => void; stop: () => void} {
  if (!show) return {stop: () => {}}
  const line = new ProgressLine(label)
  let stage = ''
  return {
    onProgress: (p) => {
      const first = p.stage !== stage
      stage = p.stage
      if (p.stage === 'packing') line.update({stage: '7-Zip packing', done: p.packPercent ?? 0, unit: 'percent', current: p.current}, first)
      else line.update({stage: 'hashing', done: p.bytesDone, total: p.bytesTotal, unit: 'bytes', current: `file ${p.filesDone}/${p.filesTotal} ${p.current ?? ''}`}, first)
    },
    stop: () => line.stop(),
  }
}
