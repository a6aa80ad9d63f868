import {spawnSync} from 'node:child_process'
import {existsSync, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {buildFixtureCase} from './fixture-case.js'

/** The commands end to end through oclif (sources via bin/dev.js): --json contract and exit codes. */
const repo = new URL('../..', import.meta.url).pathname
const ratchet = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  spawnSync(process.execPath, ['--import', 'tsx', '--no-warnings', join(repo, 'bin/dev.js'), ...args], {cwd: repo, encoding: 'utf8', env: {...process.env, OCLIF_SKIP_NEW_VERSION_CHECK: '1', ...env}, timeout: 60_000})

let root: string
let dir: string
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'ratchet-cli-'))
  dir = buildFixtureCase(join(root, 'case'), {noise: 20}).dir
})
afterAll(() => rmSync(root, {recursive: true, force: true}))

describe('ratchet timeline / report commands', () => {
  it('timeline --json names the file it wrote', () => {
    const r = ratchet(['timeline', dir, '--format', 'timesketch-jsonl', '--type', 'remote_access.*', '--json'])
    expect(r.status, r.stderr).toBe(0)
    const out = JSON.parse(r.stdout) as {file: string; events_written: number; format: string}
    expect(out.file).toBe(join(dir, 'timeline.timesketch.jsonl'))
    expect(out.format).toBe('timesketch-jsonl')
    expect(out.events_written).toBe(8)
    expect(existsSync(out.file)).toBe(true)
  })

  it('report --pdf without a browser writes the HTML, says why, and exits 7', () => {
    const r = ratchet(['report', dir, '--pdf'], {RATCHET_CHROMIUM: join(root, 'no-browser')})
    expect(r.status).toBe(7)
    expect(r.stderr).toContain('E_DEPENDENCY_MISSING')
    expect(r.stderr).toContain('Print')
    expect(existsSync(join(dir, 'report.html'))).toBe(true)
  })

  it('a folder that is not a case exits 4 with E_CASE_MISSING', () => {
    const r = ratchet(['report', join(root, 'nothing-here'), '--json'])
    expect(r.status).toBe(4)
    expect((JSON.parse(r.stdout) as {error: {code: string}}).error.code).toBe('E_CASE_MISSING')
  })
})
