import {COMMAND_TYPES, redacts} from '../core/redact.js'

/**
 * The timeline's CSV record of one events.jsonl line written straight from the line's UTF-8 bytes into the
 * output block: no JSON.parse, no event object, no strings to encode again. On a million events this is
 * most of the timeline stage (JSON.parse, per-cell strings, UTF-8 encoding and the garbage they make).
 *
 * It is deliberately partial. It writes a record only when it is sure the general path (parseEventLine's
 * JSON.parse and shape check, redactEvent, csvRecord) would write exactly these bytes, and otherwise returns
 * undefined (what it wrote past the caller's position is not counted), so the caller takes the general path,
 * which decides and reports as always. Refused:
 * whitespace between tokens, a field the record uses given twice, a value of a type the record would turn
 * into JSON text, a number that is not a plain safe integer, a `\u` escape other than those
 * oneLine rewrites anyway, attributes that JSON.stringify would not give back byte for byte (digit-only or
 * escaped keys, a key twice in one object, a non-canonical escape or number), datetimes that are not
 * analyze's 7-digit UTC form, events whose text redaction may change, and nesting deeper than MAX_DEPTH.
 * The caller checks the line is valid UTF-8 (so bytes ≥ 0x80 inside strings are characters, and `"`, `\`
 * and control bytes seen here are those of the decoded text).
 */

const QUOTE = 0x22
const BACKSLASH = 0x5c
const COMMA = 0x2c
const MAX_DEPTH = 32

export type DirectFormat = 'csv' | 'timesketch-csv'

/** Value kinds. */
const STR = 1
const NUM = 2
const TRUE = 3
const FALSE = 4
const NULL = 5
const OBJ = 6
const ARR = 7

/** Fields the record reads: top-level, then evidence's, then attributes.tool. */
const enum F {
  id,
  datetime,
  timestamp,
  timestamp_desc,
  event_type,
  message,
  host,
  user,
  src_ip,
  src_port,
  dst_ip,
  dst_port,
  remote_id,
  process,
  command_line,
  file_name,
  source,
  artefact,
  evidence,
  attributes,
  unverified,
  member,
  sha256,
  offset,
  record,
  line,
  tool,
  COUNT,
}
const TOP_KEYS = ['id', 'datetime', 'timestamp', 'timestamp_desc', 'event_type', 'message', 'host', 'user', 'src_ip', 'src_port', 'dst_ip', 'dst_port', 'remote_id', 'process', 'command_line', 'file_name', 'source', 'artefact', 'evidence', 'attributes', 'unverified']
const EVIDENCE_KEYS = ['member', 'sha256', 'offset', 'record', 'line']
const enc = (keys: string[]): Uint8Array[] => keys.map((k) => new TextEncoder().encode(k))
const TOP = enc(TOP_KEYS)
const EVIDENCE = enc(EVIDENCE_KEYS)
const TOOL = new TextEncoder().encode('tool')

/** Scanner state for one line (single-threaded, reused). */
let b: Buffer = Buffer.alloc(0)
let lim = 0
const kind = new Int8Array(F.COUNT)
const vs = new Int32Array(F.COUNT)
const ve = new Int32Array(F.COUNT)
/**
 * What scanString saw, for the writer: ESC a backslash, COMMA a comma (the cell is quoted), SPECIAL a byte
 * that may start a character oneLine rewrites (DEL, or the lead byte of U+0085 and U+2028/9). `strFlags`
 * is the last string's, `accFlags` gathers every string's until reset (attributes as a whole).
 */
const ESC = 1
const HAS_COMMA = 2
const SPECIAL = 4
let strFlags = 0
let accFlags = 0
let attrFlags = 0
/** Bytes that stop a string's plain run: control bytes, `"`, `\`, `,`, and what may start a SPECIAL. */
const STOP = new Uint8Array(256)
for (const c of [...Array(0x20).keys(), QUOTE, BACKSLASH, COMMA, 0x7f, 0xc2, 0xe2]) STOP[c] = 1
/** The last string scanned held an escape (a key so marked is refused rather than decoded). */
const lastEscaped = (): boolean => (strFlags & ESC) !== 0
const fl = new Int8Array(F.COUNT)
/** Key ranges of the objects being scanned inside attributes, for the duplicate check (one stack). */
const keyStart: number[] = []
const keyEnd: number[] = []

