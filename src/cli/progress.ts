import cliProgress from 'cli-progress'
import type {CollectProgress} from '../collect/collect.js'

/**
 * The collection progress bar: files and MiB, on stderr, only on a terminal and never with --json (stdout
 * then holds nothing but the JSON object). Returns no callback when it is not shown.
 */
export function collectProgressBar(show: boolean, label = 'collect'): {onProgress?: (p: CollectProgress) => void; stop: () => void} {
  if (!show) return {stop: () => {}}
  const bar = new cliProgress.SingleBar(
    {stream: process.stderr, format: `${label} [{bar}] {value}/{total} files | {mb} MiB | {current}`, hideCursor: true, clearOnComplete: true},
    cliProgress.Presets.shades_classic,
  )
  let started = false
  return {
    onProgress: (p) => {
      const payload = {mb: (p.bytesDone / 1048576).toFixed(1), current: (p.current ?? '').slice(-40)}
      if (!started) {
        bar.start(p.filesTotal, p.filesDone, payload)
        started = true
      } else bar.update(p.filesDone, payload)
    },
    stop: () => bar.stop(),
  }
}

export {abortOnSignals} from './interrupt.js'
