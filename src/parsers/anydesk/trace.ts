/**
 * AnyDesk trace lines (`ad.trace`, `ad_svc.trace`, Linux `anydesk.trace`). Layout (ARTEFACTS.md §4):
 * right-aligned level, `YYYY-MM-DD HH:MM:SS.mmm` (UTC), role, [thread name on Linux], PID, TID, [fiber],
 * right-aligned component, ` - `, message. Column padding varies, so the line is not split on fixed token
 * positions: the head is tokenised up to the first ` - ` and classified by token shape.
 */
export interface TraceLine {
  level: string
  /** As written: `2023-07-12 08:56:17.144` (UTC). */
  time: string
  role: string
  thread?: string
  pid?: number
  tid?: number
  fiber?: number
  component: string
  message: string
}

const HEAD = /^\s*(info|warning|error|debug|trace|fatal|critical)\s+(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:\.\d{1,6})?)\s+(.*)$/i

export type TraceLineResult = {kind: 'record'; record: TraceLine} | {kind: 'banner'} | {kind: 'blank'} | {kind: 'unparsed'}

export function parseTraceLine(text: string): TraceLineResult {
  if (text.trim() === '') return {kind: 'blank'}
  if (/^[\s*]+$/.test(text) || /^\s*\*\s/.test(text)) return {kind: 'banner'}
  const m = HEAD.exec(text)
  if (!m) return {kind: 'unparsed'}
  const rest = m[3]!
  const sep = rest.indexOf(' - ')
  if (sep < 0) return {kind: 'unparsed'}
  const tokens = rest.slice(0, sep).trim().split(/\s+/)
  const message = rest.slice(sep + 3).trim()
  if (tokens.length < 2) return {kind: 'unparsed'}
  const component = tokens.pop()!
  const role = tokens.shift()!
  const nums: number[] = []
  let thread: string | undefined
  for (const t of tokens) {
    if (/^\d+$/.test(t)) nums.push(Number(t))
    else thread = thread ? `${thread} ${t}` : t
  }
  const rec: TraceLine = {level: m[1]!.toLowerCase(), time: m[2]!, role, component, message}
  if (thread) rec.thread = thread
  if (nums[0] !== undefined) rec.pid = nums[0]
  if (nums[1] !== undefined) rec.tid = nums[1]
  if (nums[2] !== undefined) rec.fiber = nums[2]
  return {kind: 'record', record: rec}
}

/** What a trace message means for an investigation (only the messages ARTEFACTS.md lists). */
export type TraceMeaning =
  | {kind: 'session_request'; alias: string; remoteId: string}
  | {kind: 'peer_address'; ip: string; port?: number; relay?: string}
  /** `Logged in from 12.xx.xx.21:59562`: the address as written, with digits blanked out (`x`), so not usable as an address. */
  | {kind: 'peer_address_blanked'; text: string; port?: number; relay?: string}
  | {kind: 'peer_id'; remoteId: string; fingerprint?: string}
  | {kind: 'local_id'; localId: string}
  | {kind: 'external_address'; ip: string; port?: number}
  | {kind: 'accept_request'; remoteId: string; via?: string}
  | {kind: 'authenticated'; method: 'local user' | 'password' | 'token' | 'passphrase'}
  | {kind: 'session_end'; reason: string}
  | {kind: 'outgoing_connect'; remoteId: string}
  | {kind: 'prepare_files'; path: string}
  | {kind: 'prepare_done'; count: number}
  | {kind: 'password_set'}
  | {kind: 'remote_info'; key: 'remote_os' | 'remote_version'; value: string}