function keyIndex(s: number, e: number, table: Uint8Array[]): number {
  const n = e - s
  outer: for (let k = 0; k < table.length; k++) {
    const key = table[k]!
    if (key.length !== n) continue
    for (let i = 0; i < n; i++) if (b[s + i] !== key[i]) continue outer
    return k
  }
  return -1
}

const isHex = (c: number): boolean => (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46)
const hexVal = (c: number): number => (c <= 0x39 ? c - 0x30 : (c | 0x20) - 0x61 + 10)

/** Reads `\uXXXX` at i (i at the `u`); returns the code unit or -1. */
function u4(i: number): number {
  if (i + 4 >= lim || !isHex(b[i + 1]!) || !isHex(b[i + 2]!) || !isHex(b[i + 3]!) || !isHex(b[i + 4]!)) return -1
  return (hexVal(b[i + 1]!) << 12) | (hexVal(b[i + 2]!) << 8) | (hexVal(b[i + 3]!) << 4) | hexVal(b[i + 4]!)
}

/** Code units oneLine writes as `\uXXXX` (besides CR and LF); a `\u` escape of anything else is refused. */
const rewritten = (u: number): boolean => (u < 0x20 && u !== 0x09 && u !== 0x0a && u !== 0x0d) || u === 0x7f || u === 0x85 || u === 0x2028 || u === 0x2029

/**
 * `i` just after an opening quote; returns the index after the closing quote, or -1. `canonical`: only the
 * escapes JSON.stringify itself writes (so the raw text is what stringify would give back).
 */
function scanString(i: number, canonical: boolean): number {
  let flags = 0
  const buf = b
  const end = lim
  for (;;) {
    while (i < end && STOP[buf[i]!] === 0) i++
    if (i >= end) return -1
    const c = b[i]!
    if (c === QUOTE) {
      strFlags = flags
      accFlags |= flags
      return i + 1
    }
    if (c < 0x20) return -1 // JSON.parse refuses it: the general path reports the line
    if (c === COMMA || c === 0x7f || c === 0xc2 || c === 0xe2) {
      flags |= c === COMMA ? HAS_COMMA : SPECIAL
      i++
      continue
    }
    if (c === BACKSLASH) {
      flags |= ESC
      const d = b[i + 1]
      if (d === QUOTE || d === BACKSLASH || d === 0x6e || d === 0x72 || d === 0x74 || d === 0x62 || d === 0x66) i += 2
      else if (d === 0x2f && !canonical) i += 2
      else if (d === 0x75) {
        const u = u4(i + 1)
        if (u < 0 || !(rewritten(u) || u === 0x09 || u === 0x0a || u === 0x0d)) return -1
        // stringify writes \u00xx (lowercase) only for control characters without a short form
        if (canonical && (u > 0x1f || u === 0x08 || u === 0x09 || u === 0x0a || u === 0x0c || u === 0x0d || b[i + 2] !== 0x30 || b[i + 3] !== 0x30 || (b[i + 5]! >= 0x41 && b[i + 5]! <= 0x46))) return -1
        i += 6
      } else return -1
      continue
    }
  }
}

const MAX_SAFE = new TextEncoder().encode(String(Number.MAX_SAFE_INTEGER))

/** A plain integer (what String(JSON.parse(text)) gives back exactly); returns the end or -1. */
function scanInteger(i: number): number {
  const s = i
  if (b[i] === 0x2d) i++
  const d0 = i
  while (i < lim && b[i]! >= 0x30 && b[i]! <= 0x39) i++
  const digits = i - d0
  if (digits === 0 || digits > MAX_SAFE.length || (digits > 1 && b[d0] === 0x30)) return -1
  if (digits === MAX_SAFE.length) {
    for (let k = 0; k < digits; k++) {
      if (b[d0 + k]! < MAX_SAFE[k]!) break
      if (b[d0 + k]! > MAX_SAFE[k]!) return -1
    }
  }
  if (b[s] === 0x2d && digits === 1 && b[d0] === 0x30) return -1 // -0 prints as 0
  const c = b[i]
  if (c === 0x2e || c === 0x65 || c === 0x45) return -1
  return i
}

