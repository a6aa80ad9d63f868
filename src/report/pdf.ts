import {spawn} from 'node:child_process'
import {constants} from 'node:fs'
import {access, mkdtemp, open, rm, stat} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {delimiter, join} from 'node:path'
import {pathToFileURL} from 'node:url'
import {RatchetError} from '../core/errors.js'

/**
 * Prints the report to PDF with a locally installed Chromium-family browser in headless mode. No browser is
 * ever downloaded: when none is installed ratchet says so (exit 7) and the HTML report stands on its own
 * (the browser's own print-to-PDF gives the same document through the print stylesheet).
 */

const NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable', 'microsoft-edge', 'msedge', 'chrome']
const FIXED = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/snap/bin/chromium',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
  '/Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge',
  'C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe',
  'C:\\Program Files\\Microsoft\\Edge\\Application\\msedge.exe',
  'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe',
  'C:\\Program Files (x86)\\Google\\Chrome\\Application\\chrome.exe',
]

async function executable(p: string): Promise<boolean> {
  try {
    await access(p, process.platform === 'win32' ? constants.F_OK : constants.X_OK)
    return (await stat(p)).isFile()
  } catch {
    return false
  }
}

/** `RATCHET_CHROMIUM` if set (and then only it), else the usual names on PATH, else the usual install paths. */
export async function findChromium(env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  if (env.RATCHET_CHROMIUM !== undefined) return (await executable(env.RATCHET_CHROMIUM)) ? env.RATCHET_CHROMIUM : undefined
  const exts = process.platform === 'win32' ? ['.exe', ''] : ['']
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    for (const n of NAMES) for (const x of exts) if (await executable(join(dir, n + x))) return join(dir, n + x)
  }
  for (const p of FIXED) if (await executable(p)) return p
  return undefined
}

export async function printPdf(htmlPath: string, pdfPath: string, opts: {timeoutMs?: number; env?: NodeJS.ProcessEnv} = {}): Promise<{browser: string}> {
  const browser = await findChromium(opts.env)
  if (!browser) {
    throw new RatchetError(
      'E_DEPENDENCY_MISSING',
      'no Chromium, Chrome or Edge found for --pdf (set RATCHET_CHROMIUM to its path, or install Debian package chromium). The HTML report was written; open it and use Print → Save as PDF.',
      {dependency: 'chromium', html: htmlPath},
    )
  }
  const profile = await mkdtemp(join(tmpdir(), 'ratchet-pdf-'))
  const args = [
    '--headless',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-extensions',
    `--user-data-dir=${profile}`,
    '--no-pdf-header-footer',
    '--print-to-pdf-no-header',
    `--print-to-pdf=${pdfPath}`,
    pathToFileURL(htmlPath).href,
  ]
  // Chromium refuses to start as root with its sandbox on; the page it prints is ratchet's own escaped HTML
  // under a CSP that blocks every script and request but ratchet's own filter script.
  if (typeof process.getuid === 'function' && process.getuid() === 0) args.unshift('--no-sandbox')
  try {
    const {code, stderr} = await new Promise<{code: number | null; stderr: string}>((resolve, reject) => {
      const child = spawn(browser, args, {stdio: ['ignore', 'ignore', 'pipe']})
      let err = ''
      child.stderr.setEncoding('utf8')
      child.stderr.on('data', (d: string) => {
        if (err.length < 8192) err += d
      })
      const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000)
      child.on('error', (e) => {
        clearTimeout(timer)
        reject(e)
      })
      child.on('close', (c) => {
        clearTimeout(timer)
        resolve({code: c, stderr: err})
      })
    })
    let ok = false
    try {
      const fh = await open(pdfPath, 'r')
      const head = Buffer.alloc(5)
      await fh.read(head, 0, 5, 0)
      await fh.close()
      ok = head.toString('latin1') === '%PDF-'
    } catch {
      ok = false
    }
    if (code !== 0 || !ok) {
      throw new RatchetError('E_DEPENDENCY_MISSING', `${browser} did not print the PDF (exit ${code}): ${stderr.trim().split('\n').slice(-3).join(' ')}`, {browser, exit_code: code})
    }
  } catch (e) {
    if (e instanceof RatchetError) throw e
    throw new RatchetError('E_DEPENDENCY_MISSING', `${browser} could not be started for --pdf: ${(e as Error).message}`, {browser})
  } finally {
    await rm(profile, {recursive: true, force: true})
  }
  return {browser}
}
