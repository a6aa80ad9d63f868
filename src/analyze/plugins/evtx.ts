import {diag, type Diagnostic} from '../../core/diagnostics.js'
import {errorMessage, isRatchetError} from '../../core/errors.js'
import {WindowsMapper} from '../../events/mappers/windows.js'
import type {NormalizedEvent} from '../../events/types.js'
import {openEvtx, type EvtxReader} from '../../parsers/evtx/index.js'
import type {ArtefactParserPlugin} from '../parser-api.js'
import {mapContext} from './util.js'

export const evtxPlugin: ArtefactParserPlugin = {
  name: 'evtx',
  version: '1',
  accepts: (m) => /\.evtx$/i.test(m),
  parse(input, ctx) {
    const diagnostics: Diagnostic[] = []
    async function* run(): AsyncGenerator<NormalizedEvent> {
      // The EVTX parser reads the private copy at localPath itself (random access); the
      // driver has hashed the file already, so the sequential stream is not needed.
      input.destroy()
      const mapper = new WindowsMapper()
      const mc = mapContext(ctx)
      let file: EvtxReader
      try {
        // In the calling thread: worker threads would hand every record back by structured clone, which
        // costs more than parsing here (measured with bench:analyze: +30 % CPU); dump's workers return text.
        file = openEvtx(ctx.localPath, {threads: 1})
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