/** Any JSON value at i (inside attributes: canonical only); sets `vkind`; returns its end or -1. */
let vkind = 0
function scanValue(i: number, depth: number, canonical: boolean): number {
  const c = b[i]
  if (c === QUOTE) {
    vkind = STR
    return scanString(i + 1, canonical)
  }
  if (c === 0x7b) {
    const end = scanObject(i, depth + 1, canonical)
    vkind = OBJ // after the members, whose scans set it too
    return end
  }
  if (c === 0x5b) {
    const end = scanArray(i, depth + 1, canonical)
    vkind = ARR
    return end
  }
  if (c === 0x74) {
    vkind = TRUE
    return b[i + 1] === 0x72 && b[i + 2] === 0x75 && b[i + 3] === 0x65 ? i + 4 : -1
  }
  if (c === 0x66) {
    vkind = FALSE
    return b[i + 1] === 0x61 && b[i + 2] === 0x6c && b[i + 3] === 0x73 && b[i + 4] === 0x65 ? i + 5 : -1
  }
  if (c === 0x6e) {
    vkind = NULL
    return b[i + 1] === 0x75 && b[i + 2] === 0x6c && b[i + 3] === 0x6c ? i + 4 : -1
  }
  vkind = NUM
  return scanInteger(i)
}

/** A nested object (inside attributes or skipped): keys plain, never digit-only, never twice. */
function scanObject(i: number, depth: number, canonical: boolean): number {
  if (depth > MAX_DEPTH) return -1
  i++
  if (b[i] === 0x7d) return i + 1
  const mark = keyStart.length
  for (;;) {
    if (b[i] !== QUOTE) return -1
    const ks = i + 1
    const ke = scanString(ks, true) - 1
    if (ke < 0 || lastEscaped() || ke === ks) return -1
    if (canonical) {
      let digits = true
      for (let k = ks; k < ke && digits; k++) digits = b[k]! >= 0x30 && b[k]! <= 0x39
      if (digits) return -1 // an array-index key moves to the front when parsed
      for (let m = mark; m < keyStart.length; m++) if (sameBytes(keyStart[m]!, keyEnd[m]!, ks, ke)) return -1
      keyStart.push(ks)
      keyEnd.push(ke)
    }
    if (b[ke + 1] !== 0x3a) return -1
    i = scanValue(ke + 2, depth, canonical)
    if (i < 0) return -1
    if (b[i] === COMMA) {
      i++
      continue
    }
    keyStart.length = keyEnd.length = mark
    return b[i] === 0x7d ? i + 1 : -1
  }
}

function scanArray(i: number, depth: number, canonical: boolean): number {
  if (depth > MAX_DEPTH) return -1
  i++
  if (b[i] === 0x5d) return i + 1
  for (;;) {
    i = scanValue(i, depth, canonical)
    if (i < 0) return -1
    if (b[i] === COMMA) {
      i++
      continue
    }
    return b[i] === 0x5d ? i + 1 : -1
  }
}

function sameBytes(s1: number, e1: number, s2: number, e2: number): boolean {
  if (e1 - s1 !== e2 - s2) return false
  for (let k = 0; k < e1 - s1; k++) if (b[s1 + k] !== b[s2 + k]) return false
  return true
}

/**
 * A flat object whose wanted keys (table → field base..) are recorded: `evidence`, or the top level. Other
 * keys' values are checked and skipped. Returns the end or -1.
 */
