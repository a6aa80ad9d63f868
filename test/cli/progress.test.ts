import {describe, expect, it} from 'vitest'
import {ProgressModel, clock, fmt} from '../../src/cli/progress-model.js'
import {ProgressLine} from '../../src/cli/progress.js'

/** Issue 13 #13: progress in bytes (not files), with rate, ETA and the current stage. */
const MiB = 1024 * 1024

describe('progress model', () => {
  it('counts bytes, not files: 250 of 300 MB is 83 %, whatever the file count', () => {
    const m = new ProgressModel()
    m.update(0, {stage: 'hashing', done: 0, total: 300 * MiB, unit: 'bytes'})
    m.update(5000, {stage: 'hashing', done: 250 * MiB, total: 300 * MiB, unit: 'bytes', current: 'file 23/100 Windows/System32/winevt/Logs/Security.evtx'})
    expect(m.fraction()).toBeCloseTo(250 / 300)
    expect(m.rate()).toBeCloseTo(50 * MiB)
    expect(m.etaSeconds()).toBeCloseTo(1)
    const line = m.render('collect', 200)
    expect(line).toContain('hashing')
    expect(line).toContain('250.0 MiB/300.0 MiB')
    expect(line).toContain('83%')
    expect(line).toContain('50.0 MiB/s')
    expect(line).toContain('ETA 0:01')
    expect(line).toContain('Security.evtx')
  })

  it('the rate follows the last seconds, so a slowdown shows in the ETA', () => {
    const m = new ProgressModel()
    for (let t = 0; t <= 10_000; t += 1000) m.update(t, {stage: 'hashing', done: (t / 1000) * 100 * MiB, total: 3000 * MiB, unit: 'bytes'})
    expect(m.rate()).toBeCloseTo(100 * MiB)
    for (let t = 11_000; t <= 20_000; t += 1000) m.update(t, {stage: 'hashing', done: 1000 * MiB + ((t - 10_000) / 1000) * 10 * MiB, total: 3000 * MiB, unit: 'bytes'})
    expect(m.rate()).toBeCloseTo(10 * MiB)
    expect(m.etaSeconds()).toBeCloseTo((3000 - 1100) / 10)
  })

  it('a new stage starts its own rate; packing shows 7-Zip\'s percentage and an ETA from it', () => {
    const m = new ProgressModel()
    m.update(0, {stage: 'hashing', done: 300 * MiB, total: 300 * MiB, unit: 'bytes'})
    m.update(1000, {stage: '7-Zip packing', done: 0, unit: 'percent'})
    expect(m.rate()).toBeUndefined()
    m.update(11_000, {stage: '7-Zip packing', done: 50, unit: 'percent'})
    const line = m.render('collect', 120)
    expect(line).toContain('7-Zip packing')
    expect(line).toContain('50%')
    expect(line).toContain('ETA 0:10')
  })

  it('no rate or ETA before there is something to measure; lines fit the width', () => {
    const m = new ProgressModel()
    m.update(0, {stage: 'hashing', done: 0, total: 10, unit: 'bytes', current: 'x'.repeat(500)})
    expect(m.rate()).toBeUndefined()
    expect(m.etaSeconds()).toBeUndefined()
    expect(m.render('collect', 60).length).toBeLessThanOrEqual(60)
    expect(fmt(1536, 'bytes')).toBe('2 KiB')
    expect(fmt(25_000, 'records')).toBe('25k rec')
    expect(clock(3725)).toBe('1:02:05')
  })

  it('the terminal line redraws at most every 100 ms and clears itself', () => {
    let out = ''
    let now = 0
    const stream = {write: (s: string) => ((out += s), true), columns: 80} as unknown as NodeJS.WriteStream
    const line = new ProgressLine('collect', stream, () => now)
    line.update({stage: 'hashing', done: 1, total: 10, unit: 'bytes'}, true)
    now = 50
    line.update({stage: 'hashing', done: 2, total: 10, unit: 'bytes'})
    expect(out.split('\r').length - 1).toBe(1)
    now = 150
    line.update({stage: 'hashing', done: 3, total: 10, unit: 'bytes'})
    expect(out.split('\r').length - 1).toBe(2)
    line.stop()
    expect(out.endsWith('\r\u001b[K')).toBe(true)
  })
})
