import * as fs from 'node:fs'
import * as path from 'node:path'
import {describe, expect, it} from 'vitest'
import {fuzzOne, mutate, rng} from '../../../bench/evtx-fuzz-lib.js'
import {SKIP_MESSAGE, sharedEvtxDir} from './shared.js'

/**
 * Fixed-seed fuzzing in CI: a few hundred mutated copies of real samples. No exception other than
 * E_EVTX_NOT_EVTX, every parse under 2 s. Long runs: `npm run fuzz:evtx -- --iterations 10000`.
 */
const dir = sharedEvtxDir()
if (!dir) console.warn(SKIP_MESSAGE)

describe.skipIf(!dir)('EVTX fuzz (fixed seed)', () => {
  const load = (f: string): Uint8Array => new Uint8Array(fs.readFileSync(path.join(dir!, f)))
  const cases: [string, number][] = [
    ['eas_LM_Remote_Service02_7045.evtx', 60],
    ['evtxrs_MSExchange_Management_wec.evtx', 60],
    ['evtxrs_Microsoft-Windows-LanguagePackSetup_4Operational.evtx', 60],
    ['hayabusa_ID472_4728_Hidden_user_creation.evtx', 60],
    ['evtxrs_E_Windows_system32_winevt_logs_Microsoft-Windows-CAPI2_4Operational.evtx', 40],
    ['evtxrs_sample_with_a_bad_chunk_magic.evtx', 40],
  ]
  for (const [file, n] of cases) {
    it(`${n} mutated copies of ${file}: no crash, each parse < 2 s`, () => {
      const src = load(file)
      const r = rng(0x5eed + n + file.length)
      let parsedSome = 0
      for (let i = 0; i < n; i++) {
        const out = fuzzOne(mutate(src, r))
        expect(out.crash, `iteration ${i}`).toBeUndefined()
        expect(out.ms).toBeLessThan(2000)
        // Records per 64 KiB chunk are bounded by the minimum record size: memory stays bounded.
        expect(out.records).toBeLessThanOrEqual(Math.ceil(src.length / 65536) * 2341)
        if (out.records > 0) parsedSome++
      }
      // Most mutations leave most of the file readable: the fuzzer is exercising the parser, not the header check.
      expect(parsedSome).toBeGreaterThan(n / 2)
    })
  }
})
