import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {generateReport} from '../../src/report/generate.js'
import {buildFixtureCase} from './fixture-case.js'

/** triage writes the report while the timeline is still being written: the report lists it once it is there. */
const root = mkdtempSync(join(tmpdir(), 'ratchet-report-tl-'))
afterAll(() => rmSync(root, {recursive: true, force: true}))
const NOW = new Date('2023-11-10T12:00:00Z')

describe('report beside a timeline being written', () => {
  it('waits for the timeline only to list it, and lists what is there when the writer failed', async () => {
    const fx = buildFixtureCase(join(root, 'case'))
    const written = new Promise<void>((resolve) =>
      setTimeout(() => {
        writeFileSync(join(fx.dir, 'timeline.csv'), 'message,datetime\n')
        resolve()
      }, 300),
    )
    const r = await generateReport({caseDir: fx.dir, out: join(root, 'a.html'), commandLine: ['ratchet', 'triage'], now: NOW, timelineWritten: written})
    expect(readFileSync(r.file, 'utf8')).toContain('Full timeline: <a href="timeline.csv"')
    // the same case after the fact gives the same report
    const again = await generateReport({caseDir: fx.dir, out: join(root, 'b.html'), commandLine: ['ratchet', 'triage'], now: NOW})
    expect(again.report_hash).toBe(r.report_hash)

    const other = buildFixtureCase(join(root, 'case2'))
    const failed = Promise.reject(new Error('the timeline writer failed'))
    failed.catch(() => undefined) // the writer's error is its caller's to throw
    const f = await generateReport({caseDir: other.dir, out: join(root, 'c.html'), commandLine: ['ratchet', 'triage'], now: NOW, timelineWritten: failed})
    expect(readFileSync(f.file, 'utf8')).not.toContain('Full timeline:')
  })
})