function scanFields(i: number, table: Uint8Array[], base: number): number {
  i++
  if (b[i] === 0x7d) return i + 1
  for (;;) {
    if (b[i] !== QUOTE) return -1
    const ks = i + 1
    const ke = scanString(ks, false) - 1
    // an escaped key could spell a wanted one (`"\u0069d"` is `id`): refused rather than decoded
    if (ke < 0 || lastEscaped() || b[ke + 1] !== 0x3a) return -1
    const k = keyIndex(ks, ke, table)
    const v = ke + 2
    let end: number
    if (k >= 0 && base + k === F.attributes) {
      if (b[v] !== 0x7b) return -1
      accFlags = 0
      end = scanAttributes(v)
      attrFlags = accFlags
      vkind = OBJ
    } else if (k >= 0 && base + k === F.evidence) {
      if (b[v] !== 0x7b) return -1
      end = scanFields(v, EVIDENCE, F.member)
      vkind = OBJ
    } else end = scanValue(v, 1, false)
    if (end < 0) return -1
    if (k >= 0) {
      const f = base + k
      if (kind[f] !== 0) return -1 // given twice: JSON.parse keeps the last
      kind[f] = vkind
      vs[f] = v
      ve[f] = end
      fl[f] = f === F.attributes ? attrFlags : strFlags
    }
    i = end
    if (b[i] === COMMA) {
      i++
      continue
    }
    return b[i] === 0x7d ? i + 1 : -1
  }
}

/** attributes: canonical throughout, and its own `tool` key noted. */
function scanAttributes(i: number): number {
  const mark = keyStart.length
  i++
  if (b[i] === 0x7d) return i + 1
  for (;;) {
    if (b[i] !== QUOTE) return -1
    const ks = i + 1
    const ke = scanString(ks, true) - 1
    if (ke < 0 || lastEscaped() || ke === ks || b[ke + 1] !== 0x3a) return -1
    let digits = true
    for (let k = ks; k < ke && digits; k++) digits = b[k]! >= 0x30 && b[k]! <= 0x39
    if (digits) return -1
    for (let m = mark; m < keyStart.length; m++) if (sameBytes(keyStart[m]!, keyEnd[m]!, ks, ke)) return -1
    keyStart.push(ks)
    keyEnd.push(ke)
    const v = ke + 2
    const end = scanValue(v, 1, true)
    if (end < 0) return -1
    if (ke - ks === 4 && keyIndex(ks, ke, [TOOL]) === 0) {
      kind[F.tool] = vkind
      vs[F.tool] = v
      ve[F.tool] = end
      fl[F.tool] = strFlags
    }
    i = end
    if (b[i] === COMMA) {
      i++
      continue
    }
    keyStart.length = keyEnd.length = mark
    return b[i] === 0x7d ? i + 1 : -1
  }
}

// ---- writing ----

let o: Buffer = Buffer.alloc(0)
let op = 0

const HEX = new TextEncoder().encode('0123456789abcdef')
function putU(u: number): void {
  o[op++] = BACKSLASH
  o[op++] = 0x75
  o[op++] = HEX[(u >> 12) & 15]!
  o[op++] = HEX[(u >> 8) & 15]!
  o[op++] = HEX[(u >> 4) & 15]!
  o[op++] = HEX[u & 15]!
}
function putAscii(s: string): void {
  for (let k = 0; k < s.length; k++) o[op++] = s.charCodeAt(k)
}

/**
 * Writes the cell of a JSON string value (quotes at s-1 and e): its decoded text through oneLine, formula
 * prefix and RFC 4180 quoting, as valueCell does. `raw`: the value's JSON text itself (attributes), where
 * escapes stay as they are.
 */