/** `1.2.3.4:5`, `[2001:db8::1]:5`, bare IPv6 or IPv4 → ip + port. */
export function splitAddress(text: string): {ip: string; port?: number} | undefined {
  const t = text.trim().replace(/[.,;]$/, '')
  let m = /^\[([0-9a-fA-F:.%]+)\](?::(\d{1,5}))?$/.exec(t)
  if (m) return {ip: m[1]!, ...(m[2] ? {port: Number(m[2])} : {})}
  m = /^(\d{1,3}(?:\.\d{1,3}){3})(?::(\d{1,5}))?$/.exec(t)
  if (m) return {ip: m[1]!, ...(m[2] ? {port: Number(m[2])} : {})}
  if (/^[0-9a-fA-F:]+$/.test(t) && t.includes(':')) return {ip: t}
  return undefined
}

export function classifyTraceMessage(msg: string): TraceMeaning | undefined {
  let m: RegExpExecArray | null
  if ((m = /Incoming session request:\s*(.*?)\s*\((\d+)\)\s*\.?$/.exec(msg))) return {kind: 'session_request', alias: m[1]!, remoteId: m[2]!}
  if ((m = /Logged in from\s+(\S+?)(?:\s+on relay\s+([0-9a-fA-F]+))?\.?$/.exec(msg))) {
    const a = splitAddress(m[1]!)
    if (a) return {kind: 'peer_address', ...a, ...(m[2] ? {relay: m[2]} : {})}
    const b = /^([0-9a-fA-Fx.:[\]]*x[0-9a-fA-Fx.:[\]]*?)(?::(\d{1,5}))?\.?$/i.exec(m[1]!)
    if (b && /[.:]/.test(b[1]!)) return {kind: 'peer_address_blanked', text: b[1]!, ...(b[2] ? {port: Number(b[2])} : {}), ...(m[2] ? {relay: m[2]} : {})}
  }
  if ((m = /New user data\.\s*Client-ID:\s*(\d+)/.exec(msg))) return {kind: 'local_id', localId: m[1]!}
  if ((m = /Client-ID:\s*(\d+)(?:\s*\(FPR:\s*([0-9a-fA-F]+)\))?/.exec(msg))) return {kind: 'peer_id', remoteId: m[1]!, ...(m[2] ? {fingerprint: m[2].toLowerCase()} : {})}
  if ((m = /External address:\s*(\S+)/.exec(msg))) {
    const a = splitAddress(m[1]!)
    if (a) return {kind: 'external_address', ...a}
  }
  if ((m = /Accept request from\s+(\d+)(?:\s*\((.*?)\))?/.exec(msg))) return {kind: 'accept_request', remoteId: m[1]!, ...(m[2] ? {via: m[2]} : {})}
  if (/Authenticated by local user/i.test(msg)) return {kind: 'authenticated', method: 'local user'}
  if (/Authenticated by password/i.test(msg)) return {kind: 'authenticated', method: 'password'}
  if (/Authenticated with (permanent )?token/i.test(msg)) return {kind: 'authenticated', method: 'token'}
  if (/Authenticated with correct passphrase/i.test(msg)) return {kind: 'authenticated', method: 'passphrase'}
  if ((m = /^(Session stopped|Session closed|The socket was closed remotely|Received quit)/.exec(msg))) return {kind: 'session_end', reason: msg}
  if ((m = /Connecting to "([^"]+)"/.exec(msg))) return {kind: 'outgoing_connect', remoteId: m[1]!}
  if ((m = /Preparing files in '(.*)'/.exec(msg))) return {kind: 'prepare_files', path: m[1]!}
  if ((m = /^Preparation of (\d+) files? completed/.exec(msg))) return {kind: 'prepare_done', count: Number(m[1])}
  if (/--set-password/.test(msg)) return {kind: 'password_set'}
  if ((m = /^Remote OS:\s*([^,]+)/.exec(msg))) return {kind: 'remote_info', key: 'remote_os', value: m[1]!.trim()}
  if ((m = /^Remote version:\s*(\S+)/.exec(msg))) return {kind: 'remote_info', key: 'remote_version', value: m[1]!.replace(/\.$/, '')}
  return undefined
}
