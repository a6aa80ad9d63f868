import {spawnSync} from 'node:child_process'
import {copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {analyze} from '../../src/analyze/index.js'
import type {AnalysisFile} from '../../src/analyze/types.js'
import {collect} from '../../src/collect/collect.js'
import {sha256Hex} from '../../src/core/hashing.js'
import {extractArchive} from '../../src/evidence/extract.js'
import {verifyArchive} from '../../src/evidence/verify.js'
import type {NormalizedEvent} from '../../src/events/types.js'
import {artefactsFor} from '../collect/helpers.js'
import {sharedEvtxDir} from '../parsers/evtx/shared.js'
import {addWalRows, buildBaseSessionDb, hasPython} from '../parsers/screenconnect/build-session-db.js'
import {craftZip} from './craft-zip.js'

const made: string[] = []
const tmp = (p: string): string => {
  const d = mkdtempSync(join(tmpdir(), `ratchet-an-${p}-`))
  made.push(d)
  return d
}
afterAll(() => {
  for (const d of made) rmSync(d, {recursive: true, force: true})
})
const put = (root: string, rel: string, data: string | Buffer): void => {
  const p = join(root, ...rel.split('/'))
  mkdirSync(dirname(p), {recursive: true})
  writeFileSync(p, data)
}
const fx = (dir: string, name: string): Buffer => readFileSync(new URL(`../parsers/${dir}/fixtures/${name}`, import.meta.url))
const readEvents = (dir: string): NormalizedEvent[] => readFileSync(join(dir, 'events.jsonl'), 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as NormalizedEvent)
const readAnalysis = (dir: string): AnalysisFile => JSON.parse(readFileSync(join(dir, 'analysis.json'), 'utf8')) as AnalysisFile

const EVTX = sharedEvtxDir()
const PY = hasPython()
if (!EVTX) console.warn('analyze round trip: shared EVTX samples absent, the image carries no event log')
if (!PY) console.warn('analyze round trip: python3 absent, the image carries Session.db without a WAL')

/** A Windows-like image with client and server artefacts of the motivating case. */
async function makeImage(): Promise<string> {
  const root = tmp('image')
  if (EVTX) copyFileSync(join(EVTX, 'evtxrs_new-user-security.evtx'), (put(root, 'Windows/System32/winevt/Logs/Security.evtx', ''), join(root, 'Windows/System32/winevt/Logs/Security.evtx')))
  put(root, 'ProgramData/AnyDesk/ad_svc.trace', fx('anydesk', 'ad_svc.windows-variable-padding.trace'))
  put(root, 'ProgramData/AnyDesk/connection_trace.txt', fx('anydesk', 'connection_trace.utf16le-no-bom.txt'))
  put(root, 'ProgramData/AnyDesk/service.conf', fx('anydesk', 'service.unattended-password.conf'))
  put(root, 'Program Files (x86)/ScreenConnect Client (d33f78b4994b28a6)/system.config', fx('screenconnect', 'system.config.launch-params-entity-escaped.xml'))
  put(root, 'Windows/Temp/ScreenConnect/23.9.8.8811/0f1e2d3c-aaaa-bbbb-cccc-123456789abcrun.cmd', fx('screenconnect', 'run.cmd-crlf.cmd'))
  const app = 'Program Files (x86)/ScreenConnect/App_Data'
  const scratch = tmp('scdb')
  const base = await buildBaseSessionDb(scratch)
  if (PY) {
    const {db, wal} = addWalRows(base)
    put(root, `${app}/Session.db`, readFileSync(db))
    put(root, `${app}/Session.db-wal`, readFileSync(wal))
  } else {
    put(root, `${app}/Session.db`, readFileSync(base))
  }
  put(root, `${app}/User.xml`, '<Users><User><Name>vendor.tech</Name><CreationDate>2019-03-01T10:00:00Z</CreationDate></User></Users>')
  put(root, 'Program Files (x86)/ScreenConnect/App_Extensions/shell.aspx', '<%@ Page Language="C#" %>')
  put(root, 'Users/alice/notes.txt', 'not an artefact')
  put(root, 'Users/alice/Documents/ConnectWiseControl/Temp/tool.exe', 'MZ pushed binary')
  return root
}

describe('ratchet analyze', () => {
  let image: string
  let archive: string

  beforeAll(async () => {
    image = await makeImage()
    const out = tmp('collect')
    const res = await collect({mode: 'image', root: image, os: 'windows', outDir: out, format: 'zip', caseId: 'IR-analyze', examiner: 'vitest', commandLine: ['ratchet', 'collect'], artefacts: await artefactsFor('windows', 'full'), profile: 'full', noVolatile: true})
    archive = res.archive
  })

  it('analyzes a mounted image: plugins chosen by path, files hashed, siblings read', async () => {
    const out = tmp('out-image')
    const res = await analyze(image, {out})
    const a = readAnalysis(out)
    expect(a.input.kind).toBe('directory')
    expect(a.verification.status).toBe('not-applicable')
    const events = readEvents(out)
    expect(events.length).toBe(res.totals.events)
    const types = new Set(events.map((e) => e.event_type))
    for (const t of ['remote_access.session_request', 'remote_access.session_start', 'remote_access.config', 'remote_access.relay', 'remote_access.run_drop', 'remote_access.command', 'remote_access.server_user', 'remote_access.server_extension']) expect(types).toContain(t)
    if (EVTX) expect(types).toContain('account.created')
    if (PY) expect(events.some((e) => e.attributes.from_wal === true)).toBe(true)
    const run = events.find((e) => e.event_type === 'remote_access.run_drop')!
    expect(run.evidence.sha256).toBe(sha256Hex(fx('screenconnect', 'run.cmd-crlf.cmd')))
    const server = a.artefacts.find((x) => x.id === 'windows.remote-access.screenconnect-server')!
    expect(server.files.map((f) => f.parser)).toContain('screenconnect.session-db')
    if (PY) expect(server.files.some((f) => f.member.endsWith('Session.db-wal') && f.parser.includes('sibling'))).toBe(true)
    expect(a.parsers.map((p) => p.name)).toContain('anydesk.trace')
    // Files an artefact definition names but no parser reads are listed, with the reason; others are not.
    expect(a.not_parsed).toContainEqual({member: 'Users/alice/Documents/ConnectWiseControl/Temp/tool.exe', artefact: 'windows.remote-access.screenconnect-client', reason: 'no parser for this file'})
    expect(a.not_parsed.some((n) => n.member === 'Users/alice/notes.txt')).toBe(false)
    expect(a.artefacts.map((x) => x.id)).toContain('windows.remote-access.anydesk')
  })

  it('archive → analyze round trip: verified, same events as the image, byte-identical reruns, external sort identical', async () => {
    const out1 = tmp('out-a1')
    const out2 = tmp('out-a2')
    const out3 = tmp('out-a3')
    const r1 = await analyze(archive, {out: out1})
    expect(r1.verification.status).toBe('verified')
    expect(r1.unverified).toBe(false)
    const a = readAnalysis(out1)
    expect(a.input.kind).toBe('zip')
    expect(a.input.sha256).toBe(sha256Hex(readFileSync(archive)))
    expect(a.collection?.case_id).toBe('IR-analyze')
    const events = readEvents(out1)
    expect(events.length).toBeGreaterThan(20)
    expect(events.every((e) => e.evidence.member.startsWith('files/C/'))).toBe(true)
    expect(events.every((e) => !('unverified' in e))).toBe(true)
    // Times from the manifest (file mtime) date the run.cmd drop.
    const run = events.find((e) => e.event_type === 'remote_access.run_drop')!
    expect(run.attributes.time_unknown).toBeUndefined()
    // Same parse as the image, modulo member paths.
    const imgOut = tmp('out-image2')
    await analyze(image, {out: imgOut})
    const sig = (evs: NormalizedEvent[]): string[] => evs.map((e) => `${e.event_type}|${e.datetime}|${e.message}`).sort()
    expect(sig(events)).toEqual(sig(readEvents(imgOut)))
    // Reruns are byte-identical, with or without spilling sorted runs to disk.
    await analyze(archive, {out: out2})
    await analyze(archive, {out: out3, runSize: 7})
    const bytes = readFileSync(join(out1, 'events.jsonl'))
    expect(readFileSync(join(out2, 'events.jsonl')).equals(bytes)).toBe(true)
    expect(readFileSync(join(out3, 'events.jsonl')).equals(bytes)).toBe(true)
    expect(readFileSync(join(out2, 'analysis.json')).equals(readFileSync(join(out1, 'analysis.json')))).toBe(true)
  })

  it('reuses a verification made moments before only when the archive bytes are the ones it checked', async () => {
    const report = await verifyArchive(archive)
    expect(report.status).toBe('verified')
    const fresh = tmp('out-v1')
    const reused = tmp('out-v2')
    await analyze(archive, {out: fresh})
    await analyze(archive, {out: reused, verified: report})
    for (const f of ['events.jsonl', 'analysis.json']) expect(readFileSync(join(reused, f)).equals(readFileSync(join(fresh, f))), f).toBe(true)
    // a report that names other bytes (another archive hash) is not trusted: the archive is verified again
    const planted = {...report, status: 'failed' as const, problems: ['planted problem']}
    const other = await analyze(archive, {out: tmp('out-v3'), verified: {...planted, sidecar: {...report.sidecar, actual: '0'.repeat(64)}}})
    expect(other.verification).toMatchObject({status: 'verified', problems: []})
    // one that names these bytes is used as it is (so the hash comparison above is what decided)
    const used = await analyze(archive, {out: tmp('out-v4'), verified: planted, allowUnverified: true})
    expect(used.verification.problems).toContain('planted problem')
    // a verification still running (triage's verify stage beside analyze): awaited, then used or not alike
    const later = await analyze(archive, {out: tmp('out-v5'), verified: new Promise((r) => setTimeout(() => r(planted), 200)), allowUnverified: true})
    expect(later.verification.problems).toContain('planted problem')
    const none = await analyze(archive, {out: tmp('out-v6'), verified: Promise.resolve(undefined)})
    expect(none.verification).toMatchObject({status: 'verified', problems: []})
  })

  it('an encrypted 7z archive is verified and extracted with --password-file', async () => {
    const small = tmp('small-image')
    put(small, 'ProgramData/AnyDesk/connection_trace.txt', fx('anydesk', 'connection_trace.utf8-bom.txt'))
    const out = tmp('collect-7z')
    const res = await collect({mode: 'image', root: small, os: 'windows', outDir: out, format: '7z', password: 'correct horse', caseId: 'IR-7z', examiner: 'vitest', commandLine: ['ratchet', 'collect'], artefacts: await artefactsFor('windows', 'full'), profile: 'full', noVolatile: true})
    const pw = join(tmp('pw'), 'pw.txt')
    writeFileSync(pw, 'correct horse\n')
    const caseDir = tmp('out-7z')
    const r = await analyze(res.archive, {out: caseDir, passwordFile: pw})
    expect(r.input.kind).toBe('7z')
    expect(r.verification.status).toBe('verified')
    expect(readEvents(caseDir).map((e) => e.remote_id)).toEqual(['123456789', '221436813', '998877665']) // sorted by time
    expect(readFileSync(join(caseDir, 'analysis.json'), 'utf8')).not.toContain('correct horse')
    writeFileSync(pw, 'wrong\n')
    await expect(analyze(res.archive, {out: tmp('out-7z-bad'), passwordFile: pw})).rejects.toMatchObject({code: 'E_PASSWORD'})
  })

  it('an extracted collection is hash-checked: tampering fails verification unless --allow-unverified', async () => {
    const dir = tmp('extracted')
    await extractArchive(archive, dir, {maxMemberBytes: 1 << 30, maxTotalBytes: 1 << 30})
    const ok = await analyze(dir, {out: tmp('out-c0')})
    expect(ok.input.kind).toBe('collection-directory')
    expect(ok.verification.status).toBe('verified')
    const trace = join(dir, 'files/C/ProgramData/AnyDesk/ad_svc.trace')
    writeFileSync(trace, readFileSync(trace, 'utf8').replace('77.232.122.31', '77.232.122.32'))
    await expect(analyze(dir, {out: tmp('out-c1')})).rejects.toMatchObject({code: 'E_VERIFY_FAILED', exitCode: 5})
    const out = tmp('out-c2')
    const res = await analyze(dir, {out, allowUnverified: true})
    expect(res.unverified).toBe(true)
    expect(res.verification.problems.join('\n')).toContain('ad_svc.trace: SHA-256 mismatch')
    const events = readEvents(out)
    expect(events.length).toBeGreaterThan(0)
    expect(events.every((e) => e.unverified === true)).toBe(true)
    expect(readAnalysis(out).unverified).toBe(true)
  })

  it('rejects zip-slip, absolute, link and zip-bomb members; nothing is written outside the temp folder', async () => {
    const good = Buffer.from('Incoming    2024-02-16, 20:29    User    221436813    221436813\n')
    const manifest = {
      format: 'ratchet-manifest/1', case_id: 'evil', examiner: null, tool: {name: 'ratchet', version: '0', command_line: [], node: 'v20'},
      host: {hostname: 'H', os: null, platform: null, release: null, time_zone: null, utc_offset_minutes: null, clock_utc_at_start: '2024-01-01T00:00:00.0000000Z'},
      source: {mode: 'image', root: '/', os: 'windows'}, profile: null, artefacts: [], started_utc: '2024-01-01T00:00:00.0000000Z', ended_utc: '2024-01-01T00:00:00.0000000Z',
      archive: {format: 'zip', encrypted: false, encrypted_headers: false},
      items: [{original_path: 'C:\\ProgramData\\AnyDesk\\connection_trace.txt', archive_path: 'files/C/ProgramData/AnyDesk/connection_trace.txt', artefact: 'windows.remote-access.anydesk', kind: 'file', size: good.length, hashes: {sha256: sha256Hex(good), sha1: '', md5: ''}, read_method: 'read', status: 'collected'}],
      summary: {collected: 1, partial: 0, skipped: 0, errors: 0, bytes: good.length},
    }
    const dir = tmp('evil')
    const zipPath = join(dir, 'evil.zip')
    const escapeName = `slip-${Date.now()}.txt`
    writeFileSync(zipPath, craftZip([
      {name: 'manifest.json', data: Buffer.from(JSON.stringify(manifest))},
      {name: 'files/C/ProgramData/AnyDesk/connection_trace.txt', data: good},
      {name: `../../${escapeName}`, data: Buffer.from('escaped')},
      {name: `/tmp/${escapeName}`, data: Buffer.from('absolute')},
      {name: 'files/link', data: Buffer.from('/etc/passwd'), symlink: true, store: true},
      {name: 'files/bomb.bin', data: Buffer.alloc(8 * 1024 * 1024)},
    ]))
    const limits = {maxMemberBytes: 1024 * 1024, maxTotalBytes: 64 * 1024 * 1024}
    await expect(analyze(zipPath, {out: tmp('out-e1'), extractLimits: limits})).rejects.toMatchObject({code: 'E_VERIFY_FAILED'})
    const out = tmp('out-e2')
    const res = await analyze(zipPath, {out, allowUnverified: true, extractLimits: limits})
    const problems = res.verification.problems.join('\n')
    expect(problems).toMatch(/\.\.\/\.\.\/slip-\d+\.txt: rejected \(PARENT_COMPONENT/)
    expect(problems).toMatch(/\/tmp\/slip-\d+\.txt: rejected \(ABSOLUTE_PATH/)
    expect(problems).toContain('files/link: rejected (LINK')
    expect(problems).toContain('files/bomb.bin: rejected (MEMBER_TOO_LARGE')
    expect(existsSync(join(tmpdir(), escapeName))).toBe(false)
    expect(existsSync(join(dir, '..', escapeName))).toBe(false)
    expect(existsSync(`/tmp/${escapeName}`)).toBe(false)
    const events = readEvents(out)
    expect(events.map((e) => [e.event_type, e.unverified])).toEqual([['remote_access.session_start', true]])
  })

  it('CLI: --json names the files written; exit 5 on failed verification, 3 with --allow-unverified (issue 13 #12)', async () => {
    const dir = tmp('cli')
    await extractArchive(archive, dir, {maxMemberBytes: 1 << 30, maxTotalBytes: 1 << 30})
    writeFileSync(join(dir, 'files/C/ProgramData/AnyDesk/service.conf'), 'ad.anynet.id=1\n')
    const bin = new URL('../../bin/dev.js', import.meta.url).pathname
    const out = tmp('cli-out')
    const failed = spawnSync(process.execPath, ['--import', 'tsx', bin, 'analyze', dir, '--out', out, '--json'], {encoding: 'utf8'})
    expect(failed.status).toBe(5)
    expect(JSON.parse(failed.stdout).error.code).toBe('E_VERIFY_FAILED')
    const ok = spawnSync(process.execPath, ['--import', 'tsx', bin, 'analyze', dir, '--out', out, '--json', '--allow-unverified'], {encoding: 'utf8'})
    expect(ok.status).toBe(3)
    const res = JSON.parse(ok.stdout) as {files: {events: string; analysis: string}; unverified: boolean}
    expect(res.files).toEqual({events: join(out, 'events.jsonl'), analysis: join(out, 'analysis.json')})
    expect(res.unverified).toBe(true)
  })

  it('reports a missing input and a non-archive file with typed errors', async () => {
    await expect(analyze(join(tmpdir(), 'no-such-evidence.zip'), {out: tmp('o')})).rejects.toMatchObject({code: 'E_INPUT_MISSING'})
    const f = join(tmp('txt'), 'x.txt')
    writeFileSync(f, 'x')
    await expect(analyze(f, {out: tmp('o')})).rejects.toMatchObject({code: 'E_INPUT_FORMAT'})
  })
})
