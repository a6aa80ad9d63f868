/**
 * `npm run bench:analyze`: analyze throughput and memory.
 *
 * 1. EVTX: `ratchet analyze` on a folder holding one replicated Security log (≈ --evtx-mb MB, built from the
 *    largest shared sample like bench:evtx does) against `ratchet evtx dump --threads 1` on the same file.
 *    analyze runs parse + map + serialize on worker lanes (default: available cores); `analyze --threads 1`
 *    and dump with its default threads are shown too. Goal: analyze ≥ 80 % of dump --threads 1 records/s.
 *    `--baseline <repo>` also times another checkout's built CLI (e.g. the commit before a change) on the
 *    same file and checks that its events.jsonl is byte-identical.
 * 2. A generated case with ≥ --events events (default 1,000,000): that EVTX plus an AnyDesk trace of
 *    generated session lines. Reports events/s and peak RSS (goal < 1 GB: events are spilled in sorted runs).
 *
 * Runs the built CLI (`npm run build` first) under GNU time. Not a test: timings vary by host.
 */
import {execFileSync, spawnSync} from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {sharedEvtxDir} from '../test/parsers/evtx/shared.js'
import {replicateEvtx} from './replicate-evtx.js'

const argv = process.argv.slice(2)
const opt = (name: string, def: number): number => {
  const i = argv.indexOf(`--${name}`)
  return i >= 0 ? Number(argv[i + 1]) : def
}
const evtxMb = opt('evtx-mb', 100)
const baselineAt = argv.indexOf('--baseline')
const baseline = baselineAt >= 0 ? path.resolve(argv[baselineAt + 1]!) : undefined
const wantEvents = opt('events', 1_000_000)
const repo = path.resolve(new URL('..', import.meta.url).pathname)
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ratchet-analyze-bench-'))

const dir = sharedEvtxDir()
if (!dir) {
  console.error('shared EVTX samples not found (set RATCHET_SHARED)')
  process.exit(2)
}
const sample = path.join(dir, 'museum_RathbunVM_W11_Security.evtx')


/** AnyDesk trace lines that each yield one event (a session's worth, repeated with advancing time). */
function buildTrace(out: string, events: number): void {
  const msgs = [
    'anynet.any_socket - Logged in from 203.0.113.9:59562 on relay 80e496c0.',
    'anynet.any_socket - Client-ID: 442226597 (FPR: 8e28a2a25b30).',
    'app.backend_session - Incoming session request: Bench User (221436813)',
    'app.backend_session - Authenticated by password',
    'app.backend_session - Session stopped.',
  ]
  fs.mkdirSync(path.dirname(out), {recursive: true})
  const fd = fs.openSync(out, 'w')
  let t = Date.UTC(2023, 9, 28)
  let buf = ''
  for (let i = 0; i < events; i++) {
    t += 37
    const ts = new Date(t).toISOString().replace('T', ' ').slice(0, 23)
    buf += `   info ${ts}       lsvc   6572   5380   25   ${msgs[i % msgs.length]}\n`
    if (buf.length > 1 << 20) {
      fs.writeSync(fd, buf)
      buf = ''
    }
  }
  fs.writeSync(fd, buf)
  fs.closeSync(fd)
}

/** Wall seconds, CPU seconds (user+sys: fairer than wall on a shared host) and peak RSS, via GNU time. */
function timed(cmd: string[], stdoutTo?: string): {secs: number; cpu: number; rssMb: number; status: number | null; stdout: string} {
  const out = stdoutTo ? fs.openSync(stdoutTo, 'w') : 'pipe'
  const res = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', ...cmd], {stdio: ['ignore', out, 'pipe'], encoding: 'utf8', maxBuffer: 1 << 26})
  if (typeof out === 'number') fs.closeSync(out)
  const m = /([\d.]+) ([\d.]+) ([\d.]+) (\d+)\s*$/.exec(res.stderr.trim())
  return {secs: m ? Number(m[1]) : NaN, cpu: m ? Number(m[2]) + Number(m[3]) : NaN, rssMb: m ? Number(m[4]) / 1024 : NaN, status: res.status, stdout: res.stdout ?? ''}
}

const run = path.join(repo, 'bin/run.js')
console.log('building ratchet (npm run build)…')
execFileSync('npm', ['run', '-s', 'build'], {cwd: repo, stdio: 'inherit'})
console.log(`host: ${os.cpus()[0]?.model ?? 'cpu'} × ${os.cpus().length}, node ${process.version}`)

