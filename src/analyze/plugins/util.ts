import type {Readable} from 'node:stream'
import {diag, type Diagnostic} from '../../core/diagnostics.js'
import type {MapContext} from '../../events/mappers/common.js'
import type {NormalizedEvent} from '../../events/types.js'
import {linesFromChunks, looksBinary, type Sniffed, type TextLine} from '../../parsers/text.js'
import type {ParseContext} from '../parser-api.js'

export function mapContext(ctx: ParseContext): MapContext {
  return {member: ctx.member, sha256: ctx.sha256, artefact: ctx.artefact, host: ctx.host, hostTimeZone: ctx.hostTimeZone, mtime: ctx.mtime, unverified: ctx.unverified}
}

export const baseName = (member: string): string => member.slice(member.lastIndexOf('/') + 1)

/** Reads a whole stream into memory, refusing more than `limit` bytes (returns undefined then). */
export async function readAllBounded(input: Readable, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = []
  let total = 0
  let over = false
  for await (const c of input as AsyncIterable<Buffer>) {
    total += c.length
    if (total > limit) over = true
    if (!over) chunks.push(c)
  }
  return over ? undefined : Buffer.concat(chunks)
}

/**
 * Line-oriented text plugin body: sniffs the encoding, reports binary content, streams lines to `onLine`.
 * Unparsed lines are reported individually up to a cap, then as one summary (nothing dropped silently).
 */
export async function* textEvents(
  input: Readable,
  ctx: ParseContext,
  diagnostics: Diagnostic[],
  code: string,
  onLine: (l: TextLine) => NormalizedEvent | NormalizedEvent[] | undefined | 'unparsed',
  opts: {maxUnparsedReports?: number} = {},
): AsyncGenerator<NormalizedEvent> {
  let sniffed: Sniffed | undefined
  let binary = false
  let unparsed = 0
  const cap = opts.maxUnparsedReports ?? 20
  const lines = linesFromChunks(input as AsyncIterable<Uint8Array>, (s, head) => {
    sniffed = s
    binary = looksBinary(head, s)
  })
  for await (const l of lines) {
    if (binary) break
    const r = onLine(l)
    if (r === 'unparsed') {
      unparsed++
      if (unparsed <= cap) diagnostics.push(diag(`${code}_UNPARSED_LINE`, 'warning', `line not in the expected layout: ${l.text.slice(0, 200)}`, {file: ctx.member, line: l.line, artefact: ctx.artefact}))
      continue
    }
    if (!r) continue
    if (Array.isArray(r)) yield* r
    else yield r
  }
  if (binary) {
    for await (const _ of input as AsyncIterable<Buffer>) void _ // drain, so the driver's hash completes
    diagnostics.push(diag(`${code}_BINARY`, 'error', 'binary content where text was expected; file not parsed', {file: ctx.member, artefact: ctx.artefact}))
  }
  if (unparsed > cap) diagnostics.push(diag(`${code}_UNPARSED_LINES`, 'warning', `${unparsed - cap} more line(s) not in the expected layout`, {file: ctx.member, artefact: ctx.artefact}))
  if (sniffed && sniffed.encoding !== 'utf-8') diagnostics.push(diag(`${code}_ENCODING`, 'info', `decoded as ${sniffed.encoding}${sniffed.bom ? ' (BOM)' : ' (no BOM, sniffed)'}`, {file: ctx.member, artefact: ctx.artefact}))
}
