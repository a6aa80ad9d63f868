import * as path from 'node:path'
import {describe, expect, it} from 'vitest'
import {compileRuleSet, loadSigmaRules} from '../../../src/detect/sigma/index.js'
import {SKIP_SIGMA, sharedSigmaDir} from './shared.js'

/**
 * Every rule of SigmaHQ's `rules/` folder goes through the loader and the compiler. Windows rules that cannot
 * run must stay under 2 %, and every skipped rule carries its reason (the README lists them).
 */

const dir = sharedSigmaDir()
if (!dir) console.warn(SKIP_SIGMA)

describe.skipIf(!dir)('loading all of SigmaHQ rules/', () => {
  it('loads and compiles; skipped Windows rules < 2 %, each with a reason', async () => {
    const root = path.join(dir!, 'rules')
    const {rules, skipped: parseSkipped} = await loadSigmaRules([root])
    const set = compileRuleSet(rules)
    const skipped = [...parseSkipped, ...set.skipped]
    for (const s of skipped) expect(s.reason.length, s.path).toBeGreaterThan(10)
    const isWindows = (p: string): boolean => path.relative(root, p).startsWith(`windows${path.sep}`)
    const windowsTotal = rules.filter((r) => isWindows(r.path)).length + parseSkipped.filter((s) => isWindows(s.path)).length
    const windowsSkipped = skipped.filter((s) => isWindows(s.path))
    const reasons = new Map<string, number>()
    for (const s of skipped) {
      const r = s.reason.replace(/'[^']*'/g, "'…'")
      reasons.set(r, (reasons.get(r) ?? 0) + 1)
    }
    console.log(`SigmaHQ rules/: ${rules.length + parseSkipped.length} rule documents, ${set.rules.length} run, ${skipped.length} skipped; Windows: ${windowsTotal}, skipped ${windowsSkipped.length}`)
    for (const [r, n] of [...reasons].sort((a, b) => b[1] - a[1])) console.log(`  ${n} × ${r}`)
    expect(windowsTotal).toBeGreaterThan(2000)
    expect(windowsSkipped.length / windowsTotal).toBeLessThan(0.02)
    // Rules for other products are skipped for exactly that reason, not for a parse failure.
    for (const s of skipped.filter((x) => !isWindows(x.path))) expect(s.reason).toMatch(/logsource|not read by ratchet/)
  })
})
