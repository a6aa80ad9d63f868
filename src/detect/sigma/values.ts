import ipaddr from 'ipaddr.js'
import type {SigmaScalar} from './types.js'

/**
 * Sigma values → compiled tests (pure). Implements the value rules of the Sigma specification: wildcards
 * `*` / `?` with backslash escapes, case-insensitive by default, and the modifiers appendix (transformations
 * applied in the order written; type modifiers choose how the result is compared).
 */

export class CompileError extends Error {}

const STAR = 0
const ONE = 1
/** A Sigma string: literal text and wildcards. */
export type Part = string | typeof STAR | typeof ONE
export type SigmaString = Part[]

/**
 * Spec "Escape Character": `\` escapes `*`, `?` and `\`; a backslash before any other character is a plain
 * backslash (so `C:\Windows` and `C:\\Windows` mean the same).
 */
export function parseSigmaString(s: string): SigmaString {
  const out: Part[] = []
  let lit = ''
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!
    if (c === '\\') {
      const n = s[i + 1]
      if (n === '*' || n === '?' || n === '\\') {
        lit += n
        i++
      } else {
        lit += '\\'
      }
    } else if (c === '*' || c === '?') {
      if (lit) out.push(lit)
      lit = ''
      out.push(c === '*' ? STAR : ONE)
    } else {
      lit += c
    }
  }
  if (lit) out.push(lit)
  return out
}

const plain = (s: string): SigmaString => (s === '' ? [] : [s])
const isPlain = (v: SigmaString): boolean => v.every((p) => typeof p === 'string')
const text = (v: SigmaString): string => v.join('')

/** A string test over one field value (already lower-cased when the test is case-insensitive). */
export type StringTest = (value: string) => boolean

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
}

/** Compiles a Sigma string to the cheapest equivalent test: equality, prefix, suffix, substring or regex. */
export function compileSigmaString(v: SigmaString, caseSensitive: boolean): StringTest {
  const parts: Part[] = caseSensitive ? v : v.map((p) => (typeof p === 'string' ? p.toLowerCase() : p))
  // Merge runs of `*` (`**` = `*`).
  const norm: Part[] = []
  for (const p of parts) if (!(p === STAR && norm[norm.length - 1] === STAR)) norm.push(p)
  const n = norm.length
  if (n === 0) return (s) => s === ''
  if (n === 1) {
    const p = norm[0]!
    if (p === STAR) return () => true
    if (typeof p === 'string') return (s) => s === p
  }
  if (n === 2 && norm[0] === STAR && typeof norm[1] === 'string') {
    const lit = norm[1]
    return (s) => s.endsWith(lit)
  }
  if (n === 2 && norm[1] === STAR && typeof norm[0] === 'string') {
    const lit = norm[0]
    return (s) => s.startsWith(lit)
  }
  if (n === 3 && norm[0] === STAR && norm[2] === STAR && typeof norm[1] === 'string') {
    const lit = norm[1]
    return (s) => s.includes(lit)
  }
  if (n === 3 && typeof norm[0] === 'string' && norm[1] === STAR && typeof norm[2] === 'string') {
    const a = norm[0]
    const b = norm[2]
    return (s) => s.length >= a.length + b.length && s.startsWith(a) && s.endsWith(b)
  }
  const src = norm.map((p) => (p === STAR ? '.*' : p === ONE ? '.' : escapeRe(p))).join('')
  const re = new RegExp(`^${src}$`, 's')
  return (s) => re.test(s)
}

// ---- transformation modifiers ----

/** windash: `-` or `/` starting a word may be written with any of these characters (modifiers appendix). */
const DASHES = ['-', '/', '\u2013', '\u2014', '\u2015']
const WINDASH_AT = /(?<![\p{L}\p{N}_])[-/](?=[\p{L}\p{N}_])/gu

function windash(v: SigmaString): SigmaString[] {
  // Positions (part index, char index) where a dash may vary.
  const spots: [number, number][] = []
  v.forEach((p, i) => {
    if (typeof p !== 'string') return
    for (const m of p.matchAll(WINDASH_AT)) spots.push([i, m.index])
  })
  if (spots.length === 0) return [v]
  if (spots.length > 6) throw new CompileError(`windash on a value with ${spots.length} dashes would expand to ${5 ** spots.length} variants`)
  const out: SigmaString[] = []
  const total = DASHES.length ** spots.length
  for (let combo = 0; combo < total; combo++) {
    const copy = v.map((p) => (typeof p === 'string' ? p.split('') : p)) as (string[] | Part)[]
    let c = combo
    for (const [pi, ci] of spots) {
      ;(copy[pi] as string[])[ci] = DASHES[c % DASHES.length]!
      c = Math.floor(c / DASHES.length)
    }
    out.push(copy.map((p) => (Array.isArray(p) ? p.join('') : p)) as SigmaString)
  }
  return out
}

