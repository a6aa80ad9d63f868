import * as fs from 'node:fs'
import * as path from 'node:path'
import {sharedEvtxDir} from '../../parsers/evtx/shared.js'

/** ../shared/sigma (SigmaHQ rules, regression data, specification): beside samples/ in the shared folder. */
export function sharedSigmaDir(): string | undefined {
  const evtx = sharedEvtxDir()
  if (!evtx) return undefined
  const dir = path.join(path.dirname(path.dirname(evtx)), 'sigma')
  return fs.existsSync(path.join(dir, 'regression_data')) ? dir : undefined
}

export const SKIP_SIGMA = 'shared Sigma data not found (set RATCHET_SHARED or provide ../shared/sigma): skipped'
