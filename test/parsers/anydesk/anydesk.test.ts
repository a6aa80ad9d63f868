import {describe, expect, it} from 'vitest'
import {anydeskConf, anydeskConnectionTrace, anydeskFileTransferTrace, anydeskTrace} from '../../../src/analyze/plugins/anydesk.js'
import {parseTraceLine, splitAddress} from '../../../src/parsers/anydesk/trace.js'
import type {NormalizedEvent} from '../../../src/events/types.js'
import {fixture, runPlugin} from '../../analyze/run-plugin.js'

const byType = (evs: NormalizedEvent[], t: string): NormalizedEvent[] => evs.filter((e) => e.event_type === t)

describe('AnyDesk trace', () => {
  it('reads Windows lines with variable padding, optional fiber column and banner', async () => {
    const {events, diagnostics} = await runPlugin(anydeskTrace, fixture('anydesk', 'ad_svc.windows-variable-padding.trace'), 'files/C/ProgramData/AnyDesk/ad_svc.trace')
    expect(byType(events, 'remote_access.external_address')[0]!.attributes.external_ip).toBe('77.232.122.31')
    expect(byType(events, 'remote_access.local_id')[0]!.attributes.local_id).toBe('609579424')
    const req = byType(events, 'remote_access.session_request')[0]!
    expect(req.remote_id).toBe('221436813')
    expect(req.attributes.alias).toBe('Richard Beard')
    expect(req.datetime).toBe('2023-07-12T09:01:02.3100000Z')
    const peer = byType(events, 'remote_access.peer_address')[0]!
    expect([peer.src_ip, peer.src_port, peer.attributes.relay]).toEqual(['12.34.56.21', 59562, '80e496c0'])
    expect(peer.attributes.pid).toBe(6572)
    expect(peer.attributes.role).toBe('lsvc')
    expect(peer.attributes.component).toBe('anynet.any_socket')
    expect(peer.attributes.raw_line).toContain('Logged in from')
    expect(peer.attributes.tool).toBe('AnyDesk')
    expect(byType(events, 'remote_access.peer_id')[0]!.attributes.fingerprint).toBe('8e28a2a25b30')
    const auth = byType(events, 'remote_access.authenticated')
    expect(auth.map((a) => a.attributes.auth_method)).toEqual([undefined, 'password'])
    expect(auth[0]!.remote_id).toBe('221436813')
    expect(byType(events, 'remote_access.file_transfer')[0]!.file_name).toBe('C:\\Users\\lab\\Downloads')
    expect(byType(events, 'remote_access.session_end')).toHaveLength(1)
    expect(byType(events, 'remote_access.outgoing_connect')[0]!.remote_id).toBe('987654321')
    expect(byType(events, 'remote_access.password_set')).toHaveLength(1)
    expect(events).toHaveLength(12)
    expect(diagnostics.filter((d) => d.code === 'ANYDESK_TRACE_UNPARSED_LINE').map((d) => d.line)).toEqual([15])
    expect(events.every((e) => e.evidence.line !== undefined && e.source === 'AnyDesk')).toBe(true)
  })

  it('reads the Linux layout (ad + thread name) and bracketed IPv6 peers', async () => {
    const {events} = await runPlugin(anydeskTrace, fixture('anydesk', 'anydesk.linux-layout-ipv6.trace'), 'files/home/u/.anydesk/anydesk.trace')
    const peer = byType(events, 'remote_access.peer_address')[0]!
    expect([peer.src_ip, peer.src_port]).toEqual(['2001:db8::15', 50123])
    expect(peer.attributes.thread).toBe('main')
    expect(peer.attributes.pid).toBe(4386)
    expect(byType(events, 'remote_access.authenticated')[0]!.attributes.auth_method).toBe('token')
    expect(byType(events, 'remote_access.session_end')).toHaveLength(1)
  })

  it('reports binary content where text was expected, and a truncated last line', async () => {
    const {mkdtempSync, writeFileSync} = await import('node:fs')
    const {join} = await import('node:path')
    const {tmpdir} = await import('node:os')
    const dir = mkdtempSync(join(tmpdir(), 'ratchet-adbin-'))
    writeFileSync(join(dir, 'bin.trace'), Buffer.from([0x4d, 0x5a, 0x90, 0x00, 0x03, 0x00, 0x00, 0x00, 0x04, 0x00, 0xff, 0xff, 0x00, 0x00]))
    const bin = await runPlugin(anydeskTrace, join(dir, 'bin.trace'), 'AnyDesk/bin.trace')
    expect(bin.events).toEqual([])
    expect(bin.diagnostics.map((d) => [d.code, d.severity])).toEqual([['ANYDESK_TRACE_BINARY', 'error']])
    writeFileSync(join(dir, 'cut.trace'), '   info 2023-07-12 09:10:00.000       back   7012   7100       app.backend_session - Session stopped.\n   info 2023-07-12 09:1')
    const cut = await runPlugin(anydeskTrace, join(dir, 'cut.trace'), 'AnyDesk/cut.trace')
    expect(cut.events).toHaveLength(1)
    expect(cut.diagnostics.filter((d) => d.code === 'ANYDESK_TRACE_UNPARSED_LINE').map((d) => d.line)).toEqual([2])
  })

  it('splits addresses and rejects non-trace lines', () => {
    expect(splitAddress('[::1]:7070')).toEqual({ip: '::1', port: 7070})
    expect(splitAddress('1.2.3.4')).toEqual({ip: '1.2.3.4'})
    expect(parseTraceLine('garbage').kind).toBe('unparsed')
  })
})

