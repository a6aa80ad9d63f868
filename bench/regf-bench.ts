/**
 * `npm run bench:regf [-- --runs N]`: ratchet registry dump vs `hivexregedit --export` (Debian libwin-hivex-perl)
 * on the largest shared hive (regipy's Windows 7 SYSTEM, 11.8 MB), side by side: runs alternate between
 * the tools, the table gives medians of wall and CPU time and their ratios. Both write a .reg export to
 * /dev/null; ratchet also in JSON lines. Timings on a shared machine are noisy: compare ratios.
 */
import {execFileSync, spawnSync} from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {readSample, sharedRegistryDir} from '../test/parsers/regf/shared.js'

const repo = path.resolve(new URL('..', import.meta.url).pathname)
const i = process.argv.indexOf('--runs')
const runs = i >= 0 ? Number(process.argv[i + 1]) : 5
const dir = sharedRegistryDir()
if (!dir) {
  console.error('shared registry samples not found (set RATCHET_SHARED)')
  process.exit(2)
}
if (spawnSync('sh', ['-c', 'command -v hivexregedit']).status !== 0) {
  console.error('hivexregedit not found: apt-get install libwin-hivex-perl')
  process.exit(2)
}
const hive = path.join(os.tmpdir(), 'ratchet-bench-regipy_SYSTEM')
fs.writeFileSync(hive, readSample(dir, 'regipy_SYSTEM.gz'))

interface Sample {
  wall: number
  cpu: number
}
function once(cmd: string[]): Sample {
  const res = spawnSync('/usr/bin/time', ['-f', '%e %U %S', ...cmd], {stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8'})
  const m = /([\d.]+) ([\d.]+) ([\d.]+)\s*$/.exec(res.stderr)
  if (!m || (res.status !== 0 && res.status !== 3)) throw new Error(`${cmd.join(' ')} failed: ${res.stderr.slice(-400)}`)
  return {wall: Number(m[1]), cpu: Number(m[2]) + Number(m[3])}
}
const median = (xs: number[]): number => {
  const s = xs.slice().sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2
}

console.log('building ratchet (npm run build)…')
execFileSync('npm', ['run', '-s', 'build'], {cwd: repo, stdio: 'inherit'})
const ratchet = (fmt: string): string[] => ['node', path.join(repo, 'bin/run.js'), 'registry', 'dump', hive, '--no-logs', '--format', fmt, '--prefix', 'HKEY_LOCAL_MACHINE\\SYSTEM']
const library =
  `import {dumpRegistryFile} from ${JSON.stringify(path.join(repo, 'dist/parsers/regf/dump-file.js'))};` +
  `import * as fs from 'node:fs';` +
  `await dumpRegistryFile(${JSON.stringify(hive)}, fs.createWriteStream('/dev/null'), {format: 'reg', noLogs: true, deleted: false, prefix: 'HKEY_LOCAL_MACHINE\\\\SYSTEM'})`
const rows: [string, string[]][] = [
  ['hivexregedit --export', ['hivexregedit', '--export', '--prefix', 'HKEY_LOCAL_MACHINE\\SYSTEM', hive, '\\']],
  ['ratchet registry dump --format reg', ratchet('reg')],
  ['ratchet registry dump (jsonl)', ratchet('jsonl')],
  // The same library call without the CLI's start-up (oclif loads in ~0.5 s of CPU on a cold cache).
  ['ratchet library, .reg (node, no CLI)', ['node', '--input-type=module', '-e', library]],
]
const samples = new Map<string, Sample[]>(rows.map(([n]) => [n, []]))
for (let r = 0; r < runs; r++) for (const [name, cmd] of r % 2 ? rows.slice().reverse() : rows) samples.get(name)!.push(once(cmd))
const size = fs.statSync(hive).size
console.log(`\n## regipy_SYSTEM (${(size / 1e6).toFixed(1)} MB, 30756 keys / 73456 values), median of ${runs} alternating runs\n`)
console.log('| tool | wall s | CPU s | × hivexregedit (wall) | × hivexregedit (CPU) |')
console.log('|---|---|---|---|---|')
const ref = samples.get(rows[0]![0])!
for (const [name] of rows) {
  const s = samples.get(name)!
  const w = median(s.map((x) => x.wall))
  const c = median(s.map((x) => x.cpu))
  console.log(`| ${name} | ${w.toFixed(2)} | ${c.toFixed(2)} | ${(median(ref.map((x) => x.wall)) / w).toFixed(1)} | ${(median(ref.map((x) => x.cpu)) / c).toFixed(1)} |`)
}
console.log(`\nhost: ${os.cpus()[0]?.model ?? 'cpu'} × ${os.cpus().length}, node ${process.version}; load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`)
fs.rmSync(hive)
