import {describe, expect, it} from 'vitest'
import {fuzzHive, mutate, rng} from '../../../bench/regf-fuzz-lib.js'
import {readSample, sharedRegistryDir, SKIP_MESSAGE} from './shared.js'

/**
 * Fixed-seed fuzzing in CI: mutated copies of real hives (and of the logs of a dirty one), walked with
 * carving. No exception other than E_INPUT_FORMAT, every parse under 2 s, keys bounded by the cell count.
 * Long runs: `npm run fuzz:regf -- --iterations 10000`.
 */
const dir = sharedRegistryDir()
if (!dir) console.warn(SKIP_MESSAGE)

describe.skipIf(!dir)('regf fuzz (fixed seed)', () => {
  const cases: [string, string[], number][] = [
    ['velo_SAM', [], 60],
    ['yarp_BigDataHive', [], 40],
    ['ezreg_UsrClassDeletedBags.dat', [], 40],
    ['yarp_NewDirtyHive1_NewDirtyHive', ['.LOG1', '.LOG2'], 60],
    ['yarp_OldDirtyHive_OldDirtyHive', ['.LOG1'], 20],
  ]
  for (const [file, logNames, n] of cases) {
    it(`${n} mutated copies of ${file}: no crash, each parse < 2 s`, () => {
      const src = readSample(dir!, file)
      const logs = logNames.map((l) => ({name: file + l, bytes: readSample(dir!, file + l)}))
      const r = rng(0x5eed + n + file.length)
      let parsedSome = 0
      for (let i = 0; i < n; i++) {
        const out = fuzzHive(mutate(src, r), logs.map((l) => ({name: l.name, bytes: r() < 0.5 ? mutate(l.bytes, r) : l.bytes})))
        expect(out.crash, `iteration ${i}`).toBeUndefined()
        expect(out.ms).toBeLessThan(2000)
        expect(out.keys).toBeLessThanOrEqual(Math.max(src.length, 1 << 21) / 8)
        if (out.keys > 0) parsedSome++
      }
      expect(parsedSome).toBeGreaterThan(n / 2)
    })
  }
})
