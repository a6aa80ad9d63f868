import {spawnSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {analyze} from '../../src/analyze/index.js'
import type {CrossHostFile} from '../../src/detect/cross-host.js'
import {runHuntCases, type MultiHuntResult} from '../../src/detect/hunt.js'
import {redactionMark} from '../../src/core/redact.js'
import type {FindingsFile, SessionsFile} from '../../src/detect/types.js'
import {EventTypes as T} from '../../src/events/types.js'
import {generateReport} from '../../src/report/generate.js'
import {ev, scLog, writeCase} from './case-builder.js'
import {buildServerImage, G, NEW_ADDRESS, PASSWORD} from './server-image.js'

/**
 * A client case (CHARLIE-PC: its vendor instance's launch parameters carry the session GUID, its Application
 * log the connect/disconnect times; a second, rogue instance whose GUID the server never saw) joined with the
 * hand-built server case.
 */
const VENDOR = 'a1b2c3d4e5f60718'
const ROGUE = '0f1e2d3c4b5a6978'
const CLIENT = 'CHARLIE-PC'

let root: string
let clientDir: string
let serverDir: string
let result: MultiHuntResult
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'ratchet-xhost-'))
  const {image, iocs} = await buildServerImage(root)
  serverDir = join(root, 'server-case')
  await analyze(image, {out: serverDir})
  const relay = (instance: string, guid: string, host: string) =>
    ev({at: '2023-09-01T00:00:00Z', type: T.REMOTE_RELAY, source: 'ScreenConnect', member: `files/C/Program Files (x86)/ScreenConnect Client (${instance})/system.config`, message: 'launch parameters', host: CLIENT, desc: 'File Modified', attributes: {tool: 'ScreenConnect', instance, relay_host: host, relay_port: 8041, session_guid: guid}})
  clientDir = writeCase(
    [
      relay(VENDOR, G.charlie, 'rs.vendor.example'),
      relay(ROGUE, '99999999-0000-4000-8000-000000000009', 'sc.rogue.example'),
      scLog('2023-10-22T02:00:07Z', T.REMOTE_SESSION_START, 100, 'tech1 Connected', VENDOR, {user: 'tech1'}, {operator: 'tech1'}, CLIENT),
      scLog('2023-10-22T02:01:09Z', T.REMOTE_COMMAND, 200, 'Executed command of length: 32', VENDOR, {}, {command_length: 32}, CLIENT),
      scLog('2023-10-22T02:29:58Z', T.REMOTE_SESSION_END, 101, 'tech1 Disconnected', VENDOR, {user: 'tech1'}, {operator: 'tech1'}, CLIENT),
      scLog('2023-10-25T05:00:00Z', T.REMOTE_SESSION_START, 100, 'x Connected', ROGUE, {user: 'x'}, {operator: 'x'}, CLIENT),
      scLog('2023-10-25T05:10:00Z', T.REMOTE_SESSION_END, 101, 'x Disconnected', ROGUE, {user: 'x'}, {operator: 'x'}, CLIENT),
    ],
    join(root, 'client-case'),
  )
  result = await runHuntCases({caseDirs: [clientDir, serverDir], iocFiles: [iocs], windowMs: 30 * 60_000})
}, 60_000)
afterAll(() => rmSync(root, {recursive: true, force: true}))

describe('hunt with a client case and the server case', () => {
  it('joins the client session with the server record of the same session GUID', () => {
    expect(result.cases).toHaveLength(2)
    expect(result.cross_host).toEqual({links: 1, unmatched_client_sessions: 1, linked_sessions: [G.charlie]})
    expect(result.cases[1].blast_radius).toBe(join(serverDir, 'blast-radius.json'))
  })

  it('both cases carry the same cross_host section: what the server saw of the client session', () => {
    const client = JSON.parse(readFileSync(join(clientDir, 'sessions.json'), 'utf8')) as SessionsFile
    const server = JSON.parse(readFileSync(join(serverDir, 'sessions.json'), 'utf8')) as SessionsFile
    const findings = JSON.parse(readFileSync(join(serverDir, 'findings.json'), 'utf8')) as FindingsFile
    expect(client.cross_host).toEqual(server.cross_host)
    expect(findings.cross_host).toEqual(server.cross_host)
    const x = client.cross_host as CrossHostFile
    expect(x.cases.map((c) => c.role)).toEqual(['client', 'server'])
    const link = x.links[0]
    expect(link.matched_by).toBe('session_guid')
    expect(link.client).toMatchObject({host: CLIENT, instance: VENDOR, start: '2023-10-22T02:00:07.0000000Z', end: '2023-10-22T02:29:58.0000000Z', operator: 'tech1'})
    expect(client.sessions.some((s) => s.id === link.client.session_id)).toBe(true)
    expect(link.server.machine).toBe(CLIENT)
    expect(link.server.overlapping).toEqual([expect.objectContaining({operator: 'tech1', address: NEW_ADDRESS, start_utc: '2023-10-22T02:00:00.0000000Z', end_utc: '2023-10-22T02:30:00.0000000Z'})])
    expect(link.server.commands).toEqual([expect.objectContaining({text: `net user backup ${redactionMark(PASSWORD)} /add`, status: 'failed'})])
    expect(link.server.files.map((f) => f.name)).toEqual(['text.xml'])
    expect(link.server.on_blast_radius).toBe(true)
    expect(link.server.blast_reasons.some((r) => r.includes(NEW_ADDRESS))).toBe(true)
    expect(readFileSync(join(clientDir, 'sessions.json'), 'utf8')).not.toContain(PASSWORD)
  })

  it('the client report shows what the server saw', async () => {
    const r = await generateReport({caseDir: clientDir, commandLine: ['ratchet', 'report', clientDir], now: new Date('2024-01-01T00:00:00Z')})
    const html = readFileSync(r.file, 'utf8')
    expect(html).toContain('id="cross-host"')
    expect(html).toContain(`tech1 from ${NEW_ADDRESS}, 2023-10-22T02:00:00.0000000Z – 2023-10-22T02:30:00.0000000Z`)
    expect(html).toContain('On the blast radius')
    expect(html).toContain('(<strong>failed</strong>)')
    expect(html).not.toContain(PASSWORD)
  })

  it('the command takes several case folders and returns the joined result with --json', () => {
    const repo = new URL('../..', import.meta.url).pathname
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--no-warnings', join(repo, 'bin/dev.js'), 'hunt', clientDir, serverDir, '--iocs', join(root, 'iocs.txt'), '--json'], {cwd: repo, encoding: 'utf8', env: {...process.env, OCLIF_SKIP_NEW_VERSION_CHECK: '1'}, timeout: 60_000})
    expect(r.status, r.stderr).toBe(0)
    const out = JSON.parse(r.stdout) as MultiHuntResult
    expect(out.cross_host).toEqual({links: 1, unmatched_client_sessions: 1, linked_sessions: [G.charlie]})
    expect(out.cases.map((c) => c.findings)).toEqual([join(clientDir, 'findings.json'), join(serverDir, 'findings.json')])
  }, 60_000)
})
