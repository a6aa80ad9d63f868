import {K_ELEM, K_SUB, K_TEXT, K_TI, ValueArray, ValueXml, type TNode, type Template, type Value} from './binxml.js'
import {applyPayload, emptyRecord, num, timeText, type RecordHeaderFacts} from './extract.js'
import type {EvtxDataValue, EvtxRecord} from './record-types.js'
import {XElement} from './tree.js'

/**
 * JSON fast path. Most templates have the fixed shape <Event><System>…</System><EventData><Data
 * Name="…">%n</Data>…</EventData></Event>. For those, a per-template plan maps each EvtxRecord field to
 * its literal text or substitution slot, so a record's fields come straight from its values — no element
 * tree, no tree walk. The plan reproduces extractRecord(instantiate(…)) exactly (a test checks this on
 * every shared sample); anything it does not cover (UserData, nested BinXML, array values, mixed
 * content) returns null and the caller takes the tree path.
 */

/** Literal text, or substitution slot `i` (optional: empty means the attribute/element is omitted). */
type Src = {t: string; i: -1; opt: false} | {t: ''; i: number; opt: boolean}

// Field setters, in the order extractRecord applies them.
const F_PROVIDER = 0
const F_GUID = 1
const F_ESN = 2
const F_EVENTID = 3
const F_QUALIFIERS = 4
const F_VERSION = 5
const F_LEVEL = 6
const F_TASK = 7
const F_OPCODE = 8
const F_KEYWORDS = 9
const F_TIME = 10
const F_RECORDID = 11
const F_ACTIVITY = 12
const F_PID = 13
const F_TID = 14
const F_CHANNEL = 15
const F_COMPUTER = 16
const F_USER = 17

/** One System child element: its content gate (omitted when an optional substitution is empty) and fields. */
interface SysElem {
  content: Src | null
  /** [field, source] pairs; source null = the element's text, else an attribute (undefined = attribute absent). */
  sets: [number, Src | null | undefined][]
}

interface DataItem {
  name: string | null
  content: Src | null
}

/** Event's children in order: System, EventData, or a substitution holding BinXML (EventData/UserData). */
type Section = {kind: 'sys'; elems: SysElem[]} | {kind: 'data'; named: boolean; items: DataItem[]} | {kind: 'sub'; idx: number}

interface Plan {
  sections: Section[]
}

const TEXT_FIELDS: Record<string, number> = {
  Version: F_VERSION,
  Level: F_LEVEL,
  Task: F_TASK,
  Opcode: F_OPCODE,
  Keywords: F_KEYWORDS,
  EventRecordID: F_RECORDID,
  Channel: F_CHANNEL,
  Computer: F_COMPUTER,
}
const ATTR_FIELDS: Record<string, [string, number][]> = {
  Provider: [['Name', F_PROVIDER], ['Guid', F_GUID], ['EventSourceName', F_ESN]],
  EventID: [['Qualifiers', F_QUALIFIERS]],
  TimeCreated: [['SystemTime', F_TIME]],
  Correlation: [['ActivityID', F_ACTIVITY]],
  Execution: [['ProcessID', F_PID], ['ThreadID', F_TID]],
  Security: [['UserID', F_USER]],
}

class NotEligible extends Error {}

/** Element content as a single source: empty → null; one text or one substitution; anything else is not eligible. */
function contentSrc(children: TNode[]): Src | null {
  if (children.length === 0) return null
  if (children.length === 1) {
    const c = children[0]!
    if (c.k === K_TEXT) return {t: c.s, i: -1, opt: false}
    if (c.k === K_SUB) return {t: '', i: c.idx, opt: c.opt}
  }
  throw new NotEligible()
}

