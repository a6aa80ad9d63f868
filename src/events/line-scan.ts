/**
 * A byte-level check of one events.jsonl line that proves, without building the event, that JSON.parse would
 * accept it and that parseEventLine's shape check would pass — and locates the few top-level fields a
 * whole-file pass needs (id, datetime, event_type, host, source, unverified). The report only needs those
 * for most of a million events; building every event (JSON.parse) was most of its time.
 *
 * It is deliberately partial: whatever it is not sure of it refuses (whitespace between tokens, a wanted
 * field with an escape or of an unexpected type, a key seen twice, deep nesting, a number that is not a
 * plain integer where a number is required), and the caller then takes the general path (decode, JSON.parse,
 * shape check), which decides and reports exactly as before. So: accepted ⇒ JSON.parse accepts the line and
 * the located fields equal the parsed values; refused ⇒ nothing is concluded.
 *
 * Why bytes are enough: UTF-8 multi-byte sequences never contain bytes below 0x80, and the decoder replaces
 * an invalid sequence without swallowing the ASCII byte after it, so `"`, `\` and control characters seen in
 * the bytes are exactly those of the decoded text; any byte of 0x80 or above is an ordinary character inside
 * a string and a syntax error outside one (this check refuses it there).
 */

/** Where a located string value lies: bytes [start, end) between its quotes, free of escapes. */
export interface ScannedEvent {
  idStart: number
  idEnd: number
  dtStart: number
  dtEnd: number
  typeStart: number
  typeEnd: number
  /** -1 when the event has no host. */
  hostStart: number
  hostEnd: number
  /** -1 when the event has no source. */
  sourceStart: number
  sourceEnd: number
  unverified: boolean
}

export const newScannedEvent = (): ScannedEvent => ({idStart: 0, idEnd: 0, dtStart: 0, dtEnd: 0, typeStart: 0, typeEnd: 0, hostStart: -1, hostEnd: -1, sourceStart: -1, sourceEnd: -1, unverified: false})

const QUOTE = 34
const BACKSLASH = 92
const COMMA = 44
const COLON = 58
const MAX_DEPTH = 32

// Top-level keys this check cares about, as bytes.
const K = (s: string): Uint8Array => new TextEncoder().encode(s)
const K_ID = K('id')
const K_DATETIME = K('datetime')
const K_TIMESTAMP = K('timestamp')
const K_EVENT_TYPE = K('event_type')
const K_HOST = K('host')
const K_SOURCE = K('source')
const K_UNVERIFIED = K('unverified')
const K_EVIDENCE = K('evidence')
const K_ATTRIBUTES = K('attributes')
const K_MESSAGE = K('message')
const K_TIMESTAMP_DESC = K('timestamp_desc')
const K_MEMBER = K('member')
const K_SHA256 = K('sha256')

function keyIs(b: Uint8Array, s: number, e: number, k: Uint8Array): boolean {
  if (e - s !== k.length) return false
  for (let i = 0; i < k.length; i++) if (b[s + i] !== k[i]) return false
  return true
}

// Scanner state shared by the helpers below (one line at a time, single-threaded).
let buf: Uint8Array = new Uint8Array(0)
let lim = 0
/** Set by scanString: the string just scanned held a backslash escape. */
let escaped = false

/** Bytes that end the plain run of a string: `"`, `\\` and the control characters JSON forbids unescaped. */
const STOP = new Uint8Array(256)
for (let c = 0; c < 32; c++) STOP[c] = 1
STOP[QUOTE] = 1
STOP[BACKSLASH] = 1

/** `i` is just after an opening quote; returns the index after the closing quote, or -1. */
function scanString(i: number): number {
  escaped = false
  const b = buf
  const end = lim
  for (;;) {
    while (i < end && STOP[b[i]!] === 0) i++
    if (i >= end) return -1
    const c = b[i]!
    if (c === QUOTE) return i + 1
    if (c !== BACKSLASH) return -1
    escaped = true
    const n = b[i + 1]
    if (n === 117) {
      // \uXXXX (any code unit, lone surrogates included, is valid JSON)
      if (i + 6 > end) return -1
      for (let j = i + 2; j < i + 6; j++) if (!isHex(b[j]!)) return -1
      i += 6
    } else if (n === QUOTE || n === BACKSLASH || n === 47 || n === 98 || n === 102 || n === 110 || n === 114 || n === 116) i += 2
    else return -1
  }
}

