/**
 * `npm run bench:startup`: start-up of the ratchet CLI against bare `node -e 0`, run alternately (so both see
 * the same machine load), medians, ratio. Cases: `--version`, `--help`, `evtx dump --help`, and `evtx dump`
 * of a tiny shared sample when ../shared is present (a command that does real, small work).
 *
 * Options: --runs N (default 15 per case); --baseline DIR also runs another built checkout (e.g. main before
 * the manifest) in the same rotation; --no-build uses the current dist/. Not a test: timings depend on the host and its load.
 */
import {execFileSync, spawnSync} from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {sharedEvtxDir} from '../test/parsers/evtx/shared.js'
import {median} from './median.js'

const argv = process.argv.slice(2)
const runsAt = argv.indexOf('--runs')
const runs = runsAt >= 0 ? Number(argv[runsAt + 1]) : 15
const baseAt = argv.indexOf('--baseline')
const baseline = baseAt >= 0 ? path.join(path.resolve(argv[baseAt + 1]!), 'bin', 'run.js') : undefined
const repo = path.resolve(new URL('..', import.meta.url).pathname)
const run = path.join(repo, 'bin', 'run.js')

function wall(cmd: string, args: string[]): number {
  const t0 = process.hrtime.bigint()
  const r = spawnSync(cmd, args, {stdio: 'ignore'})
  const ms = Number(process.hrtime.bigint() - t0) / 1e6
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}`)
  return ms
}

if (!argv.includes('--no-build')) {
  console.log('building ratchet (npm run build)…')
  execFileSync('npm', ['run', '-s', 'build'], {cwd: repo, stdio: 'inherit'})
}
const cases: [string, string[]][] = [
  ['ratchet --version', ['--version']],
  ['ratchet --help', ['--help']],
  ['ratchet evtx dump --help', ['evtx', 'dump', '--help']],
]
const shared = sharedEvtxDir()
const tiny = shared ? path.join(shared, 'eas_LM_Remote_Service02_7045.evtx') : undefined
if (tiny && fs.existsSync(tiny)) cases.push(['ratchet evtx dump <69 KB log> --threads 1', ['evtx', 'dump', tiny, '--threads', '1']])
else console.log('shared samples absent: the `evtx dump` case is skipped')

console.log(`host: ${os.cpus()[0]?.model ?? 'cpu'} × ${os.cpus().length}, node ${process.version}, ${runs} alternating runs per case`)
console.log(`load average before: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}\n`)
console.log(`| command | median ms | \`node -e 0\` median ms | × node | goal |${baseline ? ' baseline median ms | baseline × node |' : ''}`)
console.log(`|---|---|---|---|---|${baseline ? '---|---|' : ''}`)
for (const [name, args] of cases) {
  const mine: number[] = []
  const peer: number[] = []
  const base: number[] = []
  wall(process.execPath, [run, ...args]) // warm the file cache once
  for (let i = 0; i < runs; i++) {
    mine.push(wall(process.execPath, [run, ...args]))
    peer.push(wall(process.execPath, ['-e', '0']))
    if (baseline) base.push(wall(process.execPath, [baseline, ...args]))
  }
  const a = median(mine)
  const b = median(peer)
  const extra = baseline ? ` ${median(base).toFixed(0)} | ${(median(base) / b).toFixed(2)} |` : ''
  console.log(`| ${name} | ${a.toFixed(0)} | ${b.toFixed(0)} | ${(a / b).toFixed(2)} | ≤ 3 |${extra}`)
}
console.log(`\nload average after: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')} (${os.cpus().length} CPUs, shared with other jobs)`)
