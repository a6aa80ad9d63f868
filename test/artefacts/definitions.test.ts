import {spawnSync} from 'node:child_process'
import {mkdir, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {defaultArtefactsDir, loadDefinitions, selectArtefacts, selectByGlobs} from '../../src/artefacts/load.js'
import {cleanupTempDirs, tempDir} from '../collect/helpers.js'

afterAll(cleanupTempDirs)

/** Parser names the analyze stage implements (the contract between definitions and parsers). */
const KNOWN_PARSERS = new Set([
  'evtx',
  'screenconnect.launch-params',
  'screenconnect.user-config',
  'screenconnect.run-drop',
  'screenconnect.session-db',
  'screenconnect.security-db',
  'screenconnect.user-xml',
  'screenconnect.extension',
  'anydesk.trace',
  'anydesk.connection-trace',
  'anydesk.file-transfer-trace',
  'anydesk.conf',
  'anydesk.chat',
  'linux.auth-log',
  'linux.passwd',
  'linux.group',
  'linux.wtmp',
])

describe('the shipped artefact definitions', () => {
  it('all load against the schema, ids equal paths, profiles select something', async () => {
    const defs = await loadDefinitions()
    expect(defs.problems).toEqual([])
    expect(defs.dir).toBe(defaultArtefactsDir())
    const ids = defs.artefacts.map((a) => a.id)
    for (const want of [
      'windows.eventlogs.all',
      'windows.remote-access.screenconnect-client',
      'windows.remote-access.screenconnect-server',
      'windows.remote-access.anydesk',
      'linux.remote-access.anydesk',
      'linux.remote-access.screenconnect-client',
      'linux.logs.auth',
      'linux.accounts.passwd-group',
      'linux.logs.wtmp',
    ]) {
      expect(ids).toContain(want)
    }
    expect(defs.profiles.map((p) => p.name)).toContain('triage')
  })

  it('use only parser names the analyze stage knows', async () => {
    const defs = await loadDefinitions()
    for (const a of defs.artefacts) {
      for (const s of a.sources) {
        if (s.collector === 'file') for (const p of s.parsers) expect(KNOWN_PARSERS.has(p), `${a.id}: ${p}`).toBe(true)
      }
    }
  })

  it('cover what KAPE misses: recursive AnyDesk, Session.db WAL, security.db, App_Extensions, SYSTEM/ClickOnce user.config, SystemTemp, ConnectWiseControl', async () => {
    const defs = await loadDefinitions()
    const paths = (id: string) => defs.artefacts.find((a) => a.id === id)!.sources.flatMap((s) => (s.collector === 'file' ? s.paths.map((p) => ({p, r: s.recursive})) : []))
    const any = paths('windows.remote-access.anydesk')
    expect(any.find((x) => x.p === '%ProgramData%\\AnyDesk')?.r).toBe(true)
    const srv = paths('windows.remote-access.screenconnect-server').map((x) => x.p).join('\n')
    for (const s of ['Session.db-wal', 'Session.db-shm', 'security.db', 'User.xml', 'App_Extensions']) expect(srv).toContain(s)
    const cli = paths('windows.remote-access.screenconnect-client').map((x) => x.p).join('\n')
    for (const s of ['%LocalAppData%\\ScreenConnect Client (*)\\user.config', 'Apps\\2.0', 'SystemTemp\\ScreenConnect', 'Documents\\ConnectWiseControl', 'app.config']) {
      expect(cli).toContain(s)
    }
  })

  it('the triage profile selects per OS and includes the registry hives (issue 15)', async () => {
    const defs = await loadDefinitions()
    const win = selectArtefacts(defs, {profile: 'triage', os: 'windows'}).artefacts.map((a) => a.id)
    expect(win).toContain('windows.eventlogs.all')
    expect(win).toEqual(expect.arrayContaining(['windows.registry.hives', 'windows.registry.user-hives', 'windows.registry.amcache']))
    expect(win.every((id) => id.startsWith('windows.'))).toBe(true)
    expect(selectArtefacts(defs, {ids: ['*.anydesk'], os: 'linux'}).artefacts.map((a) => a.id)).toEqual(['linux.remote-access.anydesk'])
    expect(() => selectArtefacts(defs, {profile: 'nope', os: 'linux'})).toThrow(/unknown profile/)
    expect(() => selectArtefacts(defs, {ids: ['windows.nothing'], os: 'linux'})).toThrow(/no artefact matches/)
  })
})

describe('selectByGlobs', () => {
  it('applies globs in order with ! exclusions', async () => {
    const defs = await loadDefinitions()
    const ids = selectByGlobs(defs.artefacts, ['*.remote-access.*', '!*.anydesk', 'windows.eventlogs.all']).map((a) => a.id)
    expect(ids).toContain('windows.remote-access.screenconnect-client')
    expect(ids).not.toContain('windows.remote-access.anydesk')
    expect(ids).toContain('windows.eventlogs.all')
  })
})

describe('invalid definitions', () => {
  it('are reported with the file and the field', async () => {
    const dir = tempDir('defs')
    await mkdir(join(dir, 'windows/remote-access'), {recursive: true})
    await mkdir(join(dir, 'linux/logs'), {recursive: true})
    await mkdir(join(dir, 'profiles'), {recursive: true})
    const good = (id: string, os = 'windows') =>
      `id: ${id}\ntitle: t\ndescription: a description long enough to pass\nos: ${os}\nsources:\n  - collector: file\n    paths: ['x']\n`
    await writeFile(join(dir, 'windows/remote-access/ok.yaml'), good('windows.remote-access.ok'))
    await writeFile(join(dir, 'windows/remote-access/wrong-id.yaml'), good('windows.remote-access.other'))
    await writeFile(join(dir, 'windows/remote-access/short.yaml'), good('windows.remote-access.short').replace('a description long enough to pass', 'short'))
    await writeFile(join(dir, 'windows/remote-access/typo.yaml'), good('windows.remote-access.typo').replace('paths:', 'pathz:'))
    await writeFile(join(dir, 'windows/remote-access/dup.yaml'), good('windows.remote-access.dup') + 'title: again\n')
    await writeFile(join(dir, 'linux/logs/badparser.yaml'), good('linux.logs.badparser', 'linux') + '    parsers: [Bad Parser]\n')
    await writeFile(join(dir, 'profiles/empty.yaml'), 'name: empty\ndescription: d\nartefacts: ["nothing.*"]\n')
    const defs = await loadDefinitions(dir)
    const got = defs.problems.map((p) => `${p.file}|${p.field}`)
    expect(got).toContain('windows/remote-access/wrong-id.yaml|id')
    expect(got).toContain('windows/remote-access/short.yaml|description')
    expect(got).toContain('windows/remote-access/typo.yaml|sources.0')
    expect(got).toContain('windows/remote-access/dup.yaml|(yaml)')
    expect(got).toContain('linux/logs/badparser.yaml|sources.0.parsers.0')
    expect(got).toContain('profiles/empty.yaml|artefacts')
    expect(defs.artefacts.map((a) => a.id)).toEqual(['windows.remote-access.ok'])
    const cli = spawnSync(process.execPath, ['bin/dev.js', 'artefacts', 'validate', dir, '--json'], {cwd: new URL('../..', import.meta.url).pathname, encoding: 'utf8'})
    expect(cli.status).toBe(4)
    const json = JSON.parse(cli.stdout) as {valid: boolean; problems: unknown[]}
    expect(json.valid).toBe(false)
    expect(json.problems).toHaveLength(defs.problems.length)
  })
})
