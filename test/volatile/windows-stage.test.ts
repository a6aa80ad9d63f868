import {readFileSync} from 'node:fs'
import {Readable} from 'node:stream'
import {createHash} from 'node:crypto'
import {describe, expect, it} from 'vitest'
import {runVolatileStage, type CommandRunner, type RunRequest, type RunResult} from '../../src/collect/volatile/index.js'
import type {ParsedVolatileFile} from '../../src/parsers/volatile/index.js'
import {loadVolatileDefinitions} from './defs.js'
import {MemorySink} from './memory-sink.js'

const fx = (name: string): string => readFileSync(new URL(`../fixtures/volatile/${name}`, import.meta.url), 'utf8')

const ok = (stdout: string, stderr = ''): RunResult => ({stdout: Buffer.from(stdout), stderr: Buffer.from(stderr), exitCode: 0, signal: null, timedOut: false, missing: false, stdoutTruncated: false, stderrTruncated: false})
const fail = (stderr: string, code = 1): RunResult => ({...ok('', stderr), exitCode: code})
const missing: RunResult = {...ok(''), exitCode: null, missing: true}

const PROCESSES = JSON.stringify([
  {ProcessId: 4, ParentProcessId: 0, Name: 'System', ExecutablePath: null, CommandLine: null, CreationDate: '2023-10-31T00:00:00.0000000Z'},
  {ProcessId: 880, ParentProcessId: 600, Name: 'svchost.exe', ExecutablePath: 'C:\\Windows\\System32\\svchost.exe', CommandLine: 'svchost.exe -k netsvcs'},
  {ProcessId: 4312, ParentProcessId: 600, Name: 'AnyDesk.exe', ExecutablePath: 'C:\\ProgramData\\AnyDesk\\AnyDesk.exe', CommandLine: '"C:\\ProgramData\\AnyDesk\\AnyDesk.exe" --service', CreationDate: '2023-11-08T14:02:11.0000000Z', Owner: 'NT AUTHORITY\\SYSTEM'},
  {ProcessId: 4313, ParentProcessId: 4312, Name: 'AnyDesk.exe', ExecutablePath: 'C:\\ProgramData\\AnyDesk\\AnyDesk.exe', CommandLine: '"C:\\ProgramData\\AnyDesk\\AnyDesk.exe" --backend'},
  {ProcessId: 5200, ParentProcessId: 4313, Name: 'run.exe', ExecutablePath: 'C:\\Users\\helpdesk\\AppData\\Local\\Temp\\ScreenConnect\\run.exe', CommandLine: 'run.exe'},
  {ProcessId: 5300, ParentProcessId: 4313, Name: 'gone.exe', ExecutablePath: 'C:\\Windows\\Temp\\gone.exe', CommandLine: 'gone.exe'},
])

/** A fake Windows host: answers by tool and, for PowerShell, by what the script asks for. */
class FakeWindows implements CommandRunner {
  readonly calls: RunRequest[] = []
  readonly opened: string[] = []
  constructor(private readonly powershell: 'works' | 'missing') {}

  async run(req: RunRequest): Promise<RunResult> {
    this.calls.push(req)
    const script = req.args.join(' ')
    switch (req.command) {
      case 'powershell.exe':
        if (this.powershell === 'missing') return missing
        if (script.includes('Win32_Process')) return ok(PROCESSES)
        // Get-NetTCPConnection fails on this host: the netstat fallback must be taken.
        if (script.includes('Get-NetTCPConnection')) return fail('Get-NetTCPConnection : The term is not recognized')
        if (script.includes('Get-LocalUser')) return ok('{"Name":"helpdesk","SID":"S-1-5-21-1-2-3-1003","Enabled":true,"PasswordLastSet":"2023-11-08T13:58:41.0000000Z"}')
        if (script.includes("'S-1-5-32-544'")) return ok('[{"Group":"Administrators","GroupSid":"S-1-5-32-544","Name":"WIN-SRV01\\\\helpdesk","SID":"S-1-5-21-1-2-3-1003","ObjectClass":"User","PrincipalSource":"Local"}]')
        if (script.includes("'S-1-5-32-555'")) return ok('')
        if (script.includes('UtcNow')) return ok('{"utc_now":"2023-11-08T20:15:00.0000000Z","time_zone_id":"Central Standard Time","utc_offset_minutes":-360}')
        return ok('[]')
      case 'tasklist.exe': return ok(fx('tasklist-v-csv-german-headings.csv'))
      case 'netstat.exe': return ok(fx('netstat-ano-english.txt'))
      case 'net.exe': return ok(req.args[0] === 'user' ? fx('net-user-three-columns.txt') : fx('net-localgroup-administrators.txt'))
      case 'query.exe': return fail('No User exists for *')
      case 'schtasks.exe': return ok(fx('schtasks-csv-v-repeated-header-multi-trigger.csv'))
      case 'ipconfig.exe': return ok(fx('ipconfig-displaydns-cname-chain-and-negative.txt'))
      case 'arp.exe': return ok(fx('arp-a-german.txt'))
      case 'reg.exe': return ok(fx(req.args[1]!.includes('Uninstall') ? 'reg-query-uninstall.txt' : 'reg-query-services-screenconnect.txt'))
      case 'tzutil.exe': return ok('Central Standard Time')
      case 'w32tm.exe': return ok(fx('w32tm-status.txt'))
      default: return missing
    }
  }

