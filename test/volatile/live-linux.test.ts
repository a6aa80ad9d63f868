import {spawn, type ChildProcess} from 'node:child_process'
import {createHash} from 'node:crypto'
import {copyFileSync, mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {createServer, type Server} from 'node:net'
import {join} from 'node:path'
import {Readable} from 'node:stream'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {runVolatileStage, type VolatileSummary} from '../../src/collect/volatile/index.js'
import type {NormalizedEvent} from '../../src/events/types.js'
import type {ConnectionRecord, ParsedVolatileFile, ProcessRecord} from '../../src/parsers/volatile/index.js'
import {volatileParsedPlugin} from '../../src/parsers/volatile/plugin.js'
import {loadVolatileDefinitions} from './defs.js'
import {MemorySink} from './memory-sink.js'

const linux = process.platform === 'linux'

/**
 * Captures this machine's real volatile state with the real runner and the shipped Linux definitions. The
 * test plants what must be found: a listening TCP socket on 127.0.0.1, and a copy of `sleep` running from a
 * temp folder (whose executable must be copied and hashed through /proc/<pid>/exe).
 */
describe.skipIf(!linux)('live Linux capture', () => {
  let server: Server
  let port: number
  let dir: string
  let planted: ChildProcess
  let plantedBytes: Buffer
  const sink = new MemorySink()
  let summary: VolatileSummary

  beforeAll(async () => {
    server = createServer()
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    port = (server.address() as {port: number}).port
    // /tmp itself (not $TMPDIR): the selection rule is about the system's world-writable temp folders.
    dir = mkdtempSync('/tmp/ratchet-volatile-')
    const exe = join(dir, 'dropped-agent')
    copyFileSync('/bin/sleep', exe)
    plantedBytes = readFileSync(exe)
    planted = spawn(exe, ['120'], {stdio: 'ignore'})
    await new Promise<void>((resolve, reject) => {
      planted.once('spawn', resolve)
      planted.once('error', reject)
    })
    summary = await runVolatileStage(loadVolatileDefinitions('linux'), sink, {os: 'linux'})
  })

  afterAll(async () => {
    planted?.kill('SIGKILL')
    await new Promise<void>((resolve) => server?.close(() => resolve()))
    if (dir) rmSync(dir, {recursive: true, force: true})
  })

  it('runs every definition most volatile first and leaves raw output plus a parsed rendering for each', () => {
    const vols = summary.sources.map((s) => s.volatility)
    expect(vols).toEqual([...vols].sort((a, b) => a - b))
    expect(summary.sources[0]!.artefact).toBe('linux.volatile.time')
    for (const s of summary.sources) {
      expect(sink.files.has(s.parsed_path), s.parsed_path).toBe(true)
      const parsed = sink.json<ParsedVolatileFile>(s.parsed_path)
      expect(parsed.format).toBe('ratchet-volatile-parsed/1')
      expect(parsed.artefact).toBe(s.artefact)
    }
    for (const id of ['linux.volatile.processes', 'linux.volatile.network-connections', 'linux.volatile.users']) {
      expect(summary.sources.find((s) => s.artefact === id)?.ok, id).toBe(true)
    }
  })

  it('every stored member is in the manifest with the hash of its bytes', () => {
    const stored = sink.items.filter((i) => i.archive_path)
    expect(stored.length).toBe(sink.files.size)
    for (const item of stored) {
      const bytes = sink.files.get(item.archive_path!)!
      expect(item.hashes!.sha256, item.archive_path).toBe(createHash('sha256').update(bytes).digest('hex'))
      expect(item.size).toBe(bytes.length)
    }
    const ps = sink.items.find((i) => i.archive_path === 'volatile/linux.volatile.processes/ps.stdout.txt')!
    expect(ps).toMatchObject({kind: 'command-output', read_method: 'command', status: 'collected'})
    expect(ps.command).toMatchObject({argv: ['ps', '-ww', '-eo', 'pid,ppid,user:64,lstart,args'], exit_code: 0, timed_out: false, stream: 'stdout'})
  })

  it('this test process appears in the process list with its parent, full command line and a UTC start time', () => {
    const parsed = sink.json<ParsedVolatileFile>('volatile/linux.volatile.processes/parsed.json')
    const me = parsed.records.find((r): r is ProcessRecord => r.kind === 'process' && r.pid === process.pid)
    expect(me).toBeDefined()
    expect(me!.ppid).toBe(process.ppid)
    expect(me!.command_line).toBe(readFileSync(`/proc/${process.pid}/cmdline`, 'utf8').replace(/\0$/, '').split('\0').join(' '))
    expect(me!.start_utc).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.0000000Z$/)
    expect(Date.parse(me!.start_utc!)).toBeLessThanOrEqual(Date.parse(parsed.started_utc))
    expect(parsed.diagnostics).toEqual([])
  })

  it('the listening socket the test opened appears with its port, state and owning pid', () => {
    const parsed = sink.json<ParsedVolatileFile>('volatile/linux.volatile.network-connections/parsed.json')
    const sock = parsed.records.find((r): r is ConnectionRecord => r.kind === 'connection' && r.local_port === port)
    expect(sock).toMatchObject({protocol: 'tcp', local_address: '127.0.0.1', local_port: port, state: 'Listen', pid: process.pid})
  })

  it('the executable running from a temp folder is copied through /proc/<pid>/exe and hashed', () => {
    const hit = summary.executables.find((e) => e.pid === planted.pid)
    expect(hit).toMatchObject({status: 'collected', path: join(dir, 'dropped-agent'), archive_path: `volatile/executables/${planted.pid}-dropped-agent`})
    expect(hit!.sha256).toBe(createHash('sha256').update(plantedBytes).digest('hex'))
    expect(sink.files.get(hit!.archive_path!)!.equals(plantedBytes)).toBe(true)
    const item = sink.items.find((i) => i.archive_path === hit!.archive_path)!
    expect(item).toMatchObject({original_path: join(dir, 'dropped-agent'), kind: 'file', read_method: 'read', status: 'collected', artefact: 'linux.volatile.processes'})
    expect(item.note).toMatch(/temp or ProgramData folder; read through \/proc\/\d+\/exe/)
  })

  it('analyze reads the parsed renderings back into normalized events', async () => {
    const events: NormalizedEvent[] = []
    for (const s of summary.sources) {
      expect(volatileParsedPlugin.accepts(s.parsed_path)).toBe(true)
      const buf = sink.files.get(s.parsed_path)!
      const out = volatileParsedPlugin.parse(Readable.from([buf]), {
        member: s.parsed_path, sha256: createHash('sha256').update(buf).digest('hex'), artefact: s.artefact, host: 'test-host', localPath: '/nonexistent', unverified: false,
      })
      for await (const e of out.events) events.push(e)
    }
    const me = events.find((e) => e.event_type === 'process.running' && e.attributes.pid === process.pid)
    expect(me).toMatchObject({source: 'Volatile', artefact: 'linux.volatile.processes', host: 'test-host', timestamp_desc: 'Process Start'})
    const sock = events.find((e) => e.event_type === 'network.connection' && e.src_port === port)
    expect(sock).toMatchObject({src_ip: '127.0.0.1', attributes: {state: 'Listen', pid: process.pid}})
    expect(sock!.dst_ip).toBeUndefined()
    expect(events.find((e) => e.event_type === 'account.exists' && e.user === 'root')).toMatchObject({attributes: {uid: 0}})
  })
})