const isHex = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102)
const isDigit = (c: number): boolean => c >= 48 && c <= 57

/** A JSON number (the full grammar); returns the index after it, or -1. */
function scanNumber(i: number): number {
  const b = buf
  if (b[i] === 45) i++
  if (i >= lim) return -1
  if (b[i] === 48) i++
  else if (b[i]! >= 49 && b[i]! <= 57) while (i < lim && isDigit(b[i]!)) i++
  else return -1
  if (i < lim && b[i] === 46) {
    i++
    if (i >= lim || !isDigit(b[i]!)) return -1
    while (i < lim && isDigit(b[i]!)) i++
  }
  if (i < lim && (b[i] === 101 || b[i] === 69)) {
    i++
    if (i < lim && (b[i] === 43 || b[i] === 45)) i++
    if (i >= lim || !isDigit(b[i]!)) return -1
    while (i < lim && isDigit(b[i]!)) i++
  }
  return i
}

function literal(i: number, word: string): number {
  if (i + word.length > lim) return -1
  for (let j = 0; j < word.length; j++) if (buf[i + j] !== word.charCodeAt(j)) return -1
  return i + word.length
}

/** Any JSON value without whitespace; returns the index after it, or -1. */
function scanValue(i: number, depth: number): number {
  const c = buf[i]
  if (c === QUOTE) return scanString(i + 1)
  if (c === 123) return depth >= MAX_DEPTH ? -1 : scanObject(i + 1, depth + 1)
  if (c === 91) return depth >= MAX_DEPTH ? -1 : scanArray(i + 1, depth + 1)
  if (c === 116) return literal(i, 'true')
  if (c === 102) return literal(i, 'false')
  if (c === 110) return literal(i, 'null')
  return scanNumber(i)
}

/** `i` is just after `{`. */
function scanObject(i: number, depth: number): number {
  if (buf[i] === 125) return i + 1
  for (;;) {
    if (buf[i] !== QUOTE) return -1
    i = scanString(i + 1)
    if (i < 0 || buf[i] !== COLON) return -1
    i = scanValue(i + 1, depth)
    if (i < 0) return -1
    const c = buf[i]
    if (c === 125) return i + 1
    if (c !== COMMA) return -1
    i++
  }
}

/** `i` is just after `[`. */
function scanArray(i: number, depth: number): number {
  if (buf[i] === 93) return i + 1
  for (;;) {
    i = scanValue(i, depth)
    if (i < 0) return -1
    const c = buf[i]
    if (c === 93) return i + 1
    if (c !== COMMA) return -1
    i++
  }
}

/** evidence: an object whose `member` and `sha256` are strings (each seen once). */
function scanEvidence(i: number): number {
  if (buf[i] !== 123) return -1
  i++
  let member = 0
  let sha = 0
  if (buf[i] === 125) return -1
  for (;;) {
    if (buf[i] !== QUOTE) return -1
    const ks = i + 1
    i = scanString(ks)
    if (i < 0 || buf[i] !== COLON) return -1
    const ke = i - 1
    const isMember = keyIs(buf, ks, ke, K_MEMBER)
    const isSha = !isMember && keyIs(buf, ks, ke, K_SHA256)
    const v = i + 1
    i = scanValue(v, 1)
    if (i < 0) return -1
    if (isMember || isSha) {
      if (buf[v] !== QUOTE) return -1
      if (isMember) member++
      else sha++
    }
    const c = buf[i]
    if (c === 125) return member === 1 && sha === 1 ? i + 1 : -1
    if (c !== COMMA) return -1
    i++
  }
}

/** Strict ASCII shape of analyze's datetime prefix (`YYYY-MM-DDTHH:MM:SS`), as parseEventLine requires. */
function datetimePrefixOk(s: number, e: number): boolean {
  if (e - s < 19) return false
  const b = buf
  for (let j = 0; j < 19; j++) {
    const c = b[s + j]!
    const want = j === 4 || j === 7 ? 45 : j === 10 ? 84 : j === 13 || j === 16 ? 58 : -1
    if (want === -1 ? !isDigit(c) : c !== want) return false
  }
  return true
}

