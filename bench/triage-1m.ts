/**
 * `npm run bench:triage-1m`: `ratchet triage` of a mounted-image folder holding ~1,000,000 EVTX records in
 * 18 logs (replicated from the shared real logs, as bench/replicate-evtx.ts does), timed per stage, with
 * peak RSS (GNU time). `--baseline <checkout>` runs another built checkout (e.g. main) on the same image,
 * alternating with this one, and checks that events.jsonl and timeline.csv are identical (the other outputs
 * name the run's own archive and collection time; test/golden compares them on fixed inputs).
 * Goal: < 30 s wall, < 1 GB RSS.
 *
 * Options: --records N (default 1,000,000), --runs N (default 1), --baseline DIR, --keep.
 * Not a test: timings vary by host and load; the load average is printed.
 */
import {execFileSync, spawnSync} from 'node:child_process'
import {createHash} from 'node:crypto'
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
const wantRecords = opt('records', 1_000_000)
const runs = opt('runs', 1)
const baselineAt = argv.indexOf('--baseline')
const baseline = baselineAt >= 0 ? path.resolve(argv[baselineAt + 1]!) : undefined
const repo = path.resolve(new URL('..', import.meta.url).pathname)
const shared = sharedEvtxDir()
if (!shared) {
  console.error('shared EVTX samples not found (set RATCHET_SHARED)')
  process.exit(2)
}

// 18 logs as a server's Logs folder has them, each replicated from a real log of that kind. Only samples
// with many records per chunk: real logs of 1 M records are ~300 MB; sparse samples would make GBs.
const LOGS: [string, string][] = [
  ['Security.evtx', 'museum_RathbunVM_W11_Security.evtx'],
  ['System.evtx', 'museum_RathbunVM_W11_System.evtx'],
  ['Application.evtx', 'evtxrs_sample-with-irregular-bool-values.evtx'],
  ['Windows PowerShell.evtx', 'museum_RathbunVM_W11_Windows_PowerShell.evtx'],
  ['Security-2.evtx', 'evtxrs_security.evtx'],
  ['Security-3.evtx', 'evtxrs_Security_with_size_t.evtx'],
  ['System-2.evtx', 'evtxrs_2-vss_7-System.evtx'],
  ['Archive-Security-1.evtx', 'museum_RathbunVM_W11_Security.evtx'],
  ['Archive-Security-2.evtx', 'evtxrs_security.evtx'],
  ['Archive-Security-3.evtx', 'evtxrs_Security_with_size_t.evtx'],
  ['Archive-System-1.evtx', 'museum_RathbunVM_W11_System.evtx'],
  ['Archive-System-2.evtx', 'evtxrs_2-vss_7-System.evtx'],
  ['Archive-Application-1.evtx', 'evtxrs_sample-with-irregular-bool-values.evtx'],
  ['Archive-PowerShell-1.evtx', 'museum_RathbunVM_W11_Windows_PowerShell.evtx'],
  ['Archive-Security-4.evtx', 'museum_RathbunVM_W11_Security.evtx'],
  ['Archive-Security-5.evtx', 'evtxrs_security.evtx'],
  ['Archive-System-3.evtx', 'museum_RathbunVM_W11_System.evtx'],
  ['Archive-Application-2.evtx', 'evtxrs_sample-with-irregular-bool-values.evtx'],
]

function recordsPerChunk(sample: string): number {
  const out = execFileSync(process.execPath, [path.join(repo, 'bin/run.js'), 'evtx', 'dump', sample, '--threads', '1', '--json'], {maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'ignore']})
  const r = JSON.parse(out.toString()) as {records: number}
  // valid chunks only: replicateEvtx copies those
  const bytes = fs.readFileSync(sample)
  let chunks = 0
  for (let off = 4096; off + 65536 <= bytes.length; off += 65536) if (bytes.toString('latin1', off, off + 8) === 'ElfChnk\0') chunks++
  return r.records / Math.max(1, chunks)
}

interface Run {
  secs: number
  rssMb: number
  stages: Record<string, number>
  status: number | null
}

function triage(cli: string, image: string, out: string): Run {
  fs.rmSync(out, {recursive: true, force: true})
  const t0 = Date.now()
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', process.execPath, cli, 'triage', '--source', image, '--os', 'windows', '--out', out, '--no-volatile'], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
    env: {...process.env, SOURCE_DATE_EPOCH: '1700000000'},
  })
  const lines = r.stderr.trim().split('\n')
  const m = /^([\d.]+) (\d+)$/.exec(lines.pop() ?? '')
  // stage start lines: "[i/6] stage …  (12.3s)"
  const starts: [string, number][] = []
  for (const l of lines) {
    const s = /^\[\d+\/\d+\] (\w+) .*\(([\d.]+)s\)$/.exec(l)
    if (s) starts.push([s[1]!, Number(s[2])])
  }
  const total = m ? Number(m[1]) : (Date.now() - t0) / 1000
  const stages: Record<string, number> = {}
  starts.forEach(([name, at], i) => {
    stages[name] = (i + 1 < starts.length ? starts[i + 1]![1] : total) - at
  })
  return {secs: total, rssMb: m ? Number(m[2]) / 1024 : NaN, stages, status: r.status}
}

