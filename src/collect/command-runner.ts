import {execFile} from 'node:child_process'

/** Result of running an external program (bounded output). */
export interface CommandResult {
  exitCode: number | null
  stdout: string
  stderr: string
  timedOut: boolean
}

/** Runs a program without a shell. Injected so Windows-only paths (wevtutil) can be unit-tested anywhere. */
export type CommandRunner = (file: string, args: string[], opts: {timeoutMs: number}) => Promise<CommandResult>

export const defaultRunner: CommandRunner = (file, args, opts) =>
  new Promise((resolve) => {
    execFile(file, args, {timeout: opts.timeoutMs, maxBuffer: 4 * 1024 * 1024, windowsHide: true}, (err, stdout, stderr) => {
      const e = err as (Error & {code?: number | string; killed?: boolean; signal?: string}) | null
      resolve({
        exitCode: e ? (typeof e.code === 'number' ? e.code : null) : 0,
        stdout: String(stdout),
        stderr: String(stderr || (e && typeof e.code === 'string' ? e.code : '')),
        timedOut: Boolean(e?.killed && e.signal === 'SIGTERM'),
      })
    })
  })
