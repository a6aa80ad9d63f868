import {readFileSync, statSync} from 'node:fs'
import {extname} from 'node:path'
import {osErrorCode, RatchetError} from '../../core/errors.js'
import {loadBuiltinPacks} from '../data.js'
import type {Pack} from '../schema.js'
import type {Indicator} from '../types.js'
import {classifyAs, TYPE_ALIASES} from './classify.js'
import {iocParseError} from './errors.js'
import {parseCsvIocs} from './parse-csv.js'
import {parseStixIocs, type SkippedIoc} from './parse-stix.js'
import {parseTextIocs} from './parse-text.js'
import {refang} from './refang.js'

export type IocFormat = 'text' | 'csv' | 'stix'

export interface LoadedIocs {
  indicators: Indicator[]
  loaded: {source: string; count: number}[]
  skipped: SkippedIoc[]
}

/** IOC files are read whole: they are small next to evidence; this bound stops a wrong file early. */
const MAX_IOC_FILE = 512 * 1024 * 1024

/** Format from the extension first, then from the content (a responder's file may be named anything). */
export function detectFormat(file: string, text: string): IocFormat {
  const ext = extname(file).toLowerCase()
  if (ext === '.json' || ext === '.stix') return 'stix'
  if (ext === '.csv') return 'csv'
  const head = text.replace(/^\uFEFF/, '').trimStart()
  if (head.startsWith('{') || head.startsWith('[{') || /^\[\s*[{\]]/.test(head)) return 'stix'
  const firstLine = head.split(/\r?\n/).find((l) => l.trim() !== '' && !l.trim().startsWith('#')) ?? ''
  const cell = firstLine.split(',')[0].trim().replace(/^"|"$/g, '').toLowerCase()
  if (firstLine.includes(',') && (cell === 'type' || TYPE_ALIASES[cell] !== undefined)) return 'csv'
  return 'text'
}

export function parseIocText(text: string, file: string, format = detectFormat(file, text)): {indicators: Indicator[]; skipped: SkippedIoc[]} {
  if (format === 'stix') return parseStixIocs(text, file)
  if (format === 'csv') return {indicators: parseCsvIocs(text, file), skipped: []}
  return {indicators: parseTextIocs(text, file), skipped: []}
}

export function readIocFile(path: string): {indicators: Indicator[]; skipped: SkippedIoc[]} {
  let text: string
  try {
    const st = statSync(path)
    if (!st.isFile()) throw new RatchetError('E_INPUT_MISSING', `IOC file ${path} is not a file`, {file: path})
    if (st.size > MAX_IOC_FILE) throw iocParseError(path, undefined, `larger than ${MAX_IOC_FILE} bytes`)
    const buf = readFileSync(path)
    text = buf[0] === 0xff && buf[1] === 0xfe ? buf.subarray(2).toString('utf16le') : buf.toString('utf8')
  } catch (e) {
    if (e instanceof RatchetError) throw e
    const code = osErrorCode(e)
    throw new RatchetError(code === 'ENOENT' ? 'E_INPUT_MISSING' : 'E_INPUT_READ', `cannot read IOC file ${path}: ${(e as Error).message}`, {file: path})
  }
  if (text.includes('\u0000')) throw iocParseError(path, undefined, 'binary content (NUL bytes): not an IOC list')
  return parseIocText(text, path)
}

/** A built-in pack's indicators; each keeps the publisher as its source, prefixed by the pack name. */
export function packIndicators(pack: Pack, file: string): Indicator[] {
  return pack.indicators.map((p, i) => {
    const r = classifyAs(TYPE_ALIASES[p.type] ?? (p.type as never), refang(p.value).value)
    if (!r.ok) throw iocParseError(file, undefined, `indicator ${i + 1}: ${r.reason}`, p.value)
    return {type: r.type, value: r.value, raw: p.value, description: p.description, source: `${pack.name}: ${p.source}`}
  })
}

/**
 * Loads the requested built-in packs (all of them when `packs` is undefined) and IOC files. Indicators are
 * deduplicated by type+value+source so a value published by two sources keeps both attributions.
 */
export function loadIocs(opts: {files?: string[]; packs?: string[]; packDir?: string}): LoadedIocs {
  const indicators: Indicator[] = []
  const loaded: {source: string; count: number}[] = []
  const skipped: SkippedIoc[] = []
  const all = loadBuiltinPacks(opts.packDir)
  const wanted = opts.packs ?? all.map((p) => p.data.name)
  for (const name of wanted) {
    const p = all.find((x) => x.data.name === name)
    if (!p) throw new RatchetError('E_USAGE', `unknown IOC pack "${name}" (built-in: ${all.map((x) => x.data.name).join(', ') || 'none'})`, {pack: name})
    const inds = packIndicators(p.data, p.file)
    indicators.push(...inds)
    loaded.push({source: `pack:${name}`, count: inds.length})
  }
  for (const f of opts.files ?? []) {
    const r = readIocFile(f)
    indicators.push(...r.indicators)
    skipped.push(...r.skipped)
    loaded.push({source: f, count: r.indicators.length})
  }
  const seen = new Set<string>()
  const unique = indicators.filter((i) => {
    const k = `${i.type}\u0000${i.value}\u0000${i.source}`
    if (seen.has(k)) return false
    seen.add(k)
    return true
  })
  return {indicators: unique, loaded, skipped}
}
