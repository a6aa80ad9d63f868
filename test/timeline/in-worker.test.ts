import {existsSync, mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {writeTimelineInWorker} from '../../src/timeline/in-worker.js'
import {writeTimeline} from '../../src/timeline/write.js'
import {buildFixtureCase} from '../report/fixture-case.js'

/** The timeline written in a worker thread (triage's way, beside hunt) is the timeline written in-thread. */
let root: string
let caseDir: string
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'ratchet-timeline-worker-'))
  caseDir = join(root, 'case')
  buildFixtureCase(caseDir, {noise: 2000})
})
afterAll(() => rmSync(root, {recursive: true, force: true}))

describe('writeTimelineInWorker', () => {
  it('writes the same bytes and result as writeTimeline', async () => {
    for (const format of ['timesketch-csv', 'csv', 'timesketch-jsonl'] as const) {
      const ext = format.endsWith('csv') ? '.csv' : '.jsonl'
      const here = await writeTimeline({caseDir, format, out: join(root, `here-${format}${ext}`), tz: 'Europe/Berlin'})
      const there = await writeTimelineInWorker({caseDir, format, out: join(root, `there-${format}${ext}`), tz: 'Europe/Berlin'})
      expect({...there, file: ''}).toEqual({...here, file: ''})
      expect(readFileSync(there.file).equals(readFileSync(here.file))).toBe(true)
    }
  })

  it('keeps the stable error codes of the work it does', async () => {
    await expect(writeTimelineInWorker({caseDir, format: 'csv', out: join(root, 'x.txt')})).rejects.toMatchObject({code: 'E_USAGE'})
    await expect(writeTimelineInWorker({caseDir: root, format: 'csv', out: join(root, 'none.csv')})).rejects.toMatchObject({code: 'E_CASE_MISSING'})
    await expect(writeTimelineInWorker({caseDir, format: 'csv', tz: 'Mars/Olympus', out: join(root, 'tz.csv')})).rejects.toMatchObject({code: 'E_USAGE'})
  })

  it('an abort stops the worker: E_INTERRUPTED, and neither the file nor its .partial is left', async () => {
    const out = join(root, 'stopped.csv')
    const stop = new AbortController()
    const p = writeTimelineInWorker({caseDir, format: 'csv', out}, stop.signal)
    stop.abort(new Error('stopped by the test'))
    await expect(p).rejects.toMatchObject({code: 'E_INTERRUPTED'})
    expect(existsSync(out)).toBe(false)
    expect(existsSync(`${out}.partial`)).toBe(false)
  })
})
