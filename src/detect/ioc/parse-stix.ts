import type {Indicator, IocType} from '../types.js'
import {classifyAs} from './classify.js'
import {iocParseError} from './errors.js'
import {refang} from './refang.js'
import {clip} from '../../core/clip.js'

export interface SkippedIoc {
  source: string
  line?: number
  value: string
  reason: string
}

/**
 * STIX 2.1 bundles: `indicator` objects whose `pattern` is a STIX pattern made only of `=` / `IN`
 * comparisons joined by OR, over the object paths below. Anything else (AND, FOLLOWEDBY, qualifiers, LIKE,
 * MATCHES, other objects, other pattern languages, revoked indicators) is reported in `skipped` with the
 * reason — a responder must know which indicators were not checked.
 */
const PATHS: Record<string, IocType | 'ip' | 'hash'> = {
  'ipv4-addr:value': 'ip',
  'ipv6-addr:value': 'ip',
  'domain-name:value': 'domain',
  'url:value': 'url',
  'file:name': 'file_name',
  "file:hashes.'sha-256'": 'sha256',
  'file:hashes.sha256': 'sha256',
  "file:hashes.'sha-1'": 'sha1',
  'file:hashes.sha1': 'sha1',
  "file:hashes.'md5'": 'md5',
  'file:hashes.md5': 'md5',
  'network-traffic:dst_ref.value': 'ip',
  'network-traffic:src_ref.value': 'ip',
  'user-account:user_id': 'user_name',
  'user-account:account_login': 'user_name',
}

type Tok = {k: 'lb' | 'rb' | 'lp' | 'rp' | 'str' | 'word' | 'op' | 'comma'; v: string}

function tokenize(p: string): Tok[] | string {
  const toks: Tok[] = []
  let i = 0
  while (i < p.length) {
    const c = p[i]
    if (/\s/.test(c)) {
      i++
    } else if (c === '[') {
      toks.push({k: 'lb', v: c}); i++
    } else if (c === ']') {
      toks.push({k: 'rb', v: c}); i++
    } else if (c === '(') {
      toks.push({k: 'lp', v: c}); i++
    } else if (c === ')') {
      toks.push({k: 'rp', v: c}); i++
    } else if (c === ',') {
      toks.push({k: 'comma', v: c}); i++
    } else if (c === "'") {
      let s = ''
      i++
      while (i < p.length && p[i] !== "'") {
        if (p[i] === '\\' && i + 1 < p.length) i++
        s += p[i++]
      }
      if (i >= p.length) return 'unterminated string in pattern'
      i++
      toks.push({k: 'str', v: s})
    } else if (/[=!<>]/.test(c)) {
      let op = c
      if (p[i + 1] === '=') op += '='
      i += op.length
      toks.push({k: 'op', v: op})
    } else {
      // object paths may contain quoted parts: file:hashes.'SHA-256'
      let w = ''
      while (i < p.length && !/[\s[\]()=!<>,]/.test(p[i])) {
        if (p[i] === "'") {
          const end = p.indexOf("'", i + 1)
          if (end < 0) return 'unterminated quoted path'
          w += p.slice(i, end + 1)
          i = end + 1
        } else w += p[i++]
      }
      toks.push({k: 'word', v: w})
    }
  }
  return toks
}

/** Returns [path, value] pairs when the pattern is a disjunction of equality tests, else a reason. */
export function parseSimplePattern(pattern: string): {path: string; value: string}[] | string {
  const toks = tokenize(pattern)
  if (typeof toks === 'string') return toks
  const out: {path: string; value: string}[] = []
  let i = 0
  let depth = 0
  let expectTerm = true
  while (i < toks.length) {
    const t = toks[i]
    if (expectTerm) {
      if (t.k === 'lb' || t.k === 'lp') {
        depth++
        i++
        continue
      }
      if (t.k !== 'word') return `unexpected "${t.v}" in pattern`
      const path = t.v
      const op = toks[i + 1]
      if (op?.k === 'op' && op.v === '=' && toks[i + 2]?.k === 'str') {
        out.push({path, value: toks[i + 2].v})
        i += 3
      } else if (op?.k === 'word' && op.v.toUpperCase() === 'IN' && toks[i + 2]?.k === 'lp') {
        i += 3
        while (i < toks.length && toks[i].k === 'str') {
          out.push({path, value: toks[i].v})
          i++
          if (toks[i]?.k === 'comma') i++
        }
        if (toks[i]?.k !== 'rp') return 'malformed IN list'
        i++
      } else {
        return `unsupported comparison "${[op?.v, toks[i + 2]?.v].filter(Boolean).join(' ')}" (only = and IN are matched)`
      }
      expectTerm = false
    } else {
      if (t.k === 'rb' || t.k === 'rp') {
        depth--
        i++
        continue
      }
      if (t.k === 'word' && t.v.toUpperCase() === 'OR') {
        expectTerm = true
        i++
        continue
      }
      return `unsupported operator "${t.v}" (only OR-joined comparisons are matched)`
    }
  }
  if (depth !== 0 || expectTerm || out.length === 0) return 'malformed pattern'
  return out
}

export function parseStixIocs(text: string, file: string): {indicators: Indicator[]; skipped: SkippedIoc[]} {
  let doc: unknown
  try {
    doc = JSON.parse(text.replace(/^\uFEFF/, ''))
  } catch (e) {
    throw iocParseError(file, undefined, `not valid JSON: ${(e as Error).message}`)
  }
  const objects = Array.isArray(doc)
    ? doc
    : doc && typeof doc === 'object' && (doc as {type?: unknown}).type === 'bundle'
      ? (doc as {objects?: unknown}).objects
      : doc && typeof doc === 'object' && (doc as {type?: unknown}).type === 'indicator'
        ? [doc]
        : undefined
  if (!Array.isArray(objects)) throw iocParseError(file, undefined, 'not a STIX 2.1 bundle (expected {"type":"bundle","objects":[…]})')
  const indicators: Indicator[] = []
  const skipped: SkippedIoc[] = []
  for (const o of objects as Record<string, unknown>[]) {
    if (!o || typeof o !== 'object' || o.type !== 'indicator') continue
    const id = typeof o.id === 'string' ? o.id : '(indicator without id)'
    const source = `${file}#${id}`
    const pattern = typeof o.pattern === 'string' ? o.pattern : ''
    const patternType = typeof o.pattern_type === 'string' ? o.pattern_type : 'stix'
    if (patternType !== 'stix') {
      skipped.push({source, value: clip(pattern), reason: `pattern_type "${patternType}" is not matched (only STIX patterns)`})
      continue
    }
    if (o.revoked === true) {
      skipped.push({source, value: clip(pattern), reason: 'indicator is revoked'})
      continue
    }
    const parsed = parseSimplePattern(pattern)
    if (typeof parsed === 'string') {
      skipped.push({source, value: clip(pattern), reason: parsed})
      continue
    }
    const description = [o.name, o.description].filter((x) => typeof x === 'string' && x !== '').join(': ') || undefined
    for (const {path, value} of parsed) {
      const type = PATHS[path.toLowerCase()]
      if (type === undefined) {
        skipped.push({source, value: clip(`${path} = '${value}'`), reason: `object path ${path} is not matched`})
        continue
      }
      const r = classifyAs(type, refang(value).value)
      if (!r.ok) {
        skipped.push({source, value: clip(`${path} = '${value}'`), reason: r.reason})
        continue
      }
      const ind: Indicator = {type: r.type, value: r.value, raw: value, source}
      if (description) ind.description = description
      indicators.push(ind)
    }
  }
  return {indicators, skipped}
}