/** EventData whose children are all <Data Name="literal"> or all unnamed <Data>, each with simple content. */
function compileEventData(children: TNode[]): Section & {kind: 'data'} {
  const items: DataItem[] = []
  let named = 0
  for (const c of children) {
    if (c.k !== K_ELEM) {
      if (c.k === K_TEXT) continue
      throw new NotEligible()
    }
    if (c.name !== 'Data') throw new NotEligible()
    let name: string | null = null
    if (c.attrs.length === 1 && c.attrs[0]!.name === 'Name' && c.attrs[0]!.parts.length === 1 && c.attrs[0]!.parts[0]!.k === K_TEXT) {
      name = c.attrs[0]!.parts[0]!.s
      named++
    } else if (c.attrs.length !== 0) throw new NotEligible()
    items.push({name, content: contentSrc(c.children)})
  }
  if (named !== 0 && named !== items.length) throw new NotEligible()
  return {kind: 'data', named: named > 0, items}
}

function compile(nodes: TNode[]): Plan {
  if (nodes.length !== 1) throw new NotEligible()
  const ev = nodes[0]!
  if (ev.k !== K_ELEM || ev.name !== 'Event') throw new NotEligible()
  const plan: Plan = {sections: []}
  for (const sec of ev.children) {
    if (sec.k !== K_ELEM) {
      if (sec.k === K_TEXT) continue
      if (sec.k === K_SUB) {
        // Payload passed as a BinXML value: already a tree; extracted like the tree path does.
        plan.sections.push({kind: 'sub', idx: sec.idx})
        continue
      }
      throw new NotEligible()
    }
    if (sec.name === 'System') {
      const elems: SysElem[] = []
      for (const c of sec.children) {
        if (c.k !== K_ELEM) {
          if (c.k === K_TEXT) continue
          throw new NotEligible()
        }
        const fields = ATTR_FIELDS[c.name]
        const textField = c.name === 'EventID' ? F_EVENTID : TEXT_FIELDS[c.name]
        const sets: SysElem['sets'] = []
        if (textField !== undefined) sets.push([textField, null])
        if (fields) {
          for (const [attrName, field] of fields) {
            const a = c.attrs.find((x) => x.name === attrName)
            if (!a) {
              sets.push([field, undefined])
              continue
            }
            if (a.parts.length === 0) sets.push([field, {t: '', i: -1, opt: false}])
            else if (a.parts.length === 1 && (a.parts[0]!.k === K_TEXT || a.parts[0]!.k === K_SUB)) {
              const p = a.parts[0]!
              sets.push([field, p.k === K_TEXT ? {t: p.s, i: -1, opt: false} : {t: '', i: p.idx, opt: p.opt}])
            } else throw new NotEligible()
          }
        }
        // Element content must be simple even when unused: it decides whether the element is omitted.
        elems.push({content: contentSrc(c.children), sets})
      }
      plan.sections.push({kind: 'sys', elems})
    } else if (sec.name === 'EventData') {
      plan.sections.push(compileEventData(sec.children))
    } else if (sec.name !== 'RenderingInfo') {
      throw new NotEligible() // UserData and other payloads: tree path
    }
  }
  return plan
}

/** The template's plan, compiled on first use; null when the template is not eligible. */
export function planFor(tpl: Template): Plan | null {
  if (tpl.plan === undefined) tpl.plan = attempt(() => compile(tpl.nodes))
  return tpl.plan as Plan | null
}

/** Plan for a template that is a payload value on its own: a single EventData element. */
function payloadPlanFor(tpl: Template): (Section & {kind: 'data'}) | null {
  if (tpl.payloadPlan === undefined) {
    tpl.payloadPlan = attempt(() => {
      const els = tpl.nodes.filter((n) => n.k !== K_TEXT)
      const only = els[0]
      if (els.length !== 1 || only!.k !== K_ELEM || only!.name !== 'EventData') throw new NotEligible()
      return compileEventData(only!.children)
    })
  }
  return tpl.payloadPlan as (Section & {kind: 'data'}) | null
}