  async openExecutable(target: {pid: number; path?: string}) {
    this.opened.push(target.path ?? `pid ${target.pid}`)
    if (!target.path) return {ok: false as const, reason: 'NO_PATH: the process list gives no executable path'}
    if (target.path.endsWith('gone.exe')) return {ok: false as const, path: target.path, reason: 'READ_FAILED: ENOENT'}
    return {ok: true as const, path: target.path, stream: Readable.from([Buffer.from(`MZ bytes of ${target.path}`)])}
  }
}

const sha = (s: string): string => createHash('sha256').update(s).digest('hex')

describe('Windows branch of the volatile stage (injected runner)', () => {
  it('runs the Windows definitions most volatile first, takes the fallback when the primary fails, copies tool executables', async () => {
    const runner = new FakeWindows('works')
    const sink = new MemorySink()
    const progress: string[] = []
    let tick = Date.parse('2023-11-08T20:15:00Z')
    const summary = await runVolatileStage([...loadVolatileDefinitions('windows'), ...loadVolatileDefinitions('linux')], sink, {
      os: 'windows', runner, now: () => new Date((tick += 250)), onProgress: (id) => progress.push(id),
    })
    // Linux definitions are not run on a Windows host; Windows ones in volatility order (ties by id).
    expect(progress).toEqual([
      'windows.volatile.time', 'windows.volatile.time', 'windows.volatile.time',
      'windows.volatile.network-connections', 'windows.volatile.arp-cache', 'windows.volatile.dns-cache', 'windows.volatile.processes',
      'windows.volatile.sessions', 'windows.volatile.group-administrators', 'windows.volatile.group-remote-desktop-users', 'windows.volatile.users',
      'windows.volatile.services', 'windows.volatile.scheduled-tasks', 'windows.volatile.installed-software', 'windows.volatile.service-registry',
    ])
    expect(runner.calls.every((c) => c.env === undefined)).toBe(true)

    // Fallback taken: both attempts stored, the parsed rendering says which one it parsed.
    const net = sink.json<ParsedVolatileFile>('volatile/windows.volatile.network-connections/parsed.json')
    expect(net).toMatchObject({command: 'netstat.exe', argv: ['netstat.exe', '-ano'], exit_code: 0, fallback_used: true, parser: 'windows.netstat-ano'})
    expect(net.records).toHaveLength(6)
    expect(net.diagnostics.map((d) => d.code)).toEqual(['VOLATILE_COMMAND_FAILED'])
    expect(net.diagnostics[0]!.message).toMatch(/powershell\.exe exited with code 1: Get-NetTCPConnection : The term is not recognized; trying the fallback/)
    expect(sink.files.get('volatile/windows.volatile.network-connections/powershell.stderr.txt')!.toString()).toMatch(/not recognized/)
    expect(sink.files.has('volatile/windows.volatile.network-connections/netstat.stdout.txt')).toBe(true)
    const netItems = sink.items.filter((i) => i.artefact === 'windows.volatile.network-connections')
    expect(netItems.map((i) => [i.archive_path, i.command?.exit_code, i.read_method])).toEqual([
      ['volatile/windows.volatile.network-connections/powershell.stdout.txt', 1, 'command'],
      ['volatile/windows.volatile.network-connections/powershell.stderr.txt', 1, 'command'],
      ['volatile/windows.volatile.network-connections/netstat.stdout.txt', 0, 'command'],
      ['volatile/windows.volatile.network-connections/netstat.stderr.txt', 0, 'command'],
      ['volatile/windows.volatile.network-connections/parsed.json', 0, 'derived'],
    ])

    const procs = sink.json<ParsedVolatileFile>('volatile/windows.volatile.processes/parsed.json')
    expect(procs).toMatchObject({fallback_used: false, parser: 'windows.process-json'})
    expect(procs.records).toHaveLength(6)
    expect(procs.started_utc).toMatch(/^2023-11-08T20:15:\d{2}\.\d{7}Z$/)

    // Three sources in one artefact: parsed.json, parsed-2.json, parsed-3.json.
    expect(sink.json<ParsedVolatileFile>('volatile/windows.volatile.time/parsed-2.json').records).toEqual([{kind: 'time_status', name: 'time_zone', value: 'Central Standard Time'}])
    expect(sink.json<ParsedVolatileFile>('volatile/windows.volatile.time/parsed-3.json').parser).toBe('text.key-value')

    // query user exits 1 when nobody is logged on: recorded, not fatal.
    const sessions = summary.sources.find((s) => s.artefact === 'windows.volatile.sessions')!
    expect(sessions).toMatchObject({ok: false, records: 0})
    expect(sink.items.filter((i) => i.artefact === 'windows.volatile.sessions').map((i) => [i.archive_path, i.status, i.command?.exit_code])).toEqual([
      ['volatile/windows.volatile.sessions/query.stdout.txt', 'collected', 1],
      ['volatile/windows.volatile.sessions/query.stderr.txt', 'collected', 1],
      ['volatile/windows.volatile.sessions/parsed.json', 'collected', 1],
    ])
    expect(sink.json<ParsedVolatileFile>('volatile/windows.volatile.sessions/parsed.json').diagnostics[0]!.message).toBe('query.exe exited with code 1: No User exists for *')

    // Executables: AnyDesk once (second process points at the first copy), the temp-folder tool, and the
    // unreadable one recorded; svchost in System32 is not selected.
    expect(runner.opened).toEqual(['C:\\ProgramData\\AnyDesk\\AnyDesk.exe', 'C:\\Users\\helpdesk\\AppData\\Local\\Temp\\ScreenConnect\\run.exe', 'C:\\Windows\\Temp\\gone.exe'])
    expect(summary.executables.map((e) => [e.pid, e.status, e.archive_path])).toEqual([
      [4312, 'collected', 'volatile/executables/4312-AnyDesk.exe'],
      [4313, 'duplicate', 'volatile/executables/4312-AnyDesk.exe'],
      [5200, 'collected', 'volatile/executables/5200-run.exe'],
      [5300, 'error', undefined],
    ])
    const any = sink.items.find((i) => i.archive_path === 'volatile/executables/4312-AnyDesk.exe')!
    expect(any).toMatchObject({original_path: 'C:\\ProgramData\\AnyDesk\\AnyDesk.exe', kind: 'file', read_method: 'read', status: 'collected', artefact: 'windows.volatile.processes', note: 'executable of running process 4312 (AnyDesk.exe): remote-access tool AnyDesk'})
    expect(any.hashes!.sha256).toBe(sha('MZ bytes of C:\\ProgramData\\AnyDesk\\AnyDesk.exe'))
    expect(sink.items.find((i) => i.original_path === 'C:\\Windows\\Temp\\gone.exe')).toMatchObject({status: 'error', reason: 'READ_FAILED: ENOENT'})
    expect(summary.totals).toMatchObject({executables: 2, missing: 0, timed_out: 0})
  })

  it('with PowerShell missing every fallback is taken and artefacts without one record TOOL_MISSING', async () => {
    const runner = new FakeWindows('missing')
    const sink = new MemorySink()
    const summary = await runVolatileStage(loadVolatileDefinitions('windows'), sink, {os: 'windows', runner})
    const by = (id: string) => summary.sources.find((s) => s.artefact === id)!

    expect(by('windows.volatile.processes')).toMatchObject({ok: true, fallback_used: true, parser: 'windows.tasklist-csv', records: 3})
    expect(by('windows.volatile.users')).toMatchObject({ok: true, fallback_used: true, records: 6})
    expect(by('windows.volatile.group-administrators')).toMatchObject({ok: true, fallback_used: true, records: 3})
    expect(by('windows.volatile.dns-cache')).toMatchObject({ok: true, fallback_used: true, records: 4})
    expect(by('windows.volatile.installed-software')).toMatchObject({ok: true, fallback_used: true, parser: 'windows.reg-query-uninstall', records: 2})
    expect(by('windows.volatile.services')).toMatchObject({ok: false, records: 0})
    expect(by('windows.volatile.services').attempts).toEqual([{command: 'powershell.exe', argv: expect.arrayContaining(['powershell.exe', '-Command']), status: 'missing', exit_code: null, timed_out: false}])
    const svc = sink.items.filter((i) => i.artefact === 'windows.volatile.services')
    expect(svc[0]).toMatchObject({status: 'error', reason: 'TOOL_MISSING: powershell.exe was not found on this host'})
    expect(svc[1]).toMatchObject({archive_path: 'volatile/windows.volatile.services/parsed.json', status: 'partial', reason: 'NO_OUTPUT: no command of this artefact could be started; see diagnostics'})
    // tasklist gives no paths: AnyDesk is selected by name and recorded as unreadable, not silently dropped.
    expect(summary.executables).toEqual([{pid: 4312, name: 'AnyDesk.exe', path: undefined, why: 'remote-access tool AnyDesk', status: 'error', reason: 'NO_PATH: the process list gives no executable path'}])
    expect(summary.totals.missing).toBe(9)
  })
})
