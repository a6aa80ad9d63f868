import {createReadStream} from 'node:fs'

/**
 * Lines of a UTF-8 text file, split exactly as `readline` splits them (LF, CRLF and a lone CR end a line; a
 * last line without an end counts, an empty tail after the last end does not), read in 1 MiB blocks with
 * each line decoded once from its bytes. readline decodes the whole stream to one string and splits it with
 * a regular expression, which was a large part of reading a million-event events.jsonl.
 * `blockSize` exists for tests (block boundaries inside CRLF and multi-byte characters).
 */
export async function* readTextLines(path: string, blockSize = 1 << 20): AsyncGenerator<string> {
  for await (const line of readLineBytes(path, blockSize)) yield line.toString('utf8')
}

/**
 * The same lines as readTextLines, as their bytes (a view valid until the next line is asked for), for a
 * reader that can use most lines without decoding them (the timeline's direct CSV path).
 */
export async function* readLineBytes(path: string, blockSize = 1 << 20): AsyncGenerator<Buffer> {
  const parts: Buffer[] = [] // a line's bytes from earlier blocks
  for await (const block of createReadStream(path, {highWaterMark: blockSize}) as AsyncIterable<Buffer>) {
    let start = 0
    for (let lf = block.indexOf(10); lf !== -1; lf = block.indexOf(10, start)) {
      let line = block.subarray(start, lf)
      if (parts.length > 0) {
        parts.push(line)
        line = Buffer.concat(parts)
        parts.length = 0
      }
      yield* crSplit(line, true)
      start = lf + 1
    }
    // copied: the stream may reuse nothing, but a kept subarray would pin the whole block
    if (start < block.length) parts.push(Buffer.from(block.subarray(start)))
  }
  if (parts.length > 0) yield* crSplit(Buffer.concat(parts), false)
}

/** The lines inside one LF-delimited segment: a CR before the LF belongs to it; any other CR ends a line. */
function* crSplit(seg: Buffer, endedByLf: boolean): Generator<Buffer> {
  let end = seg.length
  if (endedByLf && end > 0 && seg[end - 1] === 13) end--
  let start = 0
  for (let cr = seg.indexOf(13); cr !== -1 && cr < end; cr = seg.indexOf(13, start)) {
    yield seg.subarray(start, cr)
    start = cr + 1
  }
  // after a lone CR at the very end of the file readline has nothing left to emit
  if (endedByLf || start < end) yield seg.subarray(start, end)
}
