import {createHash, generateKeyPairSync} from 'node:crypto'
import {appendFileSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {buildSha256Sums, parseSha256Sums, serializeManifest} from '../../src/evidence/manifest.js'
import type {Manifest} from '../../src/evidence/manifest-types.js'
import {EvtxWriter} from '../../src/writers/evtx/index.js'
import {craftZip} from '../analyze/craft-zip.js'
import {readAllMembers} from '../evidence/helpers.js'
import {security4720} from '../writers/evtx/samples.js'
import {built, notBuilt, ratchet} from './run-cli.js'

/** Issue 13: hostile or careless command lines get their documented exit codes, and evidence is never harmed. */
if (!built) console.warn(`skipping CLI hardening tests: ${notBuilt}`)

let root: string
let image: string
let archive: string
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex')
const json = (s: string): {error?: {code: string; message: string}} & Record<string, unknown> => JSON.parse(s) as never

function winImage(dir: string): string {
  const logs = join(dir, 'Windows/System32/winevt/Logs')
  mkdirSync(logs, {recursive: true})
  const w = new EvtxWriter()
  for (let i = 0; i < 5; i++) w.add(security4720(i))
  writeFileSync(join(logs, 'Security.evtx'), w.toBuffer())
  return dir
}

beforeAll(() => {
  if (!built) return
  root = mkdtempSync(join(tmpdir(), 'ratchet-harden-'))
  image = winImage(join(root, 'image'))
  const r = ratchet(['collect', '--source', image, '--out', join(root, 'ev'), '--artefact', 'windows.eventlogs.all', '--json'])
  expect(r.status, r.stderr).toBe(0)
  archive = (json(r.stdout) as unknown as {archive: string}).archive
})
afterAll(() => root && rmSync(root, {recursive: true, force: true}))

const d = describe.skipIf(!built)

d('#2 never write onto an input', () => {
  it('verify --report onto the archive itself is refused (exit 2) and the archive is untouched', () => {
    // a copy: on a build with the defect the archive would be overwritten, and the other tests need it
    const copy = join(root, 'copy.zip')
    copyFileSync(archive, copy)
    const before = sha(readFileSync(copy))
    const r = ratchet(['verify', copy, '--report', copy])
    expect(r.status, r.stderr).toBe(2)
    expect(r.stderr).toContain('E_USAGE')
    expect(r.stdout).not.toContain('VERIFIED')
    expect(sha(readFileSync(copy))).toBe(before)
    writeFileSync(`${copy}.sha256`, readFileSync(`${archive}.sha256`))
    expect(ratchet(['verify', copy, '--report', `${copy}.sha256`]).status).toBe(2)
  })

  it('analyze --out inside or equal to its input folder, timeline/report --out onto case inputs: exit 2', () => {
    const r = ratchet(['analyze', image, '--out', join(image, 'case'), '--json'])
    expect(r.status, r.stderr).toBe(2)
    expect(json(r.stdout).error?.code).toBe('E_USAGE')
    expect(existsSync(join(image, 'case'))).toBe(false)
    const caseDir = join(root, 'case2')
    expect(ratchet(['analyze', archive, '--out', caseDir]).status).toBe(0)
    const events = readFileSync(join(caseDir, 'events.jsonl'))
    expect(ratchet(['timeline', caseDir, '--format', 'jsonl', '--out', join(caseDir, 'events.jsonl')]).status).toBe(2)
    expect(ratchet(['report', caseDir, '--out', join(caseDir, 'analysis.json')]).status).toBe(2)
    expect(readFileSync(join(caseDir, 'events.jsonl'))).toEqual(events)
  })
})

d('#3 verify: unsafe member names fail verification', () => {
  it('a member files/../../x or /abs listed in manifest and SHA256SUMS: exit 5 naming the member', async () => {
    const members = await readAllMembers(archive)
    const get = (n: string): Buffer => members.find((m) => m.name === n)!.data
    const manifest = JSON.parse(get('manifest.json').toString()) as Manifest
    const sums = parseSha256Sums(get('SHA256SUMS').toString()).entries
    const evil = [{name: 'files/../../x', data: Buffer.from('escape')}, {name: '/etc/evil', data: Buffer.from('absolute')}]
    for (const e of evil) {
      manifest.items.push({...manifest.items.find((i) => i.archive_path)!, archive_path: e.name, original_path: e.name, hashes: {sha256: sha(e.data), sha1: '', md5: ''}, size: e.data.length})
    }
    const mBytes = serializeManifest(manifest)
    sums.set('manifest.json', sha(mBytes))
    for (const e of evil) sums.set(e.name, sha(e.data))
    const kept = members.filter((m) => m.name !== 'manifest.json' && m.name !== 'SHA256SUMS')
    const zip = join(root, 'unsafe.zip')
    writeFileSync(zip, craftZip([...kept, ...evil, {name: 'manifest.json', data: mBytes}, {name: 'SHA256SUMS', data: Buffer.from(buildSha256Sums(sums))}]))
    const r = ratchet(['verify', zip, '--json'])
    expect(r.status, r.stderr).toBe(5)
    const out = json(r.stdout) as unknown as {status: string; problems: string[]}
    expect(out.status).toBe('failed')
    expect(out.problems.join('\n')).toContain('files/../../x')
    expect(out.problems.join('\n')).toContain('/etc/evil')
  })
})

d('#4 --json on flag and argument errors', () => {
  for (const argv of [['collect', '--json'], ['verify', '--bogus', 'x', '--json'], ['timeline', '--json'], ['collect', '--source', 'x', '--out', 'y', '--level', '12', '--json']]) {
    it(`ratchet ${argv.join(' ')} → exit 2 and one small E_USAGE object`, () => {
      const r = ratchet(argv)
      expect(r.status, r.stderr).toBe(2)
      expect(r.stdout.length).toBeLessThan(2000)
      expect(json(r.stdout).error?.code).toBe('E_USAGE')
    })
  }
})

d('#5 #9 every argument is checked before anything is created or read', () => {
  it('triage --out inside the --source image refuses before writing into the source', () => {
    const src = winImage(join(root, 'img5'))
    const r = ratchet(['triage', '--source', src, '--out', join(src, 'sub'), '--json'])
    expect(r.status, r.stderr).toBe(2)
    expect(readdirSync(src)).toEqual(['Windows'])
  })

  it('a --sign-key that is not Ed25519 PEM is exit 2 before collecting (no archive, no .partial)', () => {
    const out = join(root, 'out9')
    const rsa = generateKeyPairSync('rsa', {modulusLength: 1024}).privateKey.export({type: 'pkcs8', format: 'pem'})
    for (const [name, text] of [['junk.pem', 'not a key\n'], ['rsa.pem', rsa as string]] as const) {
      writeFileSync(join(root, name), text)
      const r = ratchet(['collect', '--source', image, '--out', out, '--sign-key', join(root, name), '--json'])
      expect(r.status, r.stderr).toBe(2)
      expect(json(r.stdout).error?.code).toBe('E_USAGE')
    }
    expect(existsSync(out)).toBe(false)
    expect(ratchet(['verify', archive, '--pubkey', join(root, 'junk.pem')]).status).toBe(2)
  })

  it('an unreadable --iocs or an empty password file stops triage before collection', () => {
    const out = join(root, 'out9b')
    expect(ratchet(['triage', '--source', image, '--out', out, '--iocs', join(root, 'no-such-iocs.txt')]).status).toBe(2)
    writeFileSync(join(root, 'empty-pw'), '')
    expect(ratchet(['collect', '--source', image, '--out', out, '--format', '7z', '--password-file', join(root, 'empty-pw')]).status).toBe(2)
    expect(existsSync(out)).toBe(false)
  })
})

d('#7 ordinary mistakes are typed errors, not stack traces', () => {
  it('evtx dump <folder> → 4; triage/analyze --out <existing file> → 2', () => {
    const file = join(root, 'a-file')
    writeFileSync(file, 'x')
    const cases: [string[], number][] = [
      [['evtx', 'dump', root], 4],
      [['triage', '--source', image, '--out', file], 2],
      [['analyze', archive, '--out', file], 2],
      [['collect', '--source', image, '--out', file], 2],
    ]
    for (const [argv, code] of cases) {
      const r = ratchet(argv)
      expect(r.status, `${argv.join(' ')}: ${r.stderr}`).toBe(code)
      expect(r.stderr).not.toMatch(/\n\s+at /)
      expect(r.stderr).toMatch(/ratchet: error E_[A-Z_]+: /)
    }
  })
})

d('#8 huge values are clipped when echoed', () => {
  it('a 10 MB indicator: stderr and --json stay small, no crash', () => {
    const caseDir = join(root, 'case8')
    expect(ratchet(['analyze', archive, '--out', caseDir]).status).toBe(0)
    const iocs = join(root, 'huge.csv')
    writeFileSync(iocs, `type,value\ndomain,${'a'.repeat(10 * 1024 * 1024)}\n`)
    for (const extra of [[], ['--json']]) {
      const r = ratchet(['hunt', caseDir, '--iocs', iocs, ...extra])
      expect(r.status, r.stderr.slice(0, 500)).toBe(4)
      expect(r.stderr.length + r.stdout.length).toBeLessThan(5000)
      expect(r.stderr + r.stdout).not.toContain('Maximum call stack')
    }
    // the exit-code table: hunt over a damaged events.jsonl finishes and says so with 3
    appendFileSync(join(caseDir, 'events.jsonl'), 'not json\n')
    expect(ratchet(['hunt', caseDir]).status).toBe(3)
  })
})

d('#10 source detection', () => {
  it('a missing source or a file is "source missing" (exit 4)', () => {
    const file = join(root, 'plain-file')
    writeFileSync(file, 'x')
    for (const src of [join(root, 'does-not-exist'), file]) {
      const r = ratchet(['collect', '--source', src, '--out', join(root, 'o10'), '--json'])
      expect(r.status, r.stderr).toBe(4)
      expect(json(r.stdout).error?.code).toBe('E_INPUT_MISSING')
    }
  })

  it('WINDOWS and Windows side by side, and a volume with only Users/ProgramData, are Windows', () => {
    const both = join(root, 'both')
    mkdirSync(join(both, 'WINDOWS'), {recursive: true})
    winImage(both)
    const r = ratchet(['collect', '--source', both, '--out', join(root, 'o10b'), '--artefact', 'windows.eventlogs.all', '--json'])
    expect(r.status, r.stderr).toBe(0)
    const data = join(root, 'datavol')
    mkdirSync(join(data, 'Users/alice'), {recursive: true})
    mkdirSync(join(data, 'ProgramData'), {recursive: true})
    const r2 = ratchet(['collect', '--source', data, '--out', join(root, 'o10c'), '--artefact', 'windows.eventlogs.all'])
    expect(r2.stderr).toMatch(/note: .*treated as a Windows volume/)
    expect(r2.stderr).not.toContain('cannot tell the OS')
  })
})

d('#12 empty input is not a clean run', () => {
  it('collect and analyze of an empty folder exit 3 saying nothing matched', () => {
    const empty = join(root, 'empty')
    mkdirSync(empty)
    const c = ratchet(['collect', '--source', empty, '--os', 'windows', '--out', join(root, 'o12')])
    expect(c.status, c.stderr).toBe(3)
    expect(c.stderr).toContain('nothing matched the selected artefacts')
    const a = ratchet(['analyze', empty, '--out', join(root, 'case12')])
    expect(a.status, a.stderr).toBe(3)
  })

  it('analyze --allow-unverified after a failed verification exits 3', async () => {
    const members = await readAllMembers(archive)
    const tampered = join(root, 'tampered.zip')
    writeFileSync(tampered, craftZip(members.map((m) => (m.name.endsWith('.evtx') ? {...m, data: Buffer.concat([m.data, Buffer.from('x')])} : m))))
    expect(ratchet(['analyze', tampered, '--out', join(root, 'case12b')]).status).toBe(5)
    const r = ratchet(['analyze', tampered, '--out', join(root, 'case12c'), '--allow-unverified'])
    expect(r.status, r.stderr).toBe(3)
  })
})

d('#6 EVTX cut at a chunk boundary', () => {
  it('evtx dump and analyze warn EVTX_CHUNKS_MISSING and exit 3; the whole file exits 0', () => {
    const w = new EvtxWriter()
    for (let i = 0; i < 900; i++) w.add(security4720(i))
    const whole = w.toBuffer()
    expect(whole.readUInt16LE(42)).toBeGreaterThanOrEqual(3)
    const dir = join(root, 'cut/Windows/System32/winevt/Logs')
    mkdirSync(dir, {recursive: true})
    writeFileSync(join(dir, 'Security.evtx'), whole.subarray(0, 4096 + 65536))
    writeFileSync(join(root, 'whole.evtx'), whole)
    expect(ratchet(['evtx', 'dump', join(root, 'whole.evtx'), '--json']).status).toBe(0)
    const r = ratchet(['evtx', 'dump', join(dir, 'Security.evtx')])
    expect(r.status).toBe(3)
    expect(r.stderr).toContain('warning EVTX_CHUNKS_MISSING')
    const a = ratchet(['analyze', join(root, 'cut'), '--out', join(root, 'case6'), '--json'])
    expect(a.status, a.stderr).toBe(3)
    expect(readFileSync(join(root, 'case6/analysis.json'), 'utf8')).toContain('EVTX_CHUNKS_MISSING')
  })
})

d('#15 small ones', () => {
  it('timeline --from with an hour of 25 is refused; ratchet timeline never replaces triage\'s timeline.csv', () => {
    const caseDir = join(root, 'case15')
    expect(ratchet(['analyze', archive, '--out', caseDir]).status).toBe(0)
    expect(ratchet(['timeline', caseDir, '--from', '2023-01-01T25:00:00Z']).status).toBe(2)
    expect(ratchet(['timeline', caseDir, '--to', '2023-02-30']).status).toBe(2)
    writeFileSync(join(caseDir, 'timeline.csv'), 'message,datetime,timestamp_desc,timestamp\n')
    const before = readFileSync(join(caseDir, 'timeline.csv'))
    const r = ratchet(['timeline', caseDir, '--json'])
    expect(r.status, r.stderr).toBe(0)
    expect((json(r.stdout) as unknown as {file: string}).file).toBe(join(caseDir, 'timeline.ratchet.csv'))
    expect(readFileSync(join(caseDir, 'timeline.csv'))).toEqual(before)
    expect(statSync(join(caseDir, 'timeline.ratchet.csv')).size).toBeGreaterThan(0)
  })

  it('the hunt summary says how many STIX indicators it skipped', () => {
    const caseDir = join(root, 'case15')
    const stix = join(root, 'feed.json')
    const ind = (id: string, pattern: string, pattern_type = 'stix') => ({type: 'indicator', spec_version: '2.1', id: `indicator--${id}`, pattern, pattern_type})
    writeFileSync(stix, JSON.stringify({type: 'bundle', id: 'bundle--1', objects: [ind('1', "[ipv4-addr:value = '203.0.113.9']"), ind('2', 'rule x {}', 'yara'), ind('3', 'title: y', 'sigma')]}))
    const r = ratchet(['hunt', caseDir, '--iocs', stix])
    expect(r.status, r.stderr).toBe(0)
    expect(r.stderr).toContain('2 indicator(s) skipped')
  })
})

d('#14 shell conveniences', () => {
  it('autocomplete scripts for bash, zsh and powershell; a mistyped command is named (did you mean…)', () => {
    for (const shell of ['bash', 'zsh', 'powershell']) {
      const r = ratchet(['autocomplete', 'script', shell], {env: {XDG_CACHE_HOME: join(root, 'cache')}})
      expect(r.status, r.stderr).toBe(0)
      expect(r.stdout).toContain('ratchet')
    }
    const r = ratchet(['colect', '--out', 'x'])
    expect(r.status).not.toBe(0)
    expect(r.stderr).toContain('colect is not a ratchet command')
  })
})