const sha = (f: string): string => createHash('sha256').update(fs.readFileSync(f)).digest('hex')

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ratchet-triage-1m-'))
const cacheDir = path.join(os.tmpdir(), 'ratchet-triage-1m-logs')
console.log('building ratchet (npm run build)…')
execFileSync('npm', ['run', '-s', 'build'], {cwd: repo, stdio: 'inherit'})
const image = path.join(work, 'image')
const logs = path.join(image, 'Windows', 'System32', 'winevt', 'Logs')
fs.mkdirSync(logs, {recursive: true})
const rpc = new Map<string, number>()
for (const [, s] of LOGS) if (!rpc.has(s)) rpc.set(s, recordsPerChunk(path.join(shared, s)))
// the same number of chunks in every log, so that the records add up to the target
const chunks = Math.max(1, Math.round(wantRecords / LOGS.reduce((n, [, s]) => n + rpc.get(s)!, 0)))
let bytes = 0
for (const [name, s] of LOGS) {
  const mb = (4096 + chunks * 65536) / 1e6
  const cached = replicateEvtx(path.join(shared, s), path.join(cacheDir, `${s}-${chunks}.evtx`), mb)
  fs.linkSync(cached, path.join(logs, name))
  bytes += fs.statSync(cached).size
}
console.log(`host: ${os.cpus()[0]?.model ?? 'cpu'} × ${os.cpus().length}, node ${process.version}`)
console.log(`image: ${LOGS.length} logs, ${(bytes / 1e6).toFixed(0)} MB, ~${wantRecords.toLocaleString('en-US')} records (estimated from each sample's records per chunk)`)
console.log(`load average before: ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`)

const mine: Run[] = []
const theirs: Run[] = []
for (let i = 0; i < runs; i++) {
  mine.push(triage(path.join(repo, 'bin/run.js'), image, path.join(work, 'case')))
  if (baseline) theirs.push(triage(path.join(baseline, 'bin/run.js'), image, path.join(work, 'case-base')))
}
const caseDir = path.join(work, 'case')
const events = fs.readFileSync(path.join(caseDir, 'events.jsonl')).reduce((n, b) => n + (b === 10 ? 1 : 0), 0)
console.log(`\n## triage, ${events.toLocaleString('en-US')} events, median of ${runs} run(s)\n`)
// verify runs beside analyze, and hunt beside the timeline (each in a worker thread): one column for each
// pair, from the first one's start to the next stage's, which for a build that ran them one after the other
// is the sum of the two
const stageNames = ['collect', 'verify+analyze', 'hunt+timeline', 'report']
const stageSecs = (r: Run, s: string): number => {
  const [a, b] = s.split('+')
  return b === undefined ? (r.stages[s] ?? NaN) : (r.stages[a!] ?? 0) + (r.stages[b] ?? 0)
}
console.log(`| build | wall s | ${stageNames.join(' s | ')} s | peak RSS MB | exit |`)
console.log(`|---|---|${stageNames.map(() => '---|').join('')}---|---|`)
const row = (name: string, rs: Run[]): void =>
  console.log(
    `| ${name} | ${median(rs.map((r) => r.secs)).toFixed(1)} | ${stageNames.map((s) => median(rs.map((r) => stageSecs(r, s))).toFixed(1)).join(' | ')} | ${median(rs.map((r) => r.rssMb)).toFixed(0)} | ${rs.map((r) => r.status).join(',')} |`,
  )
row('this checkout', mine)
if (baseline) {
  row(`baseline (${baseline})`, theirs)
  console.log(`\nwall ratio baseline / this: ${(median(theirs.map((r) => r.secs)) / median(mine.map((r) => r.secs))).toFixed(2)}×`)
  const base = path.join(work, 'case-base')
  for (const f of ['events.jsonl', 'timeline.csv']) console.log(`${f} identical: ${sha(path.join(caseDir, f)) === sha(path.join(base, f)) ? 'yes' : 'NO'}`)
}
console.log(`\nload average after: ${os.loadavg().map((x) => x.toFixed(1)).join(' ')} (${os.cpus().length} CPUs, shared with other jobs)`)
if (!argv.includes('--keep')) fs.rmSync(work, {recursive: true, force: true})
else console.log(`kept ${work}`)