/**
 * Checks line bytes [start, end) and fills `out`; false means "not proven, take the general path".
 * A line longer than `maxBytes` is always refused: with maxBytes at most the general path's character limit
 * (UTF-16 units never outnumber UTF-8 bytes) it is that path that reports over-long lines.
 * `bytes[end]` must be absent, CR or LF (a line's end as a line reader finds it): the scanner may look at
 * the byte at `end` and relies on it matching nothing JSON; any other byte there is refused.
 */
export function scanEventLine(bytes: Uint8Array, start: number, end: number, out: ScannedEvent, maxBytes: number): boolean {
  if (end - start > maxBytes || bytes[start] !== 123) return false
  if (end < bytes.length && bytes[end] !== 10 && bytes[end] !== 13) return false
  buf = bytes
  lim = end
  let seen = 0
  out.hostStart = -1
  out.sourceStart = -1
  out.unverified = false
  let i = start + 1
  if (buf[i] === 125) return false
  for (;;) {
    if (buf[i] !== QUOTE) return false
    const ks = i + 1
    i = scanString(ks)
    if (i < 0 || escaped || buf[i] !== COLON) return false
    const ke = i - 1
    const v = i + 1
    const first = buf[ks]
    let bit = 0
    if (first === 105 && keyIs(buf, ks, ke, K_ID)) bit = 1
    else if (first === 100 && keyIs(buf, ks, ke, K_DATETIME)) bit = 2
    else if (first === 116 && keyIs(buf, ks, ke, K_TIMESTAMP)) bit = 4
    else if (first === 101 && keyIs(buf, ks, ke, K_EVENT_TYPE)) bit = 8
    else if (first === 101 && keyIs(buf, ks, ke, K_EVIDENCE)) bit = 16
    else if (first === 104 && keyIs(buf, ks, ke, K_HOST)) bit = 32
    else if (first === 115 && keyIs(buf, ks, ke, K_SOURCE)) bit = 64
    else if (first === 117 && keyIs(buf, ks, ke, K_UNVERIFIED)) bit = 128
    else if (first === 97 && keyIs(buf, ks, ke, K_ATTRIBUTES)) bit = 256
    else if (first === 109 && keyIs(buf, ks, ke, K_MESSAGE)) bit = 512
    else if (first === 116 && keyIs(buf, ks, ke, K_TIMESTAMP_DESC)) bit = 1024
    if (bit !== 0) {
      // JSON.parse keeps the last of repeated keys; not worth following here
      if (seen & bit) return false
      seen |= bit
    }
    switch (bit) {
      case 1:
      case 2:
      case 8:
      case 32:
      case 64: {
        // a located string: no escapes, so its bytes decode to the parsed value
        if (buf[v] !== QUOTE) return false
        i = scanString(v + 1)
        if (i < 0 || escaped) return false
        if (bit === 1) (out.idStart = v + 1), (out.idEnd = i - 1)
        else if (bit === 2) {
          if (!datetimePrefixOk(v + 1, i - 1)) return false
          ;(out.dtStart = v + 1), (out.dtEnd = i - 1)
        } else if (bit === 8) (out.typeStart = v + 1), (out.typeEnd = i - 1)
        else if (bit === 32) (out.hostStart = v + 1), (out.hostEnd = i - 1)
        else (out.sourceStart = v + 1), (out.sourceEnd = i - 1)
        break
      }
      case 4: {
        // a plain integer of at most 16 digits is finite and exact
        let j = v
        if (buf[j] === 45) j++
        const d = j
        while (j < lim && isDigit(buf[j]!)) j++
        if (j === d || j - d > 16 || (buf[d] === 48 && j - d > 1)) return false
        i = j
        break
      }
      case 16:
        i = scanEvidence(v)
        break
      case 128:
        // only `true` (what analyze writes) or `false` are followed; anything else is the general path's
        if (buf[v] === 116) {
          i = literal(v, 'true')
          out.unverified = true
        } else i = literal(v, 'false')
        break
      case 256:
        if (buf[v] !== 123) return false
        i = scanObject(v + 1, 1)
        break
      case 512:
      case 1024:
        // parseEventLine replaces a non-string message/timestamp_desc with '' (the general path does that)
        if (buf[v] !== QUOTE) return false
        i = scanString(v + 1)
        break
      default:
        i = scanValue(v, 0)
    }
    if (i < 0) return false
    const c = buf[i]
    if (c === 125) {
      // required: id, datetime, timestamp, event_type, evidence; the object must end the line
      return i + 1 === end && (seen & 31) === 31
    }
    if (c !== COMMA) return false
    i++
  }
}
