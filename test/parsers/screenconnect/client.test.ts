import {describe, expect, it} from 'vitest'
import {screenconnectLaunchParams, screenconnectRunDrop, screenconnectUserConfig} from '../../../src/analyze/plugins/screenconnect.js'
import {sha256Hex} from '../../../src/core/hashing.js'
import {parseLaunchParams} from '../../../src/parsers/screenconnect/launch-params.js'
import {parseHostToAddressMap} from '../../../src/parsers/screenconnect/settings.js'
import {classifyAppLogMessage} from '../../../src/parsers/screenconnect/app-log.js'
import {fixture, runPlugin} from '../../analyze/run-plugin.js'
import {readFileSync} from 'node:fs'

const THUMB_DIR = 'files/C/Program Files (x86)/ScreenConnect Client (d33f78b4994b28a6)'

describe('ScreenConnect client launch parameters', () => {
  it('system.config: entity-escaped query, key hashed and never returned', async () => {
    const {events} = await runPlugin(screenconnectLaunchParams, fixture('screenconnect', 'system.config.launch-params-entity-escaped.xml'), `${THUMB_DIR}/system.config`, {mtime: '2023-10-28T13:00:00.0000000Z'})
    expect(events).toHaveLength(1)
    const e = events[0]!
    expect(e.event_type).toBe('remote_access.relay')
    expect(e.attributes).toMatchObject({relay_host: 'rs.tdsclinical.example', relay_port: 8041, instance: 'd33f78b4994b28a6', tool: 'ScreenConnect'})
    expect(e.attributes.key_sha256).toBe(sha256Hex('BgIAAACkAABSU0ExAAgAAAEAAQC7ExampleKeyMaterialNotReal+/='))
    expect(JSON.stringify(e)).not.toContain('ExampleKeyMaterial')
    expect(e.datetime).toBe('2023-10-28T13:00:00.0000000Z')
  })

  it('ClientLaunchParameters.txt (Linux): session, name, repeated custom properties', async () => {
    const {events} = await runPlugin(screenconnectLaunchParams, fixture('screenconnect', 'ClientLaunchParameters.linux-query-only.txt'), 'files/opt/screenconnect-0123456789abcdef/ClientLaunchParameters.txt')
    const a = events[0]!.attributes
    expect(a).toMatchObject({session_type: 'Access', process_type: 'Guest', relay_host: 'relay.example.net', session_guid: '5e0cb4f7-1c2d-4e5f-8a9b-0c1d2e3f4a5b', session_name: 'Front Desk', custom_properties: ['Acme', '', 'TX'], instance: '0123456789abcdef', time_unknown: true})
  })

  it('rejects text without launch parameters', () => {
    expect(parseLaunchParams('"C:\\Windows\\system32\\svchost.exe" -k netsvcs')).toBeUndefined()
  })
})

describe('ScreenConnect user.config HostToAddressMap', () => {
  it('keeps the host-local time as written and converts it with the host zone', async () => {
    const member = 'files/C/Windows/System32/config/systemprofile/AppData/Local/ScreenConnect Client (d33f78b4994b28a6)/user.config'
    const {events, diagnostics} = await runPlugin(screenconnectUserConfig, fixture('screenconnect', 'user.config.hostmap-host-local-time.xml'), member, {hostTimeZone: 'America/Chicago'})
    expect(events.map((e) => [e.attributes.dst_host, e.dst_ip, e.datetime, e.attributes.original_time, e.attributes.original_time_zone])).toEqual([
      ['instance-zayrhg-relay.screenconnect.com', '139.178.91.96', '2025-05-20T21:24:03.0000000Z', '5/20/2025 4:24:03 PM', 'host-local:America/Chicago'],
      ['rs.tdsclinical.example', '203.0.113.66', '2023-10-28T05:05:09.0000000Z', '10/28/2023 12:05:09 AM', 'host-local:America/Chicago'],
    ])
    expect(events[0]!.timestamp_desc).toBe('Last Resolved')
    expect(events[0]!.attributes.instance).toBe('d33f78b4994b28a6')
    expect(diagnostics.map((d) => d.code)).toEqual(['SCREENCONNECT_HOSTMAP_BAD_ENTRY'])
  })

  it('flags the zone as unknown when the manifest has none', () => {
    const {entries} = parseHostToAddressMap('h=10.0.0.1-1%2f2%2f2024%2012%3a00%3a00%20PM')
    expect(entries[0]!.resolved).toEqual({year: 2024, month: 1, day: 2, hour: 12, minute: 0, second: 0})
  })
})

describe('ScreenConnect run.cmd drops', () => {
  it('records the command text, its hash and the file time', async () => {
    const p = fixture('screenconnect', 'run.cmd-crlf.cmd')
    const member = 'files/C/Windows/Temp/ScreenConnect/23.9.8.8811/0f1e2d3c-aaaa-bbbb-cccc-123456789abcrun.cmd'
    const {events} = await runPlugin(screenconnectRunDrop, p, member, {mtime: '2023-10-28T14:01:00.0000000Z'})
    const e = events[0]!
    expect([e.event_type, e.file_name, e.timestamp_desc, e.datetime]).toEqual(['remote_access.run_drop', '0f1e2d3c-aaaa-bbbb-cccc-123456789abcrun.cmd', 'File Modified', '2023-10-28T14:01:00.0000000Z'])
    expect(e.command_line).toContain('net user backup')
    expect(e.attributes.content_sha256).toBe(sha256Hex(readFileSync(p)))
    expect(e.attributes.client_version).toBe('23.9.8.8811')
  })
})

describe('ScreenConnect Application-log message text', () => {
  it('classifies by text, including operators with spaces', () => {
    expect(classifyAppLogMessage('Cloud Account Administrator Connected\n\nVersion: 1')).toEqual({kind: 'connected', operator: 'Cloud Account Administrator'})
    expect(classifyAppLogMessage("Transferred files with action 'Transfer':\r\nC:\\a.exe\r\n\r\nVersion: 1")).toEqual({kind: 'files_transferred', action: 'Transfer', files: ['C:\\a.exe']})
    expect(classifyAppLogMessage('Something new').kind).toBe('unknown')
  })
})
