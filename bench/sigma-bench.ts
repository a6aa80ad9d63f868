/**
 * `npm run bench:sigma`: the whole SigmaHQ Windows rule set (../shared/sigma/rules/windows) over the shared
 * RathbunVM Security log with `ratchet sigma`, side by side with `evtxexport -f xml` merely dumping that log.
 * Runs alternate (ratchet, evtxexport, ratchet, …) so load drifts hit both; medians of wall and CPU time,
 * ratios printed. ratchet is measured twice: with its parsed-rules cache warm (the normal case after the
 * first run) and with --no-rule-cache (every rule file parsed from YAML). Not a test: timings vary by host.
 *
 * Options: --runs N (default 5).
 */
import {execFileSync, spawnSync} from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {sharedEvtxDir} from '../test/parsers/evtx/shared.js'

const argv = process.argv.slice(2)
const i = argv.indexOf('--runs')
const runs = i >= 0 ? Number(argv[i + 1]) : 5
const repo = path.resolve(new URL('..', import.meta.url).pathname)
const evtxDir = sharedEvtxDir()
const rulesDir = evtxDir ? path.join(path.dirname(path.dirname(evtxDir)), 'sigma', 'rules', 'windows') : ''
if (!evtxDir || !fs.existsSync(rulesDir)) {
  console.error('shared samples or Sigma rules not found (set RATCHET_SHARED)')
  process.exit(2)
}
const log = path.join(evtxDir, 'museum_RathbunVM_W11_Security.evtx')
const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ratchet-sigma-bench-'))

interface Sample {
  wall: number
  cpu: number
}

function once(cmd: string[], env: NodeJS.ProcessEnv = {}): Sample {
  const res = spawnSync('/usr/bin/time', ['-f', '%e %U %S', ...cmd], {stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', env: {...process.env, ...env}})
  const m = /([\d.]+) ([\d.]+) ([\d.]+)\s*$/.exec(res.stderr)
  if (!m || (res.status !== 0 && res.status !== 3)) throw new Error(`${cmd.join(' ')} failed (${res.status}): ${res.stderr.slice(-400)}`)
  return {wall: Number(m[1]), cpu: Number(m[2]) + Number(m[3])}
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2
}

console.log('building ratchet (npm run build)…')
execFileSync('npm', ['run', '-s', 'build'], {cwd: repo, stdio: 'inherit'})
const ratchet = (cache: boolean): string[] => ['node', path.join(repo, 'bin/run.js'), 'sigma', log, '--rules', rulesDir, '--json', ...(cache ? [] : ['--no-rule-cache'])]
const env = {RATCHET_CACHE_DIR: cacheDir}
const rulesCount = fs.readdirSync(rulesDir, {recursive: true}).filter((f) => String(f).endsWith('.yml')).length
console.log(`host: ${os.cpus()[0]?.model ?? 'cpu'} × ${os.cpus().length}, node ${process.version}; ${rulesCount} rule files; ${path.basename(log)} ${(fs.statSync(log).size / 1e6).toFixed(1)} MB`)
once(ratchet(true), env) // fills the parsed-rules cache

const rows: Record<string, Sample[]> = {'evtxexport -f xml': [], 'ratchet sigma (rule cache warm)': [], 'ratchet sigma --no-rule-cache': []}
for (let r = 0; r < runs; r++) {
  rows['ratchet sigma (rule cache warm)']!.push(once(ratchet(true), env))
  rows['evtxexport -f xml']!.push(once(['evtxexport', '-f', 'xml', log]))
  rows['ratchet sigma --no-rule-cache']!.push(once(ratchet(false), env))
}
const ref = rows['evtxexport -f xml']!
const refWall = median(ref.map((s) => s.wall))
const refCpu = median(ref.map((s) => s.cpu))
console.log(`\n| command | median wall s | × evtxexport (wall) | median CPU s | × evtxexport (CPU) |`)
console.log('|---|---|---|---|---|')
for (const [name, xs] of Object.entries(rows)) {
  const w = median(xs.map((s) => s.wall))
  const c = median(xs.map((s) => s.cpu))
  console.log(`| ${name} | ${w.toFixed(2)} | ${(w / refWall).toFixed(2)} | ${c.toFixed(2)} | ${(c / refCpu).toFixed(2)} |`)
}
console.log(`\n${runs} alternating runs each; load average after: ${os.loadavg().map((x) => x.toFixed(1)).join(' ')} (${os.cpus().length} CPUs)`)
fs.rmSync(cacheDir, {recursive: true, force: true})
