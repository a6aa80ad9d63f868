import {execFileSync, spawnSync} from 'node:child_process'
import {readFile, readdir, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {type CollectResult, collect} from '../../src/collect/collect.js'
import {extractArchive, readManifest} from '../../src/evidence/extract.js'
import {sevenZipBinary} from '../../src/evidence/sevenzip.js'
import {verifyArchive} from '../../src/evidence/verify.js'
import {artefactsFor, makeWindowsTree, cleanupTempDirs, tempDir} from '../collect/helpers.js'

afterAll(cleanupTempDirs)

const PASSWORD = 'Pharm4cy-S3cret!pw'
const repo = new URL('../..', import.meta.url).pathname

function allFiles(dir: string): string[] {
  const out: string[] = []
  const walk = (d: string) => {
    for (const e of execFileSync('find', [d, '-type', 'f'], {encoding: 'utf8'}).split('\n').filter(Boolean)) out.push(e)
  }
  walk(dir)
  return out
}

describe('7z evidence archive with a password', () => {
  let res: CollectResult
  let out: string
  let logs: string

  beforeAll(async () => {
    out = tempDir('7z')
    const lines: string[] = []
    res = await collect({
      mode: 'image',
      root: makeWindowsTree(),
      os: 'windows',
      outDir: out,
      format: '7z',
      password: PASSWORD,
      caseId: 'IR-7z',
      commandLine: ['ratchet', 'collect', '--password-file', 'pw.txt'],
      artefacts: await artefactsFor('windows'),
      profile: 'triage',
      onProgress: (p) => lines.push(JSON.stringify(p)),
    })
    logs = lines.join('\n')
  })

  it('writes an AES-256 7z with encrypted headers: listing without the password shows no file names', async () => {
    const bin = await sevenZipBinary()
    const r = spawnSync(bin, ['l', '-p', res.archive], {encoding: 'utf8', input: ''})
    expect(r.status).not.toBe(0)
    const text = r.stdout + r.stderr
    expect(text).not.toMatch(/files\/|ad_svc|manifest\.json|SHA256SUMS|AnyDesk/)
    const raw = await readFile(res.archive)
    for (const needle of ['ad_svc.trace', 'manifest.json', 'AnyDesk', 'files/C']) expect(raw.includes(Buffer.from(needle))).toBe(false)
    const tech = spawnSync(bin, ['l', '-slt', res.archive], {encoding: 'utf8', input: PASSWORD + '\n'})
    expect(tech.status).toBe(0)
    expect(tech.stdout).toMatch(/Method = LZMA2:\S+ 7zAES/)
    expect(tech.stdout).toContain('files/C/programdata/AnyDesk/ad_svc.trace')
  })

  it('round-trips with the password: verify, readManifest and safe extraction', async () => {
    const v = await verifyArchive(res.archive, {password: PASSWORD})
    expect(v.problems).toEqual([])
    expect(v.format).toBe('7z')
    const m = await readManifest(res.archive, {password: PASSWORD})
    expect(m.archive).toEqual({format: '7z', encrypted: true, encrypted_headers: true})
    const dest = tempDir('7z-x')
    const x = await extractArchive(res.archive, dest, {password: PASSWORD, maxMemberBytes: 1 << 20, maxTotalBytes: 1 << 24})
    expect(x.rejected).toEqual([])
    const sums = execFileSync('sha256sum', ['-c', '--strict', 'SHA256SUMS'], {cwd: dest, encoding: 'utf8'})
    expect(sums).not.toMatch(/FAILED/)
    expect(x.extracted.find((e) => e.member === 'files/C/programdata/AnyDesk/ad_svc.trace')?.sha256).toBe(
      m.items.find((i) => i.archive_path === 'files/C/programdata/AnyDesk/ad_svc.trace')?.hashes?.sha256,
    )
  })

  it('refuses to open without or with a wrong password (typed E_PASSWORD, no hang)', async () => {
    await expect(verifyArchive(res.archive)).rejects.toMatchObject({code: 'E_PASSWORD'})
    await expect(verifyArchive(res.archive, {password: 'wrong'})).rejects.toMatchObject({code: 'E_PASSWORD'})
  })

  it('the password appears in no file ratchet wrote, nor in its progress output, and no staging is left', async () => {
    expect(await readdir(out)).toHaveLength(2)
    const dest = tempDir('7z-scan')
    await extractArchive(res.archive, dest, {password: PASSWORD, maxMemberBytes: 1 << 20, maxTotalBytes: 1 << 24})
    const files = [res.archive, res.sidecar, ...allFiles(dest)]
    expect(files.length).toBeGreaterThan(10)
    for (const f of files) {
      const b = await readFile(f)
      expect(b.includes(Buffer.from(PASSWORD)), f).toBe(false)
      expect(b.includes(Buffer.from(PASSWORD, 'utf16le')), f).toBe(false)
    }
    expect(logs).not.toContain(PASSWORD)
  })

  it('the CLI takes the password from a file only, and never prints it', async () => {
    const dir = tempDir('7z-cli')
    const pw = join(dir, 'pw.txt')
    await writeFile(pw, PASSWORD + '\n')
    const r = spawnSync(process.execPath, ['bin/dev.js', 'verify', res.archive, '--password-file', pw, '--json'], {cwd: repo, encoding: 'utf8'})
    expect(r.status).toBe(0)
    expect(r.stdout + r.stderr).not.toContain(PASSWORD)
    const bad = spawnSync(process.execPath, ['bin/dev.js', 'collect', '--live', '--out', dir, '--password', PASSWORD], {cwd: repo, encoding: 'utf8'})
    expect(bad.status).toBe(2)
  })
})
