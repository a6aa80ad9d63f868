/**
 * `npm run bench:ntfs`: `ratchet ntfs ls` against the Sleuth Kit's `fls -r -m /` on the largest shared NTFS
 * image and on the one with the most files (alternating runs, medians), and `ratchet mft dump --format
 * bodyfile` on a ~1 GB $MFT built by replicating a real one (wall, CPU, peak RSS; a 256 MB run beside it shows
 * whether memory stays flat). Not a test: timings vary by host and by load, which is printed.
 *
 * Options: --runs N (default 5), --big-mb N (default 1024), --no-big.
 */
import {spawnSync} from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {listNames} from '../src/ntfs/list.js'
import {openNtfsVolume} from '../src/ntfs/open-volume.js'
import {loadNtfsIndex, samplePath, sharedNtfsDir, type NtfsIndexFile} from '../test/parsers/ntfs/shared.js'
import {replicateMft} from './replicate-mft.js'

const argv = process.argv.slice(2)
const opt = (name: string, def: number): number => {
  const i = argv.indexOf(`--${name}`)
  return i >= 0 ? Number(argv[i + 1]) : def
}
const runs = opt('runs', 5)
const bigMb = opt('big-mb', 1024)
const repo = path.resolve(new URL('..', import.meta.url).pathname)
const dir = sharedNtfsDir()
if (!dir) {
  console.error('shared NTFS samples not found (set RATCHET_SHARED)')
  process.exit(2)
}

interface Run {
  secs: number
  cpu: number
  rssMb: number
}

/** One run under GNU time, stdout discarded. */
function once(cmd: string[]): Run {
  const res = spawnSync('/usr/bin/time', ['-f', '%e %M %U %S', ...cmd], {stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8'})
  const m = /([\d.]+) (\d+) ([\d.]+) ([\d.]+)\s*$/.exec(res.stderr)
  if (!m || (res.status !== 0 && res.status !== 3)) throw new Error(`${cmd.join(' ')} failed: ${res.stderr.slice(-400)}`)
  return {secs: Number(m[1]), cpu: Number(m[3]) + Number(m[4]), rssMb: Number(m[2]) / 1024}
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const load = (): string => os.loadavg().map((x) => x.toFixed(1)).join(' ')

function compare(f: NtfsIndexFile, file: string): void {
  const opened = openNtfsVolume(file)
  const offsetSectors = opened.offset / 512
  // In-process: the listing itself, without Node and oclif start-up.
  const t0 = performance.now()
  let bytes = 0
  listNames(opened.volume.mft, 'bodyfile', (c) => (bytes += c.length), {directoryIndex: (n) => opened.volume.indexedEntries(n)})
  const inProcess = (performance.now() - t0) / 1000
  opened.close()
  const fls = ['fls', '-r', '-m', '/', ...(offsetSectors ? ['-o', String(offsetSectors)] : []), file]
  const ours = ['node', path.join(repo, 'bin/run.js'), 'ntfs', 'ls', file]
  const a: Run[] = []
  const b: Run[] = []
  for (let i = 0; i < runs; i++) {
    // alternate, so load changes hit both
    a.push(once(fls))
    b.push(once(ours))
  }
  const fw = median(a.map((r) => r.secs))
  const rw = median(b.map((r) => r.secs))
  const fc = median(a.map((r) => r.cpu))
  const rc = median(b.map((r) => r.cpu))
  console.log(`\n## ${f.file}: ${((f.content_size_bytes ?? f.size_bytes) / 2 ** 20).toFixed(0)} MiB, ${bytes} bodyfile bytes, median of ${runs} alternating runs\n`)
  console.log('| tool | wall s | CPU s | peak RSS MB |')
  console.log('|---|---|---|---|')
  console.log(`| fls -r -m / | ${fw.toFixed(2)} | ${fc.toFixed(2)} | ${median(a.map((r) => r.rssMb)).toFixed(0)} |`)
  console.log(`| ratchet ntfs ls | ${rw.toFixed(2)} | ${rc.toFixed(2)} | ${median(b.map((r) => r.rssMb)).toFixed(0)} |`)
  console.log(`| ratchet listing in-process (no start-up) | ${inProcess.toFixed(2)} | — | — |`)
  console.log(`\nfls / ratchet: wall ${(fw / rw).toFixed(2)}×, CPU ${(fc / rc).toFixed(2)}×; fls / in-process listing ${(fw / inProcess).toFixed(1)}× (load ${load()})`)
}

console.log('building ratchet (npm run build)…')
spawnSync('npm', ['run', '-s', 'build'], {cwd: repo, stdio: 'inherit'})
console.log(`host: ${os.cpus()[0]?.model ?? 'cpu'} × ${os.cpus().length}, node ${process.version}, load ${load()}`)
const index = loadNtfsIndex(dir)
const candidates = index.filter((f) => f.references?.fls_bodyfile && ['raw-volume', 'mbr-disk'].includes(f.kind))
const largest = [...candidates].sort((x, y) => (y.content_size_bytes ?? 0) - (x.content_size_bytes ?? 0))[0]!
const mostFiles = index.find((f) => f.file === 'gen_dev_disk.raw.gz')
for (const f of [largest, mostFiles].filter((x): x is NtfsIndexFile => !!x)) compare(f, await samplePath(dir, f))

if (!argv.includes('--no-big')) {
  const sample = path.join(dir, 'gen_dev_volume.MFT')
  console.log(`\n## $MFT replicated from gen_dev_volume.MFT → bodyfile (ratchet mft dump --format bodyfile)\n`)
  console.log('| size | records | wall s | CPU s | peak RSS MB |')
  console.log('|---|---|---|---|---|')
  for (const mb of [256, bigMb]) {
    const file = replicateMft(sample, path.join(os.tmpdir(), `ratchet-ntfs-bench-${mb}m.mft`), mb * 2 ** 20)
    const r = once(['node', path.join(repo, 'bin/run.js'), 'mft', 'dump', '--format', 'bodyfile', file])
    console.log(`| ${mb} MiB | ${Math.floor(fs.statSync(file).size / 1024)} | ${r.secs.toFixed(2)} | ${r.cpu.toFixed(2)} | ${r.rssMb.toFixed(0)} |`)
  }
  console.log(`\nload average after the runs: ${load()} (${os.cpus().length} CPUs)`)
}
