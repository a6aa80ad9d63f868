import {mkdirSync, symlinkSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {TreeReader, expandPattern} from '../../src/artefacts/expand.js'
import {cleanupTempDirs, tempDir} from '../collect/helpers.js'

afterAll(cleanupTempDirs)

describe('expandPattern', () => {
  const profiles = [['Users', 'alice'], ['Users', 'bob'], ['Windows', 'System32', 'config', 'systemprofile']]

  it('maps Windows variables to folders and per-user variables over every profile', () => {
    expect(expandPattern('%SystemRoot%\\System32\\winevt\\Logs\\*.evtx', 'windows', profiles)).toEqual([['Windows', 'System32', 'winevt', 'Logs', '*.evtx']])
    expect(expandPattern('C:\\ProgramData\\AnyDesk', 'windows', profiles)).toEqual([['ProgramData', 'AnyDesk']])
    expect(expandPattern('%ProgramFiles(x86)%\\ScreenConnect', 'windows', profiles)).toEqual([['Program Files (x86)', 'ScreenConnect']])
    expect(expandPattern('%AppData%\\AnyDesk', 'windows', profiles)).toEqual([
      ['Users', 'alice', 'AppData', 'Roaming', 'AnyDesk'],
      ['Users', 'bob', 'AppData', 'Roaming', 'AnyDesk'],
      ['Windows', 'System32', 'config', 'systemprofile', 'AppData', 'Roaming', 'AnyDesk'],
    ])
    expect(expandPattern('%temp%\\ScreenConnect', 'windows', profiles.slice(0, 1))).toEqual([['Users', 'alice', 'AppData', 'Local', 'Temp', 'ScreenConnect']])
    expect(() => expandPattern('%Bogus%\\x', 'windows', profiles)).toThrow(/unknown path variable/)
  })

  it('maps ~ on Linux over root and every home', () => {
    expect(expandPattern('~/.anydesk', 'linux', [['root'], ['home', 'ann']])).toEqual([['root', '.anydesk'], ['home', 'ann', '.anydesk']])
    expect(expandPattern('/var/log/auth.log*', 'linux', [])).toEqual([['var', 'log', 'auth.log*']])
  })
})

describe('TreeReader', () => {
  it('resolves segments case-insensitively for Windows, exactly for Linux, and bounds ** depth', async () => {
    const root = tempDir('tree')
    mkdirSync(join(root, 'WINDOWS/sYsTeM32/a/b/c'), {recursive: true})
    writeFileSync(join(root, 'WINDOWS/sYsTeM32/a/x.LOG'), '')
    writeFileSync(join(root, 'WINDOWS/sYsTeM32/a/b/c/deep.log'), '')
    const win = new TreeReader(root, 'windows')
    const got = []
    for await (const m of win.walk([], ['windows', 'system32', '**', '*.log'], 1)) got.push(m.segments.join('/'))
    expect(got).toEqual(['WINDOWS/sYsTeM32/a/x.LOG'])
    const deep = []
    for await (const m of win.walk([], ['windows', 'system32', '**', '*.log'], 3)) deep.push(m.segments.join('/'))
    expect(deep.sort()).toEqual(['WINDOWS/sYsTeM32/a/b/c/deep.log', 'WINDOWS/sYsTeM32/a/x.LOG'])
    const lin = new TreeReader(root, 'linux')
    const none = []
    for await (const m of lin.walk([], ['windows', 'system32'], 0)) none.push(m)
    expect(none).toEqual([])
  })

  it('does not descend through a symlinked directory, and records it', async () => {
    const root = tempDir('tree-link')
    mkdirSync(join(root, 'real'))
    writeFileSync(join(root, 'real/f.txt'), '')
    symlinkSync('/etc', join(root, 'etc-link'))
    const r = new TreeReader(root, 'linux')
    const got = []
    for await (const m of r.walk([], ['etc-link', 'passwd'], 0)) got.push(m)
    expect(got).toEqual([])
    expect(r.notices).toEqual([{event: 'symlink-dir-not-followed', segments: ['etc-link']}])
  })

  it('finds user profiles including the SYSTEM profile', async () => {
    const root = tempDir('profiles')
    for (const d of ['Users/alice', 'Users/Public', 'Windows/System32/config/systemprofile']) mkdirSync(join(root, d), {recursive: true})
    symlinkSync(join(root, 'Users/alice'), join(root, 'Users/All Users'))
    const p = await new TreeReader(root, 'windows').profiles()
    expect(p.map((s) => s.join('/'))).toEqual(['Users/Public', 'Users/alice', 'Windows/System32/config/systemprofile'])
  })
})
