import * as fs from 'node:fs'
import * as path from 'node:path'

/** ../shared/sigma (SigmaHQ rules, regression data, specification), located like the EVTX samples. */
export function sharedSigmaDir(): string | undefined {
  const candidates: string[] = []
  if (process.env.RATCHET_SHARED) candidates.push(process.env.RATCHET_SHARED)
  else {
    let dir = path.resolve(new URL('../../..', import.meta.url).pathname)
    for (let i = 0; i < 3; i++) {
      dir = path.dirname(dir)
      candidates.push(path.join(dir, 'shared'))
    }
  }
  for (const root of candidates) {
    const s = path.join(root, 'sigma')
    if (fs.existsSync(path.join(s, 'regression_data'))) return s
  }
  return undefined
}

export const SKIP_SIGMA = 'shared Sigma data not found (set RATCHET_SHARED or provide ../shared/sigma): skipped'
