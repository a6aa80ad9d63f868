import {spawn, spawnSync} from 'node:child_process'
import {existsSync} from 'node:fs'
import {open, readdir, stat, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {collect} from '../../src/collect/collect.js'
import type {CommandRunner} from '../../src/collect/command-runner.js'
import {channelFromEvtxName} from '../../src/collect/eventlog-export.js'
import {readManifest} from '../../src/evidence/extract.js'
import {verifyArchive} from '../../src/evidence/verify.js'
import {artefactsFor, lockedOpenError, makeWindowsTree, sha256, tempDir} from './helpers.js'

const repo = new URL('../..', import.meta.url).pathname

describe('live Linux collection of this machine', () => {
  it('collects /etc/passwd and friends into a verifiable archive', async () => {
    const res = await collect({
      mode: 'live',
      root: '/',
      os: 'linux',
      outDir: tempDir('live'),
      format: 'zip',
      commandLine: ['vitest'],
      artefacts: await artefactsFor('linux'),
      profile: 'triage',
    })
    const m = await readManifest(res.archive)
    const passwd = m.items.find((i) => i.original_path === '/etc/passwd')!
    expect(passwd).toMatchObject({status: 'collected', archive_path: 'files/etc/passwd', artefact: 'linux.accounts.passwd-group'})
    expect(m.host.hostname).toBeTruthy()
    expect(m.host.time_zone).toBeTruthy()
    expect(m.source).toEqual({mode: 'live', root: '/', os: 'linux'})
    const v = await verifyArchive(res.archive)
    expect(v.problems).toEqual([])
  })

  it('runs the injected volatile stage first, and not with --no-volatile', async () => {
    const calls: string[] = []
    const volatile = async (sink: Parameters<NonNullable<Parameters<typeof collect>[0]['volatile']>>[0]) => {
      calls.push('volatile')
      const w = await sink.addBuffer('volatile/test/stdout.txt', Buffer.from('hello\n'))
      sink.record({
        original_path: 'echo hello',
        archive_path: 'volatile/test/stdout.txt',
        artefact: 'test.volatile',
        kind: 'command-output',
        size: w.size,
        hashes: w.hashes,
        read_method: 'command',
        status: 'collected',
      })
    }
    const base = {mode: 'live' as const, root: '/', os: 'linux' as const, format: 'zip' as const, commandLine: [], profile: null}
    const arts = (await artefactsFor('linux')).filter((a) => a.id === 'linux.accounts.passwd-group')
    const res = await collect({...base, outDir: tempDir('vol'), artefacts: arts, volatile})
    const m = await readManifest(res.archive)
    expect(m.items[0]!.archive_path).toBe('volatile/test/stdout.txt')
    expect((await verifyArchive(res.archive)).status).toBe('verified')
    await collect({...base, outDir: tempDir('novol'), artefacts: arts, volatile, noVolatile: true})
    const img = tempDir('imgroot')
    await writeFile(join(img, 'passwd-not-here'), '')
    await collect({...base, mode: 'image', root: img, outDir: tempDir('imgvol'), artefacts: arts, volatile})
    expect(calls).toEqual(['volatile'])
  })

  it('the CLI prints only the JSON result with --json and exits 0', () => {
    const out = tempDir('cli')
    const r = spawnSync(process.execPath, ['bin/dev.js', 'collect', '--live', '--out', out, '--artefact', 'linux.accounts.*', '--json'], {
      cwd: repo,
      encoding: 'utf8',
      timeout: 60_000,
    })
    expect(r.status).toBe(0)
    const json = JSON.parse(r.stdout) as {archive: string; files_written: string[]; exit_code: number}
    expect(json.files_written).toEqual([json.archive, `${json.archive}.sha256`])
    expect(json.exit_code).toBe(0)
  })
})

describe('Windows live mode: event logs locked by the EventLog service (fake command runner)', () => {
  const locked = async (p: string, flags: number) => {
    if (p.endsWith('Security.evtx')) throw lockedOpenError('EBUSY')
    return open(p, flags)
  }

  it('derives channel names from EVTX file names', () => {
    expect(channelFromEvtxName('Microsoft-Windows-TerminalServices-LocalSessionManager%4Operational.evtx')).toBe(
      'Microsoft-Windows-TerminalServices-LocalSessionManager/Operational',
    )
    expect(channelFromEvtxName('Security.evtx')).toBe('Security')
  })

  it('exports a locked log with wevtutil epl and records it as such', async () => {
    const exported = Buffer.from('ElfFile\0 exported by the fake wevtutil')
    const calls: string[][] = []
    const runner: CommandRunner = async (file, args) => {
      calls.push([file, ...args])
      await writeFile(args[2]!, exported)
      return {exitCode: 0, stdout: 'ok', stderr: '', timedOut: false}
    }
    const res = await collect({
      mode: 'live',
      root: makeWindowsTree(),
      os: 'windows',
      outDir: tempDir('epl'),
      format: 'zip',
      commandLine: [],
      artefacts: (await artefactsFor('windows')).filter((a) => a.id === 'windows.eventlogs.all'),
      profile: null,
      runner,
      hooks: {open: locked},
    })
    expect(calls).toHaveLength(1)
    expect(calls[0]!.slice(0, 3)).toEqual(['wevtutil', 'epl', 'Security'])
    expect(existsSync(calls[0]![3]!)).toBe(false) // temporary export removed
    const m = await readManifest(res.archive)
    const sec = m.items.find((i) => i.original_path.endsWith('Security.evtx'))!
    expect(sec).toMatchObject({read_method: 'wevtutil-epl', status: 'collected', size: exported.length})
    expect(sec.hashes!.sha256).toBe(sha256(exported))
    expect(sec.note).toMatch(/EBUSY/)
    expect(m.items.find((i) => i.original_path.endsWith('System.evtx'))!.read_method).toBe('read')
    expect((await verifyArchive(res.archive)).status).toBe('verified')
  })

  it('records an error when the export fails too, and never tries it for a mounted image', async () => {
    const runner: CommandRunner = async () => ({exitCode: 5, stdout: '', stderr: 'Access is denied.', timedOut: false})
    const arts = (await artefactsFor('windows')).filter((a) => a.id === 'windows.eventlogs.all')
    const base = {os: 'windows' as const, format: 'zip' as const, commandLine: [], artefacts: arts, profile: null, runner, hooks: {open: locked}}
    const live = await collect({...base, mode: 'live', root: makeWindowsTree(), outDir: tempDir('epl-fail')})
    const sec = (await readManifest(live.archive)).items.find((i) => i.original_path.endsWith('Security.evtx'))!
    expect(sec).toMatchObject({status: 'error', error: 'EBUSY'})
    expect(sec.reason).toMatch(/^EVENTLOG_LOCKED: .*Access is denied/)
    expect(live.exit_code).toBe(3)
    let called = false
    const img = await collect({...base, mode: 'image', root: makeWindowsTree(), outDir: tempDir('epl-img'), runner: async () => ((called = true), {exitCode: 0, stdout: '', stderr: '', timedOut: false})})
    expect(called).toBe(false)
    expect((await readManifest(img.archive)).items.find((i) => i.original_path.endsWith('Security.evtx'))!.reason).toMatch(/^OPEN_FAILED/)
  })
})

describe('an interrupted collection', () => {
  it('leaves only a .partial, which verify reports as incomplete', async () => {
    const root = makeWindowsTree()
    const out = tempDir('killed')
    const child = spawn(process.execPath, ['--import', 'tsx', join(repo, 'test/collect/fixtures/slow-collect.ts'), root, out], {cwd: repo, stdio: ['ignore', 'pipe', 'inherit']})
    let reads = 0
    await new Promise<void>((resolve) => {
      child.stdout.on('data', (d: Buffer) => {
        reads += d.toString().split('\n').filter(Boolean).length
        if (reads >= 2) resolve()
      })
      child.on('exit', () => resolve())
    })
    child.kill('SIGKILL')
    await new Promise((r) => child.once('close', r))
    expect(reads).toBeGreaterThanOrEqual(2)
    expect(await readdir(out)).toEqual(['killed.zip.partial'])
    expect((await stat(join(out, 'killed.zip.partial'))).size).toBeGreaterThan(0)
    const v = await verifyArchive(join(out, 'killed.zip.partial'))
    expect(v.status).toBe('incomplete')
  })
})
