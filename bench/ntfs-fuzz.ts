/**
 * Long fuzz run: `npm run fuzz:ntfs -- --iterations 5000 [--seed N]`. Mutates the shared $MFT and $J files and
 * the generated volume (patches aimed at its $MFT) and parses each; fails on any exception other than the typed
 * damage errors or any parse over 5 s. Prints the slowest case and heap use so memory growth shows.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import {FileSource} from '../src/parsers/image/file-source.js'
import {NtfsVolume} from '../src/parsers/ntfs/volume.js'
import {loadNtfsIndex, samplePath, sharedNtfsDir} from '../test/parsers/ntfs/shared.js'
import {fuzzLznt1, fuzzMft, fuzzUsn, fuzzVolume, mutations, patched, PatchedSource, rng, type FuzzOutcome} from './ntfs-fuzz-lib.js'

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? Number(process.argv[i + 1]) : def
}

const iterations = arg('iterations', 1000)
const seed = arg('seed', 20261207)
const dir = sharedNtfsDir()
if (!dir) {
  console.error('shared NTFS samples not found (set RATCHET_SHARED)')
  process.exit(2)
}
const index = loadNtfsIndex(dir)
const mfts = index.filter((f) => f.kind === 'mft' && !f.file.endsWith('.gz')).map((f) => new Uint8Array(fs.readFileSync(path.join(dir, f.file))))
const usns = index.filter((f) => f.kind === 'usnjrnl' && !f.file.endsWith('.gz')).map((f) => new Uint8Array(fs.readFileSync(path.join(dir, f.file))))
const volFile = await samplePath(dir, index.find((f) => f.file === 'gen_dev_volume.raw.gz')!)
const base = new FileSource(volFile)
const vol = NtfsVolume.open(base)
const cs = vol.boot.clusterSize
const regions: [number, number][] = vol.entry(0)!.streams.find((s) => s.type === 0x80 && s.name === '')!.data!.runs.filter((x) => x.lcn !== null).map((x) => [x.lcn! * cs, (x.lcn! + x.length) * cs])
regions.push([0, 512])

const r = rng(seed)
let worst = {ms: 0, kind: '', i: 0}
let crashes = 0
let slow = 0
const t0 = performance.now()
for (let i = 0; i < iterations; i++) {
  const k = Math.floor(r() * 4)
  let out: FuzzOutcome
  let kind: string
  if (k === 0) {
    const b = mfts[Math.floor(r() * mfts.length)]!
    out = fuzzMft(patched(b, mutations(b.length, [[0, b.length]], r)))
    kind = 'mft'
  } else if (k === 1) {
    const b = usns[Math.floor(r() * usns.length)]!
    out = fuzzUsn(patched(b, mutations(b.length, [[0, b.length]], r)))
    kind = 'usn'
  } else if (k === 2) {
    out = fuzzLznt1(r)
    kind = 'lznt1'
  } else {
    out = fuzzVolume(new PatchedSource(base, mutations(base.size, regions, r)))
    kind = 'volume'
  }
  if (out.ms > worst.ms) worst = {ms: out.ms, kind, i}
  if (out.ms > 5000) slow++
  if (out.crash) {
    crashes++
    console.error(`iteration ${i} (${kind}): ${out.crash}`)
  }
}
base.close()
const heap = Math.round(process.memoryUsage().heapUsed / 1048576)
console.log(`${iterations} iterations in ${((performance.now() - t0) / 1000).toFixed(1)} s, ${crashes} crashes, ${slow} over 5 s; slowest ${worst.ms.toFixed(0)} ms (${worst.kind} #${worst.i}); heap ${heap} MiB`)
process.exit(crashes || slow ? 1 : 0)