function putText(s: number, e: number, raw: boolean, flags: number): void {
  if (s === e) return
  if (raw && (flags & SPECIAL) === 0) {
    // JSON text as it stands (escapes stay escapes): quoted keys, so always quoted, `"` doubled. Locals,
    // not the module's cursor, in the loop: this copies ~40 % of the output.
    const inp = b
    const out = o
    let p = op
    out[p++] = QUOTE
    for (let k = s; k < e; k++) {
      const c = inp[k]!
      out[p++] = c
      if (c === QUOTE) out[p++] = QUOTE
    }
    out[p++] = QUOTE
    op = p
    return
  }
  if (!raw && (flags & (ESC | SPECIAL)) === 0) {
    // the common case, decided by the scan: bytes as they are
    const quote = (flags & HAS_COMMA) !== 0
    if (quote) o[op++] = QUOTE
    const c0 = b[s]!
    if (c0 === 0x3d || c0 === 0x2b || c0 === 0x2d || c0 === 0x40 || (c0 === 0xef && b[s + 1] === 0xbc && (b[s + 2] === 0x9d || b[s + 2] === 0x8b || b[s + 2] === 0x8d || b[s + 2] === 0xa0))) o[op++] = 0x27
    if (e - s > 64) op += b.copy(o, op, s, e)
    else {
      const inp = b
      const out = o
      let p = op
      for (let k = s; k < e; k++) out[p++] = inp[k]!
      op = p
    }
    if (quote) o[op++] = QUOTE
    return
  }
  // first output character and whether the cell needs quotes, from one look at the bytes
  let quote = false
  for (let k = s; k < e && !quote; k++) {
    const c = b[k]!
    if (c === COMMA || c === QUOTE) quote = true
    else if (c === BACKSLASH && !raw) {
      if (b[k + 1] === QUOTE) quote = true
      k++
    }
  }
  if (!quote && raw) quote = true // raw text is JSON with quoted keys, or `[...]`, never bare
  let formula = false
  const c0 = b[s]!
  if (c0 === 0x3d || c0 === 0x2b || c0 === 0x2d || c0 === 0x40) formula = true
  else if (c0 === 0xef && b[s + 1] === 0xbc && (b[s + 2] === 0x9d || b[s + 2] === 0x8b || b[s + 2] === 0x8d || b[s + 2] === 0xa0)) formula = true
  else if (!raw && c0 === BACKSLASH && (b[s + 1] === 0x74 || (b[s + 1] === 0x75 && u4(s + 1) === 0x09))) formula = true
  if (quote) o[op++] = QUOTE
  if (formula) o[op++] = 0x27
  for (let k = s; k < e; k++) {
    const c = b[k]!
    if (c === QUOTE) {
      o[op++] = QUOTE
      o[op++] = QUOTE
    } else if (c === BACKSLASH && !raw) {
      const d = b[k + 1]!
      k++
      if (d === 0x6e || d === 0x72) {
        o[op++] = BACKSLASH
        o[op++] = d
      } else if (d === 0x74) o[op++] = 0x09
      else if (d === 0x62) putU(0x08)
      else if (d === 0x66) putU(0x0c)
      else if (d === QUOTE) {
        o[op++] = QUOTE
        o[op++] = QUOTE
      } else if (d === 0x75) {
        const u = u4(k)
        k += 4
        if (u === 0x0a) putAscii('\\n')
        else if (u === 0x0d) putAscii('\\r')
        else if (u === 0x09) o[op++] = 0x09
        else putU(u)
      } else o[op++] = d // \\ and \/
    } else if (c === 0x7f) putU(0x7f)
    else if (c === 0xc2 && b[k + 1] === 0x85) {
      putU(0x85)
      k++
    } else if (c === 0xe2 && b[k + 1] === 0x80 && (b[k + 2] === 0xa8 || b[k + 2] === 0xa9)) {
      putU(b[k + 2] === 0xa8 ? 0x2028 : 0x2029)
      k += 2
    } else o[op++] = c
  }
  if (quote) o[op++] = QUOTE
}

/** A cell from a recorded field: strings as text, integers as they are, true/false as words, null empty. */
function putField(f: number): boolean {
  const k = kind[f]!
  if (k === 0 || k === NULL) return true
  if (k === STR) putText(vs[f]! + 1, ve[f]! - 1, false, fl[f]!)
  else if (k === NUM) for (let i = vs[f]!; i < ve[f]!; i++) o[op++] = b[i]!
  else if (k === TRUE) putAscii('true')
  else if (k === FALSE) putAscii('false')
  else return false // an object or array would be JSON text: the general path writes it
  return true
}

/** message and timestamp_desc: a value that is not a string is '' (the shape check makes it so). */
function putTextOrEmpty(field: number): void {
  if (kind[field] === STR) putText(vs[field]! + 1, ve[field]! - 1, false, fl[field]!)
}
const sep = (): void => {
  o[op++] = COMMA
}
const TAIL = [F.source, F.artefact, F.member, F.sha256, F.offset, F.record, F.line, F.id]