const evtxImage = path.join(work, 'evtx-image')
const evtxFile = path.join(evtxImage, 'Windows/System32/winevt/Logs/Security.evtx')
replicateEvtx(sample, evtxFile, evtxMb)
const size = fs.statSync(evtxFile).size
const dumpOut = path.join(work, 'dump.jsonl')
const dump1 = timed(['node', run, 'evtx', 'dump', evtxFile, '--threads', '1'], dumpOut)
const dump = timed(['node', run, 'evtx', 'dump', evtxFile], dumpOut)
let records = 0
for (const b of fs.readFileSync(dumpOut)) if (b === 10) records++
fs.rmSync(dumpOut)
const an = timed(['node', run, 'analyze', evtxImage, '--out', path.join(work, 'case-evtx'), '--json'])
const anEvents = (JSON.parse(an.stdout) as {totals: {events: number}}).totals.events
const an1 = timed(['node', run, 'analyze', evtxImage, '--out', path.join(work, 'case-evtx1'), '--json', '--threads', '1'])
const same = (a: string, b: string): boolean => fs.readFileSync(path.join(work, a, 'events.jsonl')).equals(fs.readFileSync(path.join(work, b, 'events.jsonl')))
const base = baseline ? timed(['node', path.join(baseline, 'bin/run.js'), 'analyze', evtxImage, '--out', path.join(work, 'case-base'), '--json']) : undefined
console.log(`\n## EVTX: ${(size / 1e6).toFixed(1)} MB, ${records} records\n`)
console.log('| run | wall s | CPU s | records/s (wall) | MB/s (wall) | peak RSS MB |')
console.log('|---|---|---|---|---|---|')
console.log(`| ratchet evtx dump --threads 1 | ${dump1.secs.toFixed(2)} | ${dump1.cpu.toFixed(2)} | ${Math.round(records / dump1.secs).toLocaleString('en-US')} | ${(size / 1e6 / dump1.secs).toFixed(1)} | ${dump1.rssMb.toFixed(0)} |`)
console.log(`| ratchet evtx dump (default: ${os.availableParallelism()} threads) | ${dump.secs.toFixed(2)} | ${dump.cpu.toFixed(2)} | ${Math.round(records / dump.secs).toLocaleString('en-US')} | ${(size / 1e6 / dump.secs).toFixed(1)} | ${dump.rssMb.toFixed(0)} |`)
const row = (name: string, r: typeof an): void => console.log(`| ${name} | ${r.secs.toFixed(2)} | ${r.cpu.toFixed(2)} | ${Math.round(records / r.secs).toLocaleString('en-US')} | ${(size / 1e6 / r.secs).toFixed(1)} | ${r.rssMb.toFixed(0)} |`)
row(`ratchet analyze (default: ${os.availableParallelism()} threads; ${anEvents} events)`, an)
row('ratchet analyze --threads 1', an1)
if (base) row(`baseline analyze (${baseline})`, base)
const pct = (a: number, b: number): string => `${((a / b) * 100).toFixed(0)} %`
console.log(`\nanalyze / dump --threads 1: ${pct(dump1.secs, an.secs)} by wall time (goal ≥ 80 %), ${pct(dump1.cpu, an.cpu)} by CPU time`)
console.log(`analyze --threads 1 / dump --threads 1: ${pct(dump1.secs, an1.secs)} by wall time, ${pct(dump1.cpu, an1.cpu)} by CPU time`)
console.log(`analyze / dump default threads: ${pct(dump.secs, an.secs)} by wall time, ${pct(dump.cpu, an.cpu)} by CPU time`)
if (base) console.log(`baseline analyze / dump --threads 1: ${pct(dump1.secs, base.secs)} by wall time, ${pct(dump1.cpu, base.cpu)} by CPU time`)
console.log(`events.jsonl identical: threads 1 vs default ${same('case-evtx1', 'case-evtx') ? 'yes' : 'NO'}${base ? `, baseline vs default ${same('case-base', 'case-evtx') ? 'yes' : 'NO'}` : ''}`)
for (const c of ['case-evtx', 'case-evtx1', 'case-base']) fs.rmSync(path.join(work, c), {recursive: true, force: true})

// The ≥ 1M-event case: the same EVTX plus a generated AnyDesk trace.
const bigImage = path.join(work, 'big-image')
fs.mkdirSync(path.dirname(path.join(bigImage, 'Windows/System32/winevt/Logs/Security.evtx')), {recursive: true})
fs.linkSync(evtxFile, path.join(bigImage, 'Windows/System32/winevt/Logs/Security.evtx'))
buildTrace(path.join(bigImage, 'ProgramData/AnyDesk/ad_svc.trace'), Math.max(0, wantEvents - records))
const big = timed(['node', run, 'analyze', bigImage, '--out', path.join(work, 'case-big'), '--json'])
const bigEvents = (JSON.parse(big.stdout) as {totals: {events: number}}).totals.events
const outMb = fs.statSync(path.join(work, 'case-big', 'events.jsonl')).size / 1e6
console.log(`\n## generated case: ${bigEvents.toLocaleString('en-US')} events\n`)
console.log('| run | wall s | CPU s | events/s (wall) | events.jsonl MB | peak RSS MB |')
console.log('|---|---|---|---|---|---|')
console.log(`| ratchet analyze | ${big.secs.toFixed(2)} | ${big.cpu.toFixed(2)} | ${Math.round(bigEvents / big.secs).toLocaleString('en-US')} | ${outMb.toFixed(0)} | ${big.rssMb.toFixed(0)} |`)
if (baseline) {
  const b = timed(['node', path.join(baseline, 'bin/run.js'), 'analyze', bigImage, '--out', path.join(work, 'case-big-base'), '--json'])
  console.log(`| baseline analyze | ${b.secs.toFixed(2)} | ${b.cpu.toFixed(2)} | ${Math.round(bigEvents / b.secs).toLocaleString('en-US')} | ${outMb.toFixed(0)} | ${b.rssMb.toFixed(0)} |`)
  console.log(`\nevents.jsonl identical to the baseline: ${same('case-big', 'case-big-base') ? 'yes' : 'NO'}`)
}
fs.rmSync(work, {recursive: true, force: true})
