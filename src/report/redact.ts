/**
 * Passwords typed on a command line (`net user <name> <password> /add`, `echo <password> | AnyDesk.exe
 * --set-password`) are credentials, not findings: the report is read by counsel and leadership and travels
 * further than the evidence, so it shows that a password was set, not the password. Only the evidence archive
 * keeps the text as recorded: analyze already redacts events.jsonl (src/core/redact.ts, with the secret's
 * hash); this pass catches what reaches the report by other paths and leaves existing marks alone.
 */
export const REDACTED = '[password not shown in this report]'

// a token already replaced by a redaction mark (`[REDACTED …]`, `[password …]`) is left as it is
const NET_USER = /\b(net1?(?:\.exe)?"?\s+user\s+(?:"[^"]+"|\S+)\s+)(?!\/|\[)("[^"]*"|[^\s/*][^\s]*)/gi
const ECHO_PIPE = /\b(echo\s+)(?!\[)([^|\r\n]+?)(\s*\|\s*[^\r\n]*--set-password)/gi

export function redactSecrets(text: string): string
export function redactSecrets(text: string | undefined): string | undefined
export function redactSecrets(text: string | undefined): string | undefined {
  if (!text) return text
  return text.replace(NET_USER, (_m, head: string) => `${head}${REDACTED}`).replace(ECHO_PIPE, (_m, head: string, _pw: string, tail: string) => `${head}${REDACTED}${tail}`)
}
