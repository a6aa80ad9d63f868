import type {Writable} from 'node:stream'
import type {Diagnostic} from '../../core/diagnostics.js'
import {openEvtx, renderRecordXml} from './index.js'

export interface DumpOptions {
  format: 'jsonl' | 'xml'
  threads: number
  carve: boolean
}

export interface DumpResult {
  file: string
  format: 'jsonl' | 'xml'
  records: number
  recovered: number
  diagnostics: Diagnostic[]
  errors: number
}

/** Writes with back-pressure, batching small strings into ~1 MiB writes. */
class BatchedWriter {
  private buf: string[] = []
  private size = 0
  constructor(private readonly out: Writable) {}

  async write(s: string): Promise<void> {
    this.buf.push(s)
    this.size += s.length
    if (this.size >= 1 << 20) await this.flush()
  }

  async flush(): Promise<void> {
    if (!this.buf.length) return
    const chunk = this.buf.join('')
    this.buf = []
    this.size = 0
    if (!this.out.write(chunk)) await new Promise<void>((resolve) => this.out.once('drain', resolve))
  }
}

/** `ratchet evtx dump`: streams every record of `file` to `out` as JSON lines or one XML document. */
export async function dumpEvtx(file: string, out: Writable, opts: DumpOptions): Promise<DumpResult> {
  const reader = openEvtx(file, {carve: opts.carve, threads: opts.threads, xml: opts.format === 'xml'})
  const w = new BatchedWriter(out)
  let records = 0
  let recovered = 0
  if (opts.format === 'xml') await w.write('<?xml version="1.0" encoding="utf-8"?>\n<Events>\n')
  for await (const r of reader.records()) {
    records++
    if (r.recovered) recovered++
    await w.write(opts.format === 'xml' ? renderRecordXml(r) + '\n' : JSON.stringify(r) + '\n')
  }
  if (opts.format === 'xml') await w.write('</Events>\n')
  await w.flush()
  const diagnostics = reader.diagnostics
  return {file, format: opts.format, records, recovered, diagnostics, errors: diagnostics.filter((d) => d.severity === 'error').length}
}
