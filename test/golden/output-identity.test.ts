import {existsSync, mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {SKIP_MESSAGE, sharedEvtxDir} from '../parsers/evtx/shared.js'
import {demoDigests, evtxDumpDigests, sharedImageDigests, type Digests} from './pipeline.js'

/**
 * Speed work must not change a byte of output. The digests in test/fixtures/golden were made with main's
 * code before the start-up/EVTX/timeline speed changes (test/golden/make-golden.ts --repo <main build>):
 * events.jsonl, every timeline format, findings, sessions and report.html of the demo host and of an image
 * holding every shared EVTX sample, and `evtx dump` JSONL/XML of each sample. A deliberate output change
 * regenerates them (and says why in its commit).
 */
const root = resolve(import.meta.dirname, '..', '..')
const bin = join(root, 'bin', 'run.js')
const golden = (name: string): Digests => JSON.parse(readFileSync(join(root, 'test', 'fixtures', 'golden', name), 'utf8')) as Digests
const work = mkdtempSync(join(tmpdir(), 'ratchet-identity-'))
const shared = sharedEvtxDir()
const built = existsSync(join(root, 'dist', 'commands', 'analyze.js'))

afterAll(() => rmSync(work, {recursive: true, force: true}))

describe.skipIf(!built)('output identity with the golden digests', () => {
  it('the demo case: events.jsonl, timelines, findings, sessions, report', () => {
    expect(demoDigests(bin, join(work, 'demo'))).toEqual(golden('demo.json'))
  }, 180_000)

  it.skipIf(!shared)(`every shared EVTX sample through evtx dump (JSONL and XML)${shared ? '' : ` — ${SKIP_MESSAGE}`}`, async () => {
    expect(await evtxDumpDigests(root, shared!)).toEqual(golden('shared-evtx.json'))
  }, 180_000)

  it.skipIf(!shared)(`an image of every shared EVTX sample through analyze, hunt, timeline, report${shared ? '' : ` — ${SKIP_MESSAGE}`}`, () => {
    expect(sharedImageDigests(bin, join(work, 'shared'), shared!)).toEqual(golden('shared-image.json'))
  }, 180_000)
})
