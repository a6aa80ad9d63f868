import {execFileSync, spawnSync} from 'node:child_process'
import {existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

/**
 * Builds the Linux standalone executable (Node SEA) the way `npm run build:exe` does and runs it: --version,
 * a command's help, and a small collection from an image folder followed by verify — all with the embedded
 * assets only (no node_modules, no dist beside it).
 */
const root = resolve(import.meta.dirname, '..', '..')
const distReady = existsSync(join(root, 'dist', 'commands', 'collect.js'))
const out = mkdtempSync(join(tmpdir(), 'ratchet-sea-test-'))
const exe = join(out, 'ratchet-linux-x64', 'ratchet')

describe.skipIf(!distReady || process.platform !== 'linux')('standalone executable (linux-x64)', () => {
  beforeAll(() => {
    execFileSync(process.execPath, [join(root, 'bin', 'build-exe.js'), '--target', 'linux-x64', '--no-compile', '--out', out], {stdio: 'pipe', timeout: 180_000})
  }, 200_000)
  afterAll(() => rmSync(out, {recursive: true, force: true}))

  it('prints its version', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {version: string}
    const r = spawnSync(exe, ['--version'], {encoding: 'utf8', cwd: out})
    expect(r.status).toBe(0)
    expect(r.stdout.trim()).toBe(`ratchet/${pkg.version} linux-x64 node-${process.version}`)
  })

  it('shows a command help from the embedded manifest and rejects unknown flags with exit 2', () => {
    const help = spawnSync(exe, ['collect', '--help'], {encoding: 'utf8', cwd: out})
    expect(help.status).toBe(0)
    expect(help.stdout).toContain('--source')
    const bad = spawnSync(exe, ['collect', '--bogus'], {encoding: 'utf8', cwd: out})
    expect(bad.status).toBe(2)
  })

  it('collects a small Windows image with its embedded artefact definitions, and the archive verifies', () => {
    const img = join(out, 'image')
    mkdirSync(join(img, 'Windows', 'System32', 'winevt', 'Logs'), {recursive: true})
    mkdirSync(join(img, 'ProgramData', 'AnyDesk'), {recursive: true})
    writeFileSync(join(img, 'ProgramData', 'AnyDesk', 'connection_trace.txt'), 'Incoming    2023-11-02, 03:05    Passwd    793412605    793412605\n')
    writeFileSync(join(img, 'ProgramData', 'AnyDesk', 'service.conf'), 'ad.anynet.id=123456789\n')
    const caseDir = join(out, 'case')
    const c = spawnSync(exe, ['collect', '--source', img, '--os', 'windows', '--out', caseDir, '--json'], {encoding: 'utf8', cwd: out})
    expect(c.status, c.stderr).toBe(0)
    const result = JSON.parse(c.stdout) as {archive: string; archive_sha256: string; summary: {collected: number}}
    expect(result.summary.collected).toBe(2)
    const v = spawnSync(exe, ['verify', result.archive, '--json'], {encoding: 'utf8', cwd: out})
    expect(v.status, v.stderr).toBe(0)
    expect((JSON.parse(v.stdout) as {status: string}).status).toBe('verified')
  })
})
