import {diag, type Diagnostic} from '../../core/diagnostics.js'
import {RatchetError} from '../../core/errors.js'
import {hasAscii} from '../../binary/le.js'
import {CHUNK_MAGIC, CHUNK_SIZE, FILE_HEADER_SIZE, parseFileHeader, type EvtxFileHeader} from './header.js'

/**
 * File-level checks shared by the buffer and streaming readers: is this EVTX at all, and what does the
 * header say. `firstSlot` is the first bytes of the first chunk slot (or empty when the file is shorter).
 */
export function checkFileHeader(head: Uint8Array, firstSlot: Uint8Array, fileSize: number, diags: Diagnostic[]): EvtxFileHeader {
  const header = parseFileHeader(head)
  if (!header.valid) {
    // A damaged file header is survivable when chunks follow; anything else is not an event log.
    if (!hasAscii(firstSlot, 0, CHUNK_MAGIC)) {
      throw new RatchetError('E_EVTX_NOT_EVTX', 'not an EVTX file: no ElfFile signature and no ElfChnk chunk at offset 4096', {size: fileSize})
    }
    diags.push(diag('EVTX_FILE_HEADER', 'warning', 'file header has no ElfFile signature; reading the chunks that follow', {offset: 0}))
    return header
  }
  if (fileSize < FILE_HEADER_SIZE) {
    diags.push(diag('EVTX_TRUNCATED', 'error', `file is ${fileSize} bytes, shorter than its 4096-byte header`, {offset: 0}))
  } else if (!header.checksumOk) {
    diags.push(diag('EVTX_FILE_HEADER_CRC', 'warning', `file header CRC32 mismatch (stored 0x${header.checksum.toString(16)})`, {offset: 0}))
  }
  return header
}

/**
 * After the last slot: an info diagnostic when the header understates the chunks in the file (a stale
 * header: the normal case), a warning when a clean header (CRC32 ok) declares chunks the file does not
 * carry — the log was cut, typically at a chunk boundary where nothing else looks wrong. Records are
 * missing, so the outcome is partial (see makesPartial).
 */
export function chunkCountNote(header: EvtxFileHeader, chunksSeen: number, diags: Diagnostic[]): void {
  if (header.valid && chunksSeen > header.numberOfChunks) {
    diags.push(diag('EVTX_STALE_HEADER', 'info', `file header declares ${header.numberOfChunks} chunks; ${chunksSeen} chunk slots carry a chunk (all were read)`))
  } else if (header.valid && header.checksumOk && chunksSeen < header.numberOfChunks && !diags.some((d) => d.code === 'EVTX_TRUNCATED' && d.offset === 0)) {
    // (a file cut inside its own header already carries the EVTX_TRUNCATED error saying so)
    diags.push(
      diag('EVTX_CHUNKS_MISSING', 'warning', `file header declares ${header.numberOfChunks} chunks but only ${chunksSeen} are in the file: the log is truncated and the records of ${header.numberOfChunks - chunksSeen} chunk(s) are missing`, {
        offset: FILE_HEADER_SIZE + chunksSeen * CHUNK_SIZE,
      }),
    )
  }
}
