import {existsSync, readFileSync} from 'node:fs'
import {describe, expect, it} from 'vitest'
import type {Artefact, CommandSource} from '../../src/artefacts/schema.js'
import {createHostRunner, encodePowerShellArgs, runVolatileStage} from '../../src/collect/volatile/index.js'
import type {ParsedVolatileFile} from '../../src/parsers/volatile/index.js'
import {MemorySink} from './memory-sink.js'

const posix = process.platform !== 'win32'

/** A process is gone, or a zombie nobody reaped yet (it runs no code either way). */
function deadOrZombie(pid: number): boolean {
  const stat = `/proc/${pid}/stat`
  if (!existsSync(stat)) return true
  return /\) Z /.test(readFileSync(stat, 'utf8'))
}

function def(id: string, source: Partial<CommandSource> & {command: string}): Artefact {
  return {
    id, title: id, description: 'test definition for the volatile runner', os: 'linux', tags: [], references: [],
    sources: [{collector: 'command', args: [], fallbacks: [], timeout_seconds: 60, volatility: 50, ...source}],
  }
}

describe.skipIf(!posix)('host runner', () => {
  it('kills the whole process tree at the timeout and says so', async () => {
    // The shell prints its background child's pid, then waits on it: both must die at the timeout.
    const r = await createHostRunner().run({command: 'sh', args: ['-c', 'sleep 30 & echo $!; wait'], timeoutMs: 1000, maxOutputBytes: 1024})
    expect(r.timedOut).toBe(true)
    expect(r.exitCode).toBeNull()
    expect(r.signal).toBe('SIGKILL')
    const grandchild = Number(r.stdout.toString().trim())
    expect(grandchild).toBeGreaterThan(1)
    expect(deadOrZombie(grandchild)).toBe(true)
  })

  it('reports a missing tool without throwing, and caps output', async () => {
    const runner = createHostRunner()
    const missing = await runner.run({command: 'ratchet-no-such-tool-7f3a', args: [], timeoutMs: 5000, maxOutputBytes: 10})
    expect(missing).toMatchObject({missing: true, timedOut: false, exitCode: null})
    const big = await runner.run({command: 'head', args: ['-c', '100000', '/dev/zero'], timeoutMs: 5000, maxOutputBytes: 10})
    expect(big).toMatchObject({exitCode: 0, stdoutTruncated: true})
    expect(big.stdout.length).toBe(10)
  })

  it('the stage records a timed-out command as partial with TIMEOUT, and a missing tool as an error, and goes on', async () => {
    const sink = new MemorySink()
    const defs = [
      def('linux.volatile.hang', {command: 'sleep', args: ['30'], timeout_seconds: 1, volatility: 1, parser: 'linux.date-utc'}),
      def('linux.volatile.absent', {command: 'ratchet-no-such-tool-7f3a', volatility: 2, parser: 'linux.date-utc'}),
      def('linux.volatile.clock', {command: 'date', args: ['-u', '+%Y-%m-%dT%H:%M:%S.%NZ'], volatility: 3, parser: 'linux.date-utc'}),
    ]
    const progress: string[] = []
    const summary = await runVolatileStage(defs, sink, {os: 'linux', onProgress: (id) => progress.push(id)})
    expect(progress).toEqual(['linux.volatile.hang', 'linux.volatile.absent', 'linux.volatile.clock'])
    expect(summary.totals).toMatchObject({commands: 3, timed_out: 1, missing: 1, failed: 0})

    const hang = sink.items.filter((i) => i.artefact === 'linux.volatile.hang')
    expect(hang.map((i) => [i.archive_path, i.status, i.command?.timed_out, i.command?.stream])).toEqual([
      ['volatile/linux.volatile.hang/sleep.stdout.txt', 'partial', true, 'stdout'],
      ['volatile/linux.volatile.hang/sleep.stderr.txt', 'partial', true, 'stderr'],
      ['volatile/linux.volatile.hang/parsed.json', 'partial', true, 'parsed'],
    ])
    expect(hang[0]!.reason).toMatch(/^TIMEOUT: killed the process tree after 1 s/)
    expect(hang[2]!.reason).toBe('TIMEOUT: sleep was killed after 1 s; records are from its output up to then')
    expect(hang[0]!.command!.argv).toEqual(['sleep', '30'])
    const parsed = sink.json<ParsedVolatileFile>('volatile/linux.volatile.hang/parsed.json')
    expect(parsed).toMatchObject({timed_out: true, exit_code: null, argv: ['sleep', '30']})
    expect(parsed.diagnostics.map((d) => d.code)).toContain('VOLATILE_TIMEOUT')

    const absent = sink.items.filter((i) => i.artefact === 'linux.volatile.absent')
    expect(absent[0]).toMatchObject({status: 'error', read_method: 'command', kind: 'command-output'})
    expect(absent[0]!.reason).toMatch(/^TOOL_MISSING: ratchet-no-such-tool-7f3a/)
    expect(absent[0]!.archive_path).toBeUndefined()
    expect(sink.json<ParsedVolatileFile>('volatile/linux.volatile.absent/parsed.json').diagnostics.map((d) => d.code)).toEqual(['VOLATILE_TOOL_MISSING'])

    const clock = sink.json<ParsedVolatileFile>('volatile/linux.volatile.clock/parsed.json')
    expect(clock.exit_code).toBe(0)
    expect(clock.records).toHaveLength(1)
    expect(sink.logs.some((l) => l.level === 'warn' && /timed out|killed/.test(l.message))).toBe(true)
  })
})

describe('PowerShell argument encoding', () => {
  it('passes -Command scripts as -EncodedCommand (UTF-16LE base64) and leaves other commands alone', () => {
    const script = "$x = 'a\"b'; Write-Output $x"
    const enc = encodePowerShellArgs('powershell.exe', ['-NoProfile', '-Command', script])
    expect(enc.slice(0, 2)).toEqual(['-NoProfile', '-EncodedCommand'])
    expect(Buffer.from(enc[2]!, 'base64').toString('utf16le')).toBe(script)
    expect(encodePowerShellArgs('C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\PowerShell.EXE', ['-Command', 'x'])[0]).toBe('-EncodedCommand')
    expect(encodePowerShellArgs('tasklist.exe', ['/v'])).toEqual(['/v'])
  })
})
