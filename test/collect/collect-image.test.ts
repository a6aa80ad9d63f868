import {execFileSync} from 'node:child_process'
import {constants} from 'node:fs'
import {appendFile, mkdir, open, readdir} from 'node:fs/promises'
import {join} from 'node:path'
import {beforeAll, describe, expect, it} from 'vitest'
import {type CollectResult, collect} from '../../src/collect/collect.js'
import type {Manifest, ManifestItem} from '../../src/evidence/manifest-types.js'
import {readManifest} from '../../src/evidence/extract.js'
import {verifyArchive} from '../../src/evidence/verify.js'
import {THUMB, artefactsFor, lockedOpenError, makeWindowsTree, readNoAtime, sha256, snapshotTree, tempDir} from './helpers.js'

const byPath = (m: Manifest, suffix: string): ManifestItem | undefined => m.items.find((i) => i.original_path.endsWith(suffix))

describe('collect from a Windows-like mounted image', () => {
  let root: string
  let out: string
  let result: CollectResult
  let manifest: Manifest
  let before: ReturnType<typeof snapshotTree>

  beforeAll(async () => {
    root = makeWindowsTree()
    out = tempDir('out')
    before = snapshotTree(root)
    result = await collect({
      mode: 'image',
      root,
      os: 'windows',
      outDir: out,
      format: 'zip',
      caseId: 'IR-test',
      examiner: 'vitest',
      commandLine: ['ratchet', 'collect'],
      artefacts: await artefactsFor('windows'),
      profile: 'triage',
      hooks: {
        // The "unreadable file": as root, chmod 000 does not stop a read, so the open fails by injection.
        open: async (p, flags) => {
          if (p.endsWith('locked.trace')) throw lockedOpenError('EACCES')
          return open(p, flags)
        },
      },
    })
    manifest = await readManifest(result.archive)
  })

  it('writes the archive and its sidecar, and nothing else', async () => {
    expect((await readdir(out)).sort()).toEqual([`${result.archive.split('/').pop()}`, `${result.sidecar.split('/').pop()}`].sort())
    expect(result.files_written).toEqual([result.archive, result.sidecar])
    expect(result.archive).toMatch(/IR-test-\d{8}T\d{6}Z\.zip$/)
  })

  it('resolves Windows paths case-insensitively and keeps the case found on disk', () => {
    const sec = byPath(manifest, '\\Security.evtx')!
    expect(sec.original_path).toBe('C:\\WINDOWS\\system32\\WinEvt\\LOGS\\Security.evtx')
    expect(sec.archive_path).toBe('files/C/WINDOWS/system32/WinEvt/LOGS/Security.evtx')
    expect(sec.status).toBe('collected')
    expect(byPath(manifest, 'LocalSessionManager%4Operational.evtx')?.status).toBe('collected')
    expect(byPath(manifest, 'notes.txt')).toBeUndefined()
  })

  it('expands per-user paths over every profile and the SYSTEM profile, recursively', () => {
    const paths = manifest.items.filter((i) => i.status === 'collected').map((i) => i.original_path)
    expect(paths).toContain('C:\\Users\\alice\\AppData\\Roaming\\AnyDesk\\ad.trace')
    expect(paths).toContain('C:\\Users\\alice\\AppData\\Roaming\\AnyDesk\\file_transfer_trace.txt')
    expect(paths).toContain('C:\\programdata\\AnyDesk\\ad_branded\\ad_branded.trace')
    expect(paths).toContain('C:\\Users\\Bob\\appdata\\local\\Temp\\ScreenConnect\\23.9.8.8811\\ScreenConnect.ClientSetup.msi')
    expect(paths).toContain('C:\\Users\\Bob\\Documents\\ConnectWiseControl\\Temp\\tool.exe')
    expect(paths).toContain(`C:\\WINDOWS\\System32\\config\\systemprofile\\AppData\\Local\\ScreenConnect Client (${THUMB})\\user.config`)
    expect(paths).toContain('C:\\WINDOWS\\Temp\\ScreenConnect\\23.9.8.8811\\0f1e2d3c-aaaa-bbbb-cccc-123456789abcrun.cmd')
    expect(paths).toContain(`C:\\Program Files (x86)\\ScreenConnect Client (${THUMB})\\system.config`)
  })

  it('hashes while reading: SHA-256, SHA-1 and MD5 match the source, with MACB and mode recorded', async () => {
    const it0 = byPath(manifest, 'ad_svc.trace')!
    // Read without touching atime (the before/after test below checks every timestamp).
    const content = readNoAtime(join(root, 'programdata/AnyDesk/ad_svc.trace'))
    expect(it0.hashes!.sha256).toBe(sha256(content))
    expect(it0.hashes!.sha1).toBe(execFileSync('sha1sum', {input: content}).toString().split(' ')[0])
    expect(it0.hashes!.md5).toBe(execFileSync('md5sum', {input: content}).toString().split(' ')[0])
    expect(it0.size).toBe(content.length)
    expect(it0.times!.modified).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$/)
    expect(it0.times!.accessed).not.toBeNull()
    expect(it0.times!.changed).not.toBeNull()
    expect(it0.mode).toMatch(/^0[0-7]{3}$/)
    expect(it0.artefact).toBe('windows.remote-access.anydesk')
    expect(it0.read_method).toBe('read')
  })

  it('records a FIFO without opening it', () => {
    const f = byPath(manifest, 'cmd.fifo')!
    expect(f).toMatchObject({kind: 'fifo', status: 'skipped', read_method: 'not-read'})
    expect(f.reason).toMatch(/^FIFO_NOT_OPENED/)
    expect(f.archive_path).toBeUndefined()
  })

  it('records a symlink pointing outside the root and does not follow it', () => {
    const l = byPath(manifest, 'escape.txt')!
    expect(l).toMatchObject({kind: 'symlink', status: 'skipped', link_target: '/etc/hostname'})
    expect(l.reason).toMatch(/^SYMLINK_OUTSIDE_ROOT/)
    expect(l.archive_path).toBeUndefined()
  })

  it('records an unreadable file with the OS error, and a directory named like a file', () => {
    const u = byPath(manifest, 'locked.trace')!
    expect(u).toMatchObject({status: 'error', error: 'EACCES', read_method: 'not-read'})
    const d = byPath(manifest, 'ScreenConnect Client (0000000000000000)\\system.config')!
    expect(d).toMatchObject({kind: 'directory', status: 'skipped'})
    expect(d.reason).toMatch(/^NOT_A_REGULAR_FILE/)
  })

  it('reports the run as partial (exit 3) with a matching summary', () => {
    expect(result.exit_code).toBe(3)
    expect(result.summary.errors).toBe(1)
    expect(result.summary.skipped).toBe(3)
    expect(result.summary.collected).toBe(manifest.items.filter((i) => i.status === 'collected').length)
    expect(manifest.case_id).toBe('IR-test')
    expect(manifest.examiner).toBe('vitest')
    expect(manifest.source).toEqual({mode: 'image', root, os: 'windows'})
  })

  it('leaves the source tree byte- and timestamp-identical', () => {
    expect(snapshotTree(root)).toEqual(before)
  })

  it('verifies (round trip), and SHA256SUMS and the sidecar pass the real sha256sum -c', async () => {
    const report = await verifyArchive(result.archive)
    expect(report.problems).toEqual([])
    expect(report.status).toBe('verified')
    expect(report.sidecar.state).toBe('ok')
    expect(report.counts.ok).toBe(result.summary.collected + 2)
    execFileSync('sha256sum', ['-c', '--strict', result.sidecar], {cwd: out})
    const x = tempDir('unzip')
    execFileSync('unzip', ['-q', result.archive, '-d', x])
    const text = execFileSync('sha256sum', ['-c', '--strict', 'SHA256SUMS'], {cwd: x}).toString()
    expect(text.trim().split('\n')).toHaveLength(result.summary.collected + 2)
    expect(text).not.toMatch(/FAILED/)
  })
})

