import {execFileSync} from 'node:child_process'
import {randomBytes} from 'node:crypto'
import {fileURLToPath} from 'node:url'
import {describe, expect, it} from 'vitest'
import {MultiHasher} from '../../src/core/hashing.js'
import {memberHasher} from '../../src/evidence/hash-offload.js'

describe('memberHasher (hashing on a worker thread)', () => {
  it('gives the hashes of exactly the bytes passed, for interleaved members, slices of shared buffers, chunks larger than a slot and reused buffers', async () => {
    const big = randomBytes(3 << 20)
    const a = memberHasher()
    const b = memberHasher()
    const ra = new MultiHasher()
    const rb = new MultiHasher()
    const scratch = Buffer.alloc(4096)
    for (let off = 0, i = 0; off < big.length; i++) {
      const n = [1, 4096, 100_003, 1 << 20][i % 4]!
      const part = big.subarray(off, off + n)
      off += n
      await a.update(part)
      ra.update(part)
      // the caller reuses its buffer at once: the worker must hash what was there at update()
      part.copy(scratch, 0, 0, Math.min(part.length, scratch.length))
      const s = scratch.subarray(0, Math.min(part.length, scratch.length))
      await b.update(s)
      rb.update(Buffer.from(s))
      scratch.fill(0xff)
    }
    const [ha, hb] = await Promise.all([a.digest(), b.digest()])
    expect(ha).toEqual(ra.digest())
    expect(hb).toEqual(rb.digest())
    expect(a.bytes).toBe(big.length)
    const empty = memberHasher()
    expect(await empty.digest()).toEqual(new MultiHasher().digest())
  })

  it('a member abandoned half-way (an interrupt) does not keep the process alive', () => {
    const mod = fileURLToPath(new URL('../../src/evidence/hash-offload.ts', import.meta.url))
    const script = `import {memberHasher} from ${JSON.stringify(mod)}; const h = memberHasher(); await h.update(Buffer.alloc(6 << 20)); console.log('left')`
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {encoding: 'utf8', timeout: 60_000})
    expect(out.trim()).toBe('left')
  })
})
