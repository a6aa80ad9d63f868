/**
 * A byte-level check of one events.jsonl line that proves, without building the event, that JSON.parse would
 * accept it and that parseEventLine's shape check (timeline/read-events.ts) would pass — and locates the few
 * top-level fields a whole-file pass needs (id, datetime, event_type, host, source, unverified). The report
 * needs only those for most of a million events; building every event (JSON.parse) was most of its time.
 *
 * It is deliberately partial: whatever it is not sure of it refuses (whitespace between tokens, a key with an
 * escape at the top level, a located field with an escape or of an unexpected type, a top-level key the
 * shape check or the caller reads seen twice, nesting deeper than MAX_DEPTH, a timestamp that is not a plain
 * integer of at most 16 digits), and the caller then takes the general path (decode, JSON.parse, shape
 * check), which decides and reports exactly as before. So: accepted ⇒ JSON.parse accepts the line, the
 * shape check passes, and the located fields equal the parsed values; refused ⇒ nothing is concluded.
 *
 * Why bytes are enough: UTF-8 multi-byte sequences never contain bytes below 0x80, and the decoder replaces
 * an invalid sequence without swallowing the ASCII byte after it, so `"`, `\` and control characters seen in
 * the bytes are exactly those of the decoded text; any byte of 0x80 or above is an ordinary character inside
 * a string and a syntax error outside one (refused there). For the same reason a located field, which lies
 * between two ASCII quotes, decodes on its own to the same text as within the whole line.
 */

/** Where the located fields lie: bytes [start, end) between their quotes, free of escapes. */
export interface ScannedEvent {
  idStart: number
  idEnd: number
  dtStart: number
  dtEnd: number
  typeStart: number
  typeEnd: number
  /** -1 (both) when the event has no host. */
  hostStart: number
  hostEnd: number
  /** -1 (both) when the event has no source. */
  sourceStart: number
  sourceEnd: number
  unverified: boolean
}

export const newScannedEvent = (): ScannedEvent => ({idStart: 0, idEnd: 0, dtStart: 0, dtEnd: 0, typeStart: 0, typeEnd: 0, hostStart: -1, hostEnd: -1, sourceStart: -1, sourceEnd: -1, unverified: false})

const QUOTE = 34
const BACKSLASH = 92
const COMMA = 44
const COLON = 58
const LBRACE = 123
const RBRACE = 125
const LBRACKET = 91
const RBRACKET = 93
/** Deeper values are refused (JSON.parse takes them; the general path decides). Bounds this file's recursion. */
const MAX_DEPTH = 32

/** Bytes that end the plain run of a string: `"`, `\` and the control characters JSON forbids unescaped. */
const STOP = new Uint8Array(256)
for (let c = 0; c < 32; c++) STOP[c] = 1
STOP[QUOTE] = 1
STOP[BACKSLASH] = 1

const isHex = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102)
const isDigit = (c: number): boolean => c >= 48 && c <= 57

/** `i` is just after an opening quote; the index after the closing quote, or -1 (escapes refused too). */
function plainString(b: Uint8Array, i: number, end: number): number {
  while (i < end && STOP[b[i]!] === 0) i++
  return i < end && b[i] === QUOTE ? i + 1 : -1
}

/** `i` is just after an opening quote; the index after the closing quote, or -1. Any valid escape allowed. */
function anyString(b: Uint8Array, i: number, end: number): number {
  for (;;) {
    while (i < end && STOP[b[i]!] === 0) i++
    if (i >= end) return -1
    const c = b[i]
    if (c === QUOTE) return i + 1
    if (c !== BACKSLASH) return -1
    const n = b[i + 1]
    if (n === 117) {
      // \uXXXX: any code unit, lone surrogates included, is valid JSON
      if (i + 6 > end || !isHex(b[i + 2]!) || !isHex(b[i + 3]!) || !isHex(b[i + 4]!) || !isHex(b[i + 5]!)) return -1
      i += 6
    } else if (n === QUOTE || n === BACKSLASH || n === 47 || n === 98 || n === 102 || n === 110 || n === 114 || n === 116) i += 2
    else return -1
  }
}

/** A JSON number (the full grammar); the index after it, or -1. */
function number(b: Uint8Array, i: number, end: number): number {
  if (i < end && b[i] === 45) i++
  if (i >= end) return -1
  if (b[i] === 48) i++
  else if (b[i]! >= 49 && b[i]! <= 57) while (i < end && isDigit(b[i]!)) i++
  else return -1
  if (i < end && b[i] === 46) {
    i++
    if (i >= end || !isDigit(b[i]!)) return -1
    while (i < end && isDigit(b[i]!)) i++
  }
  if (i < end && (b[i] === 101 || b[i] === 69)) {
    i++
    if (i < end && (b[i] === 43 || b[i] === 45)) i++
    if (i >= end || !isDigit(b[i]!)) return -1
    while (i < end && isDigit(b[i]!)) i++
  }
  return i
}

