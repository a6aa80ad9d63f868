import {copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import type {Readable} from 'node:stream'
import {afterAll, describe, expect, it} from 'vitest'
import {analyze} from '../../src/analyze/index.js'
import type {ParseContext} from '../../src/analyze/parser-api.js'
import {evtxPlugin} from '../../src/analyze/plugins/evtx.js'
import type {AnalysisFile} from '../../src/analyze/types.js'
import {collect} from '../../src/collect/collect.js'
import {sha256Hex} from '../../src/core/hashing.js'
import {generateDemoHost} from '../../src/demo/index.js'
import {WindowsMapper} from '../../src/events/mappers/windows.js'
import {redactEvent} from '../../src/core/redact.js'
import {compareEvents} from '../../src/events/order.js'
import type {NormalizedEvent} from '../../src/events/types.js'
import {openEvtx} from '../../src/parsers/evtx/index.js'
import {artefactsFor} from '../collect/helpers.js'
import {SKIP_MESSAGE, sharedEvtxDir} from '../parsers/evtx/shared.js'

/**
 * EVTX analysis runs parse + map + serialize in worker threads (lanes) and hands the driver JSON lines
 * plus sort keys. Output must not depend on that: the same bytes for 1 or 3 threads, with or without
 * spilled sort runs, and the same lines as the straightforward in-thread path (records → WindowsMapper →
 * JSON.stringify → total order), which is what analyze wrote before the lanes existed.
 */
const made: string[] = []
const tmp = (p: string): string => {
  const d = mkdtempSync(join(tmpdir(), `ratchet-lanes-${p}-`))
  made.push(d)
  return d
}
afterAll(() => {
  for (const d of made) rmSync(d, {recursive: true, force: true})
})

const EVTX = sharedEvtxDir()
// Script-block fragments (stateful mapper), a damaged chunk (diagnostics), multi-chunk logs, Sysmon.
const SAMPLES = [
  'hayabusa_Powershell-Invoke-Obfuscation-many.evtx',
  'evtxrs_sample_with_a_bad_chunk_magic.evtx',
  'museum_RathbunVM_W11_Security.evtx',
  'evtxrs_sysmon.evtx',
  'museum_RathbunVM_W11_Windows_PowerShell.evtx',
]
const LOGS = 'Windows/System32/winevt/Logs'

async function outputs(input: string, opts: {threads: number; runSize?: number}): Promise<{events: Buffer; analysis: AnalysisFile}> {
  const out = tmp('out')
  await analyze(input, {out, tmpDir: tmp('t'), ...opts})
  const analysis = JSON.parse(readFileSync(join(out, 'analysis.json'), 'utf8')) as AnalysisFile
  return {events: readFileSync(join(out, 'events.jsonl')), analysis}
}

/** analysis.json minus what legitimately differs between two runs into different folders (nothing else). */
const stable = (a: AnalysisFile): AnalysisFile => ({...a, input: {...a.input, path: ''}})

describe.skipIf(!EVTX)('analyze EVTX lanes', () => {
  if (!EVTX) console.warn(SKIP_MESSAGE)
  const image = (): string => {
    const root = tmp('image')
    mkdirSync(join(root, ...LOGS.split('/')), {recursive: true})
    for (const s of SAMPLES) copyFileSync(join(EVTX!, s), join(root, ...LOGS.split('/'), s))
    return root
  }

  it('events.jsonl and analysis.json are byte-identical for 1 and 3 threads, spilled or not, and equal the in-thread mapping', async () => {
    const root = image()
    const one = await outputs(root, {threads: 1})
    const three = await outputs(root, {threads: 3})
    const spilled = await outputs(root, {threads: 3, runSize: 997})
    expect(one.events.length).toBeGreaterThan(1_000_000)
    expect(sha256Hex(three.events)).toBe(sha256Hex(one.events))
    expect(sha256Hex(spilled.events)).toBe(sha256Hex(one.events))
    expect(stable(three.analysis)).toEqual(stable(one.analysis))
    expect(stable(spilled.analysis)).toEqual(stable(one.analysis))

    // Reference: every record through WindowsMapper in this thread, serialized, in the total order.
    const ref: {ev: NormalizedEvent; line: string}[] = []
    const refDiags: Record<string, string[]> = {}
    for (const s of [...SAMPLES].sort()) {
      const member = `${LOGS}/${s}`
      const path = join(root, ...member.split('/'))
      const ctx = {member, sha256: sha256Hex(readFileSync(path)), artefact: 'windows.eventlogs.all', unverified: false}
      const mapper = new WindowsMapper()
      const file = openEvtx(path, {threads: 1})
      const add = (evs: NormalizedEvent[]): void => {
        for (const ev of evs) ref.push({ev, line: JSON.stringify(redactEvent(ev))})
      }
      for await (const rec of file.records()) add(mapper.map(ctx, rec))
      add(mapper.flush())
      refDiags[member] = file.diagnostics.map((d) => `${d.code} ${d.message}`)
    }
    ref.sort((a, b) => compareEvents(a.ev, b.ev))
    const lines = one.events.toString('utf8').split('\n')
    expect(lines.pop()).toBe('')
    expect(lines.length).toBe(ref.length)
    // Compared line by line first so a mismatch names the event, then as bytes.
    for (let i = 0; i < ref.length; i++) if (lines[i] !== ref[i]!.line) expect(lines[i]).toBe(ref[i]!.line)
    expect(sha256Hex(one.events)).toBe(sha256Hex(Buffer.from(ref.map((r) => `${r.line}\n`).join(''), 'utf8')))
    expect(ref.some((r) => r.ev.event_type === 'powershell.script_block' && Array.isArray(r.ev.attributes.fragment_records))).toBe(true)
    const files = one.analysis.artefacts.flatMap((a) => a.files)
    expect(files.map((f) => f.member).sort()).toEqual(Object.keys(refDiags).sort())
    const got: Record<string, string[]> = {}
    for (const a of one.analysis.artefacts) for (const d of a.diagnostics) (got[d.file!] ??= []).push(`${d.code} ${d.message}`)
    for (const [m, want] of Object.entries(refDiags)) expect(got[m] ?? []).toEqual(want)
    expect(Object.values(refDiags).flat().length).toBeGreaterThan(0)
  }, 120_000)

  it('an archive (files parsed in place: the next file is read ahead, one worker pool for the run) gives the same bytes for 1 and 3 threads', async () => {
    const root = image()
    const out = tmp('collect')
    const artefacts = (await artefactsFor('windows', 'full')).filter((a) => a.id === 'windows.eventlogs.all')
    const {archive} = await collect({mode: 'image', root, os: 'windows', outDir: out, format: 'zip', caseId: 'IR-lanes', examiner: 'vitest', commandLine: ['ratchet', 'collect'], artefacts, profile: 'full', noVolatile: true})
    const one = await outputs(archive, {threads: 1})
    const three = await outputs(archive, {threads: 3})
    const spilled = await outputs(archive, {threads: 3, runSize: 997})
    expect(one.analysis.artefacts.flatMap((a) => a.files).length).toBe(SAMPLES.length)
    expect(one.analysis.totals.events).toBeGreaterThan(1000)
    expect(one.analysis.totals.diagnostics).toBeGreaterThan(0) // the bad chunk, in its file's place
    expect(sha256Hex(three.events)).toBe(sha256Hex(one.events))
    expect(sha256Hex(spilled.events)).toBe(sha256Hex(one.events))
    expect(stable(three.analysis)).toEqual(stable(one.analysis))
    expect(stable(spilled.analysis)).toEqual(stable(one.analysis))
  }, 120_000)

  it('an abort while the next file is read ahead ends the run with E_INTERRUPTED and leaves no temp files', async () => {
    const root = image()
    const {archive} = await collect({mode: 'image', root, os: 'windows', outDir: tmp('collect'), format: 'zip', caseId: 'IR-abort', examiner: 'vitest', commandLine: ['ratchet', 'collect'], artefacts: (await artefactsFor('windows', 'full')).filter((a) => a.id === 'windows.eventlogs.all'), profile: 'full', noVolatile: true})
    const stop = new AbortController()
    const started: string[] = []
    // parse() of a file read ahead is called while the file before it is being consumed: abort right then
    const plugins = [{...evtxPlugin, parse: (input: Readable, ctx: ParseContext) => {
      started.push(ctx.member)
      if (started.length === 3) stop.abort()
      return evtxPlugin.parse(input, ctx)
    }}]
    const tmpDir = tmp('t')
    await expect(analyze(archive, {out: tmp('out'), tmpDir, threads: 2, runSize: 50, plugins, signal: stop.signal})).rejects.toMatchObject({code: 'E_INTERRUPTED'})
    expect(started.length).toBe(3)
    expect(readdirSync(tmpDir)).toEqual([])
  }, 120_000)

  it('the demo host analyzes to the same bytes with 1 and 2 threads', async () => {
    const demo = await generateDemoHost(join(tmp('demo'), 'd'))
    const one = await outputs(demo.volume, {threads: 1})
    const two = await outputs(demo.volume, {threads: 2, runSize: 50})
    expect(one.analysis.totals.events).toBeGreaterThan(100)
    expect(sha256Hex(two.events)).toBe(sha256Hex(one.events))
    expect(stable(two.analysis)).toEqual(stable(one.analysis))
  }, 120_000)
})
