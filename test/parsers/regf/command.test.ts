import {spawnSync} from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {putU32, writeBaseBlockChecksum} from '../../../src/parsers/regf/base-block.js'
import {buildHive, dword, utf16z} from './build.js'

/** `ratchet registry dump` end to end (the built CLI: `npm test` builds first) on hives built here. */
const repo = path.resolve(new URL('../../..', import.meta.url).pathname)
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ratchet-regdump-'))
afterAll(() => fs.rmSync(tmp, {recursive: true, force: true}))

const run = (...args: string[]): {status: number | null; stdout: string; stderr: string} => {
  const res = spawnSync(process.execPath, [path.join(repo, 'bin/run.js'), 'registry', 'dump', ...args], {cwd: repo, encoding: 'utf8', maxBuffer: 1 << 26})
  return {status: res.status, stdout: res.stdout, stderr: res.stderr}
}

const tree = {name: 'ROOT', values: [{name: '', type: 1, data: utf16z('root default')}], subkeys: [{name: 'Run', values: [{name: 'x', type: 4, data: dword(7)}]}]}

describe('ratchet registry dump (CLI)', () => {
  it('clean hive: exit 0, one JSON object per key; --format reg in hivexregedit form', () => {
    const f = path.join(tmp, 'clean')
    fs.writeFileSync(f, buildHive(tree).bytes)
    const r = run(f)
    expect(r.status).toBe(0)
    const keys = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as {path: string; values: unknown[]})
    expect(keys.map((k) => k.path)).toEqual(['', 'Run'])
    expect(keys[1]!.values).toEqual([{name: 'x', type: 'REG_DWORD', data: 7}])
    const reg = run(f, '--format', 'reg', '--prefix', 'HKEY_LOCAL_MACHINE\\SOFTWARE')
    expect(reg.stdout).toBe(
      'Windows Registry Editor Version 5.00\n\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\]\n@=hex(1):72,00,6f,00,6f,00,74,00,20,00,64,00,65,00,66,00,61,00,75,00,6c,00,74,00,00,00\n\n' +
        '[HKEY_LOCAL_MACHINE\\SOFTWARE\\Run]\n"x"=dword:00000007\n\n',
    )
  })

  it('dirty hive: a log found beside it by name (any case) is tried; --no-logs reads the primary; --json gives the summary', () => {
    const f = path.join(tmp, 'dirty')
    const b = buildHive(tree).bytes
    putU32(b, 4, 9) // primary 9, secondary 1: dirty
    writeBaseBlockChecksum(b)
    fs.writeFileSync(f, b)
    fs.writeFileSync(path.join(tmp, 'dirty.log1'), new Uint8Array(0))
    const r = run(f, '--json')
    expect(r.status).toBe(0)
    const sum = JSON.parse(r.stdout) as {keys: number; logs: string[]; recovery: {needed: boolean; applied: boolean}; diagnostics: {code: string}[]}
    expect(sum.keys).toBe(2)
    expect(sum.logs.map((l) => path.basename(l))).toEqual(['dirty.log1'])
    expect(sum.recovery).toMatchObject({needed: true, applied: false})
    expect(sum.diagnostics.map((d) => d.code)).toEqual(['REGF_LOG_UNUSABLE', 'REGF_DIRTY_LOGS_UNUSABLE'])
    const n = run(f, '--no-logs')
    expect(n.stderr).toContain('REGF_DIRTY_NO_LOGS')
  })

  it('damaged hive: keys still written, diagnostics on stderr, exit 3; not a hive: exit 4', () => {
    const f = path.join(tmp, 'damaged')
    const b = buildHive(tree)
    putU32(b.bytes, 4096 + b.keys.get('')! + 4 + 40, 0x7ffffff0) // root value list far outside
    fs.writeFileSync(f, b.bytes)
    const r = run(f)
    expect(r.status).toBe(3)
    expect(r.stdout.trim().split('\n')).toHaveLength(2)
    expect(r.stderr).toContain('REGF_CELL_OUT_OF_BOUNDS')
    const junk = path.join(tmp, 'junk')
    fs.writeFileSync(junk, 'MZ not a hive')
    const j = run(junk)
    expect(j.status).toBe(4)
    expect(j.stderr).toContain('E_INPUT_FORMAT')
    expect(run(path.join(tmp, 'missing')).status).toBe(4)
  })
})
