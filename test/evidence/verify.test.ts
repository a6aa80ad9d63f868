import {spawnSync} from 'node:child_process'
import {generateKeyPairSync} from 'node:crypto'
import {copyFile, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {type CollectResult, collect} from '../../src/collect/collect.js'
import {verifyArchive} from '../../src/evidence/verify.js'
import {artefactsFor, makeWindowsTree, cleanupTempDirs, tempDir} from '../collect/helpers.js'
import {readAllMembers, tamperMember, writeZip} from './helpers.js'

afterAll(cleanupTempDirs)

const repo = new URL('../..', import.meta.url).pathname

describe('verify', () => {
  let res: CollectResult
  let pub: string
  let otherPub: string

  beforeAll(async () => {
    const kp = generateKeyPairSync('ed25519')
    pub = kp.publicKey.export({type: 'spki', format: 'pem'}).toString()
    otherPub = generateKeyPairSync('ed25519').publicKey.export({type: 'spki', format: 'pem'}).toString()
    res = await collect({
      mode: 'image',
      root: makeWindowsTree(),
      os: 'windows',
      outDir: tempDir('vout'),
      format: 'zip',
      commandLine: [],
      artefacts: (await artefactsFor('windows')).filter((a) => a.id.includes('anydesk') || a.id.includes('screenconnect-client')),
      profile: null,
      signKeyPem: kp.privateKey.export({type: 'pkcs8', format: 'pem'}),
    })
  })

  it('verifies the signed archive with the right key and fails with another', async () => {
    const ok = await verifyArchive(res.archive, {pubkey: pub})
    expect(ok.problems).toEqual([])
    expect(ok.signature.state).toBe('ok')
    const bad = await verifyArchive(res.archive, {pubkey: otherPub})
    expect(bad.status).toBe('failed')
    expect(bad.signature.state).toBe('failed')
    expect((await verifyArchive(res.archive)).signature.state).toBe('not-checked')
  })

  it('a one-byte change in any member fails verification and names that member', async () => {
    const members = await readAllMembers(res.archive)
    expect(members.length).toBeGreaterThan(8)
    const dir = tempDir('tamper')
    for (const m of members) {
      const copy = join(dir, `${members.indexOf(m)}.zip`)
      await tamperMember(res.archive, copy, m.name, Math.floor(m.data.length / 2))
      const r = await verifyArchive(copy, {pubkey: pub})
      expect(r.status, m.name).toBe('failed')
      expect(r.problems.some((p) => p.startsWith(`${m.name}:`) || p.includes(` ${m.name} `) || p.startsWith(`${m.name.split('/').pop()}:`)), `${m.name}: ${r.problems.join(' | ')}`).toBe(true)
    }
  })

  it('reports missing and extra members', async () => {
    const members = await readAllMembers(res.archive)
    const victim = members.find((m) => m.name.startsWith('files/'))!
    const dir = tempDir('missing')
    const p = join(dir, 'x.zip')
    await writeZip(p, [...members.filter((m) => m !== victim), {name: 'files/C/planted.exe', data: Buffer.from('MZ')}])
    const r = await verifyArchive(p)
    expect(r.members.find((x) => x.member === victim.name)?.status).toBe('missing')
    expect(r.members.find((x) => x.member === 'files/C/planted.exe')?.status).toBe('extra')
    expect(r.counts.missing).toBe(1)
    expect(r.counts.extra).toBe(1)
  })

  it('checks the sidecar hash of the archive file', async () => {
    const dir = tempDir('side')
    const p = join(dir, 'a.zip')
    await copyFile(res.archive, p)
    await writeFile(`${p}.sha256`, `${'0'.repeat(64)}  a.zip\n`)
    const r = await verifyArchive(p)
    expect(r.sidecar.state).toBe('failed')
    expect(r.status).toBe('failed')
  })

  it('the CLI exits 0 verified, 5 failed, 6 for a .partial, 4 for a non-archive', async () => {
    const run = (args: string[]) => spawnSync(process.execPath, ['bin/dev.js', 'verify', ...args], {cwd: repo, encoding: 'utf8', timeout: 60_000})
    const ok = run([res.archive, '--json'])
    expect(ok.status).toBe(0)
    expect(JSON.parse(ok.stdout)).toMatchObject({status: 'verified', exit_code: 0})
    const dir = tempDir('cli-verify')
    const bad = join(dir, 'bad.zip')
    await tamperMember(res.archive, bad, 'manifest.json', 10)
    expect(run([bad]).status).toBe(5)
    const partial = join(dir, 'x.zip.partial')
    await copyFile(res.archive, partial)
    const inc = run([partial, '--json'])
    expect(inc.status).toBe(6)
    expect(JSON.parse(inc.stdout).status).toBe('incomplete')
    const junk = join(dir, 'junk.zip')
    await writeFile(junk, 'not a zip at all')
    expect(run([junk]).status).toBe(4)
  })
})
