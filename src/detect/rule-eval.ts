import type {NormalizedEvent} from '../events/types.js'
import {fieldValue} from './event-util.js'
import type {Condition, Rule} from './schema.js'

/** A data rule compiled once: lower-cased needles, regexes built once per rule (not per event). */
export interface CompiledRule {
  rule: Rule
  types: Set<string>
  test: (ev: NormalizedEvent) => boolean
}

/** Last path component of the program in a path or command line (`"C:\\x\\AnyDesk.exe" --service` → `anydesk.exe`). */
export function exeBaseName(value: string): string {
  let t = value.trim()
  if (t.startsWith('"')) {
    const end = t.indexOf('"', 1)
    t = end > 0 ? t.slice(1, end) : t.slice(1)
  } else {
    const exe = t.search(/\.exe(\s|$)/i)
    if (exe >= 0) t = t.slice(0, exe + 4)
  }
  return t.slice(Math.max(t.lastIndexOf('\\'), t.lastIndexOf('/')) + 1).toLowerCase()
}

function compileCondition(c: Condition): (ev: NormalizedEvent) => boolean {
  const lower = (xs?: string[]): string[] | undefined => xs?.map((x) => x.toLowerCase())
  const eq = c.equals?.map((x) => (typeof x === 'string' ? x.toLowerCase() : x))
  const contains = lower(c.contains)
  const starts = lower(c.starts_with)
  const ends = lower(c.ends_with)
  const base = c.basename_in ? new Set(lower(c.basename_in)) : undefined
  const re = c.regex ? new RegExp(c.regex, 'i') : undefined
  const path = c.field.split('.')
  const inner = (ev: NormalizedEvent): boolean => {
    const raw = fieldValue(ev, path)
    if (c.exists !== undefined && (raw !== undefined && raw !== null && raw !== '') !== c.exists) return false
    if (eq === undefined && contains === undefined && starts === undefined && ends === undefined && base === undefined && re === undefined) return true
    if (raw === undefined || raw === null) return false
    const values = Array.isArray(raw) ? raw : [raw]
    return values.some((v) => {
      if (eq && !eq.some((e) => (typeof e === 'string' ? String(v).toLowerCase() === e : v === e || String(v) === String(e)))) return false
      const s = String(v).toLowerCase()
      if (contains && !contains.some((n) => s.includes(n))) return false
      if (starts && !starts.some((n) => s.startsWith(n))) return false
      if (ends && !ends.some((n) => s.endsWith(n))) return false
      if (base) {
        if (!base.has(exeBaseName(s))) return false
      }
      if (re && !re.test(String(v))) return false
      return true
    })
  }
  return c.negate ? (ev) => !inner(ev) : inner
}

export function compileRule(rule: Rule): CompiledRule | undefined {
  if (rule.kind !== 'match' || !rule.match) return undefined
  const all = rule.match.all.map(compileCondition)
  const any = rule.match.any.map(compileCondition)
  const none = rule.match.none.map(compileCondition)
  return {
    rule,
    types: new Set(rule.match.event_types),
    test: (ev) => all.every((f) => f(ev)) && (any.length === 0 || any.some((f) => f(ev))) && !none.some((f) => f(ev)),
  }
}
