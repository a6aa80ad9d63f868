/**
 * `connection_trace.txt`: one line per connection, minute resolution, UTC (ARTEFACTS.md §4):
 * `Incoming    2024-02-16, 20:29    User    221436813    221436813`. After direction, date and time come the
 * authentication word (User / Passwd / Token / REJECTED), then an alias and/or one or two AnyDesk IDs.
 */
export interface ConnectionTraceLine {
  direction: string
  date: string
  time: string
  auth: string
  alias?: string
  ids: string[]
}

const LINE = /^\s*(Incoming|Outgoing)\s+(\d{4}-\d{2}-\d{2}),?\s+(\d{1,2}:\d{2})\s+(\S+)\s*(.*?)\s*$/i

export function parseConnectionTraceLine(text: string): ConnectionTraceLine | undefined {
  const m = LINE.exec(text)
  if (!m) return undefined
  const rest = m[5]!.split(/\s+/).filter(Boolean)
  const ids: string[] = []
  while (rest.length && /^\d{6,12}$/.test(rest[rest.length - 1]!)) ids.unshift(rest.pop()!)
  const rec: ConnectionTraceLine = {direction: m[1]!, date: m[2]!, time: m[3]!.padStart(5, '0'), auth: m[4]!, ids}
  if (rest.length) rec.alias = rest.join(' ')
  return rec
}
