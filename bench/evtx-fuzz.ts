/**
 * Long fuzz run: `npm run fuzz:evtx -- --iterations 10000 [--seed N]`. Mutates the shared samples and
 * parses each copy; fails on any exception other than E_EVTX_NOT_EVTX or any parse over 2 s. Prints
 * the slowest case and heap use so memory growth shows.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import {sharedEvtxDir} from '../test/parsers/evtx/shared.js'
import {fuzzOne, mutate, rng} from './evtx-fuzz-lib.js'

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? Number(process.argv[i + 1]) : def
}

const iterations = arg('iterations', 1000)
const seed = arg('seed', 20261126)
const dir = sharedEvtxDir()
if (!dir) {
  console.error('shared EVTX samples not found (set RATCHET_SHARED)')
  process.exit(2)
}
const samples = fs
  .readdirSync(dir)
  .filter((f) => f.endsWith('.evtx'))
  .sort()
  .map((f) => ({name: f, bytes: new Uint8Array(fs.readFileSync(path.join(dir, f)))}))
const r = rng(seed)
let worst = {ms: 0, name: '', i: 0}
let crashes = 0
let slow = 0
let records = 0
const t0 = performance.now()
for (let i = 0; i < iterations; i++) {
  const s = samples[Math.floor(r() * samples.length)]!
  const input = mutate(s.bytes, r)
  const out = fuzzOne(input)
  records += out.records
  if (out.ms > worst.ms) worst = {ms: out.ms, name: s.name, i}
  if (out.ms > 2000) slow++
  if (out.crash) {
    crashes++
    const keep = path.join('/tmp', `evtx-fuzz-crash-${seed}-${i}.evtx`)
    fs.writeFileSync(keep, input)
    console.error(`iteration ${i} (${s.name}): ${out.crash.split('\n').slice(0, 3).join(' | ')} → ${keep}`)
  }
  if ((i + 1) % 1000 === 0) {
    console.log(`${i + 1} iterations, ${crashes} crashes, heap ${(process.memoryUsage().heapUsed / 1048576).toFixed(0)} MiB`)
  }
}
const secs = (performance.now() - t0) / 1000
console.log(
  `fuzz: ${iterations} iterations (seed ${seed}) in ${secs.toFixed(1)} s; ${records} records; crashes ${crashes}; over 2 s ${slow}; ` +
    `slowest ${worst.ms.toFixed(0)} ms (${worst.name}, iteration ${worst.i}); rss ${(process.memoryUsage().rss / 1048576).toFixed(0)} MiB`,
)
process.exit(crashes || slow ? 1 : 0)
