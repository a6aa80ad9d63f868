import {createHash} from 'node:crypto'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {ZipWriter} from '../../src/evidence/writer.js'
import {nativeCrc32} from '../../src/evidence/zip-engine.js'
import {cleanupTempDirs, tempDir} from '../collect/helpers.js'
import {writeGolden, writeMany} from './zip-golden.js'

afterAll(cleanupTempDirs)

/**
 * The zip writer's speed work (native CRC-32, fewer stream layers, hashing off the main thread) must not
 * change a single archive byte. These digests were taken from main's ZipWriter (archiver 8, JavaScript
 * CRC-32) over the members of zip-golden.ts, which all carry fixed mtimes, so the archive is deterministic.
 * Deflate's output does not depend on how the input is chunked (Z_NO_FLUSH), which the second run checks.
 */
const GOLDEN: Record<number, {sha256: string; bytes: number}> = {
  1: {sha256: '2685c625c7e51849ff6516a39a1e11493db4c0801da8a0316c04c0232a0149ec', bytes: 1_298_100},
  6: {sha256: 'd18cdc9d5a1102d4c209252a4e1df56bddbef8b05a0eff057ddf39f0d178d86d', bytes: 1_228_070},
  0: {sha256: '78eaa3093a9ee7bb47f9aaad6e29ccd2c110457c4aabda5bd531576a9fd9fa54', bytes: 4_488_407},
}
/** SHA-256 over the lines "name size sha256 sha1 md5" of every member, joined with \n. */
const MEMBER_HASHES = '90e7db9a48383767985dcf87b85d5dc69acb0c51fcf832b28a7f2999ad06f29d'

describe('ZipWriter archive bytes', () => {
  for (const level of [1, 6, 0]) {
    it(`level ${level}: byte-identical to archiver's own output, same member hashes`, async () => {
      const r = await writeGolden(new ZipWriter(join(tempDir('golden'), 'g.zip'), level))
      expect(r.archive).toEqual(GOLDEN[level])
      expect(createHash('sha256').update(r.members.join('\n')).digest('hex')).toBe(MEMBER_HASHES)
    })
  }

  it('archiver computes no CRC-32 in JavaScript where zlib has a native one', () => {
    const [major, minor] = process.versions.node.split('.').map(Number) as [number, number]
    if (major > 20 || (major === 20 && minor >= 15)) expect(nativeCrc32).toBeTypeOf('function')
    if (!nativeCrc32) return
    const w = new ZipWriter(join(tempDir('golden'), 'n.zip'))
    const engine = (w as unknown as {archive: {_module: {engine: object & {_smartStream: unknown}}}}).archive._module.engine
    expect(engine._smartStream).not.toBe((Object.getPrototypeOf(engine) as {_smartStream: unknown})._smartStream)
    void w.abort()
  })

  it('2,500 tiny members (header writes gathered across many members): byte-identical too', async () => {
    const r = await writeMany(new ZipWriter(join(tempDir('golden'), 'm.zip'), 1))
    expect(r).toEqual({sha256: '7fb43aba2cc1da30cec789edcfd350a88cb6b4147303eeb9f877d0da30bb101e', bytes: 370_970})
  })

  it('the bytes do not depend on how the sources are chunked', async () => {
    for (const chunk of [1 << 20, 7_777]) {
      const r = await writeGolden(new ZipWriter(join(tempDir('golden'), 'g.zip'), 1), chunk)
      expect(r.archive).toEqual(GOLDEN[1])
    }
  })
})
