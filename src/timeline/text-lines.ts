import {createReadStream} from 'node:fs'

/** Called once per line with the bytes [start, end) of `bytes`; `bytes[end]` is CR, LF or past the end. */
export type OnLineBytes = (bytes: Buffer, start: number, end: number) => void

/**
 * Called after the lines of each read block (and after a last line without an end): where a reader that writes as it goes
 * waits for its output (back-pressure), so the per-line callback stays synchronous.
 */
export type OnBlockEnd = () => Promise<void> | void

/**
 * The lines of a file as byte ranges, split exactly as node:readline splits them (with `crlfDelay: Infinity`)
 * (LF, CRLF and a lone CR end a line; a last line without an end counts, an empty tail after the last end
 * does not), so line numbers agree with every other reader of events.jsonl. Nothing is decoded: a caller
 * that needs a few fields of most lines reads them from the bytes and decodes only what it keeps (the
 * report's pass, the timeline's direct CSV path), and never the whole file in memory.
 *
 * A range usually points into a read block, which the stream never reuses: keeping a reference is safe, but
 * it pins the whole block (1 MiB), so keep only a bounded number of them. `blockSize` exists for tests.
 */
export async function forEachLineBytes(path: string, onLine: OnLineBytes, blockSize = 1 << 20, onBlockEnd?: OnBlockEnd): Promise<void> {
  const parts: Buffer[] = [] // a line's bytes from earlier blocks
  for await (const block of createReadStream(path, {highWaterMark: blockSize}) as AsyncIterable<Buffer>) {
    let start = 0
    // the next CR at or after `start` (block.length when none): one search per CR, not one per line
    let cr = block.indexOf(13)
    if (cr === -1) cr = block.length
    for (let lf = block.indexOf(10); lf !== -1; lf = block.indexOf(10, start)) {
      if (parts.length > 0) {
        parts.push(block.subarray(start, lf))
        const seg = Buffer.concat(parts)
        parts.length = 0
        const segCr = seg.indexOf(13)
        crSplit(seg, 0, seg.length, segCr === -1 ? seg.length : segCr, true, onLine)
      } else {
        if (cr < start) {
          cr = block.indexOf(13, start)
          if (cr === -1) cr = block.length
        }
        crSplit(block, start, lf, cr, true, onLine)
      }
      start = lf + 1
    }
    // copied: a kept subarray would pin the whole block while a long line gathers
    if (start < block.length) parts.push(Buffer.from(block.subarray(start)))
    await onBlockEnd?.()
  }
  if (parts.length > 0) {
    const seg = Buffer.concat(parts)
    const cr = seg.indexOf(13)
    crSplit(seg, 0, seg.length, cr === -1 ? seg.length : cr, false, onLine)
    await onBlockEnd?.()
  }
}

/**
 * The lines inside one segment [from, to) (ended by LF, or by the end of the file): a CR before the LF
 * belongs to the LF; any other CR ends a line. `cr` is the first CR at or after `from` (or past `to`).
 */
function crSplit(seg: Buffer, from: number, to: number, cr: number, endedByLf: boolean, onLine: OnLineBytes): void {
  let end = to
  if (endedByLf && end > from && seg[end - 1] === 13) end--
  let start = from
  while (cr < end) {
    onLine(seg, start, cr)
    start = cr + 1
    cr = seg.indexOf(13, start)
    if (cr === -1) cr = seg.length
  }
  // after a lone CR at the very end of the file readline has nothing left to emit
  if (endedByLf || start < end) onLine(seg, start, end)
}
