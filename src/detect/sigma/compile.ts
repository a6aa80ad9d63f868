import {parseCondition, type CondNode} from './condition.js'
import type {LogsourceTarget} from './logsources.js'
import type {SigmaDetectionRule, SigmaSearch} from './types.js'
import {compileItem, CompileError, type FieldAccess, type ItemTest, type ValueOptions} from './values.js'

/**
 * A detection rule + one logsource target → one predicate over an event (pure). Field names are renamed
 * here, once, by the target's mapping, so matching never looks a name up twice.
 */

export type Predicate = ItemTest

const TRUE: Predicate = () => true

function and(ps: Predicate[]): Predicate {
  if (ps.length === 0) return TRUE
  if (ps.length === 1) return ps[0]!
  if (ps.length === 2) {
    const [a, b] = ps as [Predicate, Predicate]
    return (ev) => a(ev) && b(ev)
  }
  return (ev) => {
    for (let i = 0; i < ps.length; i++) if (!ps[i]!(ev)) return false
    return true
  }
}

function or(ps: Predicate[]): Predicate {
  if (ps.length === 1) return ps[0]!
  return (ev) => {
    for (let i = 0; i < ps.length; i++) if (ps[i]!(ev)) return true
    return false
  }
}

function compileSearch(s: SigmaSearch, rename: (f: string) => string, opts: ValueOptions): Predicate {
  if (s.kind === 'or') return or(s.alternatives.map((a) => compileSearch(a, rename, opts)))
  // Cheap tests first: equality on a field (EventID, Channel) rejects most events before any substring work.
  const items = [...s.items].sort((a, b) => cost(a.modifiers, a.field) - cost(b.modifiers, b.field))
  return and(items.map((it) => compileItem(it.field === null ? null : rename(it.field), it.modifiers, it.values, opts)))
}

function cost(mods: string[], field: string | null): number {
  if (field === null) return 5
  if (mods.includes('re')) return 4
  if (mods.length === 0) return 0
  return mods.includes('contains') || mods.includes('windash') ? 2 : 1
}

function compileNode(n: CondNode, searches: Map<string, Predicate>): Predicate {
  switch (n.op) {
    case 'ref':
      return searches.get(n.name)!
    case 'and':
      return and(n.args.map((a) => compileNode(a, searches)))
    case 'or':
      return or(n.args.map((a) => compileNode(a, searches)))
    case 'not': {
      const p = compileNode(n.arg, searches)
      return (ev) => !p(ev)
    }
    case 'of': {
      const ps = n.names.map((x) => searches.get(x)!)
      return n.quantifier === 'all' ? and(ps) : or(ps)
    }
  }
}

export interface CompiledDetection {
  predicate: Predicate
  /** Event ids the rule can match (from the target or its EventID selections); null = any. */
  eventIds: number[] | null
}

/** Event ids every match must carry, read from the condition tree (null: cannot tell). */
function requiredIds(n: CondNode, rule: SigmaDetectionRule): Set<number> | null {
  switch (n.op) {
    case 'ref':
      return searchIds(rule.searches[n.name]!)
    case 'and': {
      let acc: Set<number> | null = null
      for (const a of n.args) {
        const s = requiredIds(a, rule)
        if (s) acc = acc ? intersect(acc, s) : s
      }
      return acc
    }
    case 'or':
      return unionAll(n.args.map((a) => requiredIds(a, rule)))
    case 'not':
      return null
    case 'of':
      return n.quantifier === 'one' ? unionAll(n.names.map((x) => searchIds(rule.searches[x]!))) : requiredIds({op: 'and', args: n.names.map((name) => ({op: 'ref', name}))}, rule)
  }
}

function intersect(a: Set<number>, b: Set<number>): Set<number> {
  return new Set([...a].filter((x) => b.has(x)))
}

function unionAll(sets: (Set<number> | null)[]): Set<number> | null {
  if (sets.some((s) => s === null)) return null
  return new Set(sets.flatMap((s) => [...s!]))
}

function searchIds(s: SigmaSearch): Set<number> | null {
  if (s.kind === 'or') return unionAll(s.alternatives.map(searchIds))
  let acc: Set<number> | null = null
  for (const it of s.items) {
    if (it.field !== 'EventID' || it.modifiers.length > 0) continue
    const ids = it.values.map((v) => (typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : NaN))
    if (ids.some((x) => !Number.isInteger(x))) continue
    const s2 = new Set(ids)
    acc = acc ? intersect(acc, s2) : s2
  }
  return acc
}

export function compileDetection(rule: SigmaDetectionRule, target: LogsourceTarget, opts: ValueOptions = {}): CompiledDetection {
  const rename = (f: string): string => target.fields[f] ?? f
  const names = Object.keys(rule.searches)
  const searches = new Map<string, Predicate>()
  for (const name of names) {
    try {
      searches.set(name, compileSearch(rule.searches[name]!, rename, opts))
    } catch (e) {
      if (e instanceof CompileError) throw new CompileError(`search '${name}': ${e.message}`)
      throw e
    }
  }
  const trees = rule.conditions.map((c) => parseCondition(c, names))
  const cond = or(trees.map((t) => compileNode(t, searches)))
  const extra = Object.entries(target.conditions).map(([f, vs]) => compileItem(f, [], vs, opts))
  const predicate = extra.length ? and([...extra, cond]) : cond
  // EventID in a selection only narrows the index when no rename could make EventID mean something else.
  const fromRule = unionAll(trees.map((t) => requiredIds(t, rule)))
  let eventIds: number[] | null = target.eventIds
  if (fromRule) eventIds = eventIds ? eventIds.filter((x) => fromRule.has(x)) : [...fromRule]
  return {predicate, eventIds}
}

export type {FieldAccess}
