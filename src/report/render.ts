import {createHash} from 'node:crypto'
import {readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import Handlebars from 'handlebars'
import {RatchetError, errorMessage} from '../core/errors.js'
import {packageRoot} from '../core/version.js'
import type {ReportViewModel} from './vm-types.js'

/**
 * Renders the view model with the templates in `templates/`. Evidence values reach the HTML only through
 * escaped `{{ }}`; the triple-stash is used for exactly two things ratchet wrote itself (the stylesheet and
 * the optional filter script, both read from templates/). A Content-Security-Policy with hashes of those two
 * lets nothing else run or load, even if an escaping mistake ever slipped through.
 */

export const HASH_BEGIN = '<!--ratchet-hash-begin-->'
export const HASH_END = '<!--ratchet-hash-end-->'
const HASH_PLACEHOLDER = 'RATCHET-REPORT-HASH-PLACEHOLDER-0000000000000000000000000000000000000'

export interface TemplateSet {
  main: string
  partials: Record<string, string>
  css: string
  script: string
}

export function templatesDir(): string {
  return join(packageRoot(), 'templates')
}

export function loadTemplates(dir = templatesDir()): TemplateSet {
  try {
    const partialsDir = join(dir, 'partials')
    const partials: Record<string, string> = {}
    for (const name of readdirSync(partialsDir).sort()) {
      if (name.endsWith('.hbs')) partials[name.slice(0, -4)] = readFileSync(join(partialsDir, name), 'utf8')
    }
    return {
      main: readFileSync(join(dir, 'report.hbs'), 'utf8'),
      partials,
      css: readFileSync(join(dir, 'report.css'), 'utf8'),
      script: readFileSync(join(dir, 'report.js'), 'utf8'),
    }
  } catch (e) {
    throw new RatchetError('E_INTERNAL', `report templates could not be read from ${dir}: ${errorMessage(e)}`, {dir})
  }
}

/**
 * Only in-document anchors and plain relative file names (the timeline beside the report), plus https links
 * to attack.mitre.org that ratchet builds itself. Anything else — `javascript:`, `data:`, other hosts — becomes `#`.
 */
export function safeHref(value: unknown): string {
  if (typeof value !== 'string') return '#'
  if (/^#[A-Za-z0-9_-]+$/.test(value)) return value
  if (/^[A-Za-z0-9][A-Za-z0-9._-]*\.(csv|jsonl)$/.test(value)) return value
  if (/^https:\/\/attack\.mitre\.org\/techniques\/T\d{4}\/(\d{3}\/)?$/.test(value)) return value
  return '#'
}

function environment(t: TemplateSet): typeof Handlebars {
  const hb = Handlebars.create()
  hb.registerHelper('href', (v: unknown) => safeHref(v))
  hb.registerHelper('gt', (a: unknown, b: unknown) => Number(a) > Number(b))
  hb.registerHelper('add', (a: unknown, b: unknown) => Math.round((Number(a) + Number(b)) * 10) / 10)
  hb.registerHelper('sub', (a: unknown, b: unknown) => Math.round((Number(a) - Number(b)) * 10) / 10)
  hb.registerHelper('lower', (a: unknown) => String(a).toLowerCase())
  hb.registerHelper('concat', (...args: unknown[]) => args.slice(0, -1).map(String).join(''))
  for (const [name, src] of Object.entries(t.partials)) hb.registerPartial(name, src)
  return hb
}

/**
 * CSS string literal for text ratchet did not write (the classification and title given on the command
 * line): every character but letters, digits and spaces becomes a CSS hex escape, so no quote, backslash,
 * newline or `</style>` can leave the string.
 */
export function cssString(text: string): string {
  let out = '"'
  for (const ch of text.slice(0, 300)) out += /[A-Za-z0-9 ]/.test(ch) ? ch : `\\${ch.codePointAt(0)!.toString(16)} `
  return `${out}"`
}

/** Print margin boxes: the classification on every page, page numbers, the title in the footer. */
function pageCss(vm: ReportViewModel): string {
  const mark = cssString(vm.meta.classification.toUpperCase())
  const title = cssString(vm.meta.title)
  return (
    `@page { @top-center { content: ${mark}; font: 600 8pt sans-serif; letter-spacing: .12em; color: #14284b; } ` +
    `@bottom-left { content: ${title}; font: 8pt sans-serif; color: #6b7483; } ` +
    `@bottom-right { content: "Page " counter(page) " of " counter(pages); font: 8pt sans-serif; color: #6b7483; } }`
  )
}

const cspHash = (text: string): string => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`

export interface RenderedReport {
  html: string
  /** SHA-256 (hex) of the bytes between HASH_BEGIN and HASH_END. */
  reportHash: string
}

export function renderReport(vm: ReportViewModel, t: TemplateSet = loadTemplates()): RenderedReport {
  const hb = environment(t)
  const template = hb.compile(t.main, {strict: false, noEscape: false})
  const page = pageCss(vm)
  const csp = `default-src 'none'; style-src ${cspHash(t.css)} ${cspHash(page)}; script-src ${cspHash(t.script)}; img-src data:; base-uri 'none'; form-action 'none'`
  // Plain objects only (Handlebars 4.7's prototype-access guard then never has to decide anything).
  const data = JSON.parse(JSON.stringify({vm})) as {vm: ReportViewModel}
  const html = template({...data, css: t.css, pageCss: page, script: t.script, csp, reportHash: HASH_PLACEHOLDER}, {allowProtoPropertiesByDefault: false, allowProtoMethodsByDefault: false})
  const b = html.indexOf(HASH_BEGIN)
  const e = html.indexOf(HASH_END, b)
  if (b < 0 || e < 0) throw new RatchetError('E_INTERNAL', 'report template lacks the hash markers')
  const body = html.slice(b + HASH_BEGIN.length, e)
  const reportHash = createHash('sha256').update(body, 'utf8').digest('hex')
  // The placeholder sits on the cover, before the hashed region: replace it there only.
  const head = html.slice(0, b)
  if (!head.includes(HASH_PLACEHOLDER)) throw new RatchetError('E_INTERNAL', 'report template lacks the hash placeholder on the cover')
  return {html: head.replace(HASH_PLACEHOLDER, reportHash) + html.slice(b), reportHash}
}

/** Recomputes the content hash of a written report (what the cover tells readers to do with perl). */
export function reportContentHash(html: string): string | undefined {
  const b = html.indexOf(HASH_BEGIN)
  const e = html.indexOf(HASH_END, b)
  if (b < 0 || e < 0) return undefined
  return createHash('sha256').update(html.slice(b + HASH_BEGIN.length, e), 'utf8').digest('hex')
}
