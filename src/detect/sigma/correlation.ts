import type {CorrelationHit, CountCondition, RuleInfo, SigmaCorrelationRule, SigmaEventRef} from './types.js'

/**
 * Correlation rules (correlation rules specification): event_count, value_count, temporal and
 * temporal_ordered, grouped by `group-by`, windowed by `timespan`. Pure: the matcher feeds it the hits of
 * the referenced rules (with the group-by values already read from each event) and asks for the result
 * at the end.
 *
 * Windows are anchored at each event in time order: a window starts at an event and spans `timespan`. When
 * it satisfies the rule, its events form one hit and the next window starts after them; otherwise the
 * next window starts at the next event. For `gte`/`gt` counts this finds every burst that any sliding
 * window would (the window anchored at a burst's first event contains the burst) without reporting one
 * burst many times.
 */

/** One input of a correlation: a base rule hit, or a hit of a chained correlation. */
export interface CorrelationInput {
  /** Name or id the correlation refers to it by (the rule's position in `rules`). */
  ruleIndex: number
  timeMs: number
  /** Field → value as read from the event (already resolved through aliases and renames). */
  values: Record<string, string>
  events: SigmaEventRef[]
}

export function countHolds(c: CountCondition, n: number): boolean {
  if (c.gt !== undefined && !(n > c.gt)) return false
  if (c.gte !== undefined && !(n >= c.gte)) return false
  if (c.lt !== undefined && !(n < c.lt)) return false
  if (c.lte !== undefined && !(n <= c.lte)) return false
  if (c.eq !== undefined && n !== c.eq) return false
  if (c.neq !== undefined && n === c.neq) return false
  return true
}

const hasCondition = (c: CountCondition): boolean => Object.keys(c).length > 0

export interface CorrelationResult {
  hit: CorrelationHit
  /** The hit as an input for correlations chained on this one. */
  timeMs: number
  values: Record<string, string>
}

/** Evaluates one correlation over its inputs (any order). */
export function evaluateCorrelation(rule: SigmaCorrelationRule, info: RuleInfo, inputs: CorrelationInput[]): CorrelationResult[] {
  const groups = new Map<string, CorrelationInput[]>()
  for (const inp of inputs) {
    if (!Number.isFinite(inp.timeMs)) continue
    const parts: string[] = []
    let complete = true
    for (const g of rule.groupBy) {
      const v = inp.values[g]
      if (v === undefined || v === '' || v === '-') {
        complete = false
        break
      }
      parts.push(v.toLowerCase())
    }
    // An event without a group-by value cannot be said to belong with any other: it groups with nothing.
    if (!complete) continue
    const key = parts.join('\u0000')
    let list = groups.get(key)
    if (!list) groups.set(key, (list = []))
    list.push(inp)
  }
  const out: CorrelationResult[] = []
  for (const list of groups.values()) {
    list.sort((a, b) => a.timeMs - b.timeMs)
    for (const w of windows(rule, list)) {
      const events = w.flatMap((x) => x.events)
      const first = w[0]!
      const last = w[w.length - 1]!
      const group: Record<string, string> = {}
      for (const g of rule.groupBy) group[g] = first.values[g]!
      const values: Record<string, string> = {...last.values, ...group}
      out.push({
        hit: {rule: info, type: rule.type, group, events, first: events[0]?.timeCreated ?? null, last: events[events.length - 1]?.timeCreated ?? null},
        timeMs: last.timeMs,
        values,
      })
    }
  }
  out.sort((a, b) => a.timeMs - b.timeMs)
  return out
}

function* windows(rule: SigmaCorrelationRule, list: CorrelationInput[]): Iterable<CorrelationInput[]> {
  const span = rule.timespanMs
  let i = 0
  while (i < list.length) {
    const start = list[i]!.timeMs
    let j = i
    while (j + 1 < list.length && list[j + 1]!.timeMs - start <= span) j++
    const w = list.slice(i, j + 1)
    const taken = satisfied(rule, w)
    if (taken > 0) {
      yield w.slice(0, taken)
      i += taken
    } else {
      i++
    }
  }
}

/** How many of the window's leading events make a hit (0: none). */
function satisfied(rule: SigmaCorrelationRule, w: CorrelationInput[]): number {
  switch (rule.type) {
    case 'event_count':
      return countHolds(rule.condition, w.length) ? w.length : 0
    case 'value_count': {
      const f = rule.field!
      const distinct = new Set<string>()
      for (const x of w) {
        const v = x.values[f]
        if (v !== undefined && v !== '') distinct.add(v.toLowerCase())
      }
      return countHolds(rule.condition, distinct.size) ? w.length : 0
    }
    case 'temporal': {
      const distinct = new Set(w.map((x) => x.ruleIndex))
      const ok = hasCondition(rule.condition) ? countHolds(rule.condition, distinct.size) : distinct.size === rule.rules.length
      return ok ? w.length : 0
    }
    case 'temporal_ordered': {
      // The window's first event must be the first rule; then each next rule in order.
      if (w[0]!.ruleIndex !== 0) return 0
      let want = 1
      let end = 0
      for (let k = 1; k < w.length && want < rule.rules.length; k++) {
        if (w[k]!.ruleIndex === want) {
          want++
          end = k
        }
      }
      const found = rule.rules.length === 1 ? 1 : want
      const ok = hasCondition(rule.condition) ? countHolds(rule.condition, found) : found === rule.rules.length
      return ok ? end + 1 : 0
    }
  }
}
