import * as YAML from 'yaml'
import type {
  CorrelationType,
  CountCondition,
  SigmaCorrelationRule,
  SigmaDetectionRule,
  SigmaFieldItem,
  SigmaLevel,
  SigmaLogsource,
  SigmaMeta,
  SigmaRule,
  SigmaScalar,
  SigmaSearch,
  SkippedRule,
} from './types.js'

/**
 * Sigma YAML text → typed, validated rules (pure: no I/O). Follows the Sigma rules specification
 * (multi-document files, `action: global` / `reset` / `repeat`) and the correlation rules specification.
 * Anything that does not validate becomes a SkippedRule with the reason: nothing is dropped silently.
 */

const LEVELS = new Set<SigmaLevel>(['informational', 'low', 'medium', 'high', 'critical'])
const CORRELATION_TYPES = new Set<CorrelationType>(['event_count', 'value_count', 'temporal', 'temporal_ordered'])
const COUNT_OPS = ['gt', 'gte', 'lt', 'lte', 'eq', 'neq'] as const

class RuleError extends Error {}

type Obj = Record<string, unknown>
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)

/**
 * YAML 1.2 reads `0x17` as 23 and `1.10` as 1.1; Sigma values are compared as text, so a numeric scalar whose
 * source differs from its canonical number keeps its source text (`TicketEncryption: 0x17` stays `0x17`).
 */
function keepNumericSource(doc: YAML.Document): void {
  YAML.visit(doc, {
    Scalar(_k, node) {
      if (typeof node.value === 'number' && typeof node.source === 'string' && node.source !== String(node.value)) {
        node.value = node.source
      }
    },
  })
}

function str(o: Obj, k: string, required = false): string | undefined {
  const v = o[k]
  if (v === undefined || v === null) {
    if (required) throw new RuleError(`missing required attribute '${k}'`)
    return undefined
  }
  if (typeof v === 'string') return v
  if (typeof v === 'number' || typeof v === 'boolean') return String(v)
  throw new RuleError(`attribute '${k}' must be a string`)
}

function strList(o: Obj, k: string): string[] {
  const v = o[k]
  if (v === undefined || v === null) return []
  if (typeof v === 'string') return [v]
  if (!Array.isArray(v)) throw new RuleError(`attribute '${k}' must be a list`)
  return v.filter((x) => x !== null && x !== undefined).map((x) => String(x))
}

function meta(o: Obj, path: string, document: number): SigmaMeta {
  const title = str(o, 'title', true)!
  const level = str(o, 'level')
  if (level !== undefined && !LEVELS.has(level as SigmaLevel)) throw new RuleError(`unknown level '${level}'`)
  return {
    id: str(o, 'id') ?? `${path}#${document}`,
    name: str(o, 'name'),
    title,
    status: str(o, 'status'),
    level: level as SigmaLevel | undefined,
    description: str(o, 'description'),
    tags: strList(o, 'tags'),
    references: strList(o, 'references'),
    falsepositives: strList(o, 'falsepositives'),
    author: str(o, 'author'),
    date: str(o, 'date'),
    builtin: isObj(o.ratchet) && typeof o.ratchet.builtin === 'string' ? o.ratchet.builtin : undefined,
    path,
    document,
  }
}

function scalar(v: unknown, where: string): SigmaScalar {
  if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v
  throw new RuleError(`${where}: values must be strings, numbers, booleans or null`)
}

function fieldItem(key: string, value: unknown, where: string): SigmaFieldItem {
  const [field, ...modifiers] = key.split('|')
  const values = Array.isArray(value) ? value.map((x) => scalar(x, where)) : [scalar(value, where)]
  return {field: field === '' ? null : field!, modifiers, values}
}

function search(v: unknown, where: string): SigmaSearch {
  if (isObj(v)) {
    return {kind: 'and', items: Object.entries(v).map(([k, x]) => fieldItem(k, x, where))}
  }
  if (Array.isArray(v)) {
    // A list of maps is OR of maps; a list of plain values is a keyword list (OR).
    const keywords: SigmaScalar[] = []
    const alternatives: SigmaSearch[] = []
    for (const x of v) {
      if (isObj(x)) alternatives.push(search(x, where))
      else keywords.push(scalar(x, where))
    }
    if (keywords.length) alternatives.push({kind: 'and', items: [{field: null, modifiers: [], values: keywords}]})
    if (alternatives.length === 1) return alternatives[0]!
    return {kind: 'or', alternatives}
  }
  return {kind: 'and', items: [{field: null, modifiers: [], values: [scalar(v, where)]}]}
}

function detectionRule(o: Obj, path: string, document: number): SigmaDetectionRule {
  const m = meta(o, path, document)
  const ls = o.logsource
  if (!isObj(ls)) throw new RuleError("missing required attribute 'logsource'")
  const logsource: SigmaLogsource = {product: str(ls, 'product')?.toLowerCase(), category: str(ls, 'category')?.toLowerCase(), service: str(ls, 'service')?.toLowerCase()}
  const det = o.detection
  if (!isObj(det)) throw new RuleError(isObj(o.filter) ? 'Sigma filter documents (meta filters) are not applied by ratchet' : "missing required attribute 'detection'")
  const cond = det.condition
  const conditions = typeof cond === 'string' ? [cond] : Array.isArray(cond) && cond.every((c) => typeof c === 'string') ? (cond as string[]) : null
  if (!conditions || conditions.length === 0) throw new RuleError("detection has no 'condition'")
  const searches: Record<string, SigmaSearch> = {}
  for (const [name, v] of Object.entries(det)) {
    if (name === 'condition') continue
    if (name === 'timeframe') throw new RuleError("'timeframe' belongs to the deprecated aggregation syntax; use a correlation rule")
    searches[name] = search(v, `search '${name}'`)
  }
  return {...m, kind: 'detection', logsource, searches, conditions}
}

