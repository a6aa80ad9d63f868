import {spawnSync} from 'node:child_process'
import {existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {describe, expect, it} from 'vitest'
import {at, evtxOf, failedLogon, logon, system7045} from './evtx-builders.js'

const root = fileURLToPath(new URL('../../..', import.meta.url))
const rulesDir = join(root, 'artefacts', 'sigma', 'rules')
const run = (args: string[]): {status: number | null; stdout: string; stderr: string} =>
  spawnSync(process.execPath, [join(root, 'bin', 'dev.js'), 'sigma', ...args], {cwd: root, encoding: 'utf8', env: {...process.env, RATCHET_CACHE_DIR: join(tmp, 'cache')}})

const tmp = mkdtempSync(join(tmpdir(), 'ratchet-sigma-cli-'))
const logs = join(tmp, 'logs')
mkdirSync(logs)
writeFileSync(join(logs, 'System.evtx'), evtxOf([system7045(at(0), {name: 'PSEXESVC', imagePath: '%SystemRoot%\\PSEXESVC.exe', startType: 'demand start'})]))
writeFileSync(join(logs, 'Security.evtx'), evtxOf([...Array.from({length: 12}, (_, i) => failedLogon(at(i), {user: 'Administrator', ip: '198.51.100.9'})), logon(at(30), {user: 'Administrator', ip: '198.51.100.9', logonType: '10'})]))

describe('ratchet sigma (CLI)', () => {
  it('--json over a folder: rule matches with their events, correlations under their own id; --out writes every hit', () => {
    const out = join(tmp, 'matches.jsonl')
    const r = run([logs, '--rules', rulesDir, '--json', '--out', out])
    expect(r.status, r.stderr).toBe(0)
    const res = JSON.parse(r.stdout)
    expect(res.rules_loaded).toBeGreaterThan(10)
    expect(res.rules_skipped).toEqual([])
    expect(res.inputs.map((i: {path: string}) => i.path).sort()).toEqual([join(logs, 'Security.evtx'), join(logs, 'System.evtx')])
    const psexec = res.matches.find((m: {title: string}) => m.title === 'PsExec-style remote service execution')
    expect(psexec).toMatchObject({rule_id: '375b79a6-ab2c-4492-af57-0d4a23dbeb02', level: 'medium', count: 1, events: [{file: join(logs, 'System.evtx'), recordId: 1, eventId: 7045, computer: 'DC01.corp.example'}]})
    expect(psexec.tags).toContain('attack.t1569.002')
    const guess = res.matches.find((m: {rule_id: string}) => m.rule_id === 'c2931b88-0261-403e-a498-473c87c49048')
    expect(guess).toMatchObject({count: 13, correlation: {type: 'temporal_ordered', hits: 1}})
    const lines = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l))
    expect(lines.some((l) => l.correlation === 'temporal_ordered' && l.events.length === 13)).toBe(true)
    expect(lines.some((l) => l.event?.eventId === 7045)).toBe(true)
  })

  it('prints a table by default', () => {
    const r = run([join(logs, 'System.evtx'), '--rules', rulesDir])
    expect(r.status, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/^LEVEL\s+COUNT\s+FIRST\s+LAST\s+RULE$/m)
    expect(r.stdout).toMatch(/medium\s+1\s+2026-03-14T02:00:00\.0000000Z\s+2026-03-14T02:00:00\.0000000Z\s+PsExec-style remote service execution/)
  })

  it('exit 3 when one input cannot be read (the others are still matched), 4 when none can', () => {
    const junk = join(tmp, 'junk.evtx')
    writeFileSync(junk, 'not an event log at all'.repeat(200))
    const partial = run([junk, join(logs, 'System.evtx'), '--rules', rulesDir, '--json'])
    expect(partial.status).toBe(3)
    const res = JSON.parse(partial.stdout)
    expect(res.inputs.find((i: {path: string}) => i.path === junk).error).toMatch(/not an EVTX file/)
    expect(res.matches.length).toBeGreaterThan(0)
    expect(run([join(tmp, 'missing.evtx'), '--rules', rulesDir, '--json']).status).toBe(4)
  })

  it('exit 2 for a --rules path that does not exist, and --out never overwrites', () => {
    const r = run([logs, '--rules', join(tmp, 'no-rules'), '--json'])
    expect(r.status).toBe(2)
    expect(JSON.parse(r.stdout).error.code).toBe('E_USAGE')
    const out = join(tmp, 'exists.jsonl')
    writeFileSync(out, 'keep')
    expect(run([logs, '--rules', rulesDir, '--out', out]).status).toBe(2)
    expect(readFileSync(out, 'utf8')).toBe('keep')
    expect(existsSync(join(tmp, 'cache'))).toBe(true)
  })
})
