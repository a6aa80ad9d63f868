/**
 * .NET application-settings XML used by ScreenConnect `system.config`, `app.config` and `user.config`:
 * `<setting name="X" serializeAs="String"><value>…</value></setting>`. A small tolerant scanner (no DTDs,
 * no entities beyond the five predefined and numeric references) — enough for these files, and safe on
 * hostile input (no external entity resolution exists to abuse).
 */
export interface Setting {
  name: string
  value: string
}

export function xmlUnescape(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#\d+|lt|gt|amp|quot|apos);/g, (_m, e: string) => {
    if (e === 'lt') return '<'
    if (e === 'gt') return '>'
    if (e === 'amp') return '&'
    if (e === 'quot') return '"'
    if (e === 'apos') return "'"
    const cp = e.startsWith('#x') ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10)
    return cp > 0 && cp <= 0x10ffff ? String.fromCodePoint(cp) : ''
  })
}

export function parseSettings(xml: string): Setting[] {
  const out: Setting[] = []
  const re = /<setting\b([^>]*)>([\s\S]*?)<\/setting>/gi
  for (const m of xml.matchAll(re)) {
    const nm = /\bname\s*=\s*"([^"]*)"|\bname\s*=\s*'([^']*)'/.exec(m[1]!)
    if (!nm) continue
    const vm = /<value>([\s\S]*?)<\/value>|<value\s*\/>/.exec(m[2]!)
    let value = vm?.[1] ?? ''
    const cdata = /^\s*<!\[CDATA\[([\s\S]*?)\]\]>\s*$/.exec(value)
    value = cdata ? cdata[1]! : xmlUnescape(value)
    out.push({name: xmlUnescape(nm[1] ?? nm[2] ?? ''), value})
  }
  return out
}

/** One entry of `HostToAddressMap`: `<host>=<ip>-<URL-encoded M/d/yyyy h:mm:ss AM|PM>`. */
export interface HostAddress {
  host: string
  ip: string
  /** As written, URL-decoded (`5/20/2025 4:24:03 PM`). Time zone undocumented: probably host local. */
  resolvedText?: string
  resolved?: {year: number; month: number; day: number; hour: number; minute: number; second: number}
}

export function parseHostToAddressMap(value: string): {entries: HostAddress[]; bad: string[]} {
  const entries: HostAddress[] = []
  const bad: string[] = []
  for (const part of value.split('&')) {
    if (!part.trim()) continue
    const eq = part.indexOf('=')
    if (eq <= 0) {
      bad.push(part)
      continue
    }
    const host = part.slice(0, eq)
    const rest = part.slice(eq + 1)
    // IPv6 holds ':' but no '-', IPv4 neither: the first '-' ends the address.
    const dash = rest.indexOf('-')
    const ip = dash >= 0 ? rest.slice(0, dash) : rest
    const entry: HostAddress = {host, ip}
    if (dash >= 0) {
      let text = rest.slice(dash + 1)
      try {
        text = decodeURIComponent(text.replace(/\+/g, ' '))
      } catch {
        /* keep as written */
      }
      entry.resolvedText = text
      const t = /^(\d{1,2})\/(\d{1,2})\/(\d{4}) (\d{1,2}):(\d{2}):(\d{2})(?: ?([AaPp][Mm]))?$/.exec(text.trim())
      if (t) {
        let hour = Number(t[4])
        const ampm = t[7]?.toUpperCase()
        if (ampm === 'PM' && hour < 12) hour += 12
        if (ampm === 'AM' && hour === 12) hour = 0
        entry.resolved = {year: Number(t[3]), month: Number(t[1]), day: Number(t[2]), hour, minute: Number(t[5]), second: Number(t[6])}
      }
    }
    entries.push(entry)
  }
  return {entries, bad}
}