/** Bytes-as-latin1 string → base64. Values not yet byte-encoded are UTF-8 first. */
function toBytes(s: string, encoded: boolean): Buffer {
  return encoded ? Buffer.from(s, 'latin1') : Buffer.from(s, 'utf8')
}

/** base64offset: the three encodings of a value at byte offsets 0, 1, 2, stripped of the unstable ends. */
function base64offset(bytes: Buffer): string[] {
  const start = [0, 2, 3]
  const end = [undefined, -3, -2]
  const out: string[] = []
  for (let i = 0; i < 3; i++) {
    const b64 = Buffer.concat([Buffer.alloc(i, 0x20), bytes]).toString('base64')
    out.push(b64.slice(start[i], end[(bytes.length + i) % 3]))
  }
  return out
}

function utf16(s: string, be: boolean, bom: boolean): string {
  let out = bom ? (be ? '\xfe\xff' : '\xff\xfe') : ''
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    out += be ? String.fromCharCode(c >> 8, c & 0xff) : String.fromCharCode(c & 0xff, c >> 8)
  }
  return out
}

// ---- the field item compiler ----

/** What one `field|modifiers: values` needs from the event. */
export interface FieldAccess {
  /** All values of the field as text (undefined when the field is absent). */
  texts(field: string): readonly string[] | undefined
  /** The same, lower-cased (cached per event). */
  lowers(field: string): readonly string[] | undefined
  /** Every value of the event (keyword search), lower-cased unless `cased`. */
  allTexts(lower: boolean): readonly string[]
}

export type ItemTest = (ev: FieldAccess) => boolean

export interface ValueOptions {
  /** `expand` placeholders: name (without %) → values. */
  placeholders?: Record<string, string[]>
}

const TRANSFORMS = new Set(['contains', 'startswith', 'endswith', 'windash', 'base64', 'base64offset', 'utf16le', 'utf16be', 'utf16', 'wide'])
const TYPES = new Set(['re', 'i', 'm', 's', 'cidr', 'gt', 'gte', 'lt', 'lte', 'exists', 'fieldref', 'all', 'cased', 'expand', 'neq'])

/** Every modifier this engine implements (the README lists them). */
export const SUPPORTED_MODIFIERS = [...TRANSFORMS, ...TYPES]

interface Variant {
  s: SigmaString
  /** True once the value holds bytes (utf16*) rather than text. */
  encoded: boolean
}

function expandPlaceholders(s: string, opts: ValueOptions): string[] {
  // `\%` is a literal percent; %name% is a placeholder.
  const re = /(?<!\\)%([A-Za-z0-9_.-]+)%/g
  let outs = ['']
  let last = 0
  for (const m of s.matchAll(re)) {
    const vals = opts.placeholders?.[m[1]!]
    if (!vals || vals.length === 0) throw new CompileError(`placeholder %${m[1]}% has no value (expand needs it configured)`)
    const before = s.slice(last, m.index)
    outs = outs.flatMap((o) => vals.map((v) => o + before + v))
    last = m.index + m[0].length
  }
  return outs.map((o) => (o + s.slice(last)).replace(/\\%/g, '%'))
}

function numberOf(s: string): number {
  const t = s.trim()
  if (/^0x[0-9a-f]+$/i.test(t)) return parseInt(t, 16)
  return t === '' ? NaN : Number(t)
}

/** `null` in a rule: the field is absent or empty. */
const isNullField = (v: readonly string[] | undefined): boolean => v === undefined || v.length === 0 || (v.length === 1 && v[0] === '')

/**
 * Compiles one selection item. `field` null = keyword search over every value. Returns a test of the event.
 */
