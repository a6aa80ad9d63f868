import type {TemplateElement, TemplateInstance, TemplateText, TemplateValue} from './binxml.js'
import {ValueType, v, valueTypeByte, type EvtxValue} from './values.js'

/** The body of an event after `<System>`. */
export type EvtxEventBody =
  /** Manifest events: `<EventData><Data Name="…">value</Data>…[<Binary>…</Binary>]</EventData>` (7036 carries Binary). */
  | {kind: 'named'; data: Array<[name: string, value: EvtxValue]>; binary?: Uint8Array}
  /** Classic (ReportEvent) events: insertion strings, `<EventData><Data>s1</Data><Data>s2</Data>…[<Binary>…</Binary>]</EventData>`. */
  | {kind: 'unnamed'; data: string[]; binary?: Uint8Array}
  /** `<UserData><element xmlns="…"><field>value</field>…</element></UserData>` (1102, 104, RDP 21/24/25/1149). */
  | {kind: 'user'; element: string; xmlns: string; fields: Array<[name: string, value: EvtxValue]>}
  | {kind: 'none'}

export interface EvtxEventSpec {
  provider: string
  /** Provider GUID; omitted for classic event sources. */
  providerGuid?: string
  /** Classic event sources also carry EventSourceName. */
  eventSourceName?: string
  eventId: number
  qualifiers?: number
  version?: number
  level?: number
  task?: number
  opcode?: number
  keywords?: bigint
  /** TimeCreated/@SystemTime as a FILETIME (100 ns since 1601, UTC). */
  timeCreated: bigint
  /** Record header written time; defaults to timeCreated. */
  writtenTime?: bigint
  activityId?: string
  processId?: number
  threadId?: number
  channel: string
  computer: string
  /** Security/@UserID SID; omitted → `<Security/>`. */
  userId?: string
  body: EvtxEventBody
}

const EVENT_NS = 'http://schemas.microsoft.com/win/2004/08/events/event'

const text = (t: string): TemplateText => ({kind: 'text', text: t})
const el = (
  name: string,
  attrs: Array<{name: string; value: TemplateText}> = [],
  children: Array<TemplateElement | TemplateText> = [],
): TemplateElement => ({kind: 'element', name, attrs, children})

/**
 * Builds the templates and values for one event, in the layout Windows Server 2016+ writes (checked against
 * real logs): an outer template with the System element, whose substitutions are 0 Level, 1 Opcode, 2 Task,
 * 3 EventID, 4 Qualifiers, 5 Keywords, 6 TimeCreated, 7 ActivityID, 8 ProcessID, 9 ThreadID,
 * 10 EventRecordID, 11 Version, 12 UserID, 18 RelatedActivityID (13–17 unused, null) — all optional, so absent
 * values (Qualifiers, ActivityID, UserID) disappear — and 19, a BinXML value carrying a second template
 * instance for the EventData (or, inside `<UserData>`, the user element). Provider, Channel and Computer are
 * literal text in the outer template, so it is shared by all events of one provider/channel/computer.
 */
