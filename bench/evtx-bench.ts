/**
 * `npm run bench:evtx`: ratchet's EVTX parser against evtxexport (libyal) and evtx_dump.py (python-evtx)
 * on the largest shared sample, on a ~17 MB log (a real-sized log: the sample's chunks replicated) and on a
 * ≥ 200 MB file built the same way. Wall time is the whole command, start-up included (what a user waits
 * for). Commands run alternately (A B C, A B C, …), medians are reported. Prints records/s, MB/s, ratios
 * and peak RSS (GNU time), and the load average. Not a test: timings vary by host and load.
 *
 * Options: --runs N (default 3; at most 2 on the big file), --big-mb N (default 200), --mid-mb N (default 17),
 * --no-python, --no-build (use the current dist/).
 */
import {execFileSync, spawnSync} from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {sharedEvtxDir} from '../test/parsers/evtx/shared.js'
import {median} from './median.js'
import {replicateEvtx} from './replicate-evtx.js'

const argv = process.argv.slice(2)
const opt = (name: string, def: number): number => {
  const i = argv.indexOf(`--${name}`)
  return i >= 0 ? Number(argv[i + 1]) : def
}
const runs = opt('runs', 3)
const bigMb = opt('big-mb', 200)
const midMb = opt('mid-mb', 17)
const withPython = !argv.includes('--no-python')
const threadsN = os.availableParallelism()
const repo = path.resolve(new URL('..', import.meta.url).pathname)

const dir = sharedEvtxDir()
if (!dir) {
  console.error('shared EVTX samples not found (set RATCHET_SHARED)')
  process.exit(2)
}
const sample = path.join(dir, 'museum_RathbunVM_W11_Security.evtx')

/** Replicates the sample's valid chunks until the file reaches `mb` MB. */
function buildBig(mb: number): string {
  return replicateEvtx(sample, path.join(os.tmpdir(), `ratchet-evtx-bench-${mb}m.evtx`), mb)
}

interface Result {
  secs: number
  /** User + system CPU seconds (all threads): robust when other processes share the cores. */
  cpu: number
  rssMb: number
  ok: boolean
  note?: string
}