function attempt<T>(f: () => T): T | null {
  try {
    return f()
  } catch (e) {
    if (e instanceof NotEligible) return null
    throw e
  }
}

const BAIL = Symbol('bail')

/** Resolves a source: string, or undefined when omitted (empty optional substitution). Bails on arrays/BinXML. */
function resolve(src: Src, values: Value[]): string | undefined {
  if (src.i < 0) return src.t
  const v = values[src.i]
  if (v === null || v === undefined || v === '') return src.opt ? undefined : ''
  if (typeof v === 'string') return v
  if (v instanceof ValueArray || v instanceof ValueXml) throw BAIL
  return ''
}


function applySystem(rec: EvtxRecord, elems: SysElem[], values: Value[]): void {
  for (const el of elems) {
    let text = ''
    if (el.content) {
      const c = resolve(el.content, values)
      if (c === undefined) continue // the element is omitted
      text = c
    }
    for (const [field, src] of el.sets) {
      const v = src === null ? text : src === undefined ? undefined : resolve(src, values)
      switch (field) {
        case F_PROVIDER: rec.provider = v ?? null; break
        case F_GUID: rec.providerGuid = v === undefined ? null : v.toUpperCase(); break
        case F_ESN: if (v !== undefined) rec.eventSourceName = v; break
        case F_EVENTID: rec.eventId = num(v); break
        case F_QUALIFIERS: rec.qualifiers = num(v); break
        case F_VERSION: rec.version = num(v); break
        case F_LEVEL: rec.level = num(v); break
        case F_TASK: rec.task = num(v); break
        case F_OPCODE: rec.opcode = num(v); break
        case F_KEYWORDS: rec.keywords = v ?? null; break
        case F_TIME: rec.timeCreated = timeText(v); break
        case F_RECORDID: rec.recordId = num(v); break
        case F_ACTIVITY: rec.activityId = v ?? null; break
        case F_PID: rec.processId = num(v); break
        case F_TID: rec.threadId = num(v); break
        case F_CHANNEL: rec.channel = v ?? null; break
        case F_COMPUTER: rec.computer = v ?? null; break
        case F_USER: rec.userId = v ?? null; break
      }
    }
  }
}

function applyData(rec: EvtxRecord, named: boolean, items: DataItem[], values: Value[]): void {
  const o: Record<string, EvtxDataValue> = {}
  const arr: EvtxDataValue[] = []
  let count = 0
  for (const item of items) {
    let v = ''
    if (item.content) {
      const c = resolve(item.content, values)
      if (c === undefined) continue // omitted <Data>
      v = c
    }
    count++
    if (named) o[item.name!] = v
    else arr.push(v)
  }
  // As extractRecord: named fields form an object, but no element at all is an empty array.
  rec.data = named && count > 0 ? o : arr
}

/** The record from a plan, or null when this record's values need the tree path. */
export function recordFromPlan(plan: Plan, values: Value[], h: RecordHeaderFacts): EvtxRecord | null {
  try {
    const rec = emptyRecord(h)
    for (const sec of plan.sections) {
      if (sec.kind === 'sys') applySystem(rec, sec.elems, values)
      else if (sec.kind === 'data') applyData(rec, sec.named, sec.items, values)
      else {
        const v = values[sec.idx]
        if (!(v instanceof ValueXml)) {
          if (v instanceof ValueArray) throw BAIL
          continue // nothing, or text: no element
        }
        const t = v.tokens
        if (t.length === 1 && t[0]!.k === K_TI) {
          const ti = t[0]!
          const pp = payloadPlanFor(ti.tpl)
          if (pp) {
            applyData(rec, pp.named, pp.items, ti.values)
            continue
          }
        }
        for (const n of v.nodes) {
          if (!(n instanceof XElement)) continue
          if (n.name === 'System') throw BAIL
          applyPayload(rec, n)
        }
      }
    }
    return rec
  } catch (e) {
    if (e === BAIL) return null
    throw e
  }
}