export function buildEventTemplate(spec: EvtxEventSpec, recordId: bigint): TemplateInstance {
  const values: TemplateValue[] = new Array(20).fill(v.null())
  const sub = (index: number, valueType: number, val: TemplateValue, optional = true): TemplateText => {
    values[index] = val
    return {kind: 'sub', index, valueType, optional}
  }

  const providerAttrs: Array<{name: string; value: TemplateText}> = [{name: 'Name', value: text(spec.provider)}]
  if (spec.providerGuid) providerAttrs.push({name: 'Guid', value: text(normaliseGuidText(spec.providerGuid))})
  if (spec.eventSourceName) providerAttrs.push({name: 'EventSourceName', value: text(spec.eventSourceName)})

  const system = el('System', [], [
    el('Provider', providerAttrs),
    el(
      'EventID',
      [{name: 'Qualifiers', value: sub(4, ValueType.UInt16, spec.qualifiers === undefined ? v.null() : v.u16(spec.qualifiers))}],
      [sub(3, ValueType.UInt16, v.u16(spec.eventId))],
    ),
    el('Version', [], [sub(11, ValueType.UInt8, v.u8(spec.version ?? 0))]),
    el('Level', [], [sub(0, ValueType.UInt8, v.u8(spec.level ?? 4))]),
    el('Task', [], [sub(2, ValueType.UInt16, v.u16(spec.task ?? 0))]),
    el('Opcode', [], [sub(1, ValueType.UInt8, v.u8(spec.opcode ?? 0))]),
    el('Keywords', [], [sub(5, ValueType.HexInt64, v.hex64(spec.keywords ?? 0x8000000000000000n))]),
    el('TimeCreated', [{name: 'SystemTime', value: sub(6, ValueType.FileTime, v.filetime(spec.timeCreated))}]),
    el('EventRecordID', [], [sub(10, ValueType.UInt64, v.u64(recordId))]),
    el('Correlation', [
      {name: 'ActivityID', value: sub(7, ValueType.Guid, spec.activityId ? v.guid(spec.activityId) : v.null())},
      {name: 'RelatedActivityID', value: sub(18, ValueType.Guid, v.null())},
    ]),
    el('Execution', [
      {name: 'ProcessID', value: sub(8, ValueType.UInt32, v.u32(spec.processId ?? 0))},
      {name: 'ThreadID', value: sub(9, ValueType.UInt32, v.u32(spec.threadId ?? 0))},
    ]),
    el('Channel', [], [text(spec.channel)]),
    el('Computer', [], [text(spec.computer)]),
    el('Security', [{name: 'UserID', value: sub(12, ValueType.Sid, spec.userId ? v.sid(spec.userId) : v.null())}]),
  ])

  const body = spec.body
  const children: Array<TemplateElement | TemplateText> = [system]
  const nested = bodyTemplate(body)
  const bodySub = sub(19, ValueType.BinXml, nested ? {type: 'binxml', instance: nested} : v.null())
  if (body.kind === 'user') children.push(el('UserData', [], [bodySub]))
  else children.push(bodySub)
  const root = el('Event', [{name: 'xmlns', value: text(EVENT_NS)}], children)
  const key = ['system', spec.provider, spec.providerGuid ?? '', spec.eventSourceName ?? '', spec.channel, spec.computer, body.kind === 'user' ? 'user' : 'event'].join('\u0001')
  return {root, values, key}
}

/** The inner template: named Data (normal substitutions), classic Data (one string array, as ReportEvent writes), or a UserData element. */
function bodyTemplate(body: EvtxEventBody): TemplateInstance | null {
  const values: TemplateValue[] = []
  const sub = (val: EvtxValue, optional = false, declared = valueTypeOf(val)): TemplateText => {
    values.push(val)
    return {kind: 'sub', index: values.length - 1, valueType: declared, optional}
  }
  switch (body.kind) {
    case 'none':
      return null
    case 'named': {
      const items = body.data.map(([name, val]) => el('Data', [{name: 'Name', value: text(name)}], [sub(val)]))
      if (body.binary) items.push(el('Binary', [], [sub(v.binary(body.binary))]))
      const key = ['named', ...body.data.map(([name, val]) => `${name}\u0002${valueTypeOf(val)}`), body.binary ? 'binary' : ''].join('\u0001')
      return {root: el('EventData', [], items), values, key}
    }
    case 'unnamed': {
      const items = [
        el('Data', [], [sub(body.data.length > 0 ? v.strings(body.data) : v.null(), true, ValueType.StringArray)]),
        el('Binary', [], [sub(body.binary ? v.binary(body.binary) : v.null(), true, ValueType.Binary)]),
      ]
      return {root: el('EventData', [], items), values, key: 'classic'}
    }
    case 'user':
      return {
        root: el(
          body.element,
          [{name: 'xmlns', value: text(body.xmlns)}],
          body.fields.map(([name, val]) => el(name, [], [sub(val)])),
        ),
        values,
        key: ['user', body.element, body.xmlns, ...body.fields.map(([name, val]) => `${name}\u0002${valueTypeOf(val)}`)].join('\u0001'),
      }
  }
}

/** Declared type of a body substitution; a null body value still declares a string slot. */
function valueTypeOf(val: EvtxValue): number {
  return val.type === 'null' ? ValueType.String : valueTypeByte(val)
}

/** Windows renders provider GUIDs upper case in braces. */
function normaliseGuidText(g: string): string {
  const bare = g.replace(/[{}]/g, '').toUpperCase()
  return `{${bare}}`
}
