/**
 * Builds glibc x86-64 `struct utmp` records (384 bytes) for the wtmp/btmp fixtures. Run
 * `npx tsx test/parsers/linux/build-utmp.ts` to rewrite the fixtures; `utmpdump` reads them back the same.
 */
import {writeFileSync} from 'node:fs'

export interface UtmpSpec {
  type: number
  pid?: number
  line?: string
  id?: string
  user?: string
  host?: string
  exit?: [number, number]
  session?: number
  sec: number
  usec?: number
  /** IPv4 dotted quad or 16 bytes of IPv6. */
  addr?: string | Buffer
}

export function utmpRecord(s: UtmpSpec): Buffer {
  const b = Buffer.alloc(384)
  b.writeInt16LE(s.type, 0)
  b.writeInt32LE(s.pid ?? 0, 4)
  b.write(s.line ?? '', 8, 32, 'utf8')
  b.write(s.id ?? '', 40, 4, 'utf8')
  b.write(s.user ?? '', 44, 32, 'utf8')
  b.write(s.host ?? '', 76, 256, 'utf8')
  b.writeInt16LE(s.exit?.[0] ?? 0, 332)
  b.writeInt16LE(s.exit?.[1] ?? 0, 334)
  b.writeInt32LE(s.session ?? 0, 336)
  b.writeUInt32LE(s.sec, 340)
  b.writeInt32LE(s.usec ?? 0, 344)
  if (typeof s.addr === 'string') Buffer.from(s.addr.split('.').map(Number)).copy(b, 348)
  else if (s.addr) s.addr.copy(b, 348)
  return b
}

const T0 = Date.UTC(2024, 1, 16, 20, 0, 0) / 1000
const v6 = Buffer.from('20010db8000000000000000000000007', 'hex')

/** A day on a web server: boot, getty, two SSH sessions (IPv4 and IPv6), a console login, shutdown; then damage. */
export function wtmpFixture(): Buffer {
  return Buffer.concat([
    utmpRecord({type: 2, line: '~', id: '~~', user: 'reboot', host: '6.1.0-18-amd64', sec: T0}),
    utmpRecord({type: 1, pid: 53, line: '~', id: '~~', user: 'runlevel', host: '6.1.0-18-amd64', sec: T0 + 5}),
    utmpRecord({type: 6, pid: 610, line: 'tty1', id: 'tty1', user: 'LOGIN', sec: T0 + 6}),
    utmpRecord({type: 7, pid: 1201, line: 'pts/0', id: 'ts/0', user: 'deploy', host: '203.0.113.9', sec: T0 + 600, usec: 123456, addr: '203.0.113.9', session: 1201}),
    utmpRecord({type: 7, pid: 1302, line: 'pts/1', id: 'ts/1', user: 'root', host: '2001:db8::7', sec: T0 + 900, addr: v6, session: 1302}),
    // glibc logout() clears ut_user and ut_host: the user comes from the open logon on pts/0.
    utmpRecord({type: 8, pid: 1201, line: 'pts/0', id: 'ts/0', sec: T0 + 1800}),
    utmpRecord({type: 7, pid: 700, line: 'tty1', id: 'tty1', user: 'admin', sec: T0 + 2000}),
    utmpRecord({type: 8, pid: 1302, line: 'pts/1', id: 'ts/1', sec: T0 + 2400, exit: [0, 255]}),
    utmpRecord({type: 1, pid: 0, line: '~~', id: '~~', user: 'shutdown', host: '6.1.0-18-amd64', sec: T0 + 3600}),
    // Damage: a record with an impossible ut_type, then a tail cut mid-record.
    Buffer.concat([Buffer.from([77, 0]), Buffer.alloc(382, 0x41)]),
    utmpRecord({type: 7, line: 'pts/2', user: 'cut', sec: T0 + 4000}).subarray(0, 100),
  ])
}

/** Failed SSH logons as sshd writes them: LOGIN_PROCESS type, the address only in ut_host on one record. */
export function btmpFixture(): Buffer {
  return Buffer.concat([
    utmpRecord({type: 6, pid: 2001, line: 'ssh:notty', user: 'admin', host: '198.51.100.4', sec: T0 + 100}),
    utmpRecord({type: 6, pid: 2002, line: 'ssh:notty', user: 'oracle', host: '198.51.100.5', addr: '198.51.100.5', sec: T0 + 101}),
    utmpRecord({type: 6, pid: 2003, line: 'ssh:notty', user: 'root', host: 'scanner.example', sec: T0 + 102}),
  ])
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  const dir = new URL('./fixtures/', import.meta.url).pathname
  writeFileSync(`${dir}wtmp.logout-clears-user-ipv6-bad-type-cut-tail`, wtmpFixture())
  writeFileSync(`${dir}btmp.sshd-login-process-host-only`, btmpFixture())
}
