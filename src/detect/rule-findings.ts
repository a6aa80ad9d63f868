import {sortedGroups} from '../core/collections.js'
import {compareEvents} from '../events/order.js'
import type {NormalizedEvent} from '../events/types.js'
import type {Correlator} from './correlate.js'
import {fieldValue, tool} from './event-util.js'
import {makeFinding} from './finding.js'
import type {Rule} from './schema.js'
import {lowerSeverity} from './severity.js'
import type {Finding} from './types.js'
import {example, UNLINKED_NOTE, unlinkedTitle, when} from './wording.js'

/** Entities named by a data rule's `entities` map, plus the tool. */
function ruleEntities(rule: Rule, events: NormalizedEvent[]): Finding['entities'] {
  const out: Finding['entities'] = {}
  for (const [k, fields] of Object.entries(rule.entities) as [keyof Finding['entities'], string[]][]) {
    const vals: string[] = []
    for (const ev of events)
      for (const f of fields) {
        const v = fieldValue(ev, f)
        if (typeof v === 'string' && v !== '') vals.push(v)
        else if (typeof v === 'number') vals.push(String(v))
      }
    out[k] = vals
  }
  out.tools = [...(out.tools ?? []), ...events.map((e) => tool(e)).filter((x): x is string => !!x)]
  return out
}

/** The group_by values of a data rule's finding, as written in the evidence, for its title. */
function groupLabel(rule: Rule, ev: NormalizedEvent | undefined): string {
  if (!ev) return ''
  return rule.group_by
    .map((g) => {
      const v = fieldValue(ev, g)
      if (typeof v !== 'string' && typeof v !== 'number') return ''
      return /(^|\.)instance$/.test(g) ? `instance ${v}` : String(v)
    })
    .filter((x) => x !== '')
    .join(', ')
}

/** Data rules: one finding per host and `group_by` key (split into linked / unlinked records, see below). */
export function matchRuleFindings(rule: Rule, events: NormalizedEvent[], c: Correlator, hitEvents: Set<string>): Finding[] {
  const out: Finding[] = []
  const groups = sortedGroups(events, (ev) => [ev.host ?? '', ...rule.group_by.map((g) => String(fieldValue(ev, g) ?? '').toLowerCase())].join('\u0000'))
  for (const [key, all] of groups) {
    const label = groupLabel(rule, all.slice().sort(compareEvents)[0])
    // events tied to a suspect session (or an IOC) and events that are not tell different stories (the
    // actor's log clear vs an administrator's maintenance clear weeks before): one finding each
    const linked = rule.correlate ? all.filter((e) => hitEvents.has(e.id) || c.near(e).length > 0) : []
    const linkedSet = new Set(linked)
    const parts: {evs: NormalizedEvent[]; unlinked: boolean}[] =
      linked.length > 0 && linked.length < all.length
        ? [{evs: linked, unlinked: false}, {evs: all.filter((e) => !linkedSet.has(e)), unlinked: true}]
        : [{evs: all, unlinked: false}]
    for (const {evs, unlinked} of parts) {
      const near = rule.correlate && !unlinked ? c.nearAll(evs) : []
      const iocLinked = evs.some((e) => hitEvents.has(e.id))
      out.push(
        makeFinding({
          rule,
          key: [...key.split('\u0000').slice(1), ...(unlinked ? ['unlinked'] : [])],
          host: evs[0].host,
          events: evs,
          near,
          correlated: near.length > 0 || iocLinked,
          title: unlinkedTitle(rule.title, label, unlinked),
          severity: unlinked ? lowerSeverity(rule.severity) : undefined,
          facts: [when(evs), example(evs.slice().sort(compareEvents)[0]), unlinked ? UNLINKED_NOTE : ''].filter(Boolean).join(' '),
          entities: ruleEntities(rule, evs),
        }),
      )
    }
  }
  return out
}
