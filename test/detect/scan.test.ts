import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {loadRules} from '../../src/detect/data.js'
import {parseIocText} from '../../src/detect/ioc/load.js'
import {bytesInclude, pickLines, scanEvents, splitRanges, streamLines} from '../../src/detect/scan.js'
import {alertCaseEvents} from './alert-case.js'
import {writeCase} from './case-builder.js'

describe('events.jsonl scan', () => {
  it('splits a file into ranges that start after a newline', () => {
    const dir = writeCase([])
    const p = join(dir, 'x.jsonl')
    writeFileSync(p, 'aaaa\nbb\ncccccc\nd\n')
    const r = splitRanges(p, 3)
    expect(r[0].start).toBe(0)
    expect(r[r.length - 1].end).toBe(17)
    for (let i = 1; i < r.length; i++) expect(r[i].start).toBe(r[i - 1].end)
    for (const x of r.slice(1)) expect([5, 8, 15]).toContain(x.start)
    expect(splitRanges(p, 50).length).toBeLessThanOrEqual(4)
  })

  it('worker threads over byte ranges give the same result as one sequential scan', async () => {
    const dir = writeCase(alertCaseEvents())
    const path = join(dir, 'events.jsonl')
    const indicators = parseIocText('203.0.113.66\n442226597\ntext.xml\nrs.tdsclinical.com\n', 'i.txt').indicators
    const rules = loadRules().map((r) => r.data)
    const one = await scanEvents(path, {indicators, rules})
    const par = await scanEvents(path, {indicators, rules}, {parallelMinBytes: 0, workers: 3})
    expect(one.ranges).toBe(1)
    expect(par.ranges).toBe(3)
    expect({...par, ranges: 0}).toEqual({...one, ranges: 0})
  })
})

describe('pickLines (read-backs that decode only the lines they want)', () => {
  it('gives the lines and numbers streamLines gives: CRLF, a last line without LF, lines longer than a read chunk, bad UTF-8', async () => {
    const dir = writeCase([])
    const p = join(dir, 'x.jsonl')
    const long = `{"id":"long","pad":"${'é'.repeat(1_500_000)}"}`
    const bad = Buffer.from([0x7b, 0x22, 0x69, 0x64, 0x22, 0x3a, 0x22, 0x61, 0xe2, 0x82, 0x22, 0x2c, 0x22, 0xff, 0x53, 0x63, 0x22, 0x7d])
    writeFileSync(p, Buffer.concat([Buffer.from(`{"id":"a"}\r\n\n${long}\nScreenConnect é\r\n`), bad, Buffer.from(`\n${long}\r\n{"id":"last"}`)]))
    const all: [string, number][] = []
    await streamLines(p, (line, n) => all.push([line, n]))
    const picked: [string, number][] = []
    await pickLines(p, () => true, (line, n) => picked.push([line, n]))
    expect(picked).toEqual(all)
    expect(all.map(([, n]) => n)).toEqual([1, 2, 3, 4, 5, 6, 7])
    // only wanted lines reach onLine; bytesInclude is includes() on the decoded line
    const needle = Buffer.from('ScreenConnect')
    const withSc: number[] = []
    await pickLines(p, (b, s, e) => bytesInclude(b, s, e, needle), (_l, n) => withSc.push(n))
    expect(withSc).toEqual(all.filter(([l]) => l.includes('ScreenConnect')).map(([, n]) => n))
    const sc = Buffer.from('Sc"')
    const withQuote: number[] = []
    await pickLines(p, (b, s, e) => bytesInclude(b, s, e, sc), (_l, n) => withQuote.push(n))
    expect(withQuote).toEqual(all.filter(([l]) => l.includes('Sc"')).map(([, n]) => n))
    expect(withQuote).toEqual([5])
  })
})
