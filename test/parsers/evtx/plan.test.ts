import * as fs from 'node:fs'
import * as path from 'node:path'
import {describe, expect, it} from 'vitest'
import type {Diagnostic} from '../../../src/core/diagnostics.js'
import {parseChunk} from '../../../src/parsers/evtx/chunk.js'
import {extractRecord} from '../../../src/parsers/evtx/extract.js'
import {SKIP_MESSAGE, sharedEvtxDir} from './shared.js'

/**
 * The JSON fast path (per-template plans) must give byte-identical JSON to the element-tree path for
 * every record of every shared sample, including key order.
 */
const dir = sharedEvtxDir()
if (!dir) console.warn(SKIP_MESSAGE)

describe.skipIf(!dir)('EVTX template plans == element-tree extraction', () => {
  it('all records of all 22 samples (with carving), and most records take the plan', () => {
    let total = 0
    let planned = 0
    for (const f of fs.readdirSync(dir!).filter((x) => x.endsWith('.evtx')).sort()) {
      const buf = new Uint8Array(fs.readFileSync(path.join(dir!, f)))
      const diags: Diagnostic[] = []
      for (let off = 4096, i = 0; off < buf.length; off += 65536, i++) {
        parseChunk(buf.subarray(off, off + 65536), i, off, {carve: true, needTree: true}, (r) => {
          total++
          const viaPlan = JSON.stringify(r.record())
          if (r.usedPlan) planned++
          const viaTree = JSON.stringify(extractRecord(r.tree(), r.facts))
          if (viaPlan !== viaTree) expect({file: f, chunk: i, rec: viaPlan}).toEqual({file: f, chunk: i, rec: viaTree})
        }, diags)
      }
    }
    expect(total).toBeGreaterThan(19000)
    expect(planned / total).toBeGreaterThan(0.8)
  })
})
