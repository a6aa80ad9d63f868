import {createReadStream, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {createInterface} from 'node:readline'
import {afterAll, describe, expect, it} from 'vitest'
import {forEachLineBytes} from '../../src/timeline/text-lines.js'

/** forEachLineBytes replaced readline for events.jsonl: the same lines (so the same line numbers) on any bytes. */
const dir = mkdtempSync(join(tmpdir(), 'ratchet-lines-'))
afterAll(() => rmSync(dir, {recursive: true, force: true}))

async function both(bytes: Buffer, blockSize: number): Promise<[string[], string[]]> {
  const f = join(dir, 'in.txt')
  writeFileSync(f, bytes)
  const want: string[] = []
  for await (const l of createInterface({input: createReadStream(f, {encoding: 'utf8'}), crlfDelay: Infinity})) want.push(l)
  const got: string[] = []
  const ends = new Set<number | undefined>()
  let blockEnds = 0
  await forEachLineBytes(
    f,
    (buf, s, e) => {
      ends.add(buf[e])
      got.push(buf.toString('utf8', s, e))
    },
    blockSize,
    () => void blockEnds++,
  )
  // the byte after a line is its end (CR or LF) or past the buffer; every read block is reported
  for (const c of ends) expect([undefined, 10, 13]).toContain(c)
  expect(blockEnds).toBeGreaterThanOrEqual(Math.ceil(bytes.length / blockSize))
  return [got, want]
}

describe('forEachLineBytes', () => {
  it('splits on LF, CRLF and lone CR like readline, across block boundaries', async () => {
    const cases = ['', 'a', 'a\n', 'a\nb', 'a\r\nb\r\n', 'a\rb\r', '\n\n\r\n\r', 'x\r\r\ny', '€uro\nñ\r\n😀x', '{"a":1}\n\n{"b":"\\n"}\n']
    for (const c of cases) {
      for (const bs of [1, 2, 3, 5, 64]) {
        const [got, want] = await both(Buffer.from(c, 'utf8'), bs)
        expect(got, `${JSON.stringify(c)} block ${bs}`).toEqual(want)
      }
    }
  })

  it('matches readline on random bytes (invalid UTF-8 included) with small blocks', async () => {
    const pool = [10, 13, 0x41, 0x7b, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80, 0xff, 0x20]
    let seed = 7
    for (let t = 0; t < 40; t++) {
      const n = 50 + (t * 37) % 400
      const b = Buffer.alloc(n)
      for (let i = 0; i < n; i++) {
        seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
        b[i] = pool[seed % pool.length]!
      }
      const [got, want] = await both(b, 1 + (t % 9))
      expect(got).toEqual(want)
    }
  })
})
