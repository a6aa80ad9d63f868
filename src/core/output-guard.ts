import {realpathSync, statSync} from 'node:fs'
import {basename, dirname, join, resolve, sep} from 'node:path'
import {CaseFiles, casePath} from './case-layout.js'
import {RatchetError} from './errors.js'

/**
 * Checks made before a command creates anything: an output must never land on, or inside, the command's own
 * input (evidence is read, never written), and an output of the wrong kind (a file where a folder is
 * wanted, a folder where a file is wanted) is a usage error, not a stack trace.
 */

/** The real path of `p`, resolving links through its nearest existing ancestor (the rest may not exist yet). */
export function realish(p: string): string {
  let cur = resolve(p)
  const tail: string[] = []
  for (;;) {
    try {
      return join(realpathSync(cur), ...tail)
    } catch {
      const up = dirname(cur)
      if (up === cur) return join(cur, ...tail)
      tail.unshift(basename(cur))
      cur = up
    }
  }
}

export function isSameOrInside(child: string, parent: string): boolean {
  return child === parent || child.startsWith(parent.endsWith(sep) ? parent : parent + sep)
}

export interface GuardedPath {
  /** How the user named it: `--out`, `--report`, `the archive`… */
  what: string
  path: string | undefined
}

/**
 * Refuses (E_USAGE, exit 2) an output that is one of the inputs, or lies inside an input folder.
 * Inputs that do not exist are ignored here (the command reports them itself).
 */
export function refuseWritingOnInputs(outputs: GuardedPath[], inputs: GuardedPath[]): void {
  for (const o of outputs) {
    if (!o.path) continue
    const out = realish(o.path)
    for (const i of inputs) {
      if (!i.path) continue
      const inp = realish(i.path)
      if (out === inp) throw new RatchetError('E_USAGE', `${o.what} ${o.path} is ${i.what}: ratchet never writes onto its own input`, {output: o.path, input: i.path})
      if (isSameOrInside(out, inp) && kindOf(inp) === 'dir') {
        throw new RatchetError('E_USAGE', `${o.what} ${o.path} is inside ${i.what} ${i.path}: ratchet never writes into its own input`, {output: o.path, input: i.path})
      }
    }
  }
}

function kindOf(p: string): 'file' | 'dir' | 'other' | undefined {
  try {
    const st = statSync(p)
    return st.isDirectory() ? 'dir' : st.isFile() ? 'file' : 'other'
  } catch {
    return undefined
  }
}

/** An output folder may be absent (it is created) or a folder; anything else is a usage error. */
export function requireDirOrAbsent(what: string, p: string | undefined): void {
  if (p === undefined) return
  const k = kindOf(p)
  if (k !== undefined && k !== 'dir') throw new RatchetError('E_USAGE', `${what} ${p} exists and is not a folder`, {path: p})
}

/** An output file may be absent or a regular file (it is replaced); a folder there is a usage error. */
export function requireFileOrAbsent(what: string, p: string | undefined): void {
  if (p === undefined) return
  const k = kindOf(p)
  if (k === 'dir') throw new RatchetError('E_USAGE', `${what} ${p} is a folder; give a file name`, {path: p})
}

/** What a case folder holds that later stages read: an output of `timeline`/`report` may replace none of it. */
export function caseInputs(caseDir: string): GuardedPath[] {
  const names = ['evidenceDir', 'events', 'analysis', 'findings', 'sessions', 'verify', 'blastRadius', 'triageState'] as const
  return names.map((n) => ({what: `the case's ${CaseFiles[n]}`, path: casePath(caseDir, n)}))
}
