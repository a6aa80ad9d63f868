import type {Readable} from 'node:stream'
import type {ArtefactParserPlugin, ParseContext, ParseOutput} from '../../analyze/parser-api.js'
import {diag} from '../../core/diagnostics.js'
import {RatchetError} from '../../core/errors.js'
import {mapVolatileParsed} from '../../events/mappers/volatile.js'
import type {NormalizedEvent} from '../../events/types.js'
import {PARSED_FORMAT, type ParsedVolatileFile} from './records.js'

/** parsed.json files are small renderings; anything larger than this is not ours. */
export const MAX_PARSED_BYTES = 512 * 1024 * 1024

const MEMBER = /(?:^|\/)volatile\/[^/]+\/parsed(?:-\d+)?\.json$/i

async function readBounded(input: Readable, max: number): Promise<Buffer> {
  const chunks: Buffer[] = []
  let n = 0
  for await (const c of input) {
    const b = Buffer.isBuffer(c) ? c : Buffer.from(c as Uint8Array)
    n += b.length
    if (n > max) throw new RatchetError('E_INPUT_FORMAT', `volatile parsed file is larger than ${max} bytes`)
    chunks.push(b)
  }
  return Buffer.concat(chunks)
}

/** Validates the shape enough to map it; throws when the file is not a volatile parsed rendering at all. */
export function readParsedVolatile(text: string, member: string): ParsedVolatileFile {
  let v: unknown
  try {
    v = JSON.parse(text)
  } catch (e) {
    throw new RatchetError('E_INPUT_FORMAT', `${member} is not JSON: ${(e as Error).message}`, {member})
  }
  const o = v as Partial<ParsedVolatileFile> | null
  if (!o || typeof o !== 'object' || o.format !== PARSED_FORMAT || !Array.isArray(o.records)) {
    throw new RatchetError('E_INPUT_FORMAT', `${member} is not a ${PARSED_FORMAT} file`, {member})
  }
  return o as ParsedVolatileFile
}

/**
 * Analyze plugin for the structured renderings the volatile stage writes (`volatile/<artefact>/parsed.json`).
 * The raw stdout beside it stays the evidence; this reads the rendering so analysis needs no re-parsing, and
 * every event points back at the rendering's member and SHA-256.
 */
export const volatileParsedPlugin: ArtefactParserPlugin = {
  name: 'volatile.parsed',
  version: '1',
  accepts(member: string): boolean {
    return MEMBER.test(member.replace(/\\/g, '/'))
  },
  parse(input: Readable, ctx: ParseContext): ParseOutput {
    const diagnostics: ParseOutput['diagnostics'] = []
    async function* events(): AsyncGenerator<NormalizedEvent> {
      const parsed = readParsedVolatile((await readBounded(input, MAX_PARSED_BYTES)).toString('utf8'), ctx.member)
      const artefact = ctx.artefact || parsed.artefact
      // Diagnostics the collector recorded (failed commands, unparsed lines) travel on into analysis.
      for (const d of Array.isArray(parsed.diagnostics) ? parsed.diagnostics : []) diagnostics.push({...d, file: d.file ?? ctx.member})
      if (parsed.timed_out) diagnostics.push(diag('VOLATILE_CAPTURE_TIMED_OUT', 'warning', `${parsed.command} timed out during collection; records may be incomplete`, {file: ctx.member, artefact}))
      const out = mapVolatileParsed(parsed, {member: ctx.member, sha256: ctx.sha256, artefact, host: ctx.host})
      diagnostics.push(...out.diagnostics)
      for (const e of out.events) yield ctx.unverified ? {...e, unverified: true} : e
    }
    return {events: events(), diagnostics}
  },
}