const REDACTED_FIRST = new Uint8Array(256)
for (const t of COMMAND_TYPES) REDACTED_FIRST[t.charCodeAt(0)] = 1

let lastSecond = ''
let lastMs = 0

const ISO7 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.(\d{7})Z$/

/** Bytes a record may need: oneLine turns a 1-byte DEL into 6 bytes; cells add quotes and a prefix each. */
export const directRoom = (lineBytes: number): number => lineBytes * 6 + 256

export interface DirectResult {
  /** Where the record ends in `out`. */
  end: number
  /** The event's datetime (for the order check). */
  datetime: string
}

/**
 * Writes the record of the line `line[start, end)` into `out` at `pos` (room for directRoom(end - start) bytes
 * must be there). Returns undefined (nothing written) when the general path must decide.
 */
export function directCsvRecord(line: Buffer, start: number, end: number, f: DirectFormat, out: Buffer, pos: number): DirectResult | undefined {
  b = line
  lim = end
  kind.fill(0)
  keyStart.length = keyEnd.length = 0
  if (b[start] !== 0x7b) return undefined
  if (scanFields(start, TOP, 0) !== end) return undefined
  // the shape parseEventLine checks, and what csvRecord needs as plain text
  if (kind[F.id] !== STR) return undefined
  // both are read as they stand, so with an escape (raw text other than the value) they are refused
  if (kind[F.datetime] !== STR || kind[F.event_type] !== STR || kind[F.timestamp] !== NUM || (fl[F.datetime]! | fl[F.event_type]!) & ESC) return undefined
  if (kind[F.evidence] !== OBJ || kind[F.member] !== STR || kind[F.sha256] !== STR) return undefined
  if (kind[F.attributes] !== 0 && kind[F.attributes] !== OBJ) return undefined
  const u = kind[F.unverified]!
  if (u !== 0 && u !== TRUE && u !== FALSE && u !== NULL) return undefined
  const dt = latin1(vs[F.datetime]! + 1, ve[F.datetime]! - 1)
  const m = ISO7.exec(dt)
  if (!m) return undefined
  // decoded only when its first byte is one a redacted type starts with
  if (REDACTED_FIRST[b[vs[F.event_type]! + 1]!] && redacts(latin1(vs[F.event_type]! + 1, ve[F.event_type]! - 1))) return undefined
  o = out
  op = pos
  let ok = true
  if (f === 'csv') {
    putAscii(dt)
    sep()
    ok = putField(F.timestamp)
    sep()
    putTextOrEmpty(F.timestamp_desc)
    sep()
    putField(F.event_type)
    sep()
    putTextOrEmpty(F.message)
  } else {
    putTextOrEmpty(F.message)
    sep()
    putAscii(`${dt.slice(0, 26)}+00:00`)
    sep()
    putTextOrEmpty(F.timestamp_desc)
    sep()
    // sorted events share their second with the one before more often than not
    const second = dt.slice(0, 19)
    if (second !== lastSecond) {
      lastSecond = second
      lastMs = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!)
    }
    const ms = lastMs
    if (Number.isNaN(ms)) return undefined
    putAscii(String(ms * 1000 + Number(m[7]!.slice(0, 6))))
    sep()
    putField(F.event_type)
  }
  for (let p = F.host; p <= F.file_name && ok; p++) {
    sep()
    ok = putField(p)
  }
  sep()
  if (kind[F.tool] === STR) putField(F.tool)
  for (const p of TAIL) {
    sep()
    ok = ok && putField(p)
  }
  sep()
  if (u === TRUE) putAscii('true')
  sep()
  // attributes: JSON.stringify of the parsed object is its raw text (checked canonical), unless empty
  if (kind[F.attributes] === OBJ && ve[F.attributes]! - vs[F.attributes]! > 2) putText(vs[F.attributes]!, ve[F.attributes]!, true, fl[F.attributes]!)
  o[op++] = 0x0a
  if (!ok) return undefined
  return {end: op, datetime: dt}
}

const latin1 = (s: number, e: number): string => b.toString('latin1', s, e)
