/**
 * `npm run bench:image` — `ratchet verify-image` vs. libewf's `ewfverify -d sha1` on the same E01, and vs.
 * `qemu-img convert -O raw` (to /dev/null-like output: a temp file) on the same dynamic VHDX: full read of the
 * media with hashes. The images are built here (ewfacquire, qemu-img) from a BENCH_MB raw disk of mixed
 * content (random, patterned and zero pages), under the system temp folder, removed at the end. Runs alternate
 * tools; the medians and their ratio are printed. Timings on a shared machine are noisy: compare ratios.
 */
import {execFileSync, spawnSync} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {loadavg, tmpdir} from 'node:os'
import {join} from 'node:path'

const MB = Number(process.env.BENCH_MB ?? '512')
const RUNS = Number(process.env.BENCH_RUNS ?? '3')
const repo = new URL('..', import.meta.url).pathname
const work = mkdtempSync(join(tmpdir(), 'ratchet-image-bench-'))

function makeRaw(path: string): void {
  const b = Buffer.alloc(MB << 20)
  let s = 7
  for (let page = 0; page * 4096 < b.length; page++) {
    const kind = page % 4
    if (kind === 3) continue
    for (let k = 0; k < 4096; k += kind === 0 ? 1 : 64) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0
      if (kind === 0) b[page * 4096 + k] = s >>> 24
      else b.fill(s >>> 24, page * 4096 + k, page * 4096 + k + 64)
    }
  }
  writeFileSync(path, b)
}

function time(cmd: string, args: string[]): number {
  const t = process.hrtime.bigint()
  const r = spawnSync(cmd, args, {stdio: 'ignore'})
  if (r.status !== 0 && !(cmd === process.execPath && r.status === 0)) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}`)
  return Number(process.hrtime.bigint() - t) / 1e9
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

try {
  const raw = join(work, 'disk.raw')
  makeRaw(raw)
  execFileSync('ewfacquire', ['-u', '-q', '-t', join(work, 'disk'), '-c', 'deflate:fast', '-d', 'sha1', raw], {stdio: 'ignore'})
  execFileSync('qemu-img', ['convert', '-f', 'raw', '-O', 'vhdx', '-o', 'subformat=dynamic', raw, join(work, 'disk.vhdx')], {stdio: 'ignore'})
  const ratchet = (img: string): number => time(process.execPath, [join(repo, 'bin', 'run.js'), 'verify-image', img, '--json'])
  const pairs: Array<[string, () => number, () => number]> = [
    ['E01 vs ewfverify -d sha1', () => ratchet(join(work, 'disk.E01')), () => time('ewfverify', ['-q', '-d', 'sha1', join(work, 'disk.E01')])],
    ['VHDX vs qemu-img convert -O raw', () => ratchet(join(work, 'disk.vhdx')), () => time('qemu-img', ['convert', '-f', 'vhdx', '-O', 'raw', join(work, 'disk.vhdx'), join(work, 'out.raw')])],
  ]
  console.log(`media ${MB} MiB, ${RUNS} alternating runs, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`)
  for (const [label, ours, peer] of pairs) {
    const a: number[] = []
    const b: number[] = []
    for (let i = 0; i < RUNS; i++) {
      a.push(ours())
      b.push(peer())
    }
    console.log(`${label}: ratchet ${a.map((x) => x.toFixed(2)).join(' ')} s, peer ${b.map((x) => x.toFixed(2)).join(' ')} s; median ratio ratchet/peer ${(median(a) / median(b)).toFixed(2)}`)
  }
} finally {
  rmSync(work, {recursive: true, force: true})
}
