import {TextDecoder} from 'node:util'
/**
 * Text decoding shared by the line-oriented parsers (AnyDesk traces, auth.log, …). Encodings are sniffed,
 * never assumed: a BOM wins; otherwise many NUL bytes at odd offsets mean UTF-16LE without BOM (AnyDesk
 * writes some files that way); otherwise UTF-8 (invalid bytes become U+FFFD, counted by the caller).
 */
export type TextEncoding = 'utf-8' | 'utf-16le' | 'utf-16be'

export interface Sniffed {
  encoding: TextEncoding
  bom: boolean
  /** Bytes to skip at the start (the BOM). */
  skip: number
}

export function sniffEncoding(head: Uint8Array): Sniffed {
  if (head.length >= 3 && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return {encoding: 'utf-8', bom: true, skip: 3}
  if (head.length >= 2 && head[0] === 0xff && head[1] === 0xfe) return {encoding: 'utf-16le', bom: true, skip: 2}
  if (head.length >= 2 && head[0] === 0xfe && head[1] === 0xff) return {encoding: 'utf-16be', bom: true, skip: 2}
  const n = Math.min(head.length, 4096) & ~1
  if (n >= 4) {
    let oddNul = 0
    let evenNul = 0
    for (let i = 0; i < n; i += 2) {
      if (head[i] === 0) evenNul++
      if (head[i + 1] === 0) oddNul++
    }
    const pairs = n / 2
    if (oddNul > pairs * 0.3 && evenNul < pairs * 0.05) return {encoding: 'utf-16le', bom: false, skip: 0}
    if (evenNul > pairs * 0.3 && oddNul < pairs * 0.05) return {encoding: 'utf-16be', bom: false, skip: 0}
  }
  return {encoding: 'utf-8', bom: false, skip: 0}
}

/** True when the bytes look binary (NULs in UTF-8 text): text parsers report it instead of emitting junk. */
export function looksBinary(head: Uint8Array, enc: Sniffed): boolean {
  if (enc.encoding !== 'utf-8') return false
  const n = Math.min(head.length, 4096)
  let nul = 0
  for (let i = 0; i < n; i++) if (head[i] === 0) nul++
  return nul > 0
}

export interface TextLine {
  /** 1-based line number. */
  line: number
  text: string
}

/** Longest line kept; longer lines are cut (and the cut reported by the caller through `truncated`). */
export const MAX_LINE_CHARS = 64 * 1024

/**
 * Splits decoded text chunks into lines (\n, \r\n, lone \r). Works incrementally so files are streamed.
 */
export class LineSplitter {
  private rest = ''
  private lineNo = 0
  truncatedLines = 0

  push(text: string, out: TextLine[]): void {
    let s = this.rest + text
    let start = 0
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i)
      if (c === 10 || c === 13) {
        this.emit(s.slice(start, i), out)
        if (c === 13 && s.charCodeAt(i + 1) === 10) i++
        start = i + 1
      }
    }
    s = s.slice(start)
    // A trailing \r may be the first half of \r\n split across chunks: keep it for the next push.
    if (s.length > MAX_LINE_CHARS) {
      this.emit(s.slice(0, MAX_LINE_CHARS), out)
      this.truncatedLines++
      s = ''
    }
    this.rest = s
  }

  end(out: TextLine[]): void {
    if (this.rest.length > 0) this.emit(this.rest, out)
    this.rest = ''
  }

  private emit(text: string, out: TextLine[]): void {
    this.lineNo++
    out.push({line: this.lineNo, text})
  }
}

/** Decodes a whole buffer (small files: configs, XML). */
export function decodeText(buf: Uint8Array): {text: string; encoding: Sniffed} {
  const enc = sniffEncoding(buf)
  const text = new TextDecoder(enc.encoding).decode(buf.subarray(enc.skip))
  return {text, encoding: enc}
}

/** Streams lines from byte chunks with encoding sniffed on the first chunk. */
export async function* linesFromChunks(chunks: AsyncIterable<Uint8Array>, onSniff?: (s: Sniffed, head: Uint8Array) => void): AsyncGenerator<TextLine> {
  let decoder: TextDecoder | undefined
  const splitter = new LineSplitter()
  const out: TextLine[] = []
  for await (const raw of chunks) {
    let chunk = raw
    if (!decoder) {
      const s = sniffEncoding(chunk)
      onSniff?.(s, chunk)
      decoder = new TextDecoder(s.encoding)
      chunk = chunk.subarray(s.skip)
    }
    splitter.push(decoder.decode(chunk, {stream: true}), out)
    if (out.length) {
      yield* out
      out.length = 0
    }
  }
  if (decoder) splitter.push(decoder.decode(), out)
  splitter.end(out)
  yield* out
}