describe('AnyDesk connection_trace.txt', () => {
  for (const name of ['connection_trace.utf8-bom.txt', 'connection_trace.utf16le-no-bom.txt', 'connection_trace.utf8-plain.txt']) {
    it(`sniffs the encoding: ${name}`, async () => {
      const {events, diagnostics} = await runPlugin(anydeskConnectionTrace, fixture('anydesk', name), 'files/C/ProgramData/AnyDesk/connection_trace.txt')
      expect(events).toHaveLength(3)
      expect(events[0]!.datetime).toBe('2024-02-16T20:29:00.0000000Z')
      expect(events[0]!.timestamp_desc).toBe('Connection Start')
      expect(events[0]!.remote_id).toBe('221436813')
      expect(events[0]!.attributes.auth_method).toBe('User')
      expect(events[1]!.attributes.alias).toBe('user2@ad')
      expect(events[1]!.remote_id).toBe('123456789')
      expect(events[2]!.attributes.auth_method).toBe('REJECTED')
      expect(events[2]!.attributes.alias).toBe('Evil Guy')
      expect(diagnostics.filter((d) => d.severity !== 'info')).toEqual([])
      if (name.includes('utf16')) expect(diagnostics.some((d) => d.code.endsWith('_ENCODING'))).toBe(true)
    })
  }
})

describe('AnyDesk file_transfer_trace.txt', () => {
  it('reads UTF-16LE with variable tabs', async () => {
    const {events} = await runPlugin(anydeskFileTransferTrace, fixture('anydesk', 'file_transfer_trace.utf16le-bom-variable-tabs.txt'), 'files/C/ProgramData/AnyDesk/file_transfer_trace.txt')
    expect(events.map((e) => e.file_name)).toEqual(['kibana-8.13.4-windows-x86_64.zip', 'elasticsearch-8.13.4-windows-x86_64.zip', 'secrets.txt'])
    expect(events[1]!.attributes).toMatchObject({action: 'finish', direction: 'upload', size_text: '~399.78 MiB out of 399.78 MiB', source_component: 'File Manager'})
    expect(events[1]!.datetime).toBe('2024-11-08T16:31:00.0000000Z')
    expect(events[2]!.attributes.direction).toBe('download')
  })
})

describe('AnyDesk *.conf', () => {
  it('records that the unattended password is set, never the hash or salt', async () => {
    const {events} = await runPlugin(anydeskConf, fixture('anydesk', 'service.unattended-password.conf'), 'files/C/ProgramData/AnyDesk/service.conf', {mtime: '2023-07-12T09:12:00.0000000Z'})
    const cfg = events.find((e) => e.event_type === 'remote_access.config')!
    expect(cfg.attributes.unattended_password_set).toBe(true)
    expect(cfg.attributes.profile_remote_ids).toEqual(['221436813'])
    expect(cfg.datetime).toBe('2023-07-12T09:12:00.0000000Z')
    expect(events.find((e) => e.event_type === 'remote_access.local_id')!.attributes.local_id).toBe('609579424')
    const text = JSON.stringify(events)
    expect(text).not.toContain('8f1e0c2b7d9a')
    expect(text).not.toContain('5a4d3c2b1a0f9e8d')
  })
})
