import {normaliseIso} from '../../core/time.js'
import type {EvtxDataValue, EvtxRecord} from './record-types.js'
import {XElement, XSpecial, attr, text, type XNode} from './tree.js'

/** Location and header facts of one record, beside its rendered tree. */
export interface RecordHeaderFacts {
  headerRecordNumber: number
  writtenTime: string | null
  chunk: number
  offset: number
  recovered: boolean
}

export function num(s: string | undefined): number | null {
  if (s === undefined || s === '') return null
  // Decimal or 0x-hex (some writers put hex text in numeric System fields).
  const n = s.startsWith('0x') ? parseInt(s.slice(2), 16) : Number(s)
  return Number.isFinite(n) ? n : null
}

export function str(s: string | undefined): string | null {
  return s === undefined ? null : s
}

function elementValue(el: XElement): EvtxDataValue {
  const ch = el.children
  if (ch.length === 1) {
    const only = ch[0]!
    if (only instanceof XSpecial && only.kind === 'array') return only.items.slice()
  }
  let hasElement = false
  for (const c of ch) if (c instanceof XElement) hasElement = true
  // `Name` on <Data> is the key the value is filed under, not content.
  let attrs = el.attrs.length
  if (el.name === 'Data' && attr(el, 'Name') !== undefined) attrs -= 2
  if (!hasElement && attrs === 0) return text(el)
  return elementObject(el)
}

/** Nested element → object keyed by child names (repeated names become arrays), attributes under `@name`. */
function elementObject(el: XElement): {[k: string]: EvtxDataValue} {
  const o: {[k: string]: EvtxDataValue} = {}
  const multi = new Set<string>()
  const a = el.attrs
  for (let i = 0; i < a.length; i += 2) if (!(el.name === 'Data' && a[i] === 'Name')) o['@' + a[i]] = a[i + 1]!
  for (const c of el.children) {
    if (!(c instanceof XElement)) continue
    const v = elementValue(c)
    const prev = o[c.name]
    if (prev === undefined) o[c.name] = v
    else if (multi.has(c.name)) (prev as EvtxDataValue[]).push(v)
    else {
      multi.add(c.name)
      o[c.name] = [prev, v]
    }
  }
  const t = text(el)
  if (t !== '') o['#text'] = t
  return o
}

function eventData(el: XElement): Record<string, EvtxDataValue> | EvtxDataValue[] {
  let named = true
  let any = false
  for (const c of el.children) {
    if (c instanceof XElement) {
      any = true
      if (c.name !== 'Data' || attr(c, 'Name') === undefined) named = false
    }
  }
  if (any && named) {
    const o: Record<string, EvtxDataValue> = {}
    for (const c of el.children) if (c instanceof XElement) o[attr(c, 'Name')!] = elementValue(c)
    return o
  }
  const arr: EvtxDataValue[] = []
  for (const c of el.children) {
    if (c instanceof XElement) arr.push(c.name === 'Data' ? elementValue(c) : {[c.name]: elementValue(c)})
  }
  return arr
}

function userData(el: XElement): Record<string, EvtxDataValue> {
  for (const c of el.children) {
    if (c instanceof XElement) {
      const o: Record<string, EvtxDataValue> = {_element: c.name}
      const inner = elementObject(c)
      for (const k of Object.keys(inner)) o[k] = inner[k]!
      return o
    }
  }
  return {}
}

/** SystemTime as rendered (FILETIME → already 7 digits) or as text from the writer, normalised to 7 digits. */
export function timeText(t: string | undefined): string | null {
  return t === undefined ? null : t.length === 28 && t.endsWith('Z') ? t : (normaliseIso(t) ?? t)
}

/** A record with every contract field empty, in the contract's key order (JSON output depends on it). */
export function emptyRecord(h: RecordHeaderFacts): EvtxRecord {
  return {
    recordId: null,
    headerRecordNumber: h.headerRecordNumber,
    timeCreated: null,
    writtenTime: h.writtenTime,
    eventId: null,
    qualifiers: null,
    version: null,
    level: null,
    task: null,
    opcode: null,
    keywords: null,
    provider: null,
    providerGuid: null,
    channel: null,
    computer: null,
    userId: null,
    processId: null,
    threadId: null,
    activityId: null,
    data: null,
    chunk: h.chunk,
    offset: h.offset,
    recovered: h.recovered,
  }
}

/** Derives the EvtxRecord contract fields from the rendered tree of one record. */
export function extractRecord(nodes: XNode[], h: RecordHeaderFacts): EvtxRecord {
  const rec = emptyRecord(h)
  let ev: XElement | undefined
  for (const n of nodes) if (n instanceof XElement) { ev = n; break }
  if (!ev) return rec
  for (const sec of ev.children) {
    if (!(sec instanceof XElement)) continue
    if (sec.name === 'System') {
      for (const c of sec.children) {
        if (!(c instanceof XElement)) continue
        switch (c.name) {
          case 'Provider': {
            rec.provider = str(attr(c, 'Name'))
            const g = attr(c, 'Guid')
            rec.providerGuid = g === undefined ? null : g.toUpperCase()
            const esn = attr(c, 'EventSourceName')
            if (esn !== undefined) rec.eventSourceName = esn
            break
          }
          case 'EventID':
            rec.eventId = num(text(c))
            rec.qualifiers = num(attr(c, 'Qualifiers'))
            break
          case 'Version': rec.version = num(text(c)); break
          case 'Level': rec.level = num(text(c)); break
          case 'Task': rec.task = num(text(c)); break
          case 'Opcode': rec.opcode = num(text(c)); break
          case 'Keywords': rec.keywords = str(text(c)); break
          case 'TimeCreated':
            rec.timeCreated = timeText(attr(c, 'SystemTime'))
            break
          case 'EventRecordID': rec.recordId = num(text(c)); break
          case 'Correlation': rec.activityId = str(attr(c, 'ActivityID')); break
          case 'Execution':
            rec.processId = num(attr(c, 'ProcessID'))
            rec.threadId = num(attr(c, 'ThreadID'))
            break
          case 'Channel': rec.channel = str(text(c)); break
          case 'Computer': rec.computer = str(text(c)); break
          case 'Security': rec.userId = str(attr(c, 'UserID')); break
        }
      }
    } else {
      applyPayload(rec, sec)
    }
  }
  return rec
}

/** Event children other than System: EventData, UserData, or another payload element. */
export function applyPayload(rec: EvtxRecord, sec: XElement): void {
  if (sec.name === 'EventData') {
    rec.data = eventData(sec)
  } else if (sec.name === 'UserData') {
    rec.data = userData(sec)
  } else if (rec.data === null && sec.name !== 'RenderingInfo') {
    // Other payload elements (e.g. ProcessingErrorData, BinaryEventData) keep their content.
    rec.data = {[sec.name]: elementValue(sec)}
  }
}
