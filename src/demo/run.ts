import {existsSync} from 'node:fs'
import {mkdir, mkdtemp, readdir, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {loadDefinitions, requireValid, selectArtefacts} from '../artefacts/load.js'
import {RatchetError} from '../core/errors.js'
import {triage, type TriageOptions, type TriageResult} from '../triage/triage.js'
import {generateDemoHost, type DemoHostResult} from './generate.js'

/** Marks a case folder as made by `demo run`, so a rerun may replace it (and never anything else). */
const MARKER = '.ratchet-demo'

export interface DemoRunResult {
  host: DemoHostResult
  triage: TriageResult
}

/**
 * Generates the demo host into a fresh temp folder and triages it as a mounted image into `caseDir`, with the
 * alert-style IOC file the generator writes beside the volume.
 */
export async function runDemo(opts: {caseDir: string; seed?: number; commandLine: string[]; onStage?: TriageOptions['onStage']; keepHost?: boolean; signal?: AbortSignal}): Promise<DemoRunResult> {
  const caseDir = resolve(opts.caseDir)
  if (existsSync(caseDir)) {
    const entries = await readdir(caseDir)
    if (entries.length > 0 && !entries.includes(MARKER)) {
      throw new RatchetError('E_OUTPUT_EXISTS', `${caseDir} exists and was not made by \`ratchet demo run\`; choose another --out`, {case_dir: caseDir})
    }
    await rm(caseDir, {recursive: true, force: true})
  }
  const hostDir = await mkdtemp(join(tmpdir(), 'ratchet-demo-host-'))
  try {
    return await generateAndTriage(hostDir, caseDir, opts)
  } finally {
    // the generated volume is scratch: the case folder holds the evidence archive of it
    if (!opts.keepHost) await rm(hostDir, {recursive: true, force: true})
  }
}

async function generateAndTriage(hostDir: string, caseDir: string, opts: Parameters<typeof runDemo>[0]): Promise<DemoRunResult> {
  const host = await generateDemoHost(join(hostDir, 'host'), {seed: opts.seed})
  const defs = await loadDefinitions()
  requireValid(defs)
  const sel = selectArtefacts(defs, {profile: 'triage', os: 'windows'})
  await mkdir(caseDir, {recursive: true})
  await writeFile(join(caseDir, MARKER), 'made by `ratchet demo run`; a rerun replaces this folder\n')
  const result = await triage({
    caseDir,
    mode: 'image',
    root: host.volume,
    os: 'windows',
    artefacts: sel.artefacts,
    profile: sel.profile,
    format: 'zip',
    caseId: `DEMO-${host.host}`,
    examiner: 'ratchet demo',
    iocFiles: [host.iocs],
    windowMs: 30 * 60_000,
    title: `Intrusion via ScreenConnect on ${host.host} (demo)`,
    classification: 'DEMO — synthetic data',
    commandLine: opts.commandLine,
    onStage: opts.onStage,
    signal: opts.signal,
  })
  return {host, triage: result}
}
