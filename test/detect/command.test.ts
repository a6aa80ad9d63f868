import {spawnSync} from 'node:child_process'
import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {describe, expect, it} from 'vitest'
import {alertCaseEvents} from './alert-case.js'
import {writeCase} from './case-builder.js'

const root = fileURLToPath(new URL('../..', import.meta.url))
const run = (args: string[]): {status: number | null; stdout: string; stderr: string} =>
  spawnSync(process.execPath, [join(root, 'bin', 'dev.js'), 'hunt', ...args], {cwd: root, encoding: 'utf8'})

describe('ratchet hunt (CLI)', () => {
  it('--json returns the result naming findings.json and sessions.json', () => {
    const dir = writeCase(alertCaseEvents())
    const iocs = join(mkdtempSync(join(tmpdir(), 'ratchet-iocs-')), 'iocs.csv')
    writeFileSync(iocs, 'type,value,description\nip,203.0.113[.]66,AnyDesk peer\n')
    const r = run([dir, '--iocs', iocs, '--pack', 'hc3-screenconnect-2023', '--window', '45m', '--json'])
    expect(r.status, r.stderr).toBe(0)
    const out = JSON.parse(r.stdout)
    expect(out.findings).toBe(join(dir, 'findings.json'))
    expect(out.sessions).toBe(join(dir, 'sessions.json'))
    expect(out.counts).toMatchObject({sessions: 4, suspicious_sessions: 3})
    expect(out.counts.correlated_findings).toBeGreaterThan(5)
  })

  it('exits 4 with E_CASE_MISSING when the case has no events.jsonl', () => {
    const r = run([mkdtempSync(join(tmpdir(), 'ratchet-nocase-')), '--json'])
    expect(r.status).toBe(4)
    expect(JSON.parse(r.stdout).error.code).toBe('E_CASE_MISSING')
  })
})
