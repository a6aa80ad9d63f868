import type {Page} from 'playwright-core'

/** Debian's Chromium and the launch flags that work on this machine (never a downloaded browser). */
export const CHROMIUM = '/usr/bin/chromium'
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']

/**
 * Records what a report page must never do: console errors or warnings, page errors, failed requests,
 * dialogs (a sign that evidence ran as script), and every request it makes (a self-contained report makes
 * none beyond its own file).
 */
export function watchPage(page: Page): {problems: string[]; requests: string[]} {
  const problems: string[] = []
  const requests: string[] = []
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`)
  })
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`))
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`))
  page.on('request', (r) => requests.push(r.url()))
  page.on('dialog', (d) => {
    problems.push(`dialog: ${d.message()}`)
    void d.dismiss()
  })
  return {problems, requests}
}
