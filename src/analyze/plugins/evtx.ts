import {diag, type Diagnostic} from '../../core/diagnostics.js'
import {errorMessage, isRatchetError} from '../../core/errors.js'
import {WindowsMapper} from '../../events/mappers/windows.js'
import type {NormalizedEvent} from '../../events/types.js'
import type {EvtxRecord} from '../../parsers/evtx/record-types.js'
import type {ArtefactParserPlugin} from '../parser-api.js'
import {mapContext} from './util.js'

/**
 * The EVTX parser's API (src/parsers/evtx/index.ts, built on its own branch). Loaded dynamically so this
 * plugin builds and is testable before that module exists; when it is absent the file is reported as not
 * parsed rather than failing the run.
 */
interface EvtxApi {
  openEvtx(pathOrBuffer: string | Uint8Array, opts?: {threads?: number; carve?: boolean}): Promise<EvtxFile> | EvtxFile
}
interface EvtxFile {
  records(): AsyncIterable<EvtxRecord>
  diagnostics: Diagnostic[]
}

let apiPromise: Promise<EvtxApi | undefined> | undefined
export function loadEvtxApi(): Promise<EvtxApi | undefined> {
  const spec = '../../parsers/evtx/index.js'
  apiPromise ??= import(spec).then((m: Partial<EvtxApi>) => (typeof m.openEvtx === 'function' ? (m as EvtxApi) : undefined)).catch(() => undefined)
  return apiPromise
}

export const evtxPlugin: ArtefactParserPlugin = {
  name: 'evtx',
  version: '1',
  accepts: (m) => /\.evtx$/i.test(m),
  parse(input, ctx) {
    const diagnostics: Diagnostic[] = []
    async function* run(): AsyncGenerator<NormalizedEvent> {
      // The parser reads the private copy at localPath (random access); the driver hashes the stream.
      const drained = (async () => {
        for await (const _ of input) void _
      })()
      const api = await loadEvtxApi()
      if (!api) {
        await drained
        diagnostics.push(diag('EVTX_PARSER_UNAVAILABLE', 'error', 'the EVTX parser module is not available in this build; file not parsed', {file: ctx.member, artefact: ctx.artefact}))
        return
      }
      const mapper = new WindowsMapper()
      const mc = mapContext(ctx)
      let file: EvtxFile
      try {
        file = await api.openEvtx(ctx.localPath, {})
      } catch (e) {
        await drained
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
      await drained
      for (const d of file.diagnostics) diagnostics.push({...d, file: ctx.member, artefact: ctx.artefact})
    }
    return {events: run(), diagnostics}
  },
}
