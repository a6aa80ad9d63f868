import * as fs from 'node:fs'
import * as path from 'node:path'
import * as zlib from 'node:zlib'
import {sharedSamplesDir} from '../shared-samples.js'

export {sharedSamplesDir}

/** ../shared/samples/evtx (see sharedSamplesDir). */
export function sharedEvtxDir(): string | undefined {
  return sharedSamplesDir('evtx')
}

export const SKIP_MESSAGE = 'shared EVTX samples not found (set RATCHET_SHARED or provide ../shared/samples/evtx): skipped'

export interface IndexTool {
  records: number | null
  exit_code?: number
  exit_code_xml?: number
  reference_xml?: string
}
export interface IndexFile {
  file: string
  size_bytes: number
  structural_record_walk: number
  tools: {evtxexport: IndexTool; python_evtx: IndexTool}
  agreement: {consensus: boolean; consensus_record_count: number | null; rust_evtx_crate_test_expectation?: {ok: number; err: number}}
  notes: string[]
}

export function loadIndex(dir: string): {files: IndexFile[]} {
  return JSON.parse(fs.readFileSync(path.join(dir, 'INDEX.json'), 'utf8')) as {files: IndexFile[]}
}

export function readReference(dir: string, name: string): string {
  const plain = path.join(dir, 'reference', name)
  if (fs.existsSync(plain)) return fs.readFileSync(plain, 'utf8')
  return zlib.gunzipSync(fs.readFileSync(plain + '.gz')).toString('utf8')
}

/** The <Event> documents of an evtxexport -f xml output (banner line dropped). */
export function evtxexportEvents(xml: string): string[] {
  const out: string[] = []
  const re = /<Event[\s>][\s\S]*?<\/Event>/g
  for (const m of xml.matchAll(re)) out.push(m[0])
  return out
}

export interface RefRecord {
  recordId: number | null
  eventId: number | null
  /** TimeCreated, 7 fractional digits for evtxexport, as printed (µs) for python-evtx. */
  timeCreated: string | null
}

function pick(ev: string, re: RegExp): string | null {
  const m = re.exec(ev)
  return m ? m[1]! : null
}

export function refRecords(events: string[]): RefRecord[] {
  return events.map((ev) => {
    const rid = pick(ev, /<EventRecordID>(\d+)<\/EventRecordID>/)
    const eid = pick(ev, /<EventID(?:\s[^>]*)?>(\d+)<\/EventID>/)
    let t = pick(ev, /<TimeCreated SystemTime="([^"]*)"/)
    // evtxexport prints 9 fractional digits (exact 100 ns with two zeros): keep 7 like ratchet.
    if (t && /\.\d{9}Z$/.test(t)) t = t.slice(0, -3) + 'Z'
    return {recordId: rid === null ? null : Number(rid), eventId: eid === null ? null : Number(eid), timeCreated: t}
  })
}

/**
 * Normalises the documented rendering differences between ratchet (Windows' form) and evtxexport:
 * GUID case, 9 vs 7 fractional digits, hex integer padding, empty-element spelling.
 */
export function normaliseXml(xml: string): string {
  return xml
    .replace(/\r/g, '')
    .replace(/\{[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\}/g, (g) => g.toLowerCase())
    .replace(/(\d{2}:\d{2}:\d{2}\.\d{7})(\d{2})Z/g, '$1Z')
    // Hex integers (and SizeT, which Windows prints in hex and evtxexport in decimal) compare by value.
    .replace(/\b0x([0-9A-Fa-f]+)\b/g, (_m, h: string) => BigInt('0x' + h).toString())
    // evtxexport drops whitespace-only text (a "\n" value prints as an empty element).
    .replace(/<([A-Za-z_][\w.:-]*)([^<>]*?)>\s*<\/\1>/g, '<$1$2/>')
    .trim()
}
