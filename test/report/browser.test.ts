import {existsSync, mkdtempSync, readFileSync, rmSync, statSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {pathToFileURL} from 'node:url'
import {chromium, type BrowserContext} from 'playwright-core'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {generateReport} from '../../src/report/generate.js'
import {printPdf} from '../../src/report/pdf.js'
import {CHROMIUM, CHROMIUM_ARGS, watchPage} from './browser-watch.js'
import {buildFixtureCase, HOSTILE_IMG, HOSTILE_SCRIPT} from './fixture-case.js'

/**
 * Opens the report in real headless Chromium (Debian's, never a downloaded one): no console errors, no
 * failed or external requests, hostile evidence shown as text and never run, a screenshot and a PDF.
 */
const have = existsSync(CHROMIUM)
if (!have) console.warn(`browser test skipped: ${CHROMIUM} is not installed (Debian package chromium; .ci/run installs it)`)


describe.skipIf(!have)('report in a real browser', () => {
  let root: string
  let ctx: BrowserContext
  let reportFile: string

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'ratchet-browser-'))
    const fx = buildFixtureCase(join(root, 'case'))
    reportFile = (await generateReport({caseDir: fx.dir, commandLine: ['ratchet', 'report', 'case'], now: new Date('2023-11-10T12:00:00Z')})).file
    ctx = await chromium.launchPersistentContext(join(root, 'profile'), {executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, viewport: {width: 1200, height: 900}})
  })
  afterAll(async () => {
    await ctx?.close()
    // keep the screenshot and PDFs for a human to look at; remove the rest
    if (root) for (const d of ['case', 'profile']) rmSync(join(root, d), {recursive: true, force: true})
  })

  it('renders with no console errors, no failed or external requests, and runs no evidence', async () => {
    const page = await ctx.newPage()
    const {problems, requests} = watchPage(page)
    const url = pathToFileURL(reportFile).href
    await page.goto(url, {waitUntil: 'load'})

    expect(await page.evaluate(() => (globalThis as unknown as {__ratchetPwned?: string}).__ratchetPwned)).toBeUndefined()
    expect(await page.locator('img').count()).toBe(0)
    expect(await page.locator('script').count()).toBe(1)
    const text = await page.locator('body').innerText()
    expect(text).toContain(HOSTILE_IMG)
    expect(text).toContain(HOSTILE_SCRIPT)

    // the optional filter script runs under the CSP and filters the key timeline
    await expect.poll(() => page.locator('#tl-tools').isVisible()).toBe(true)
    const rows = await page.locator('#key-timeline tbody tr').count()
    await page.fill('#tl-filter', 'helpdesk$')
    const visible = await page.locator('#key-timeline tbody tr:visible').count()
    expect(visible).toBeGreaterThan(0)
    expect(visible).toBeLessThan(rows)
    await page.fill('#tl-filter', '')

    // a summary link lands on its finding
    await page.locator('#summary .ref').first().click()
    expect(new URL(page.url()).hash).toMatch(/^#finding-\d+$/)

    expect(requests.filter((u) => u !== url)).toEqual([])
    expect(problems).toEqual([])

    const shot = join(root, 'report.png')
    await page.goto(url)
    await page.screenshot({path: shot, fullPage: true})
    console.log(`report screenshot: ${shot}`)
    expect(statSync(shot).size).toBeGreaterThan(50_000)

    const pdf = join(root, 'report-playwright.pdf')
    await page.emulateMedia({media: 'print'})
    expect(await page.locator('.toc').isVisible()).toBe(false)
    await page.pdf({path: pdf, format: 'A4', printBackground: true})
    console.log(`report PDF (playwright): ${pdf}`)
    expect(readFileSync(pdf).subarray(0, 5).toString('latin1')).toBe('%PDF-')
    await page.close()
  })

  it('ratchet report --pdf prints through the installed Chromium', async () => {
    const pdf = join(root, 'report.pdf')
    const r = await printPdf(reportFile, pdf, {env: {...process.env, RATCHET_CHROMIUM: CHROMIUM}})
    expect(r.browser).toBe(CHROMIUM)
    const bytes = readFileSync(pdf)
    expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-')
    // cover + at least one page per major section
    expect((bytes.toString('latin1').match(/\/Type\s*\/Page\b/g) ?? []).length).toBeGreaterThanOrEqual(6)
    console.log(`report PDF (ratchet --pdf): ${pdf}`)
  })

  it('says clearly when no browser is available (exit 7)', async () => {
    await expect(printPdf(reportFile, join(root, 'none.pdf'), {env: {RATCHET_CHROMIUM: join(root, 'no-such-browser')}})).rejects.toMatchObject({code: 'E_DEPENDENCY_MISSING', exitCode: 7})
  })
})
