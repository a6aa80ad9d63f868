import {createHash} from 'node:crypto'
import {EventTypes as T, type NormalizedEvent} from '../events/types.js'

/**
 * Passwords typed into queued commands (`net user x P@ss /add`, `echo pw | anydesk --set-password`,
 * `-p <pw>`) must not be copied into any file of the case folder: events.jsonl (analyze redacts each event
 * as it is serialized), hunt's outputs, the timeline and the report. Each is replaced by
 * `[REDACTED sha256:<first 12 hex>…]`: the hash lets an analyst confirm a password they already know (or see
 * that two machines got the same one) without disclosing it. Only the evidence archive holds the text as read.
 */

export function redactionMark(secret: string): string {
  return `[REDACTED sha256:${createHash('sha256').update(secret, 'utf8').digest('hex').slice(0, 12)}…]`
}

const isMark = (s: string): boolean => s.startsWith('[REDACTED')

/** `net user <name> <password> …` (the password is the token after the name unless it is a switch or `*`). */
const NET_USER = /\b(net1?(?:\.exe)?\s+user\s+)("[^"]*"|[^\s"/]+)(\s+)("[^"]*"|[^\s"]+)/gi
/** `echo <pw> | … --set-password` (AnyDesk reads the password from stdin; a message cut short may keep only `| …anydesk`). */
const ECHO_PIPE = /\b(echo\s+)([^|\r\n]+?)(\s*\|[^\r\n]*(?:--set-password|anydesk))/gi
/** `--set-password <pw>` / `--password=<pw>` / `-p <pw>` / `-pw <pw>` / `/p:<pw>` given on the command line. */
const FLAG_PW = /(^|\s)(--set-password|--password|-password|-pw|-p|\/p:|\/password:)([=\s]?)("[^"]*"|[^\s"|&]+)/gi

function redactToken(token: string): string {
  if (isMark(token)) return token
  const q = token.startsWith('"') && token.endsWith('"') && token.length >= 2
  const inner = q ? token.slice(1, -1) : token
  if (inner === '') return token
  return redactionMark(inner)
}

export function redactCommand(text: string): string {
  if (!text) return text
  let out = text.replace(NET_USER, (all, pre: string, name: string, sp: string, pw: string) => {
    // `net user bob /add`, `net user bob *` (prompted), `net user /domain` carry no password
    if (pw.startsWith('/') || pw === '*' || name.startsWith('/') || isMark(pw)) return all
    return `${pre}${name}${sp}${redactToken(pw)}`
  })
  out = out.replace(ECHO_PIPE, (all, pre: string, pw: string, post: string) => (isMark(pw.trim()) ? all : `${pre}${redactToken(pw.trim())}${post}`))
  out = out.replace(FLAG_PW, (all, lead: string, flag: string, sep: string, pw: string) => {
    if (isMark(pw) || pw.startsWith('-')) return all
    // a flag glued to letters is another word (`-path`, `-pwd`, `--passwords`), not a password flag; only
    // `/p:` and `/password:` carry their value without a separator
    if (sep === '' && !flag.endsWith(':')) return all
    return `${lead}${flag}${sep}${redactToken(pw)}`
  })
  return out
}

/** Event types whose text fields can carry a typed command. */
export const COMMAND_TYPES: ReadonlySet<string> = new Set<string>([T.REMOTE_COMMAND, T.REMOTE_RUN_DROP, T.PROCESS_CREATED, T.PROCESS_RUNNING, T.SCRIPT_BLOCK, T.REMOTE_PASSWORD_SET])

/** Whether redactEvent may change an event of this type (other types are returned as they are). */
export const redacts = (eventType: string): boolean => COMMAND_TYPES.has(eventType)

/** A copy of the event with passwords in its command text, message and command-like attributes redacted. */
export function redactEvent(ev: NormalizedEvent): NormalizedEvent {
  if (!redacts(ev.event_type)) return ev
  const out: NormalizedEvent = {...ev}
  if (typeof ev.command_line === 'string') out.command_line = redactCommand(ev.command_line)
  if (typeof ev.message === 'string') out.message = redactCommand(ev.message)
  if (ev.attributes) {
    const a: Record<string, unknown> = {...ev.attributes}
    for (const k of ['CommandLine', 'command_line', 'ScriptBlockText', 'script_block_text', 'data', 'raw_line']) if (typeof a[k] === 'string') a[k] = redactCommand(a[k] as string)
    out.attributes = a
  }
  return out
}

/** Redacts every string in a JSON-like value (used on hunt's outputs, whose texts come from command events). */
export function redactDeep<V>(v: V): V {
  if (typeof v === 'string') return redactCommand(v) as V
  if (Array.isArray(v)) return v.map((x) => redactDeep(x)) as V
  if (v && typeof v === 'object') {
    const o: Record<string, unknown> = {}
    for (const [k, x] of Object.entries(v)) o[k] = redactDeep(x)
    return o as V
  }
  return v
}
