import {spawn, spawnSync} from 'node:child_process'
import {existsSync} from 'node:fs'
import {open, readdir, stat, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {collect} from '../../src/collect/collect.js'
import type {CommandRunner} from '../../src/collect/command-runner.js'
import {channelFromEvtxName} from '../../src/collect/eventlog-export.js'
import {readManifest} from '../../src/evidence/extract.js'
import {verifyArchive} from '../../src/evidence/verify.js'
import {artefactsFor, lockedOpenError, makeWindowsTree, sha256, cleanupTempDirs, tempDir} from './helpers.js'

afterAll(cleanupTempDirs)

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

describe('Windows live mode: registry hives locked by the registry (fake command runner)', () => {
  const files: Record<string, string> = {
    'WINDOWS/System32/config/SAM': 'regf primary (locked)',
    'WINDOWS/System32/config/SAM.LOG1': 'HvLE log (locked)',
    'WINDOWS/System32/config/SYSTEM': 'regf system (locked)',
    'Users/alice/NTUSER.DAT': 'regf user (locked)',
    'Users/carol/NTUSER.DAT': 'regf user, not loaded',
  }
  const make = async (): Promise<string> => {
    const root = makeWindowsTree()
    for (const [rel, data] of Object.entries(files)) await writeFile(join(root, ...rel.split('/')), data)
    return root
  }
  const locked = async (p: string, flags: number) => {
    if (/[\\/](SAM|SAM\.LOG1|SYSTEM)$/.test(p) || p.endsWith(join('alice', 'NTUSER.DAT'))) throw lockedOpenError('EBUSY')
    return open(p, flags)
  }
  const arts = async () => (await artefactsFor('windows')).filter((a) => a.id.startsWith('windows.registry.'))

  it('saves SAM and SYSTEM with reg save, hashes the copy, removes it, and records the rest as locked', async () => {
    const calls: string[][] = []
    const saved = new Map<string, Buffer>()
    const runner: CommandRunner = async (file, args) => {
      calls.push([file, ...args])
      const content = Buffer.from(`regf saved from ${args[1]}`)
      saved.set(args[1]!, content)
      await writeFile(args[2]!, content)
      return {exitCode: 0, stdout: 'The operation completed successfully.', stderr: '', timedOut: false}
    }
    const res = await collect({mode: 'live', root: await make(), os: 'windows', outDir: tempDir('regsave'), format: 'zip', commandLine: [], artefacts: await arts(), profile: null, runner, hooks: {open: locked}})
    expect(calls.map((c) => c.slice(0, 3)).sort()).toEqual([
      ['reg', 'save', 'HKLM\\SAM'],
      ['reg', 'save', 'HKLM\\SYSTEM'],
    ])
    expect(calls.every((c) => c[4] === '/y')).toBe(true)
    for (const c of calls) expect(existsSync(c[3]!)).toBe(false) // temporary copies removed
    const m = await readManifest(res.archive)
    const item = (suffix: string) => m.items.find((i) => i.original_path.endsWith(suffix))!
    expect(item('\\SAM')).toMatchObject({read_method: 'reg-save', status: 'collected', size: saved.get('HKLM\\SAM')!.length})
    expect(item('\\SAM').hashes!.sha256).toBe(sha256(saved.get('HKLM\\SAM')!))
    expect(item('\\SAM').note).toMatch(/EBUSY.*reg save/)
    expect(item('\\SYSTEM')).toMatchObject({read_method: 'reg-save', status: 'collected'})
    // A log and a logged-on user's hive have no built-in export: locked, with the reason.
    expect(item('\\SAM.LOG1')).toMatchObject({status: 'error', error: 'EBUSY'})
    expect(item('\\SAM.LOG1').reason).toMatch(/^HIVE_LOCKED: .*reg save covers only SAM, SECURITY, SYSTEM and SOFTWARE/)
    expect(item('alice\\NTUSER.DAT').reason).toMatch(/^HIVE_LOCKED/)
    expect(item('carol\\NTUSER.DAT')).toMatchObject({read_method: 'read', status: 'collected'})
    expect((await verifyArchive(res.archive)).status).toBe('verified')
  })

  it('records an error when reg save fails, and never runs it for a mounted image', async () => {
    const runner: CommandRunner = async () => ({exitCode: 1, stdout: '', stderr: 'ERROR: A required privilege is not held by the client.', timedOut: false})
    const base = {os: 'windows' as const, format: 'zip' as const, commandLine: [], profile: null, runner, hooks: {open: locked}}
    const live = await collect({...base, artefacts: await arts(), mode: 'live', root: await make(), outDir: tempDir('regsave-fail')})
    const sam = (await readManifest(live.archive)).items.find((i) => i.original_path.endsWith('\\SAM'))!
    expect(sam).toMatchObject({status: 'error', error: 'EBUSY'})
    expect(sam.reason).toMatch(/^HIVE_LOCKED: open failed \(EBUSY\) and reg save HKLM\\SAM failed \(exit 1: ERROR: A required privilege/)
    let called = false
    const img = await collect({...base, artefacts: await arts(), mode: 'image', root: await make(), outDir: tempDir('regsave-img'), runner: async () => ((called = true), {exitCode: 0, stdout: '', stderr: '', timedOut: false})})
    expect(called).toBe(false)
    expect((await readManifest(img.archive)).items.find((i) => i.original_path.endsWith('\\SAM'))!.reason).toMatch(/^OPEN_FAILED/)
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

  it('stops between files when aborted (SIGINT in the CLI): E_INTERRUPTED, .partial kept, 7z staging removed', async () => {
    for (const format of ['zip', '7z'] as const) {
      const out = tempDir(`abort-${format}`)
      const ac = new AbortController()
      const run = collect({
        mode: 'image',
        root: makeWindowsTree(),
        os: 'windows',
        outDir: out,
        format,
        commandLine: [],
        artefacts: await artefactsFor('windows'),
        profile: 'triage',
        archiveBaseName: 'aborted',
        signal: ac.signal,
        hooks: {beforeRead: () => ac.abort()},
      })
      await expect(run).rejects.toMatchObject({code: 'E_INTERRUPTED', exitCode: 130})
      expect(await readdir(out)).toEqual(format === 'zip' ? ['aborted.zip.partial'] : [])
    }
  })
})
