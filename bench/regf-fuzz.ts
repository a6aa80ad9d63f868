/**
 * Long fuzz run: `npm run fuzz:regf -- --iterations 10000 [--seed N]`. Mutates the shared hives (and the
 * logs of dirty ones) and parses each copy with log replay and carving; fails on any exception other than
 * E_INPUT_FORMAT or any parse over 2 s.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import {readSample, sharedRegistryDir} from '../test/parsers/regf/shared.js'
import {fuzzHive, mutate, rng} from './regf-fuzz-lib.js'

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? Number(process.argv[i + 1]) : def
}

const iterations = arg('iterations', 1000)
const seed = arg('seed', 20261207)
const dir = sharedRegistryDir()
if (!dir) {
  console.error('shared registry samples not found (set RATCHET_SHARED)')
  process.exit(2)
}
const names = fs.readdirSync(dir).filter((f) => !/\.(LOG\d?|bin|json|md)$/i.test(f) && fs.statSync(path.join(dir, f)).isFile()).sort()
const samples = names.map((name) => ({
  name,
  bytes: readSample(dir, name),
  logs: ['.LOG', '.LOG1', '.LOG2'].filter((s) => fs.existsSync(path.join(dir, name + s))).map((s) => ({name: name + s, bytes: readSample(dir, name + s)})),
}))
const r = rng(seed)
let crashes = 0
let slow = 0
let worst = {ms: 0, name: ''}
for (let i = 0; i < iterations; i++) {
  const s = samples[Math.floor(r() * samples.length)]!
  const input = mutate(s.bytes, r)
  const logs = s.logs.map((l) => ({name: l.name, bytes: r() < 0.5 ? mutate(l.bytes, r) : l.bytes}))
  const out = fuzzHive(input, logs)
  if (out.ms > worst.ms) worst = {ms: out.ms, name: s.name}
  if (out.ms > 2000) slow++
  if (out.crash) {
    crashes++
    const keep = path.join('/tmp', `regf-fuzz-crash-${seed}-${i}.hive`)
    fs.writeFileSync(keep, input)
    console.error(`iteration ${i} (${s.name}): ${out.crash.split('\n').slice(0, 3).join(' | ')} → ${keep}`)
  }
  if ((i + 1) % 1000 === 0) console.log(`${i + 1} iterations, ${crashes} crashes, heap ${(process.memoryUsage().heapUsed / 1048576).toFixed(0)} MiB`)
}
console.log(`${iterations} iterations (seed ${seed}): ${crashes} crashes, ${slow} over 2 s; slowest ${worst.ms.toFixed(0)} ms (${worst.name})`)
process.exit(crashes || slow ? 1 : 0)
