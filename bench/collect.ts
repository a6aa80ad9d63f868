/**
 * `npm run bench:collect` — ratchet collect vs. the two-pass baseline `sha256sum` + `zip -r -1` (Debian zip)
 * over the same ~2 GB Windows-like tree (a few large, compressible EVTX-like files and many small ones).
 * Prints each run, the median wall-time ratio ratchet / baseline (goal ≤ 1.0) and ratchet's peak RSS
 * (goal < 200 MB, measured by GNU time). The data lives under the system temp folder, never in the repo,
 * and is removed at the end (set BENCH_KEEP=1 to keep it). BENCH_GB and BENCH_RUNS adjust size and runs;
 * BENCH_SRC reuses a tree kept from an earlier run (it is not deleted); BENCH_BEFORE=<checkout with a build>
 * also times that checkout's ratchet in every run (e.g. main, to see what a change did under the same load).
 * The three are run one after the other in each run, so that a busy machine slows them alike.
 */
import {spawnSync} from 'node:child_process'
import {randomBytes} from 'node:crypto'
import {mkdirSync, mkdtempSync, openSync, closeSync, writeSync, rmSync, readdirSync, statSync} from 'node:fs'
import {loadavg, tmpdir} from 'node:os'
import {join} from 'node:path'

const GB = Number(process.env.BENCH_GB ?? '2')
const RUNS = Number(process.env.BENCH_RUNS ?? '3')
const repo = new URL('..', import.meta.url).pathname
const BEFORE = process.env.BENCH_BEFORE
const work = mkdtempSync(join(tmpdir(), 'ratchet-collect-bench-'))
const src = process.env.BENCH_SRC ?? join(work, 'src')

/** EVTX-like: a header then repeated, slightly varying XML-ish records — compressible like real logs. */
function writeEvtxLike(path: string, bytes: number): void {
  const fd = openSync(path, 'w')
  const chunk = Buffer.alloc(1 << 20)
  let written = 0
  let rec = 0
  while (written < bytes) {
    let off = 0
    while (off < chunk.length - 400) {
      const s = `<Event><System><EventID>${4624 + (rec % 7)}</EventID><EventRecordID>${rec}</EventRecordID><TimeCreated SystemTime="2023-11-0${rec % 9}T10:${rec % 60}:00.${rec % 999}Z"/><Computer>PHARM-SRV01</Computer></System><EventData><Data Name="IpAddress">10.0.${rec % 255}.${(rec * 7) % 255}</Data></EventData></Event>`
      off += chunk.write(s, off)
      rec++
    }
    chunk.fill(0, off)
    const n = Math.min(chunk.length, bytes - written)
    writeSync(fd, chunk, 0, n)
    written += n
  }
  closeSync(fd)
}

function generate(): {files: number; bytes: number} {
  if (process.env.BENCH_SRC) {
    const all = listFiles(src)
    return {files: all.length, bytes: all.reduce((n, f) => n + statSync(f).size, 0)}
  }
  const total = GB * 1024 ** 3
  const logs = join(src, 'Windows/System32/winevt/Logs')
  mkdirSync(logs, {recursive: true})
  const large = 4
  const largeBytes = Math.floor((total * 0.8) / large)
  for (let i = 0; i < large; i++) writeEvtxLike(join(logs, `Channel${i}.evtx`), largeBytes)
  // Many small files: AnyDesk folders of 20 user profiles, half text-like, half random (incompressible).
  const smallTotal = total - largeBytes * large
  const smallSize = 64 * 1024
  const count = Math.floor(smallTotal / smallSize)
  for (let i = 0; i < count; i++) {
    const dir = join(src, `Users/user${i % 20}/AppData/Roaming/AnyDesk/ad_${i % 10}`)
    mkdirSync(dir, {recursive: true})
    const buf = i % 2 ? randomBytes(smallSize) : Buffer.from(`   info 2023-07-12 08:56:17.144  lsvc  6572  5380  anynet.relay_conn - External address: 77.232.122.${i % 255}:34791.\n`.repeat(smallSize / 110 + 1)).subarray(0, smallSize)
    const fd = openSync(join(dir, `trace${i}.trace`), 'w')
    writeSync(fd, buf)
    closeSync(fd)
  }
  return {files: large + count, bytes: largeBytes * large + count * smallSize}
}

/** Wall time, CPU time (user+sys, of the process and its children) and peak RSS, via GNU time. */
function timed(cmd: string, args: string[], opts: {cwd?: string} = {}): {seconds: number; cpu: number; rssKiB: number} {
  const t0 = process.hrtime.bigint()
  const r = spawnSync('/usr/bin/time', ['-f', '%M %U %S', cmd, ...args], {cwd: opts.cwd, encoding: 'utf8', maxBuffer: 64 << 20})
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9
  if (r.status !== 0 && r.status !== 3) throw new Error(`${cmd} failed (${r.status}): ${r.stderr.slice(-500)}`)
  const [rss, user, sys] = r.stderr.trim().split('\n').pop()!.split(' ').map(Number) as [number, number, number]
  return {seconds, cpu: user + sys, rssKiB: rss}
}

