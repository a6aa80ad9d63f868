import {copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {spawnSync} from 'node:child_process'
import {describe, expect, it} from 'vitest'
import {analyze} from '../../../src/analyze/index.js'
import type {AnalysisFile} from '../../../src/analyze/types.js'
import {linuxGroup, linuxWtmp} from '../../../src/analyze/plugins/linux.js'
import {artefactForImageFile, defaultPlugins} from '../../../src/analyze/plugins/index.js'
import {parseUtmpRecord} from '../../../src/parsers/linux/utmp.js'
import {fixture, runPlugin} from '../../analyze/run-plugin.js'
import {btmpFixture, utmpRecord, wtmpFixture} from './build-utmp.js'

const WTMP = fixture('linux', 'wtmp.logout-clears-user-ipv6-bad-type-cut-tail')
const BTMP = fixture('linux', 'btmp.sshd-login-process-host-only')

describe('Linux /etc/group', () => {
  it('one account.exists per listed member with all groups; sudo/wheel/adm and GID 0 aliases are privileged', async () => {
    const {events, diagnostics} = await runPlugin(linuxGroup, fixture('linux', 'group.sudo-wheel-gid0-alias-nis-bad-line'), 'files/etc/group', {mtime: '2024-02-16T20:00:00.0000000Z'})
    expect(events.map((e) => [e.event_type, e.user, e.attributes.groups, e.attributes.privileged_group, e.attributes.privileged_groups])).toEqual([
      ['account.exists', 'backup', ['sudo', 'wheel'], true, ['sudo', 'wheel']],
      ['account.exists', 'deploy', ['adm', 'sudo', 'docker'], true, ['adm', 'sudo']],
      ['account.exists', 'mallory', ['toor'], true, ['toor']],
      ['account.exists', 'syslog', ['adm'], true, ['adm']],
    ])
    expect(events.every((e) => e.source === 'Linux' && e.datetime === '2024-02-16T20:00:00.0000000Z' && e.timestamp_desc === 'File Modified')).toBe(true)
    expect(events[1]!.evidence.line).toBe(3)
    expect(new Set(events.map((e) => e.id)).size).toBe(4)
    expect(diagnostics.map((d) => [d.code, d.line])).toEqual([['LINUX_GROUP_NIS', undefined], ['LINUX_GROUP_BAD_LINE', 10]])
  })
})

describe('Linux wtmp/btmp (glibc x86-64 utmp records)', () => {
  it('the committed fixtures are what the builder writes', () => {
    expect(readFileSync(WTMP)).toEqual(wtmpFixture())
    expect(readFileSync(BTMP)).toEqual(btmpFixture())
  })

  it('decodes the record layout field by field', () => {
    const r = parseUtmpRecord(utmpRecord({type: 7, pid: 4242, line: 'pts/9', id: 'ts/9', user: 'u'.repeat(32), host: 'h.example', exit: [1, 2], session: 77, sec: 1708113600, usec: 5, addr: '10.1.2.3'}), 768)
    expect(r).toEqual({offset: 768, type: 7, typeName: 'USER_PROCESS', pid: 4242, line: 'pts/9', id: 'ts/9', user: 'u'.repeat(32), host: 'h.example', exitTermination: 1, exitStatus: 2, session: 77, tvSec: 1708113600, tvUsec: 5, addr: '10.1.2.3'})
    expect(parseUtmpRecord(utmpRecord({type: 10, sec: 1}), 0)).toEqual({problem: 'ut_type 10 is not a utmp record type', offset: 0})
  })

  it('wtmp: logons, logoffs paired by terminal, boot and shutdown; bad record and cut tail become diagnostics', async () => {
    const {events, diagnostics} = await runPlugin(linuxWtmp, WTMP, 'files/var/log/wtmp')
    expect(events.map((e) => [e.event_type, e.user, e.src_ip, e.datetime, e.attributes.tty])).toEqual([
      ['system.boot', undefined, undefined, '2024-02-16T20:00:00.0000000Z', '~'],
      ['logon.success', 'deploy', '203.0.113.9', '2024-02-16T20:10:00.1234560Z', 'pts/0'],
      ['logon.success', 'root', '2001:db8::7', '2024-02-16T20:15:00.0000000Z', 'pts/1'],
      ['logon.logoff', 'deploy', '203.0.113.9', '2024-02-16T20:30:00.0000000Z', 'pts/0'],
      ['logon.success', 'admin', undefined, '2024-02-16T20:33:20.0000000Z', 'tty1'],
      ['logon.logoff', 'root', '2001:db8::7', '2024-02-16T20:40:00.0000000Z', 'pts/1'],
      ['system.shutdown', undefined, undefined, '2024-02-16T21:00:00.0000000Z', '~~'],
    ])
    expect(events[0]!.attributes.kernel).toBe('6.1.0-18-amd64')
    expect(events[1]!.attributes).toMatchObject({ut_type: 'USER_PROCESS', pid: 1201, session: 1201, remote_host: '203.0.113.9'})
    expect(events[3]!.attributes).toMatchObject({user_from_logon: true, logon_time: '2024-02-16T20:10:00.1234560Z', remote_host: '203.0.113.9'})
    expect(events[5]!.attributes.exit_status).toBe(255)
    expect(events.map((e) => e.evidence.offset)).toEqual([0, 3 * 384, 4 * 384, 5 * 384, 6 * 384, 7 * 384, 8 * 384])
    expect(events.every((e) => e.source === 'Linux')).toBe(true)
    expect(diagnostics.map((d) => [d.code, d.offset])).toEqual([
      ['LINUX_WTMP_BAD_RECORD', 9 * 384],
      ['LINUX_WTMP_TRUNCATED', 10 * 384],
      ['LINUX_WTMP_OTHER_RECORDS', undefined],
    ])
    expect(diagnostics[2]!.message).toContain('1 LOGIN_PROCESS, 1 RUN_LVL')
  })

  it('btmp: every record is a failed logon; the address comes from ut_addr_v6 or a literal IP in ut_host', async () => {
    const {events, diagnostics} = await runPlugin(linuxWtmp, BTMP, 'files/var/log/btmp.1')
    expect(events.map((e) => [e.event_type, e.user, e.src_ip, e.attributes.remote_host])).toEqual([
      ['logon.failed', 'admin', '198.51.100.4', '198.51.100.4'],
      ['logon.failed', 'oracle', '198.51.100.5', '198.51.100.5'],
      ['logon.failed', 'root', undefined, 'scanner.example'],
    ])
    expect(diagnostics).toEqual([])
  })

  it('reads a file in chunks that split records, and refuses a file with no valid record', async () => {
    const {Readable} = await import('node:stream')
    const bytes = readFileSync(WTMP)
    const chunks: Buffer[] = []
    for (let i = 0; i < bytes.length; i += 97) chunks.push(bytes.subarray(i, i + 97))
    const out = linuxWtmp.parse(Readable.from(chunks), {member: 'files/var/log/wtmp', sha256: 'f'.repeat(64), artefact: 'linux.logs.wtmp', localPath: WTMP, unverified: false})
    let n = 0
    for await (const _ of out.events) n++
    expect(n).toBe(7)
    const junk = linuxWtmp.parse(Readable.from([Buffer.alloc(768, 0xff)]), {member: 'files/var/log/wtmp', sha256: 'f'.repeat(64), artefact: 'linux.logs.wtmp', localPath: WTMP, unverified: false})
    for await (const _ of junk.events) n++
    expect(n).toBe(7)
    expect(junk.diagnostics.map((d) => d.code)).toEqual(['LINUX_WTMP_BAD_RECORD', 'LINUX_WTMP_BAD_RECORD', 'LINUX_WTMP_NOT_UTMP'])
  })

  it('utmpdump (util-linux) reads the fixture as the same records', (ctx) => {
    const r = spawnSync('utmpdump', [BTMP], {encoding: 'utf8'})
    if (r.error) return ctx.skip('utmpdump not installed')
    expect(r.stdout.trim().split('\n').map((l) => /\[([^\]]*)\] \[([^\]]*)\] \[([^\]]*)\]\s*$/.exec(l)!.slice(1).map((s) => s.trim()))).toEqual([
      ['198.51.100.4', '0.0.0.0', '2024-02-16T20:01:40,000000+00:00'],
      ['198.51.100.5', '198.51.100.5', '2024-02-16T20:01:41,000000+00:00'],
      ['scanner.example', '0.0.0.0', '2024-02-16T20:01:42,000000+00:00'],
    ])
  })

  it('is registered: the driver picks linux.group and linux.wtmp for their files, rotated generations included', () => {
    const pick = (m: string): string | undefined => defaultPlugins.find((p) => p.accepts(m))?.name
    expect(['etc/group', 'files/etc/group', 'var/log/wtmp', 'var/log/wtmp.1', 'var/log/btmp', 'var/log/btmp-20240201', 'var/log/wtmp.1.gz'].map(pick)).toEqual([
      'linux.group', 'linux.group', 'linux.wtmp', 'linux.wtmp', 'linux.wtmp', 'linux.wtmp', undefined,
    ])
    expect([artefactForImageFile('linux.group', 'etc/group'), artefactForImageFile('linux.wtmp', 'var/log/wtmp')]).toEqual(['linux.accounts.passwd-group', 'linux.logs.wtmp'])
  })
})