describe('collect edge cases', () => {
  it('flags a file that grows while it is read and keeps the bytes present at open', async () => {
    const root = tempDir('grow')
    await mkdir(join(root, 'var/log'), {recursive: true})
    const original = 'Nov 26 10:00:00 host sshd[1]: Accepted password for root from 203.0.113.9 port 5555 ssh2\n'.repeat(500)
    await appendFile(join(root, 'var/log/auth.log'), original)
    await mkdir(join(root, 'etc'))
    const res = await collect({
      mode: 'image',
      root,
      os: 'linux',
      outDir: tempDir('grow-out'),
      format: 'zip',
      commandLine: [],
      artefacts: (await artefactsFor('linux')).filter((a) => a.id === 'linux.logs.auth'),
      profile: null,
      hooks: {beforeRead: async (p) => void (p.endsWith('auth.log') && (await appendFile(p, 'appended while reading\n')))},
    })
    const m = await readManifest(res.archive)
    const item = m.items.find((i) => i.original_path === '/var/log/auth.log')!
    expect(item.changed_during_read).toBe(true)
    expect(item.status).toBe('collected')
    expect(item.size).toBe(original.length)
    expect(item.hashes!.sha256).toBe(sha256(original))
    expect(item.note).toMatch(/changed while read/)
    expect(m.summary.changed_during_read).toBe(1)
    expect((await verifyArchive(res.archive)).status).toBe('verified')
  })

  it('falls back to a plain read-only open when O_NOATIME is refused, and logs it', async () => {
    const root = tempDir('noatime')
    await mkdir(join(root, 'etc'))
    await appendFile(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/bash\n')
    const noatime = (constants as {O_NOATIME?: number}).O_NOATIME ?? 0
    const seen: number[] = []
    const res = await collect({
      mode: 'image',
      root,
      os: 'linux',
      outDir: tempDir('noatime-out'),
      format: 'zip',
      commandLine: [],
      artefacts: (await artefactsFor('linux')).filter((a) => a.id === 'linux.accounts.passwd-group'),
      profile: null,
      hooks: {
        open: async (p, flags) => {
          seen.push(flags)
          if (noatime && flags & noatime) throw lockedOpenError('EPERM')
          return open(p, flags)
        },
      },
    })
    const m = await readManifest(res.archive)
    expect(m.items.find((i) => i.original_path === '/etc/passwd')?.status).toBe('collected')
    expect(seen.every((f) => (f & constants.O_WRONLY) === 0 && (f & constants.O_RDWR) === 0 && (f & constants.O_CREAT) === 0)).toBe(true)
    if (noatime) {
      expect(seen).toHaveLength(2)
      const {visitMembers} = await import('../../src/evidence/archive-reader.js')
      let log = ''
      await visitMembers(res.archive, {}, {
        want: (x) => x.name === 'collection.log.jsonl',
        read: async (_x, d) => {
          for await (const c of d) log += String(c)
        },
      })
      expect(log).toMatch(/"event":"noatime-unavailable"/)
    }
  })

  it('refuses to write inside the source and never overwrites an archive', async () => {
    const root = makeWindowsTree()
    const base = {mode: 'image' as const, os: 'windows' as const, format: 'zip' as const, commandLine: [], artefacts: [], profile: null}
    await expect(collect({...base, root, outDir: join(root, 'case')})).rejects.toMatchObject({code: 'E_USAGE'})
    const out = tempDir('exists')
    await collect({...base, root, outDir: out, archiveBaseName: 'same'})
    await expect(collect({...base, root, outDir: out, archiveBaseName: 'same'})).rejects.toMatchObject({code: 'E_OUTPUT_EXISTS'})
  })
})