/** `word` (ASCII) at `i`; the index after it, or -1. */
function literal(b: Uint8Array, i: number, end: number, word: string): number {
  if (i + word.length > end) return -1
  for (let j = 0; j < word.length; j++) if (b[i + j] !== word.charCodeAt(j)) return -1
  return i + word.length
}

/** Any JSON value without whitespace at `i`, nested at most MAX_DEPTH; the index after it, or -1. */
function value(b: Uint8Array, i: number, end: number, depth: number): number {
  const c = b[i]
  if (c === QUOTE) return anyString(b, i + 1, end)
  if (c === LBRACE) return depth >= MAX_DEPTH ? -1 : object(b, i + 1, end, depth + 1)
  if (c === LBRACKET) return depth >= MAX_DEPTH ? -1 : array(b, i + 1, end, depth + 1)
  if (c === 116) return literal(b, i, end, 'true')
  if (c === 102) return literal(b, i, end, 'false')
  if (c === 110) return literal(b, i, end, 'null')
  return number(b, i, end)
}

/** `i` is just after `{`. */
function object(b: Uint8Array, i: number, end: number, depth: number): number {
  if (b[i] === RBRACE) return i + 1
  for (;;) {
    if (b[i] !== QUOTE) return -1
    i = anyString(b, i + 1, end)
    if (i < 0 || b[i] !== COLON) return -1
    i = value(b, i + 1, end, depth)
    if (i < 0) return -1
    const c = b[i]
    if (c === RBRACE) return i + 1
    if (c !== COMMA) return -1
    i++
  }
}

/** `i` is just after `[`. */
function array(b: Uint8Array, i: number, end: number, depth: number): number {
  if (b[i] === RBRACKET) return i + 1
  for (;;) {
    i = value(b, i, end, depth)
    if (i < 0) return -1
    const c = b[i]
    if (c === RBRACKET) return i + 1
    if (c !== COMMA) return -1
    i++
  }
}

/** Bytes [s, e) spell `word` (ASCII). */
function is(b: Uint8Array, s: number, e: number, word: string): boolean {
  if (e - s !== word.length) return false
  for (let j = 0; j < word.length; j++) if (b[s + j] !== word.charCodeAt(j)) return false
  return true
}

/**
 * evidence at `i`: an object whose `member` and `sha256` are strings, each key seen once (JSON.parse keeps
 * the last of repeated keys; not followed here). The index after it, or -1.
 */
function evidence(b: Uint8Array, i: number, end: number): number {
  if (b[i] !== LBRACE || b[i + 1] === RBRACE) return -1
  i++
  let member = 0
  let sha = 0
  for (;;) {
    if (b[i] !== QUOTE) return -1
    const ks = i + 1
    i = plainString(b, ks, end)
    // a key with an escape might spell member or sha256: refused
    if (i < 0 || b[i] !== COLON) return -1
    const ke = i - 1
    const v = i + 1
    const wanted = is(b, ks, ke, 'member') ? 1 : is(b, ks, ke, 'sha256') ? 2 : 0
    if (wanted !== 0) {
      if (b[v] !== QUOTE) return -1
      if (wanted === 1) member++
      else sha++
    }
    i = value(b, v, end, 1)
    if (i < 0) return -1
    const c = b[i]
    if (c === RBRACE) return member === 1 && sha === 1 ? i + 1 : -1
    if (c !== COMMA) return -1
    i++
  }
}

/** The strict ASCII prefix parseEventLine requires of datetime (`YYYY-MM-DDTHH:MM:SS`) at bytes [s, e). */
function datetimePrefixOk(b: Uint8Array, s: number, e: number): boolean {
  if (e - s < 19) return false
  for (let j = 0; j < 19; j++) {
    const c = b[s + j]!
    const want = j === 4 || j === 7 ? 45 : j === 10 ? 84 : j === 13 || j === 16 ? 58 : -1
    if (want === -1 ? !isDigit(c) : c !== want) return false
  }
  return true
}

// Top-level keys the shape check or the caller reads, one bit each (a second sighting is refused).
const ID = 1
const DATETIME = 2
const TIMESTAMP = 4
const EVENT_TYPE = 8
const EVIDENCE = 16
const HOST = 32
const SOURCE = 64
const UNVERIFIED = 128
const ATTRIBUTES = 256
const MESSAGE = 512
const TIMESTAMP_DESC = 1024
/** What the shape check requires. */
const REQUIRED = ID | DATETIME | TIMESTAMP | EVENT_TYPE | EVIDENCE