describe('analyze over a Linux image with group, wtmp and btmp', () => {
  it('parses all three through the driver; none is left in not_parsed', async () => {
    const root = mkdtempSync(join(tmpdir(), 'ratchet-lnx-'))
    try {
      const img = join(root, 'img')
      mkdirSync(join(img, 'etc'), {recursive: true})
      mkdirSync(join(img, 'var', 'log'), {recursive: true})
      copyFileSync(fixture('linux', 'group.sudo-wheel-gid0-alias-nis-bad-line'), join(img, 'etc', 'group'))
      copyFileSync(WTMP, join(img, 'var', 'log', 'wtmp'))
      copyFileSync(BTMP, join(img, 'var', 'log', 'btmp'))
      const out = join(root, 'out')
      await analyze(img, {out})
      const a = JSON.parse(readFileSync(join(out, 'analysis.json'), 'utf8')) as AnalysisFile
      expect(a.not_parsed).toEqual([])
      const files = a.artefacts.flatMap((x) => x.files.map((f) => [x.id, f.member, f.parser, f.events]))
      expect(files).toEqual([
        ['linux.accounts.passwd-group', 'etc/group', 'linux.group', 4],
        ['linux.logs.wtmp', 'var/log/btmp', 'linux.wtmp', 3],
        ['linux.logs.wtmp', 'var/log/wtmp', 'linux.wtmp', 7],
      ])
    } finally {
      rmSync(root, {recursive: true, force: true})
    }
  })
})
