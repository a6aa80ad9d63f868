import {readFileSync, rmSync} from 'node:fs'
import {join} from 'node:path'
import {Readable} from 'node:stream'
import {afterAll, describe, expect, it} from 'vitest'
import {anydeskTrace} from '../../src/analyze/plugins/anydesk.js'
import {runHunt} from '../../src/detect/hunt.js'
import type {FindingsFile, SessionsFile} from '../../src/detect/types.js'
import {mapConnectionTrace, mapTraceLine} from '../../src/events/mappers/anydesk.js'
import type {NormalizedEvent} from '../../src/events/types.js'
import {parseConnectionTraceLine} from '../../src/parsers/anydesk/connection-trace.js'
import {parseTraceLine} from '../../src/parsers/anydesk/trace.js'
import {writeCase} from './case-builder.js'

/**
 * AnyDesk sessions from trace lines in the layout AnyDesk writes (ARTEFACTS.md §4), read by the parsers and
 * mappers analyze uses: the peer ID is logged when the request arrives, connection_trace.txt (minute
 * resolution) when the connection is accepted; file preparation is logged inside the session.
 */

const dirs: string[] = []
afterAll(() => {
  for (const d of dirs) rmSync(d, {recursive: true, force: true})
})
const HOST = 'WS-FRONTDESK'
const ctx = (member: string): {member: string; sha256: string; artefact: string; host: string} => ({member, sha256: 'cd'.repeat(32), artefact: 'windows.remote-access.anydesk', host: HOST})
const SVC = 'files/C/ProgramData/AnyDesk/ad_svc.trace'

function trace(lines: string[], member = SVC): NormalizedEvent[] {
  return lines.flatMap((text, i) => {
    const r = parseTraceLine(text)
    if (r.kind !== 'record') throw new Error(`not a trace line: ${text}`)
    const ev = mapTraceLine(ctx(member), r.record, text, i + 1)
    return ev ? [ev] : []
  })
}

const line = (time: string, component: string, message: string): string => `   info 2024-05-02 ${time}       lsvc   4120   4300                   ${component} - ${message}`

async function hunt(events: NormalizedEvent[]): Promise<{f: FindingsFile; s: SessionsFile}> {
  const dir = writeCase(events)
  dirs.push(dir)
  await runHunt({caseDir: dir, windowMs: 30 * 60_000, packs: []})
  return {f: JSON.parse(readFileSync(join(dir, 'findings.json'), 'utf8')) as FindingsFile, s: JSON.parse(readFileSync(join(dir, 'sessions.json'), 'utf8')) as SessionsFile}
}

describe('AnyDesk sessions from real trace shapes', () => {
  const incoming = [
    line('10:00:01.100', 'app.backend_session', 'Incoming session request: Support (777888999)'),
    line('10:00:01.200', 'anynet.any_socket', 'Logged in from 198.51.100.20:50112 on relay 5a1b2c3d.'),
    line('10:00:01.300', 'anynet.any_socket', 'Client-ID: 777888999 (FPR: 8e28a2a25b30).'),
    // the person at the computer takes four minutes to accept
    line('10:04:30.000', 'anynet.any_socket', 'Accept request from 777888999 (via relay).'),
    line('10:04:30.100', 'app.backend_session', 'Authenticated by local user.'),
    line('10:10:00.000', 'app.prepare_task', "Preparing files in 'C:\\Users\\front\\Documents'."),
    line('10:10:02.000', 'app.prepare_task', 'Preparation of 3 files completed.'),
  ]
  const connection = (time: string, auth: string): NormalizedEvent => {
    const text = `Incoming    2024-05-02, ${time}    ${auth}                              777888999    777888999`
    return mapConnectionTrace(ctx('files/C/ProgramData/AnyDesk/connection_trace.txt'), parseConnectionTraceLine(text)!, text, 1) as NormalizedEvent
  }

  it('merges the connection_trace.txt line minutes after the peer ID into that session, authenticated, with its file preparation inside', async () => {
    const {f, s} = await hunt([...trace(incoming), connection('10:04', 'User')])
    expect(s.sessions).toHaveLength(1)
    const x = s.sessions[0]
    expect(x).toMatchObject({tool: 'AnyDesk', remote_id: '777888999', remote_address: '198.51.100.20', end: null})
    expect(x.reasons.some((r) => r.includes('not authenticated'))).toBe(false)
    expect(x.activity.map((a) => a.event_type)).toEqual(['remote_access.file_transfer', 'remote_access.file_transfer'])
    // ratchet's Sigma rule (artefacts/sigma/rules/ratchet_anydesk_file_transfer.yml): one finding, tied to the session
    expect(f.findings.filter((y) => y.title === 'Files transferred through AnyDesk').map((y) => [y.rule, y.correlated, y.session_ids])).toEqual([['sigma-1f63ba72-51a6-4cf5-9868-8bf3b39a7658', true, [x.id]]])
  })

  it('an open session ends at the next session of its trace file', async () => {
    const next = [
      line('11:00:00.000', 'app.backend_session', 'Incoming session request: Other (111222333)'),
      line('11:00:00.100', 'anynet.any_socket', 'Logged in from 192.0.2.44:40000 on relay 5a1b2c3d.'),
      line('11:00:05.000', 'app.prepare_task', "Preparing files in 'C:\\Temp'."),
    ]
    const {s} = await hunt(trace([...incoming, ...next]))
    expect(s.sessions).toHaveLength(2)
    const [a, b] = s.sessions
    expect(a.activity).toHaveLength(2)
    expect(b.activity.map((x) => x.summary)).toEqual(["AnyDesk prepared files in C:\\Temp"])
    // never authenticated: the second one is an attempt
    expect(b.reasons).toContain('connection was not authenticated (an attempt, or refused)')
  })

  it('a peer address blanked with x is kept as an event and reported as a warning', async () => {
    const text = line('10:00:01.200', 'anynet.any_socket', 'Logged in from 12.xx.xx.21:59562 on relay 80e496c0.')
    const r = anydeskTrace.parse(Readable.from([Buffer.from(`${text}\n`)]), {member: SVC, sha256: 'cd'.repeat(32), artefact: 'windows.remote-access.anydesk', host: HOST} as never)
    const events: NormalizedEvent[] = []
    for await (const ev of r.events) events.push(ev)
    expect(events).toHaveLength(1)
    expect(events[0]).toMatchObject({event_type: 'remote_access.peer_address', src_port: 59562, attributes: {address_blanked: '12.xx.xx.21'}})
    expect(events[0].src_ip).toBeUndefined()
    expect(r.diagnostics.map((d) => [d.code, d.severity])).toEqual([['ANYDESK_TRACE_ADDRESS_BLANKED', 'warning']])
  })
})
