import {createHash} from 'node:crypto'
import {rename, rm, writeFile} from 'node:fs/promises'
import {extname, join, resolve} from 'node:path'
import {CaseFiles} from '../core/case-layout.js'
import {errorMessage, osErrorCode, RatchetError} from '../core/errors.js'
import {dateToIso7} from '../core/time.js'
import {ratchetVersion} from '../core/version.js'
import {loadCase} from './load-case.js'
import {printPdf} from './pdf.js'
import {renderReport} from './render.js'
import {buildViewModel} from './view-model.js'

export interface ReportOptions {
  caseDir: string
  out?: string
  pdf?: boolean
  title?: string
  classification?: string
  /** The command line recorded in the report (chain of custody). */
  commandLine: string[]
  /** Generation time; default now, or SOURCE_DATE_EPOCH (seconds) when set, for reproducible builds. */
  now?: Date
  /**
   * Settles when a timeline being written at the same time (triage) is complete: the report reads the case
   * meanwhile and waits for it only before listing the timeline files. Its failure is the writer's to report.
   */
  timelineWritten?: Promise<unknown>
}

export interface ReportResult {
  file: string
  /** SHA-256 of the whole HTML file as written. */
  sha256: string
  /** The content fingerprint printed on the cover (see render.ts). */
  report_hash: string
  pdf: string | null
  findings: number
  sessions: number
  events: number
  unverified: boolean
  verification: string
  notes: string[]
}

export function generationTime(env: NodeJS.ProcessEnv = process.env): Date {
  const s = env.SOURCE_DATE_EPOCH
  if (s && /^\d{1,12}$/.test(s)) return new Date(Number(s) * 1000)
  return new Date()
}

async function writeAtomic(path: string, data: string | Buffer): Promise<void> {
  const partial = `${path}.partial`
  try {
    await writeFile(partial, data)
    await rename(partial, path)
  } catch (e) {
    await rm(partial, {force: true})
    throw new RatchetError('E_OUTPUT_WRITE', `could not write ${path}: ${errorMessage(e)}`, {file: path, os_error: osErrorCode(e)})
  }
}

/** Loads the case, builds the view model, renders and writes report.html (and report.pdf with `pdf`). */
export async function generateReport(opts: ReportOptions): Promise<ReportResult> {
  const caseDir = resolve(opts.caseDir)
  const out = opts.out ? resolve(opts.out) : join(caseDir, CaseFiles.report)
  if (!['.html', '.htm'].includes(extname(out).toLowerCase())) {
    throw new RatchetError('E_USAGE', `--out must end with .html (got ${out})`, {flag: 'out'})
  }
  const data = await loadCase(caseDir, opts.timelineWritten)
  const vm = buildViewModel(data, {
    generated_utc: dateToIso7(opts.now ?? generationTime()),
    ratchet_version: ratchetVersion(),
    command_line: opts.commandLine,
    title: opts.title,
    classification: opts.classification,
  })
  const {html, reportHash} = renderReport(vm)
  await writeAtomic(out, html)
  let pdf: string | null = null
  if (opts.pdf) {
    pdf = opts.out ? `${out.slice(0, -extname(out).length)}.pdf` : join(caseDir, CaseFiles.reportPdf)
    await printPdf(out, pdf)
  }
  return {
    file: out,
    sha256: createHash('sha256').update(html, 'utf8').digest('hex'),
    report_hash: reportHash,
    pdf,
    findings: vm.findings.length,
    sessions: vm.sessions.length,
    events: vm.keyTimeline.total,
    unverified: vm.integrity.unverified,
    verification: vm.integrity.status,
    notes: data.loadNotes,
  }
}
