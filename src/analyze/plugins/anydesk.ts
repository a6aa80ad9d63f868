import {diag, type Diagnostic} from '../../core/diagnostics.js'
import {mapConf, mapConnectionTrace, mapFileTransfer, mapTraceLine} from '../../events/mappers/anydesk.js'
import type {NormalizedEvent} from '../../events/types.js'
import {parseAnyDeskConf} from '../../parsers/anydesk/conf.js'
import {parseConnectionTraceLine} from '../../parsers/anydesk/connection-trace.js'
import {parseFileTransferLine} from '../../parsers/anydesk/file-transfer-trace.js'
import {parseTraceLine} from '../../parsers/anydesk/trace.js'
import {decodeText} from '../../parsers/text.js'
import type {ArtefactParserPlugin} from '../parser-api.js'
import {baseName, mapContext, readAllBounded, textEvents} from './util.js'

const inAnyDesk = (m: string): boolean => /anydesk/i.test(m)

export const anydeskTrace: ArtefactParserPlugin = {
  name: 'anydesk.trace',
  version: '1',
  accepts: (m) => /\.trace$/i.test(m) && inAnyDesk(m),
  parse(input, ctx) {
    const diagnostics: Diagnostic[] = []
    const mc = mapContext(ctx)
    let quiet = 0
    const blanked: number[] = []
    async function* run(): AsyncGenerator<NormalizedEvent> {
      yield* textEvents(input, ctx, diagnostics, 'ANYDESK_TRACE', (l) => {
        const r = parseTraceLine(l.text)
        if (r.kind === 'record') {
          const ev = mapTraceLine(mc, r.record, l.text, l.line)
          if (!ev) quiet++
          else if (ev.attributes?.address_blanked !== undefined) blanked.push(l.line)
          return ev
        }
        return r.kind === 'unparsed' ? 'unparsed' : undefined
      })
      // a peer address with digits replaced by `x` (as some published traces are) cannot be matched or judged
      if (blanked.length)
        diagnostics.push(diag('ANYDESK_TRACE_ADDRESS_BLANKED', 'warning', `${blanked.length} peer address(es) are blanked with "x" in the trace (lines ${blanked.slice(0, 5).join(', ')}${blanked.length > 5 ? ', …' : ''}): the sessions keep no remote address, so IOC matching and the external-address check cannot use them`, {file: ctx.member, artefact: ctx.artefact, line: blanked[0]}))
      if (quiet) diagnostics.push(diag('ANYDESK_TRACE_LINES_WITHOUT_EVENT', 'info', `${quiet} well-formed trace line(s) carry no investigative meaning and produced no event`, {file: ctx.member, artefact: ctx.artefact}))
    }
    return {events: run(), diagnostics}
  },
}

export const anydeskConnectionTrace: ArtefactParserPlugin = {
  name: 'anydesk.connection-trace',
  version: '1',
  accepts: (m) => /(^|\/)connection_trace\.txt$/i.test(m),
  parse(input, ctx) {
    const diagnostics: Diagnostic[] = []
    const mc = mapContext(ctx)
    const events = textEvents(input, ctx, diagnostics, 'ANYDESK_CONNECTION_TRACE', (l) => {
      if (!l.text.trim()) return undefined
      const r = parseConnectionTraceLine(l.text)
      return (r && mapConnectionTrace(mc, r, l.text, l.line)) || 'unparsed'
    })
    return {events, diagnostics}
  },
}

export const anydeskFileTransferTrace: ArtefactParserPlugin = {
  name: 'anydesk.file-transfer-trace',
  version: '1',
  accepts: (m) => /(^|\/)file_transfer_trace\.txt$/i.test(m),
  parse(input, ctx) {
    const diagnostics: Diagnostic[] = []
    const mc = mapContext(ctx)
    const events = textEvents(input, ctx, diagnostics, 'ANYDESK_FILE_TRANSFER_TRACE', (l) => {
      if (!l.text.trim()) return undefined
      const r = parseFileTransferLine(l.text)
      return (r && mapFileTransfer(mc, r, l.text, l.line)) || 'unparsed'
    })
    return {events, diagnostics}
  },
}

const MAX_CONF = 16 * 1024 * 1024

export const anydeskConf: ArtefactParserPlugin = {
  name: 'anydesk.conf',
  version: '1',
  accepts: (m) => /\.conf$/i.test(m) && inAnyDesk(m),
  parse(input, ctx) {
    const diagnostics: Diagnostic[] = []
    async function* run(): AsyncGenerator<NormalizedEvent> {
      const buf = await readAllBounded(input, MAX_CONF)
      if (!buf) {
        diagnostics.push(diag('ANYDESK_CONF_TOO_LARGE', 'error', `config larger than ${MAX_CONF} bytes; not parsed`, {file: ctx.member, artefact: ctx.artefact}))
        return
      }
      yield* mapConf(mapContext(ctx), parseAnyDeskConf(decodeText(buf).text), baseName(ctx.member))
    }
    return {events: run(), diagnostics}
  },
}
