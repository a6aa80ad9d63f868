import {describe, expect, it} from 'vitest'
import * as L from '../../src/parsers/volatile/linux.js'

const utc = {utcTimes: true}

describe('Linux parsers (C locale, TZ=UTC output)', () => {
  it('ps -eo pid,ppid,user:64,lstart,args: day padding, kernel threads, arguments with spaces; no zone → text only', () => {
    const text = [
      '    PID    PPID USER                                                              STARTED COMMAND',
      '      2       0 root                                             Thu Nov  6 09:05:01 2025 [kthreadd]',
      '   4312       1 anydesk                                          Wed Nov  8 14:02:11 2023 /usr/bin/anydesk --service  --with  "two spaces"',
      '   4400    4312 www-data                                         Wed Nov  8 14:03:00 2023 ',
      '',
    ].join('\n')
    const {records, diagnostics} = L.parsePs(text, utc)
    expect(diagnostics).toEqual([])
    expect(records).toEqual([
      {kind: 'process', pid: 2, ppid: 0, name: '[kthreadd]', user: 'root', command_line: '[kthreadd]', start_utc: '2025-11-06T09:05:01.0000000Z'},
      {kind: 'process', pid: 4312, ppid: 1, name: 'anydesk', user: 'anydesk', command_line: '/usr/bin/anydesk --service  --with  "two spaces"', start_utc: '2023-11-08T14:02:11.0000000Z'},
      {kind: 'process', pid: 4400, ppid: 4312, name: '', user: 'www-data', start_utc: '2023-11-08T14:03:00.0000000Z'},
    ])
    expect(L.parsePs(text, {}).records[1]).toMatchObject({start_text: 'Wed Nov  8 14:02:11 2023'})
    expect(L.parsePs(text, {}).records[1]).not.toHaveProperty('start_utc')
  })

  it('ss -tunap: interface-scoped addresses, IPv6, several owning processes, no process column', () => {
    const text = [
      'Netid State  Recv-Q Send-Q            Local Address:Port    Peer Address:PortProcess',
      'udp   UNCONN 0      0            127.0.0.53%lo:53           0.0.0.0:*     users:(("systemd-resolve",pid=512,fd=13))',
      'tcp   LISTEN 0      4096                     [::]:22              [::]:*     users:(("sshd",pid=800,fd=4),("systemd",pid=1,fd=52))',
      'tcp   ESTAB  0      0                10.0.0.8:41822     203.0.113.50:443   users:(("anydesk",pid=4312,fd=31))',
      'tcp   TIME-WAIT 0   0                10.0.0.8:41700     198.51.100.7:80',
      '',
    ].join('\n')
    const {records, diagnostics} = L.parseSs(text, {})
    expect(diagnostics).toEqual([])
    expect(records).toEqual([
      {kind: 'connection', protocol: 'udp', local_address: '127.0.0.53', local_port: 53, state: 'Unconnected', process: 'systemd-resolve', pid: 512},
      {kind: 'connection', protocol: 'tcp6', local_address: '::', local_port: 22, state: 'Listen', process: 'sshd', pid: 800},
      {kind: 'connection', protocol: 'tcp', local_address: '10.0.0.8', local_port: 41822, remote_address: '203.0.113.50', remote_port: 443, state: 'Established', process: 'anydesk', pid: 4312},
      {kind: 'connection', protocol: 'tcp', local_address: '10.0.0.8', local_port: 41700, remote_address: '198.51.100.7', remote_port: 80, state: 'TimeWait'},
    ])
  })

  it('who: ISO and month-name time formats, with and without a remote host', () => {
    const text = 'root     pts/0        2023-11-08 14:05 (203.0.113.50)\nalice    tty1         Nov  8 09:00\n'
    expect(L.parseWho(text, utc).records).toEqual([
      {kind: 'session', user: 'root', line: 'pts/0', logon_text: '2023-11-08 14:05', from: '203.0.113.50', logon_utc: '2023-11-08T14:05:00.0000000Z'},
      {kind: 'session', user: 'alice', line: 'tty1', logon_text: 'Nov  8 09:00'},
    ])
  })

  it('last -F -w: logout times, still logged in, reboot lines, empty host column, wtmp footer', () => {
    const text = [
      'root     pts/0        203.0.113.50     Wed Nov  8 14:05:01 2023 - Wed Nov  8 15:10:42 2023  (01:05)',
      'alice    tty1                          Wed Nov  8 09:00:00 2023   still logged in',
      'reboot   system boot  6.1.0-13-amd64   Wed Nov  8 08:59:30 2023   still running',
      'bob      pts/1        10.0.0.9         Tue Nov  7 22:00:00 2023 - crash                     (10:59)',
      '',
      'wtmp begins Wed Nov  1 00:00:00 2023',
    ].join('\n')
    const {records, diagnostics} = L.parseLastF(text, utc)
    expect(diagnostics).toEqual([])
    expect(records).toEqual([
      {kind: 'session', user: 'root', line: 'pts/0', from: '203.0.113.50', logon_text: 'Wed Nov  8 14:05:01 2023', logon_utc: '2023-11-08T14:05:01.0000000Z', logoff_text: 'Wed Nov  8 15:10:42 2023', logoff_utc: '2023-11-08T15:10:42.0000000Z', state: '01:05'},
      {kind: 'session', user: 'alice', line: 'tty1', logon_text: 'Wed Nov  8 09:00:00 2023', logon_utc: '2023-11-08T09:00:00.0000000Z', state: 'still logged in'},
      {kind: 'session', user: 'reboot', line: 'system boot', from: '6.1.0-13-amd64', logon_text: 'Wed Nov  8 08:59:30 2023', logon_utc: '2023-11-08T08:59:30.0000000Z', state: 'still running'},
      {kind: 'session', user: 'bob', line: 'pts/1', from: '10.0.0.9', logon_text: 'Tue Nov  7 22:00:00 2023', logon_utc: '2023-11-07T22:00:00.0000000Z', state: 'crash (10:59)'},
    ])
  })

  it('getent passwd/group, with a damaged line reported and skipped', () => {
    const pw = L.parseGetentPasswd('root:x:0:0:root:/root:/bin/bash\ntoor:x:0:0::/root:/bin/sh\nbroken:x:1\n', {file: 'p'})
    expect(pw.records).toEqual([
      {kind: 'user', name: 'root', uid: 0, gid: 0, home: '/root', shell: '/bin/bash', full_name: 'root'},
      {kind: 'user', name: 'toor', uid: 0, gid: 0, home: '/root', shell: '/bin/sh'},
    ])
    expect(pw.diagnostics).toMatchObject([{code: 'LINUX_PASSWD_BAD_LINE', line: 3, file: 'p'}])
    expect(L.parseGetentGroup('sudo:x:27:alice,toor\nusers:x:100:\n', {}).records).toEqual([
      {kind: 'group_member', group: 'sudo', gid: 27, member: 'alice'},
      {kind: 'group_member', group: 'sudo', gid: 27, member: 'toor'},
    ])
  })

  it('systemctl list-units --plain --no-legend, with the ● marker of failed or missing units', () => {
    const text = 'ssh.service                loaded    active   running OpenBSD Secure Shell server\n● anydesk.service          not-found inactive dead    anydesk.service\n'
    expect(L.parseSystemctlUnits(text, {}).records).toEqual([
      {kind: 'service', name: 'ssh.service', load: 'loaded', state: 'active', sub: 'running', description: 'OpenBSD Secure Shell server'},
      {kind: 'service', name: 'anydesk.service', load: 'not-found', state: 'inactive', sub: 'dead', description: 'anydesk.service'},
    ])
  })

  it('ip neigh (router flag, no lladdr) and ip -j addr', () => {
    expect(L.parseIpNeigh('10.0.0.1 dev eth0 lladdr 00:15:5D:01:02:03 router REACHABLE\nfe80::1 dev eth0 FAILED\n', {}).records).toEqual([
      {kind: 'arp_entry', ip: '10.0.0.1', interface: 'eth0', mac: '00:15:5d:01:02:03', state: 'REACHABLE'},
      {kind: 'arp_entry', ip: 'fe80::1', interface: 'eth0', state: 'FAILED'},
    ])
    const j = '[{"ifindex":2,"ifname":"eth0","operstate":"UP","address":"02:fc:00:00:00:05","addr_info":[{"family":"inet","local":"10.0.0.8","prefixlen":24},{"family":"inet6","local":"fe80::fc:ff:fe00:5","prefixlen":64}]}]'
    expect(L.parseIpAddrJson(j, {}).records).toEqual([{kind: 'interface', name: 'eth0', addresses: ['10.0.0.8/24', 'fe80::fc:ff:fe00:5/64'], state: 'UP', mac: '02:fc:00:00:00:05'}])
    expect(L.parseIpAddrJson('Object "-j" is unknown', {}).diagnostics.map((d) => d.code)).toEqual(['LINUX_IP_ADDR_BAD_JSON'])
  })
})

