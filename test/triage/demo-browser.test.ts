import {existsSync, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {pathToFileURL} from 'node:url'
import {chromium} from 'playwright-core'
import {afterAll, describe, expect, it} from 'vitest'
import {runDemo} from '../../src/demo/run.js'
import {verifyArchive} from '../../src/evidence/verify.js'
import {CHROMIUM, CHROMIUM_ARGS, watchPage} from '../report/browser-watch.js'

/**
 * Issue 8's end-to-end check: `triage` on the generated demo host gives a verifying archive and a report that
 * opens in real headless Chromium with no console errors and no requests beyond the file itself, and tells
 * the story (the new account, the outside address, the second instance, the cleared logs).
 */
const have = existsSync(CHROMIUM)
if (!have) console.warn(`demo browser test skipped: ${CHROMIUM} is not installed (Debian package chromium; .ci/run installs it)`)
const root = mkdtempSync(join(tmpdir(), 'ratchet-demo-browser-'))
afterAll(() => rmSync(root, {recursive: true, force: true}))

describe.skipIf(!have)('demo triage report in a real browser', () => {
  it('verifies, renders cleanly and tells the story', async () => {
    const {triage} = await runDemo({caseDir: join(root, 'case'), commandLine: ['ratchet', 'demo', 'run']})
    expect((await verifyArchive(triage.archive)).status).toBe('verified')

    const ctx = await chromium.launchPersistentContext(join(root, 'profile'), {executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS})
    try {
      const page = await ctx.newPage()
      const {problems, requests} = watchPage(page)
      const url = pathToFileURL(triage.report).href
      await page.goto(url, {waitUntil: 'load'})
      const summary = await page.locator('#summary').innerText()
      expect(summary).toContain('itsupport')
      expect(summary).toContain('198.51.100.77')
      expect(summary).toContain('9c4e7a1b3d5f6082')
      expect(summary).toMatch(/PowerShell/)
      expect(requests.filter((u) => u !== url)).toEqual([])
      expect(problems).toEqual([])
    } finally {
      await ctx.close()
    }
  }, 60_000)
})