function listFiles(dir: string): string[] {
  const out: string[] = []
  const walk = (d: string): void => {
    for (const e of readdirSync(d, {withFileTypes: true})) {
      const p = join(d, e.name)
      if (e.isDirectory()) walk(p)
      else out.push(p)
    }
  }
  walk(dir)
  return out
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

console.log(process.env.BENCH_SRC ? `reusing ${src}` : `generating ~${GB} GB under ${work} …`)
const gen = generate()
const files = listFiles(src).map((f) => f.slice(src.length + 1))
console.log(`${gen.files} files, ${(gen.bytes / 1024 ** 3).toFixed(2)} GiB`)
// Warm the page cache once so neither side pays the first cold read.
spawnSync('cat', files.slice(0, 4).map((f) => join(src, f)), {stdio: ['ignore', 'ignore', 'ignore']})

const rows: {r: number; b: number; rc: number; bc: number; rss: number; rSize: number; bSize: number; before?: number; beforeRss?: number}[] = []
/** One `ratchet collect` of the tree by the checkout at `root`; the archive size. */
function collectWith(root: string, out: string): {seconds: number; cpu: number; rssKiB: number; size: number} {
  mkdirSync(out)
  const t = timed(process.execPath, [join(root, 'bin/run.js'), 'collect', '--source', src, '--out', out, '--os', 'windows', '--artefact', 'windows.eventlogs.all', '--artefact', 'windows.remote-access.anydesk', '--case', 'bench', '--json'])
  const size = statSync(join(out, readdirSync(out).find((f) => f.endsWith('.zip'))!)).size
  rmSync(out, {recursive: true})
  return {...t, size}
}
for (let run = 1; run <= RUNS; run++) {
  const r = collectWith(repo, join(work, `out${run}`))
  const rSize = r.size
  const base = join(work, `base${run}`)
  mkdirSync(base)
  // The baseline: hash every file (pass 1), then zip them (pass 2) — what a responder does without ratchet.
  const h = timed('sh', ['-c', `find . -type f -print0 | xargs -0 sha256sum > ${join(base, 'SHA256SUMS')}`], {cwd: src})
  const z = timed('zip', ['-q', '-r', '-1', join(base, 'evidence.zip'), '.'], {cwd: src})
  const bSize = statSync(join(base, 'evidence.zip')).size
  rmSync(base, {recursive: true})
  const before = BEFORE ? collectWith(BEFORE, join(work, `before${run}`)) : undefined
  rows.push({r: r.seconds, b: h.seconds + z.seconds, rc: r.cpu, bc: h.cpu + z.cpu, rss: r.rssKiB, rSize, bSize, before: before?.seconds, beforeRss: before?.rssKiB})
  console.log(
    `run ${run}: ratchet ${r.seconds.toFixed(2)} s (peak RSS ${(r.rssKiB / 1024).toFixed(0)} MiB, ${(rSize / 1048576).toFixed(0)} MiB zip) | ` +
      `sha256sum ${h.seconds.toFixed(2)} s + zip -r -1 ${z.seconds.toFixed(2)} s = ${(h.seconds + z.seconds).toFixed(2)} s (${(bSize / 1048576).toFixed(0)} MiB zip) | ratio ${(r.seconds / (h.seconds + z.seconds)).toFixed(2)} | CPU ${r.cpu.toFixed(2)} s vs ${(h.cpu + z.cpu).toFixed(2)} s` +
      (before ? ` | before ${before.seconds.toFixed(2)} s (CPU ${before.cpu.toFixed(2)} s, RSS ${(before.rssKiB / 1024).toFixed(0)} MiB, ratio ${(before.seconds / (h.seconds + z.seconds)).toFixed(2)})` : '') +
      ` | load ${loadavg()[0]!.toFixed(1)}`,
  )
}
const mr = median(rows.map((x) => x.r))
const mb = median(rows.map((x) => x.b))
const peak = Math.max(...rows.map((x) => x.rss)) / 1024
console.log(`\nmedian: ratchet ${mr.toFixed(2)} s vs sha256sum+zip ${mb.toFixed(2)} s → ratio ${(mr / mb).toFixed(2)} (goal ≤ 1.0)`)
const mrc = median(rows.map((x) => x.rc))
const mbc = median(rows.map((x) => x.bc))
console.log(`median CPU (user+sys): ratchet ${mrc.toFixed(2)} s vs ${mbc.toFixed(2)} s → ratio ${(mrc / mbc).toFixed(2)}; load average now ${loadavg().map((x) => x.toFixed(1)).join(' ')}`)
console.log(`ratchet throughput ${((gen.bytes / 1048576) / mr).toFixed(0)} MiB/s; peak RSS ${peak.toFixed(0)} MiB (goal < 200 MiB)`)
console.log('ratchet computes SHA-256 + SHA-1 + MD5 and MACB per file; the baseline computes SHA-256 only.')
if (BEFORE) {
  const ratios = rows.map((x) => x.r / x.b)
  const bratios = rows.map((x) => x.before! / x.b)
  console.log(`median of per-run ratios: ratchet ${median(ratios).toFixed(2)}, before ${median(bratios).toFixed(2)}; before peak RSS ${(Math.max(...rows.map((x) => x.beforeRss!)) / 1024).toFixed(0)} MiB`)
} else {
  console.log(`median of per-run ratios ${median(rows.map((x) => x.r / x.b)).toFixed(2)}`)
}
if (!process.env.BENCH_KEEP) rmSync(work, {recursive: true, force: true})
