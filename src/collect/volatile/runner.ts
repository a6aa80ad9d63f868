import {spawn, spawnSync} from 'node:child_process'
import {createReadStream} from 'node:fs'
import {readlink, stat} from 'node:fs/promises'
import {basename} from 'node:path'
import type {Readable} from 'node:stream'
import {errorMessage, osErrorCode} from '../../core/errors.js'

/**
 * How the volatile stage touches the live host: it runs commands and opens running processes' executables.
 * Tests inject their own implementation (the Windows branch is exercised that way on Linux).
 */
export interface RunRequest {
  command: string
  args: string[]
  timeoutMs: number
  /** Extra environment variables (merged over the collector's own environment). */
  env?: Record<string, string>
  /** Bytes kept per stream; the rest is drained and dropped (recorded as truncated). */
  maxOutputBytes: number
}

export interface RunResult {
  stdout: Buffer
  stderr: Buffer
  /** null when the process did not exit by itself (killed, or never started). */
  exitCode: number | null
  signal: string | null
  /** The command ran past its timeout and its process tree was killed. */
  timedOut: boolean
  /** The executable was not found (ENOENT on spawn, or the shell's "not found" code). */
  missing: boolean
  /** Any other failure to start (EACCES…), as a sentence. */
  spawnError?: string
  stdoutTruncated: boolean
  stderrTruncated: boolean
}

export type ExecutableOpen =
  | {ok: true; path: string; stream: Readable; size?: number}
  | {ok: false; path?: string; reason: string}

export interface CommandRunner {
  run(req: RunRequest): Promise<RunResult>
  /** Resolves a running process's executable path (Linux: readlink /proc/<pid>/exe). */
  executablePath?(pid: number): Promise<string | undefined>
  /** Opens a running process's executable read-only (Linux: /proc/<pid>/exe, which works even if deleted). */
  openExecutable?(target: {pid: number; path?: string}): Promise<ExecutableOpen>
}

/** Grace period for pipes to close after the tree was killed (a grandchild that escaped the group). */
const CLOSE_GRACE_MS = 3000

/**
 * PowerShell's `-Command <script>` survives Windows command-line quoting badly (embedded quotes are re-parsed
 * by powershell.exe's own rules), so the real runner passes the script as `-EncodedCommand` (UTF-16LE,
 * base64). The manifest still records the readable `-Command` form the definition wrote.
 */
export function encodePowerShellArgs(command: string, args: string[]): string[] {
  if (!/^(powershell|pwsh)(\.exe)?$/i.test(basename(command.replace(/\\/g, '/')))) return args
  const i = args.findIndex((a) => /^-command$/i.test(a))
  if (i < 0 || i + 1 >= args.length) return args
  const script = args.slice(i + 1).join(' ')
  return [...args.slice(0, i), '-EncodedCommand', Buffer.from(script, 'utf16le').toString('base64')]
}

function killTree(pid: number): void {
  if (process.platform === 'win32') {
    // taskkill /T walks the parent-PID tree; /F because a hung tool does not answer WM_CLOSE.
    spawnSync('taskkill', ['/pid', String(pid), '/T', '/F'], {windowsHide: true, stdio: 'ignore', timeout: 10_000})
    return
  }
  try {
    // The child leads its own process group (detached), so -pid reaches its children too.
    process.kill(-pid, 'SIGKILL')
  } catch {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      /* already gone */
    }
  }
}

class Capture {
  private chunks: Buffer[] = []
  private kept = 0
  truncated = false
  constructor(private readonly max: number) {}
  push(b: Buffer): void {
    if (this.kept >= this.max) {
      this.truncated = true
      return
    }
    const room = this.max - this.kept
    const part = b.length > room ? b.subarray(0, room) : b
    if (part.length < b.length) this.truncated = true
    this.chunks.push(part)
    this.kept += part.length
  }
  buffer(): Buffer {
    return Buffer.concat(this.chunks)
  }
}

/** The real runner: spawns without a shell, stdin closed, in its own process group, and kills the tree on timeout. */
export function createHostRunner(): CommandRunner {
  return {
    run(req: RunRequest): Promise<RunResult> {
      return new Promise((resolve) => {
        const out = new Capture(req.maxOutputBytes)
        const err = new Capture(req.maxOutputBytes)
        let timedOut = false
        let settled = false
        const timers: {main?: NodeJS.Timeout; grace?: NodeJS.Timeout} = {}
        const finish = (r: Partial<RunResult>): void => {
          if (settled) return
          settled = true
          clearTimeout(timers.main)
          clearTimeout(timers.grace)
          resolve({
            stdout: out.buffer(),
            stderr: err.buffer(),
            exitCode: null,
            signal: null,
            timedOut,
            missing: false,
            stdoutTruncated: out.truncated,
            stderrTruncated: err.truncated,
            ...r,
          })
        }
        let child: ReturnType<typeof spawn>
        try {
          child = spawn(req.command, encodePowerShellArgs(req.command, req.args), {
            stdio: ['ignore', 'pipe', 'pipe'],
            detached: process.platform !== 'win32',
            windowsHide: true,
            env: {...process.env, ...req.env},
          })
        } catch (e) {
          finish({missing: osErrorCode(e) === 'ENOENT', spawnError: errorMessage(e)})
          return
        }
        child.stdout!.on('data', (b: Buffer) => out.push(b))
        child.stderr!.on('data', (b: Buffer) => err.push(b))
        child.on('error', (e) => {
          const code = osErrorCode(e)
          finish({missing: code === 'ENOENT', spawnError: code === 'ENOENT' ? undefined : errorMessage(e)})
        })
        child.on('close', (code, signal) => finish({exitCode: code, signal: signal ?? null}))
        timers.main = setTimeout(() => {
          timedOut = true
          if (child.pid !== undefined) killTree(child.pid)
          // If something outside the group still holds the pipes, stop waiting for them.
          timers.grace = setTimeout(() => {
            child.stdout?.destroy()
            child.stderr?.destroy()
            finish({exitCode: child.exitCode, signal: child.signalCode ?? 'SIGKILL'})
          }, CLOSE_GRACE_MS)
        }, req.timeoutMs)
      })
    },

    async executablePath(pid: number): Promise<string | undefined> {
      if (process.platform !== 'linux') return undefined
      try {
        return await readlink(`/proc/${pid}/exe`)
      } catch {
        return undefined
      }
    },

    async openExecutable(target: {pid: number; path?: string}): Promise<ExecutableOpen> {
      // On Linux read through /proc/<pid>/exe: it is the very image the process runs, even if the file was
      // replaced or deleted since (a deleted path reads "… (deleted)").
      const file = process.platform === 'linux' ? `/proc/${target.pid}/exe` : target.path
      if (!file) return {ok: false, reason: 'NO_PATH: the process list gives no executable path'}
      let path = target.path
      try {
        if (process.platform === 'linux') path = await readlink(file)
        const st = await stat(file)
        if (!st.isFile()) return {ok: false, path, reason: 'NOT_A_FILE: executable is not a regular file'}
        return await new Promise<ExecutableOpen>((resolve) => {
          const stream = createReadStream(file, {flags: 'r'})
          stream.once('open', () => resolve({ok: true, path: path ?? file, stream, size: st.size}))
          stream.once('error', (e) => resolve({ok: false, path, reason: `READ_FAILED: ${osErrorCode(e) ?? errorMessage(e)}`}))
        })
      } catch (e) {
        return {ok: false, path, reason: `READ_FAILED: ${osErrorCode(e) ?? errorMessage(e)}`}
      }
    },
  }
}
