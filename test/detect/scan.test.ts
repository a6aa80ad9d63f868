import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {loadRules} from '../../src/detect/data.js'
import {parseIocText} from '../../src/detect/ioc/load.js'
import {scanEvents, splitRanges} from '../../src/detect/scan.js'
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
