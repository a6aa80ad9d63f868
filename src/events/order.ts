import type {NormalizedEvent} from './types.js'

const cmpStr = (a: string | undefined, b: string | undefined): number => {
  const x = a ?? ''
  const y = b ?? ''
  return x < y ? -1 : x > y ? 1 : 0
}
const cmpNum = (a: number | undefined, b: number | undefined): number => (a ?? -1) - (b ?? -1)

/**
 * Total order over events so sorted output is byte-identical across runs: time first (the fixed-width
 * 7-digit ISO string sorts lexicographically), then where it came from, then what it is, then the id.
 */
export function compareEvents(a: NormalizedEvent, b: NormalizedEvent): number {
  return (
    cmpStr(a.datetime, b.datetime) ||
    cmpStr(a.evidence.member, b.evidence.member) ||
    cmpNum(a.evidence.offset, b.evidence.offset) ||
    cmpStr(String(a.evidence.record ?? ''), String(b.evidence.record ?? '')) ||
    cmpNum(a.evidence.line, b.evidence.line) ||
    cmpStr(a.event_type, b.event_type) ||
    cmpStr(a.id, b.id)
  )
}
