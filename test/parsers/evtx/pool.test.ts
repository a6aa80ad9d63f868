import {execFileSync} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {open, type FileHandle} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {CHUNK_SIZE, FILE_HEADER_SIZE} from '../../../src/parsers/evtx/header.js'
import {ChunkPool, spawnModuleWorker} from '../../../src/parsers/evtx/pool.js'

/**
 * The analyze driver keeps one ChunkPool for all EVTX files of a run and opens the next file's feed while
 * the current one is still consumed. Each feed must still hand out every slot of its own file, in file
 * order; a failure (a job that throws, a worker that dies) must end only the file it belongs to; and the
 * pool must never keep the process alive.
 */
const dir = mkdtempSync(join(tmpdir(), 'ratchet-pool-'))
afterAll(() => rmSync(dir, {recursive: true, force: true}))

interface Echo {
  seq: number
  tag: string
  index: number
  len: number
  first: number
}

/** A file of `slots` chunk slots (the last one short) whose slot i starts with byte (i + salt) & 255. */
function file(name: string, slots: number, salt: number): {path: string; size: number} {
  const size = FILE_HEADER_SIZE + (slots - 1) * CHUNK_SIZE + 1000
  const b = Buffer.alloc(size)
  for (let i = 0; i < slots; i++) b[FILE_HEADER_SIZE + i * CHUNK_SIZE] = (i + salt) & 255
  const path = join(dir, name)
  writeFileSync(path, b)
  return {path, size}
}

function pool(spawned: {n: number}, workers = 2): ChunkPool<Echo> {
  return new ChunkPool<Echo>({
    workers,
    spawn: () => {
      spawned.n++
      return spawnModuleWorker(import.meta.url, 'fixtures/pool-worker')
    },
    window: 6,
    depth: 3,
  })
}

/** Every result of a feed, or the error that ended it and what came before. */
async function drain(it: AsyncIterator<Echo>, first?: Promise<IteratorResult<Echo>>): Promise<{got: Echo[]; error?: string}> {
  const got: Echo[] = []
  try {
    for (let r = await (first ?? it.next()); !r.done; r = await it.next()) got.push(r.value)
    return {got}
  } catch (e) {
    return {got, error: (e as Error).message}
  }
}

const expected = (tag: string, slots: number, salt: number, upTo = slots): Pick<Echo, 'tag' | 'index' | 'first' | 'len'>[] =>
  Array.from({length: upTo}, (_, i) => ({tag, index: i, first: (i + salt) & 255, len: i === slots - 1 ? 1000 : CHUNK_SIZE}))
const plain = (e: Echo[]): Pick<Echo, 'tag' | 'index' | 'first' | 'len'>[] => e.map(({tag, index, first, len}) => ({tag, index, first, len}))

describe('ChunkPool', () => {
  const a = file('a', 40, 0)
  const b = file('b', 25, 100)

  /** Runs `body` with a pool and both files open; closes all of them whatever happens. */
  async function withPool(workers: number, body: (p: ChunkPool<Echo>, fa: FileHandle, fb: FileHandle, spawned: {n: number}) => Promise<void>): Promise<void> {
    const spawned = {n: 0}
    const p = pool(spawned, workers)
    const fa = await open(a.path)
    const fb = await open(b.path)
    try {
      await body(p, fa, fb, spawned)
    } finally {
      await p.close()
      await fa.close()
      await fb.close()
    }
  }

  it('serves files in turn with the same warm workers; a file opened ahead keeps its own order', () =>
    withPool(2, async (p, fa, fb, spawned) => {
      const ia = p.feed(fa, a.size, false, 'custom', {tag: 'a'})
      const firstA = ia.next()
      await firstA
      // the next file opened ahead while `a` is consumed slowly
      const ib = p.feed(fb, b.size, false, 'custom', {tag: 'b'})
      const firstB = ib.next()
      const ra = await drain(ia, firstA.then(async (r) => {
        await new Promise((res) => setTimeout(res, 50))
        return r
      }))
      const rb = await drain(ib, firstB)
      expect(ra.error).toBeUndefined()
      expect(plain(ra.got)).toEqual(expected('a', 40, 0))
      expect(rb.error).toBeUndefined()
      expect(plain(rb.got)).toEqual(expected('b', 25, 100))
      expect(spawned.n).toBe(2)
    }))

  it('a job that throws ends its own file at that slot; the file opened ahead is whole', () =>
    withPool(2, async (p, fa, fb, spawned) => {
      const ia = p.feed(fa, a.size, false, 'custom', {tag: 'a', failAt: 7})
      const ib = p.feed(fb, b.size, false, 'custom', {tag: 'b'})
      const firstB = ib.next()
      const ra = await drain(ia)
      expect(ra.error).toBe('bad slot 7')
      expect(plain(ra.got)).toEqual(expected('a', 40, 0, 7))
      const rb = await drain(ib, firstB)
      expect(rb.error).toBeUndefined()
      expect(plain(rb.got)).toEqual(expected('b', 25, 100))
      expect(spawned.n).toBe(2)
    }))

  it('a worker that dies fails its jobs; a fresh worker serves the next file', () =>
    withPool(1, async (p, fa, fb, spawned) => {
      const ra = await drain(p.feed(fa, a.size, false, 'custom', {tag: 'a', exitAt: 5}))
      expect(ra.error).toMatch(/worker exited \(code 7\)/)
      // results the worker posted just before it died may be lost with it: a prefix, never past the slot
      expect(ra.got.length).toBeLessThanOrEqual(5)
      expect(plain(ra.got)).toEqual(expected('a', 40, 0, ra.got.length))
      const rb = await drain(p.feed(fb, b.size, false, 'custom', {tag: 'b'}))
      expect(rb.error).toBeUndefined()
      expect(plain(rb.got)).toEqual(expected('b', 25, 100))
      expect(spawned.n).toBe(2)
    }))

  it('close fails what is pending, later feeds too', async () => {
    const p = pool({n: 0})
    const fa = await open(a.path)
    try {
      const ia = p.feed(fa, a.size, false, 'custom', {tag: 'a'})
      expect((await ia.next()).done).toBe(false)
      await p.close()
      await expect(drain(ia)).resolves.toMatchObject({error: 'EVTX parser pool closed'})
      await expect(drain(p.feed(fa, a.size, false, 'custom', {tag: 'a'}))).resolves.toEqual({got: [], error: 'EVTX parser pool closed'})
    } finally {
      await fa.close()
    }
  })

  it('a pool left open does not keep the process alive', () => {
    const script = join(dir, 'left-open.mts')
    const poolUrl = new URL('../../../src/parsers/evtx/pool.ts', import.meta.url).href
    writeFileSync(script, `
      import {open, type FileHandle} from 'node:fs/promises'
      import {ChunkPool, spawnModuleWorker} from ${JSON.stringify(poolUrl)}
      const p = new ChunkPool({workers: 2, spawn: () => spawnModuleWorker(${JSON.stringify(import.meta.url)}, 'fixtures/pool-worker'), window: 4})
      const fh = await open(${JSON.stringify(a.path)})
      let n = 0
      for await (const r of p.feed(fh, ${a.size}, false, 'custom', {tag: 'a'})) n++
      await fh.close()
      console.log(n)
    `)
    const out = execFileSync(process.execPath, ['--import', 'tsx', script], {encoding: 'utf8', timeout: 30_000})
    expect(out.trim()).toBe('40')
  })
})