const TIMESPAN = /^(\d+)([smhdMy])$/
const UNIT_MS: Record<string, number> = {s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, M: 30 * 86_400_000, y: 365 * 86_400_000}

export function parseTimespan(t: string): number {
  const m = TIMESPAN.exec(t.trim())
  if (!m) throw new RuleError(`timespan '${t}' is not <number><s|m|h|d>`)
  return Number(m[1]) * UNIT_MS[m[2]!]!
}

function correlationRule(o: Obj, path: string, document: number): SigmaCorrelationRule {
  const m = meta(o, path, document)
  const c = o.correlation
  if (!isObj(c)) throw new RuleError("'correlation' must be a map")
  const type = str(c, 'type', true)!
  if (!CORRELATION_TYPES.has(type as CorrelationType)) throw new RuleError(`unsupported correlation type '${type}'`)
  const rules = strList(c, 'rules')
  if (rules.length === 0) throw new RuleError("correlation has no 'rules'")
  const groupBy = strList(c, 'group-by')
  const timespan = str(c, 'timespan') ?? str(c, 'timeframe')
  if (!timespan) throw new RuleError("correlation has no 'timespan'")
  const condition: CountCondition = {}
  let field: string | undefined
  const cc = c.condition
  if (cc !== undefined && cc !== null) {
    if (!isObj(cc)) throw new RuleError("correlation 'condition' must be a map")
    for (const [k, v] of Object.entries(cc)) {
      if (k === 'field') {
        field = Array.isArray(v) ? v.map(String).join(',') : String(v)
        continue
      }
      if (!(COUNT_OPS as readonly string[]).includes(k)) throw new RuleError(`unknown correlation condition '${k}'`)
      const n = Number(v)
      if (!Number.isFinite(n)) throw new RuleError(`correlation condition '${k}' must be a number`)
      condition[k as keyof CountCondition] = n
    }
  } else if (type === 'event_count' || type === 'value_count') {
    throw new RuleError(`${type} correlation needs a 'condition'`)
  }
  if (type === 'value_count' && !field) throw new RuleError("value_count correlation needs 'condition.field'")
  const aliases: Record<string, Record<string, string>> = {}
  if (isObj(c.aliases)) {
    for (const [alias, map] of Object.entries(c.aliases)) {
      if (!isObj(map)) throw new RuleError(`alias '${alias}' must map rule names to fields`)
      aliases[alias] = Object.fromEntries(Object.entries(map).map(([r, f]) => [r, String(f)]))
    }
  }
  const generate = c.generate === true || o.generate === true
  return {...m, kind: 'correlation', type: type as CorrelationType, rules, groupBy, timespanMs: parseTimespan(timespan), condition, field, aliases, generate}
}

/** Deep merge for `action: global`: maps merge key by key, anything else is replaced. */
function merge(base: unknown, over: unknown): unknown {
  if (isObj(base) && isObj(over)) {
    const out: Obj = {...base}
    for (const [k, v] of Object.entries(over)) out[k] = k in out ? merge(out[k], v) : v
    return out
  }
  return over
}

export interface ParsedFile {
  rules: SigmaRule[]
  skipped: SkippedRule[]
}

/** Parses one Sigma YAML file's text. `path` names the rules (for hits and skip reasons). */
export function parseSigmaYaml(text: string, path: string): ParsedFile {
  const out: ParsedFile = {rules: [], skipped: []}
  let docs: YAML.Document.Parsed[]
  try {
    docs = YAML.parseAllDocuments(text, {uniqueKeys: false}) as YAML.Document.Parsed[]
  } catch (e) {
    out.skipped.push({path, reason: `YAML: ${(e as Error).message}`})
    return out
  }
  if (!Array.isArray(docs)) docs = [docs]
  let global: Obj | null = null
  let previous: Obj | null = null
  docs.forEach((doc, i) => {
    if (doc.errors.length) {
      out.skipped.push({path, reason: `YAML document ${i}: ${doc.errors[0]!.message.split('\n')[0]}`})
      return
    }
    keepNumericSource(doc)
    const raw = doc.toJS({maxAliasCount: 100}) as unknown
    if (raw === null || raw === undefined) return
    if (!isObj(raw)) {
      out.skipped.push({path, reason: `YAML document ${i} is not a map`})
      return
    }
    const action = raw.action
    if (action === 'global') {
      const {action: _a, ...rest} = raw
      global = rest
      return
    }
    if (action === 'reset') {
      global = null
      return
    }
    let o: Obj = raw
    if (action === 'repeat') {
      const {action: _a, ...rest} = raw
      o = merge(previous ?? {}, rest) as Obj
    } else if (global) {
      o = merge(global, raw) as Obj
    }
    previous = o
    try {
      out.rules.push('correlation' in o ? correlationRule(o, path, i) : detectionRule(o, path, i))
    } catch (e) {
      if (!(e instanceof RuleError)) throw e
      out.skipped.push({path, id: typeof o.id === 'string' ? o.id : undefined, title: typeof o.title === 'string' ? o.title : undefined, reason: e.message})
    }
  })
  return out
}