export function compileItem(field: string | null, modifiers: string[], values: SigmaScalar[], opts: ValueOptions = {}): ItemTest {
  for (const m of modifiers) {
    if (!TRANSFORMS.has(m) && !TYPES.has(m)) throw new CompileError(`unsupported modifier '${m}'`)
  }
  const has = (m: string): boolean => modifiers.includes(m)
  const all = has('all')
  const neq = has('neq')
  const wrap = (t: ItemTest): ItemTest => (neq ? (ev) => !t(ev) : t)

  if (has('exists')) {
    if (field === null) throw new CompileError('exists needs a field')
    if (values.length !== 1 || typeof values[0] !== 'boolean') throw new CompileError('exists takes true or false')
    const want = values[0]
    return (ev) => (ev.texts(field) !== undefined) === want
  }
  if (all && values.length < 2 && field !== null) {
    // The spec forbids `all` on a single value; it means the same as without it, so accept it.
  }

  // null alone or in a list: absent/empty field.
  const wantsNull = values.some((v) => v === null)
  const nonNull = values.filter((v): v is Exclude<SigmaScalar, null> => v !== null)
  if (field === null && wantsNull) throw new CompileError('null is not a keyword')

  const numeric = ['gt', 'gte', 'lt', 'lte'].find(has)
  if (numeric) {
    if (field === null) throw new CompileError(`${numeric} needs a field`)
    const tests = nonNull.map((v) => {
      const n = typeof v === 'number' ? v : numberOf(String(v))
      if (!Number.isFinite(n)) throw new CompileError(`${numeric} needs a number, got '${String(v)}'`)
      return numeric === 'gt' ? (x: number) => x > n : numeric === 'gte' ? (x: number) => x >= n : numeric === 'lt' ? (x: number) => x < n : (x: number) => x <= n
    })
    return wrap(fieldTest(field, tests.map((t) => (s: string) => t(numberOf(s))), all, false, wantsNull))
  }

  if (has('cidr')) {
    if (field === null) throw new CompileError('cidr needs a field')
    const ranges = nonNull.map((v) => {
      try {
        return ipaddr.parseCIDR(String(v).trim())
      } catch {
        throw new CompileError(`cidr: '${String(v)}' is not a network`)
      }
    })
    const tests = ranges.map((r) => (s: string) => {
      if (!ipaddr.isValid(s)) return false
      let ip = ipaddr.parse(s)
      if (ip.kind() !== r[0].kind() && ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress()) ip = (ip as ipaddr.IPv6).toIPv4Address()
      return ip.kind() === r[0].kind() && ip.match(r)
    })
    return wrap(fieldTest(field, tests, all, false, wantsNull))
  }

  if (has('re')) {
    let flags = ''
    if (has('i')) flags += 'i'
    if (has('m')) flags += 'm'
    if (has('s')) flags += 's'
    const tests = nonNull.map((v) => {
      let src = String(v)
      // PCRE's leading inline flags and named groups, which JavaScript spells differently.
      const inline = /^\(\?([imsx]+)\)/.exec(src)
      let f = flags
      if (inline) {
        src = src.slice(inline[0].length)
        for (const c of inline[1]!) if (c !== 'x' && !f.includes(c)) f += c
        if (inline[1]!.includes('x')) throw new CompileError('re: extended (x) mode is not supported')
      }
      src = src.replace(/\(\?P</g, '(?<')
      try {
        const re = new RegExp(src, f)
        return (s: string) => re.test(s)
      } catch (e) {
        throw new CompileError(`re: ${(e as Error).message}`)
      }
    })
    if (field === null) return keywordTest(tests, all, true)
    return wrap(fieldTest(field, tests, all, true, wantsNull))
  }

  const cased = has('cased')
  if (has('fieldref')) {
    if (field === null) throw new CompileError('fieldref needs a field')
    const rel = has('contains') ? 'contains' : has('startswith') ? 'startswith' : has('endswith') ? 'endswith' : 'eq'
    const refs = nonNull.map(String)
    const one = (ev: FieldAccess, ref: string): boolean => {
      const a = cased ? ev.texts(field) : ev.lowers(field)
      const b = cased ? ev.texts(ref) : ev.lowers(ref)
      if (!a || !b) return false
      return a.some((x) => b.some((y) => (rel === 'eq' ? x === y : rel === 'contains' ? x.includes(y) : rel === 'startswith' ? x.startsWith(y) : x.endsWith(y))))
    }
    return wrap(all ? (ev) => refs.every((r) => one(ev, r)) : (ev) => refs.some((r) => one(ev, r)))
  }

  // String values through the transformation modifiers, in the order written. Each original value becomes a
  // group of alternatives (OR); `all` ANDs the groups.
  const groups: Variant[][] = []
  for (const raw of nonNull) {
    const texts = typeof raw === 'string' && has('expand') ? expandPlaceholders(raw, opts) : [raw]
    let vars: Variant[] = texts.map((t) => ({s: typeof t === 'string' ? parseSigmaString(t) : plain(String(t)), encoded: false}))
    for (const m of modifiers) {
      switch (m) {
        case 'contains':
          vars = vars.map((x) => ({...x, s: [...(x.s[0] === STAR ? [] : [STAR]), ...x.s, ...(x.s[x.s.length - 1] === STAR ? [] : [STAR])] as SigmaString}))
          break
        case 'startswith':
          vars = vars.map((x) => ({...x, s: x.s[x.s.length - 1] === STAR ? x.s : [...x.s, STAR]}))
          break
        case 'endswith':
          vars = vars.map((x) => ({...x, s: x.s[0] === STAR ? x.s : [STAR, ...x.s]}))
          break
        case 'windash':
          vars = vars.flatMap((x) => windash(x.s).map((s) => ({...x, s})))
          break
        case 'utf16le':
        case 'wide':
        case 'utf16be':
        case 'utf16':
          vars = vars.map((x) => {
            if (!isPlain(x.s)) throw new CompileError(`${m} of a value with wildcards`)
            return {s: plain(utf16(text(x.s), m === 'utf16be', m === 'utf16')), encoded: true}
          })
          break
        case 'base64':
          vars = vars.map((x) => {
            if (!isPlain(x.s)) throw new CompileError('base64 of a value with wildcards')
            return {s: plain(toBytes(text(x.s), x.encoded).toString('base64')), encoded: false}
          })
          break
        case 'base64offset':
          vars = vars.flatMap((x) => {
            if (!isPlain(x.s)) throw new CompileError('base64offset of a value with wildcards')
            return base64offset(toBytes(text(x.s), x.encoded)).map((b) => ({s: plain(b), encoded: false}))
          })
          break
        default:
          break
      }
    }
    groups.push(vars)
  }
  // Base64 output is case-sensitive by nature; everything else follows `cased`.
  const caseSensitive = cased || modifiers.some((m) => m === 'base64' || m === 'base64offset')
  const groupTests: StringTest[] = groups.map((g) => {
    const ts = g.map((x) => compileSigmaString(field === null ? keywordise(x.s) : x.s, caseSensitive))
    return ts.length === 1 ? ts[0]! : (s: string) => ts.some((t) => t(s))
  })
  if (field === null) return keywordTest(groupTests, all, caseSensitive)
  return wrap(fieldTest(field, groupTests, all, caseSensitive, wantsNull))
}

/** Keywords are full-text: a keyword matches when it occurs anywhere in a value. */
function keywordise(s: SigmaString): SigmaString {
  return <SigmaString>[...(s[0] === STAR ? [] : [STAR]), ...s, ...(s[s.length - 1] === STAR ? [] : [STAR])]
}

function keywordTest(tests: StringTest[], all: boolean, caseSensitive: boolean): ItemTest {
  const hit = (ev: FieldAccess, t: StringTest): boolean => {
    const vs = ev.allTexts(!caseSensitive)
    for (let i = 0; i < vs.length; i++) if (t(vs[i]!)) return true
    return false
  }
  return all ? (ev) => tests.every((t) => hit(ev, t)) : (ev) => tests.some((t) => hit(ev, t))
}

/** A field test: any value of the field passes one test (OR) or every test (all). */
function fieldTest(field: string, tests: StringTest[], all: boolean, caseSensitive: boolean, wantsNull: boolean): ItemTest {
  const read = caseSensitive ? (ev: FieldAccess) => ev.texts(field) : (ev: FieldAccess) => ev.lowers(field)
  const anyValue = (vs: readonly string[], t: StringTest): boolean => {
    for (let i = 0; i < vs.length; i++) if (t(vs[i]!)) return true
    return false
  }
  if (tests.length === 0) return wantsNull ? (ev) => isNullField(ev.texts(field)) : () => false
  if (tests.length === 1 && !wantsNull) {
    const t = tests[0]!
    return (ev) => {
      const vs = read(ev)
      return vs !== undefined && anyValue(vs, t)
    }
  }
  if (all) {
    return (ev) => {
      const vs = read(ev)
      if (vs === undefined) return false
      for (const t of tests) if (!anyValue(vs, t)) return false
      return true
    }
  }
  return (ev) => {
    const vs = read(ev)
    if (wantsNull && isNullField(vs)) return true
    if (vs === undefined) return false
    for (const t of tests) if (anyValue(vs, t)) return true
    return false
  }
}