describe('Linux fallbacks where iproute2 is missing', () => {
  it('netstat -tunap: states, UDP without state, "-" program, program names with spaces', () => {
    const text = [
      'Active Internet connections (servers and established)',
      'Proto Recv-Q Send-Q Local Address           Foreign Address         State       PID/Program name    ',
      'tcp        0      0 0.0.0.0:22              0.0.0.0:*               LISTEN      800/sshd: /usr/sbin',
      'tcp        0      0 10.0.0.8:41822          203.0.113.50:443        ESTABLISHED 4312/anydesk        ',
      'tcp6       0      0 :::80                   :::*                    LISTEN      -                   ',
      'udp        0      0 0.0.0.0:68              0.0.0.0:*                           612/dhclient        ',
      '',
    ].join('\n')
    const {records, diagnostics} = L.parseNetstatLinux(text, {})
    expect(diagnostics).toEqual([])
    expect(records).toEqual([
      {kind: 'connection', protocol: 'tcp', local_address: '0.0.0.0', local_port: 22, state: 'Listen', pid: 800, process: 'sshd: /usr/sbin'},
      {kind: 'connection', protocol: 'tcp', local_address: '10.0.0.8', local_port: 41822, remote_address: '203.0.113.50', remote_port: 443, state: 'Established', pid: 4312, process: 'anydesk'},
      {kind: 'connection', protocol: 'tcp6', local_address: '::', local_port: 80, state: 'Listen'},
      {kind: 'connection', protocol: 'udp', local_address: '0.0.0.0', local_port: 68, pid: 612, process: 'dhclient'},
    ])
  })

  it('arp -an: complete and incomplete entries', () => {
    const text = '? (192.0.2.1) at 02:fc:00:00:00:05 [ether] on eth0\n? (10.0.0.9) at <incomplete> on eth0\n'
    expect(L.parseArpAn(text, {}).records).toEqual([
      {kind: 'arp_entry', ip: '192.0.2.1', interface: 'eth0', mac: '02:fc:00:00:00:05', type: 'ether'},
      {kind: 'arp_entry', ip: '10.0.0.9', interface: 'eth0', state: '<incomplete>'},
    ])
  })
})