/** The bit of the top-level key at bytes [s, e), 0 for a key nobody reads here. */
function keyBit(b: Uint8Array, s: number, e: number): number {
  switch (e - s) {
    case 2:
      return is(b, s, e, 'id') ? ID : 0
    case 4:
      return is(b, s, e, 'host') ? HOST : 0
    case 6:
      return is(b, s, e, 'source') ? SOURCE : 0
    case 7:
      return is(b, s, e, 'message') ? MESSAGE : 0
    case 8:
      return is(b, s, e, 'datetime') ? DATETIME : is(b, s, e, 'evidence') ? EVIDENCE : 0
    case 9:
      return is(b, s, e, 'timestamp') ? TIMESTAMP : 0
    case 10:
      return is(b, s, e, 'event_type') ? EVENT_TYPE : is(b, s, e, 'unverified') ? UNVERIFIED : is(b, s, e, 'attributes') ? ATTRIBUTES : 0
    case 14:
      return is(b, s, e, 'timestamp_desc') ? TIMESTAMP_DESC : 0
    default:
      return 0
  }
}

/**
 * Checks line bytes [start, end) and fills `out`; false means "not proven, take the general path".
 * A line longer than `maxBytes` is always refused: with maxBytes at most the general path's character limit
 * (UTF-16 units never outnumber UTF-8 bytes) it is that path that reports over-long lines.
 * `bytes[end]` must be absent, CR or LF (a line's end as a line reader finds it): the scanner may look at
 * the byte at `end` and relies on it matching nothing JSON; any other byte there is refused.
 */
export function scanEventLine(b: Uint8Array, start: number, end: number, out: ScannedEvent, maxBytes: number): boolean {
  if (end - start > maxBytes || b[start] !== LBRACE) return false
  if (end < b.length && b[end] !== 10 && b[end] !== 13) return false
  out.hostStart = out.hostEnd = -1
  out.sourceStart = out.sourceEnd = -1
  out.unverified = false
  let seen = 0
  let i = start + 1
  for (;;) {
    if (b[i] !== QUOTE) return false
    const ks = i + 1
    i = plainString(b, ks, end)
    // a key with an escape might spell a wanted key: refused
    if (i < 0 || b[i] !== COLON) return false
    const bit = keyBit(b, ks, i - 1)
    const v = i + 1
    if (bit !== 0) {
      if (seen & bit) return false
      seen |= bit
    }
    if (bit === ID || bit === DATETIME || bit === EVENT_TYPE || bit === HOST || bit === SOURCE) {
      // a located string: no escapes, so its bytes decode to the parsed value
      if (b[v] !== QUOTE) return false
      i = plainString(b, v + 1, end)
      if (i < 0) return false
      const s = v + 1
      const e = i - 1
      if (bit === ID) {
        out.idStart = s
        out.idEnd = e
      } else if (bit === DATETIME) {
        if (!datetimePrefixOk(b, s, e)) return false
        out.dtStart = s
        out.dtEnd = e
      } else if (bit === EVENT_TYPE) {
        out.typeStart = s
        out.typeEnd = e
      } else if (bit === HOST) {
        out.hostStart = s
        out.hostEnd = e
      } else {
        out.sourceStart = s
        out.sourceEnd = e
      }
    } else if (bit === TIMESTAMP) {
      // a plain integer of at most 16 digits is finite (all the shape check asks)
      let j = v
      if (b[j] === 45) j++
      const d = j
      while (j < end && isDigit(b[j]!)) j++
      if (j === d || j - d > 16 || (b[d] === 48 && j - d > 1)) return false
      i = j
    } else if (bit === EVIDENCE) i = evidence(b, v, end)
    else if (bit === UNVERIFIED) {
      // `true` (what analyze writes) or `false`; any other value is the general path's to judge
      if (b[v] === 116) {
        i = literal(b, v, end, 'true')
        out.unverified = true
      } else i = literal(b, v, end, 'false')
    } else if (bit === ATTRIBUTES) i = b[v] === LBRACE ? object(b, v + 1, end, 1) : -1
    else if (bit === MESSAGE || bit === TIMESTAMP_DESC) {
      // the shape check replaces a non-string one with '' (the general path does that)
      i = b[v] === QUOTE ? anyString(b, v + 1, end) : -1
    } else i = value(b, v, end, 0)
    if (i < 0) return false
    const c = b[i]
    // the object must end the line and hold what the shape check requires
    if (c === RBRACE) return i + 1 === end && (seen & REQUIRED) === REQUIRED
    if (c !== COMMA) return false
    i++
  }
}