/** Runs `cmd` once with stdout to /dev/null under GNU time: wall, CPU, peak RSS. */
function measureOnce(cmd: string[], timeoutSecs = 0): Result {
  const full = ['-f', '%e %M %U %S', ...(timeoutSecs ? ['timeout', String(timeoutSecs)] : []), ...cmd]
  const res = spawnSync('/usr/bin/time', full, {stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', maxBuffer: 1 << 26})
  const last = res.stderr.trim().split('\n').pop() ?? ''
  const m = /^([\d.]+) (\d+) ([\d.]+) ([\d.]+)$/.exec(last)
  if (!m) return {secs: NaN, cpu: NaN, rssMb: NaN, ok: false, note: last}
  // evtx dump exits 3 on damaged input; timeout exits 124.
  const ok = res.status === 0 || res.status === 3
  return {secs: Number(m[1]), cpu: Number(m[3]) + Number(m[4]), rssMb: Number(m[2]) / 1024, ok, note: res.status === 124 ? `stopped by the ${timeoutSecs} s cap` : undefined}
}

/**
 * Runs every command `n` times in rotation (A B C, A B C, …) so that all of them see the same machine load,
 * and returns per command the median wall and CPU time and the largest peak RSS.
 */
function measureAlternating(cmds: {cmd: string[]; n: number; cap: number}[]): Result[] {
  const runs: Result[][] = cmds.map(() => [])
  const rounds = Math.max(...cmds.map((c) => c.n))
  for (let i = 0; i < rounds; i++) {
    cmds.forEach((c, k) => {
      if (i < c.n && (runs[k]!.length === 0 || runs[k]!.every((r) => r.ok))) runs[k]!.push(measureOnce(c.cmd, c.cap))
    })
  }
  return runs.map((rs) => {
    const bad = rs.find((r) => !r.ok || r.note)
    if (bad) return bad
    return {secs: median(rs.map((r) => r.secs)), cpu: median(rs.map((r) => r.cpu)), rssMb: Math.max(...rs.map((r) => r.rssMb)), ok: true}
  })
}

function countRecords(file: string): number {
  const out = execFileSync('node', [path.join(repo, 'bin/run.js'), 'evtx', 'dump', file, '--threads', '1'], {maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'ignore']})
  let n = 0
  for (const b of out) if (b === 10) n++
  return n
}

function table(title: string, file: string, n: number, includePython: boolean, pythonCap: number): void {
  const size = fs.statSync(file).size
  const records = countRecords(file)
  console.log(`\n## ${title}: ${path.basename(file)} — ${(size / 1e6).toFixed(1)} MB, ${records} records, median of ${n} alternating run(s)\n`)
  const dump = (fmt: string, t: number): string[] => ['node', path.join(repo, 'bin/run.js'), 'evtx', 'dump', file, '--format', fmt, '--threads', String(t)]
  const rows: [string, string[], number][] = [
    ['ratchet jsonl, 1 thread', dump('jsonl', 1), 0],
    ['ratchet xml, 1 thread', dump('xml', 1), 0],
    [`ratchet jsonl, ${threadsN} threads`, dump('jsonl', threadsN), 0],
    [`ratchet xml, ${threadsN} threads`, dump('xml', threadsN), 0],
    ['evtxexport -f xml', ['evtxexport', '-f', 'xml', file], 0],
  ]
  if (includePython) rows.push(['evtx_dump.py', ['/usr/bin/python3', '/usr/bin/evtx_dump.py', file], pythonCap])
  const measured = measureAlternating(rows.map(([name, cmd, cap]) => ({cmd, n: name.startsWith('evtx_dump') ? 1 : n, cap})))
  const results = rows.map(([name], i) => ({name, r: measured[i]!}))
  const ref = results.find((x) => x.name === 'evtxexport -f xml')!.r
  const one = results.find((x) => x.name === 'ratchet jsonl, 1 thread')!.r
  console.log('| parser | wall s | records/s | MB/s | × evtxexport (wall) | × ratchet 1 thread (wall) | CPU s | × evtxexport (CPU) | peak RSS MB |')
  console.log('|---|---|---|---|---|---|---|---|---|')
  for (const {name, r} of results) {
    const capped = r.note?.startsWith('stopped')
    const dash = (f: () => string): string => (capped ? '—' : f())
    console.log(
      `| ${name} | ${r.secs.toFixed(2)}${r.note ? ` (${r.note})` : r.ok ? '' : ' (failed)'} | ${dash(() => Math.round(records / r.secs).toLocaleString('en-US'))} | ` +
        `${dash(() => (size / 1e6 / r.secs).toFixed(1))} | ${dash(() => (ref.secs / r.secs).toFixed(1))} | ${dash(() => (one.secs / r.secs).toFixed(2))} | ` +
        `${r.cpu.toFixed(2)} | ${dash(() => (ref.cpu / r.cpu).toFixed(1))} | ${r.rssMb.toFixed(0)} |`,
    )
  }
  console.log(`\nload average after the runs: ${os.loadavg().map((x) => x.toFixed(1)).join(' ')} (${os.cpus().length} CPUs)`)
}

if (!argv.includes('--no-build')) {
  console.log('building ratchet (npm run build)…')
  execFileSync('npm', ['run', '-s', 'build'], {cwd: repo, stdio: 'inherit'})
}
console.log(`host: ${os.cpus()[0]?.model ?? 'cpu'} × ${os.cpus().length}, node ${process.version}`)
table('largest shared sample', sample, runs, withPython, 0)
table(`a real-sized log (${midMb} MB)`, buildBig(midMb), runs, false, 0)
const big = buildBig(bigMb)
// evtx_dump.py manages well under 1 MB/s: on the big file it runs under a 60 s cap (reported as such).
table(`replicated file (≥ ${bigMb} MB)`, big, Math.max(1, Math.min(runs, 2)), withPython, 60)
