import {diag, type Diagnostic} from '../../core/diagnostics.js'
import {errorMessage, isRatchetError} from '../../core/errors.js'
import {WindowsMapper} from '../../events/mappers/windows.js'
import type {NormalizedEvent} from '../../events/types.js'
import {openEvtx, type EvtxReader} from '../../parsers/evtx/index.js'
import type {ArtefactParserPlugin} from '../parser-api.js'
import {mapContext} from './util.js'
import {availableParallelism} from 'node:os'

/** Files smaller than this are parsed in the calling thread (worker start-up would cost more). */
export const EVTX_THREADS_MIN_BYTES = 8 * 1024 * 1024

export const evtxPlugin: ArtefactParserPlugin = {
  name: 'evtx',
  version: '1',
  accepts: (m) => /\.evtx$/i.test(m),
  parse(input, ctx) {
    const diagnostics: Diagnostic[] = []
    async function* run(): AsyncGenerator<NormalizedEvent> {
      // The EVTX parser reads the private copy at localPath itself (random access, worker threads); the
      // driver has hashed the file already, so the sequential stream is not needed.
      input.destroy()
      const mapper = new WindowsMapper()
      const mc = mapContext(ctx)
      let file: EvtxReader
      try {
        // Like `ratchet evtx dump`, chunks are parsed by worker threads (one per core) for files big enough to
        // repay the start-up; the mapping runs here while workers parse ahead. Output order is unchanged.
        const threads = (ctx.size ?? 0) >= EVTX_THREADS_MIN_BYTES ? availableParallelism() : 1
        file = openEvtx(ctx.localPath, {threads})
      } catch (e) {
        const code = isRatchetError(e) ? e.code : 'EVTX_OPEN_FAILED'
        diagnostics.push(diag(code, 'error', `cannot parse as EVTX: ${errorMessage(e)}`, {file: ctx.member, artefact: ctx.artefact}))
        return
      }
      try {
        for await (const rec of file.records()) yield* mapper.map(mc, rec)
      } catch (e) {
        diagnostics.push(diag('EVTX_READ_FAILED', 'error', `EVTX reading stopped: ${errorMessage(e)}`, {file: ctx.member, artefact: ctx.artefact}))
      }
      yield* mapper.flush()
      for (const d of file.diagnostics) diagnostics.push({...d, file: ctx.member, artefact: ctx.artefact})
    }
    return {events: run(), diagnostics}
  },
}
