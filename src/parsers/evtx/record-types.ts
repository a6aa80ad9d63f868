/**
 * The parsed EVTX record as ratchet exposes it: the `ratchet evtx dump --format jsonl` contract, and the
 * input of the Windows event mappers in src/events/. Field names follow the contract; values come
 * from the rendered System element (XML names in comments).
 */
export type EvtxDataValue = string | number | boolean | null | EvtxDataValue[] | {[k: string]: EvtxDataValue}

export interface EvtxRecord {
  /** System/EventRecordID (may differ from the record header number in saved/filtered logs). */
  recordId: number | null
  /** Record header identifier (64-bit, as a number: real logs never reach 2^53). */
  headerRecordNumber: number
  /** System/TimeCreated/@SystemTime, ISO-8601 UTC with 7 fractional digits. null if absent. */
  timeCreated: string | null
  /** Record header written time (FILETIME), ISO-8601 UTC with 7 fractional digits. */
  writtenTime: string | null
  eventId: number | null
  qualifiers: number | null
  version: number | null
  level: number | null
  task: number | null
  opcode: number | null
  /** System/Keywords as rendered (`0x8020000000000000`). */
  keywords: string | null
  /** System/Provider/@Name */
  provider: string | null
  /** System/Provider/@Guid, `{XXXXXXXX-...}` upper case as Windows renders it. */
  providerGuid: string | null
  /** System/Provider/@EventSourceName when present. */
  eventSourceName?: string | null
  channel: string | null
  computer: string | null
  /** System/Security/@UserID (SID string). */
  userId: string | null
  processId: number | null
  threadId: number | null
  /** System/Correlation/@ActivityID */
  activityId: string | null
  /**
   * EventData / UserData content. Named `<Data Name="x">` → object keyed by name; unnamed `<Data>` values →
   * array. UserData: the single child element's children as an object (nested elements as objects), with
   * the child element's name under `_element`. null when the record has neither.
   */
  data: Record<string, EvtxDataValue> | EvtxDataValue[] | null
  /** 0-based chunk index in the file. */
  chunk: number
  /** Byte offset of the record in the file. */
  offset: number
  /** True when the record was carved from chunk slack (--carve), not found in allocated space. */
  recovered: boolean
}
