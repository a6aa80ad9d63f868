/**
 * ScreenConnect client messages in the Windows Application log (ARTEFACTS.md §2). Matched on the provider
 * prefix and the message text (first line of the single unnamed Data element), never on the event id,
 * which differs between versions.
 */
export type AppLogMessage =
  | {kind: 'connected'; operator: string}
  | {kind: 'disconnected'; operator: string}
  | {kind: 'files_transferred'; action: string; files: string[]}
  | {kind: 'command_executed'; length: number}
  | {kind: 'host_ended_session'}
  | {kind: 'unknown'; firstLine: string}

export function isScreenConnectProvider(provider: string | null | undefined): boolean {
  if (!provider) return false
  return provider === 'ScreenConnect' || /^ScreenConnect Client \(/i.test(provider) || /^ScreenConnect\b/i.test(provider)
}

/** Lines of the message before the blank line that precedes `Version:` / `Executable Path:`. */
function bodyLines(text: string): string[] {
  const lines = text.split(/\r?\n/)
  const out: string[] = []
  for (const l of lines) {
    if (/^\s*(Version|Executable Path):/i.test(l)) break
    out.push(l)
  }
  while (out.length && out[out.length - 1]!.trim() === '') out.pop()
  return out
}

export function classifyAppLogMessage(text: string): AppLogMessage {
  const lines = bodyLines(text)
  const first = (lines[0] ?? '').trim()
  let m: RegExpExecArray | null
  // .NET socket errors mention "party did not" — not connections.
  if (/party did not/i.test(text)) return {kind: 'unknown', firstLine: first}
  if ((m = /^Transferred files with action '([^']*)':?$/.exec(first))) {
    return {kind: 'files_transferred', action: m[1]!, files: lines.slice(1).map((l) => l.trim()).filter(Boolean)}
  }
  if ((m = /^Executed command of length:\s*(\d+)/.exec(first))) return {kind: 'command_executed', length: Number(m[1])}
  if (/^Your host has ended the remote session/i.test(first)) return {kind: 'host_ended_session'}
  if ((m = /^(.+?)\s+Connected$/.exec(first))) return {kind: 'connected', operator: m[1]!}
  if ((m = /^(.+?)\s+Disconnected$/.exec(first))) return {kind: 'disconnected', operator: m[1]!}
  return {kind: 'unknown', firstLine: first}
}
