import * as fs from 'node:fs'
import * as path from 'node:path'
import {beforeAll, describe, expect, it} from 'vitest'
import {fuzzLznt1, fuzzMft, fuzzUsn, fuzzVolume, mutations, patched, PatchedSource, rng} from '../../../bench/ntfs-fuzz-lib.js'
import {FileSource} from '../../../src/parsers/image/file-source.js'
import {NtfsVolume} from '../../../src/parsers/ntfs/volume.js'
import {loadNtfsIndex, samplePath, sharedNtfsDir, SKIP_MESSAGE} from './shared.js'

/**
 * Fixed-seed fuzzing in CI: mutated copies of real $MFT files, $J files and a whole volume (patches aimed at its
 * $MFT). No exception other than the typed damage errors, every parse bounded in time. Long runs:
 * `npm run fuzz:ntfs -- --iterations 5000`.
 */
const dir = sharedNtfsDir()
if (!dir) console.warn(SKIP_MESSAGE)

describe('LZNT1 fuzz (fixed seed, no samples needed)', () => {
  it('500 random compressed units: no crash', () => {
    const r = rng(0x1a27)
    for (let i = 0; i < 500; i++) expect(fuzzLznt1(r).crash, `iteration ${i}`).toBeUndefined()
  })
})

describe.skipIf(!dir)('NTFS fuzz (fixed seed)', () => {
  let volumePath = ''
  beforeAll(async () => {
    const f = loadNtfsIndex(dir!).find((x) => x.file === 'gen_dev_volume.raw.gz')!
    volumePath = await samplePath(dir!, f)
  }, 120_000)

  for (const [file, n] of [
    ['gen_dev_volume.MFT', 40],
    ['museum_xw.MFT', 40],
    ['dfirntfs_4k-large.mft', 30],
  ] as const) {
    it(`${n} mutated copies of ${file}: no crash, each < 2 s`, () => {
      const bytes = new Uint8Array(fs.readFileSync(path.join(dir!, file)))
      const r = rng(0xf17e + n + file.length)
      for (let i = 0; i < n; i++) {
        const out = fuzzMft(patched(bytes, mutations(bytes.length, [[0, bytes.length]], r)))
        expect(out.crash, `iteration ${i}`).toBeUndefined()
        expect(out.ms).toBeLessThan(2000)
        expect(out.lines).toBeGreaterThan(0)
      }
    })
  }

  for (const [file, n] of [
    ['dfirntfs_usnjrnlj.bin', 60],
    ['gontfs_usn_sample.bin', 60],
  ] as const) {
    it(`${n} mutated copies of ${file}: no crash`, () => {
      const bytes = new Uint8Array(fs.readFileSync(path.join(dir!, file)))
      const r = rng(0x05e + n)
      for (let i = 0; i < n; i++) {
        const out = fuzzUsn(patched(bytes, mutations(bytes.length, [[0, bytes.length]], r)))
        expect(out.crash, `iteration ${i}`).toBeUndefined()
        expect(out.ms).toBeLessThan(1000)
      }
    })
  }

  it('25 mutated views of gen_dev_volume.raw (patches in its $MFT and index blocks): no crash, each < 5 s', () => {
    const base = new FileSource(volumePath)
    try {
      const vol = NtfsVolume.open(base)
      const cs = vol.boot.clusterSize
      const mftRuns = vol.entry(0)!.streams.find((s) => s.type === 0x80 && s.name === '')!.data!.runs
      const regions: [number, number][] = mftRuns.filter((x) => x.lcn !== null).map((x) => [x.lcn! * cs, (x.lcn! + x.length) * cs])
      regions.push([0, 512])
      const r = rng(0xd15c)
      for (let i = 0; i < 25; i++) {
        const out = fuzzVolume(new PatchedSource(base, mutations(base.size, regions, r)))
        expect(out.crash, `iteration ${i}`).toBeUndefined()
        expect(out.ms).toBeLessThan(5000)
      }
    } finally {
      base.close()
    }
  }, 120_000)
})
