import {existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {loadDefinitions, selectArtefacts} from '../../src/artefacts/load.js'
import {generateDemoServer} from '../../src/demo/server.js'
import {verifyArchive} from '../../src/evidence/verify.js'
import {triage, type TriageOptions, type TriageResult} from '../../src/triage/triage.js'

/**
 * `triage` on the demo ScreenConnect server image: the whole chain into one case folder, the blast radius, and
 * resuming — a rerun skips completed stages, and a stage whose output is gone is run again with all after it.
 */
const work = mkdtempSync(join(tmpdir(), 'ratchet-triage-test-'))
let opts: TriageOptions
let first: TriageResult

beforeAll(async () => {
  const server = await generateDemoServer(join(work, 'server'))
  const defs = await loadDefinitions()
  const sel = selectArtefacts(defs, {profile: 'triage', os: 'windows'})
  opts = {
    caseDir: join(work, 'case'),
    mode: 'image',
    root: server.volume,
    os: 'windows',
    artefacts: sel.artefacts,
    profile: sel.profile,
    format: 'zip',
    iocFiles: [server.iocs],
    windowMs: 30 * 60_000,
    commandLine: ['ratchet', 'triage', '--source', server.volume],
  }
  first = await triage(opts)
}, 120_000)
afterAll(() => rmSync(work, {recursive: true, force: true}))

describe('triage on a ScreenConnect server image', () => {
  it('runs every stage into one case folder and the archive verifies', async () => {
    expect(first.stages.map((s) => [s.stage, s.status])).toEqual([
      ['collect', 'ran'],
      ['verify', 'ran'],
      ['analyze', 'ran'],
      ['hunt', 'ran'],
      ['timeline', 'ran'],
      ['report', 'ran'],
    ])
    for (const f of first.files_written) expect(existsSync(f), f).toBe(true)
    expect((await verifyArchive(first.archive)).status).toBe('verified')
    expect(readFileSync(first.sidecar, 'utf8')).toContain(first.archive_sha256)
  })

  it('produces the blast radius: five customer machines reached, the rest routine', () => {
    expect(first.blast_radius).not.toBeNull()
    expect(first.blast_radius!.affected).toBe(5)
    expect(first.blast_radius!.machines_total).toBe(40)
    expect(first.blast_radius!.routine_only).toBe(35)
    expect(readFileSync(first.blast_radius!.csv, 'utf8').split('\n')[0]).toMatch(/machine/i)
    const html = readFileSync(first.report, 'utf8')
    expect(html).toContain('Blast radius')
    // the server's own accounts are untouched; the accounts made on customer machines are not denied
    expect(html).toContain('created or changed local accounts on customer machines')
  })

  it('resumes: a rerun with the same options skips completed stages and changes nothing', async () => {
    const before = readFileSync(first.events_file)
    const again = await triage(opts)
    expect(again.stages.every((s) => s.status === 'resumed')).toBe(true)
    expect(again.archive).toBe(first.archive)
    expect(readFileSync(again.events_file).equals(before)).toBe(true)
  })

  it('reruns from the first stage whose output is missing, and every stage after it', async () => {
    rmSync(first.findings_file)
    const again = await triage(opts)
    expect(again.stages.map((s) => [s.stage, s.status])).toEqual([
      ['collect', 'resumed'],
      ['verify', 'resumed'],
      ['analyze', 'resumed'],
      ['hunt', 'ran'],
      ['timeline', 'ran'],
      ['report', 'ran'],
    ])
    expect(existsSync(first.findings_file)).toBe(true)
  })

  it('a hunt that fails stops the timeline written beside it: no timeline, no .partial, the stage not recorded', async () => {
    const caseDir = join(work, 'case-bad-iocs')
    const bad = join(work, 'bad-iocs.txt')
    writeFileSync(bad, '1.2.3.4\nnot an indicator at all\n')
    await expect(triage({...opts, caseDir, iocFiles: [bad]})).rejects.toMatchObject({code: 'E_IOC_PARSE'})
    expect(existsSync(join(caseDir, 'timeline.csv'))).toBe(false)
    expect(existsSync(join(caseDir, 'timeline.csv.partial'))).toBe(false)
    const state = JSON.parse(readFileSync(join(caseDir, 'triage-state.json'), 'utf8')) as {completed: {stage: string}[]}
    expect(state.completed.map((c) => c.stage)).toEqual(['collect', 'verify', 'analyze'])
  })
})
