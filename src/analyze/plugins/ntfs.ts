import {diag, type Diagnostic} from '../../core/diagnostics.js'
import {interestingPath, mapMftName, mapUsnRecord, volumePrefix} from '../../events/mappers/ntfs.js'
import type {NormalizedEvent} from '../../events/types.js'
import {FileSource} from '../../parsers/image/file-source.js'
import {fileRecord} from '../../parsers/ntfs/json.js'
import {iterateMft} from '../../parsers/ntfs/listing.js'
import {Mft} from '../../parsers/ntfs/mft.js'
import {walkUsn, type UsnRecord} from '../../parsers/ntfs/usn.js'
import type {ArtefactParserPlugin} from '../parser-api.js'
import {mapContext} from './util.js'

/**
 * Runs `body` over the driver's private copy of the file, opened for random access, once the input stream (which
 * the driver hashes as it flows) has been drained.
 */
async function* overLocalCopy(input: AsyncIterable<unknown>, localPath: string, body: (src: FileSource) => Generator<NormalizedEvent>): AsyncGenerator<NormalizedEvent> {
  for await (const _ of input) void _
  const src = new FileSource(localPath)
  try {
    yield* body(src)
  } finally {
    src.close()
  }
}

export const ntfsMft: ArtefactParserPlugin = {
  name: 'ntfs.mft',
  version: '1',
  accepts: (m) => /(^|\/)\$MFT$/i.test(m),
  parse(input, ctx) {
    const diagnostics: Diagnostic[] = []
    function* run(src: FileSource): Generator<NormalizedEvent> {
      const size = Mft.detectRecordSize(src)
      if (size === undefined) {
        diagnostics.push(diag('NTFS_MFT_NOT_MFT', 'error', 'no FILE record with a valid size in the first 64 KiB: not an $MFT', {file: ctx.member, artefact: ctx.artefact}))
        return
      }
      const mft = new Mft(src, size)
      const mc = mapContext(ctx)
      const drive = volumePrefix(ctx.originalPath)
      let skipped = 0
      for (const l of iterateMft(mft)) {
        if (!ctx.mftAllFiles && !interestingPath(l.path)) {
          skipped++
          continue
        }
        yield* mapMftName(mc, fileRecord(l), size, drive)
      }
      for (const p of mft.problems) diagnostics.push(diag(`NTFS_RECORD_${p.status.toUpperCase().replace(/-/g, '_')}`, 'warning', `MFT record ${p.entry} is not a usable FILE record (${p.status})`, {file: ctx.member, artefact: ctx.artefact, record: p.entry, offset: p.offset}))
      if (skipped) diagnostics.push(diag('NTFS_MFT_PATHS_NOT_MAPPED', 'info', `${skipped} file name(s) outside the interesting folders (user Downloads/AppData/Desktop/Documents, Windows\\Temp, ProgramData, ScreenConnect/AnyDesk folders) made no events; analyze --mft-all-files maps the whole volume`, {file: ctx.member, artefact: ctx.artefact}))
    }
    return {events: overLocalCopy(input, ctx.localPath, run), diagnostics}
  },
}

export const ntfsUsnJrnl: ArtefactParserPlugin = {
  name: 'ntfs.usnjrnl',
  version: '1',
  accepts: (m) => /(^|\/)(\$UsnJrnl(%3A|:|_)?)?\$J$/i.test(m),
  parse(input, ctx) {
    const diagnostics: Diagnostic[] = []
    function* run(src: FileSource): Generator<NormalizedEvent> {
      const mc = mapContext(ctx)
      const seen = new Set<string>()
      const batch: UsnRecord[] = []
      let other = 0
      // walkUsn is synchronous: records are gathered per call and mapped here; a $J is at most a few hundred MiB.
      const res = walkUsn(src, (r) => batch.push(r), ctx.member)
      for (const r of batch) {
        const evs = mapUsnRecord(mc, r, seen)
        if (evs.length === 0) other++
        yield* evs
      }
      for (const d of res.diagnostics) diagnostics.push({...d, artefact: ctx.artefact})
      if (other) diagnostics.push(diag('USN_RECORDS_NOT_MAPPED', 'info', `${other} of ${res.records} USN record(s) repeat a change already shown or record data/attribute changes only (no event)`, {file: ctx.member, artefact: ctx.artefact}))
    }
    return {events: overLocalCopy(input, ctx.localPath, run), diagnostics}
  },
}
