import type {NormalizedEvent} from '../events/types.js'

/** A string attribute (numbers are stringified; anything else is absent). */
export function attr(ev: NormalizedEvent, key: string): string | undefined {
  const v = ev.attributes?.[key]
  if (typeof v === 'string') return v === '' ? undefined : v
  if (typeof v === 'number' || typeof v === 'bigint') return String(v)
  return undefined
}

/** Dotted field lookup used by data rules: `process`, `attributes.image_path`, `evidence.member`. */
export function fieldValue(ev: NormalizedEvent, path: string | readonly string[]): unknown {
  let cur: unknown = ev
  for (const part of typeof path === 'string' ? path.split('.') : path) {
    if (cur === null || typeof cur !== 'object') return undefined
    cur = (cur as Record<string, unknown>)[part]
  }
  return cur
}

export function tool(ev: NormalizedEvent): string | undefined {
  return attr(ev, 'tool')
}

/** µs since epoch; falls back to parsing the ISO string when `timestamp` is missing. */
export function micros(ev: NormalizedEvent): number {
  if (typeof ev.timestamp === 'number' && Number.isFinite(ev.timestamp)) return ev.timestamp
  const ms = Date.parse(ev.datetime)
  return Number.isFinite(ms) ? ms * 1000 : 0
}

/** The ScreenConnect instance thumbprint: the attribute, or from the provider / service name. */
export function scInstance(ev: NormalizedEvent): string | undefined {
  const direct = attr(ev, 'instance')
  if (direct) return direct.toLowerCase()
  for (const k of ['provider', 'service_name', 'image_path', 'ServiceName', 'ImagePath']) {
    const v = attr(ev, k)
    const m = v ? /ScreenConnect Client \(([0-9a-f]{16})\)/i.exec(v) : null
    if (m) return m[1].toLowerCase()
  }
  const p = ev.process ? /ScreenConnect Client \(([0-9a-f]{16})\)/i.exec(ev.process) : null
  return p ? p[1].toLowerCase() : undefined
}

/** The ScreenConnect relay host: the attribute, or the `h=` launch parameter in an image path. */
export function scRelay(ev: NormalizedEvent): {host?: string; port?: number} {
  const host = attr(ev, 'relay_host')
  const portText = attr(ev, 'relay_port')
  if (host) return {host: host.toLowerCase(), port: portText ? Number(portText) : undefined}
  for (const v of [attr(ev, 'image_path'), attr(ev, 'ImagePath'), ev.command_line, ev.process]) {
    if (!v || !/screenconnect/i.test(v)) continue
    const h = /[?&]h=([^&"\s]+)/i.exec(v)
    if (h) {
      const p = /[?&]p=(\d{1,5})/i.exec(v)
      return {host: decodeURIComponent(h[1]).toLowerCase(), port: p ? Number(p[1]) : undefined}
    }
  }
  return {}
}

export function baseNameLower(p: string | undefined): string {
  if (!p) return ''
  const t = p.trim().replace(/^["']+|["']+$/g, '')
  return t.slice(Math.max(t.lastIndexOf('\\'), t.lastIndexOf('/')) + 1).toLowerCase()
}

/** False for times that are host-local in an unknown zone, or unknown (1970): they cannot be placed against UTC times. */
export function datedReliably(ev: NormalizedEvent): boolean {
  const a = ev.attributes ?? {}
  return a.time_unknown !== true && a.original_time_zone !== 'host-local:unknown'
}
