import ipaddr from 'ipaddr.js'
import type {Indicator} from '../types.js'
import {canonicalUrl, isIPv4, isIPv6} from './classify.js'

/**
 * The IOC index. Every lookup is a hash-set probe or a walk down a short tree — the cost of matching one
 * value does not grow with the number of indicators (never one regular expression per indicator):
 * - exact sets for IPs, hashes, file names, user names, AnyDesk IDs and URLs;
 * - CIDR tables: one set of network addresses per prefix length present (≤ 33 probes for IPv4), most
 *   specific first;
 * - a domain suffix trie on reversed labels, so `rs.tdsclinical.com` also matches `x.rs.tdsclinical.com`.
 */

interface TrieNode {
  children: Map<string, TrieNode>
  inds: Indicator[]
}

export interface ValueHit {
  indicator: Indicator
  /** The piece of the value that matched (an IP, a host name, a file name…). */
  matched: string
}

function push<K>(m: Map<K, Indicator[]>, k: K, ind: Indicator): void {
  const l = m.get(k)
  if (l) l.push(ind)
  else m.set(k, [ind])
}

/** Dotted decimal → unsigned 32-bit; the input is already validated. */
function ipv4ToInt(ip: string): number {
  let v = 0
  let part = 0
  for (let i = 0; i < ip.length; i++) {
    const c = ip.charCodeAt(i)
    if (c === 46) {
      v = v * 256 + part
      part = 0
    } else part = part * 10 + (c - 48)
  }
  return v * 256 + part
}

function ipv6ToBig(ip: string): bigint {
  let v = 0n
  for (const part of ipaddr.IPv6.parse(ip).parts) v = (v << 16n) | BigInt(part)
  return v
}

/** Strict dotted decimal (no leading zeros: `010.1.2.3` is not read as octal); the hot-path check. */
const IPV4_STRICT = /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/
/** Token delimiters: whitespace and the punctuation around values in command lines, XML, JSON, query strings. */
const DELIMS = new Uint8Array(128)
for (const ch of ' \t\r\n\f\v"\'<>()[]{},;|=&!*^`') DELIMS[ch.charCodeAt(0)] = 1
function isDelimiter(c: number): boolean {
  return c < 128 ? DELIMS[c] === 1 : c === 0xa0 || c === 0x3000 || c === 0xfeff || (c >= 0x2000 && c <= 0x200b) || c === 0x2028 || c === 0x2029
}
const URL_RE = /[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]+/g
const HEX = /^[0-9a-f]+$/
const DIGITS = /^\d{9,10}$/
/** Values this long are cut: bounded work per field (script blocks can be megabytes). */
const MAX_VALUE = 1 << 20
/** Up to this many indicator texts, a value is first searched for them whole (see IocIndex.needles). */
const MAX_NEEDLES = 16
const ASCII = /^[\x00-\x7f]*$/
/** Printable ASCII that JSON.stringify writes as itself (no `"`, `\\`, and no `/`, which JSON may escape). */
const JSON_VERBATIM = /^[\x20-\x21\x23-\x2e\x30-\x5b\x5d-\x7e]+$/

/**
 * Case-insensitive search for any of the ASCII texts `list`. With `u`, case folding maps the Kelvin sign to
 * `k` (as toLowerCase does) and long s to `s` (a spare candidate); İ lower-cases to `i` plus a combining dot,
 * which then stays inside the token, so no token holding it equals an indicator: missing it loses nothing.
 */
function anyOf(list: string[]): RegExp {
  return new RegExp([...new Set(list)].map((v) => v.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('|'), 'iu')
}

/** Whether JSON text holds a `\\uXXXX` escape (a `\\u` after an even number of backslashes). */
function hasUnicodeEscape(text: string): boolean {
  for (let i = text.indexOf('\\u'); i >= 0; i = text.indexOf('\\u', i + 2)) {
    let k = i
    while (k > 0 && text.charCodeAt(k - 1) === 92) k--
    if ((i - k) % 2 === 0) return true
  }
  return false
}

export class IocIndex {
  readonly size: number
  private readonly ips = new Map<string, Indicator[]>()
  private readonly hashes = new Map<string, Indicator[]>()
  private readonly fileNames = new Map<string, Indicator[]>()
  private readonly users = new Map<string, Indicator[]>()
  private readonly anydesk = new Map<string, Indicator[]>()
  private readonly urls = new Map<string, Indicator[]>()
  private readonly cidr4 = new Map<number, Map<number, Indicator[]>>()
  private readonly cidr6 = new Map<number, Map<string, Indicator[]>>()
  private cidr4Lens: number[] = []
  private cidr6Lens: number[] = []
  private readonly trie: TrieNode = {children: new Map(), inds: []}
  private hasDomains = false
  private hasV6 = false
  /**
   * The texts of all indicators matchText looks for, when each is found only as itself — an exact IPv4
   * address, hash, AnyDesk ID, file name, or a domain as the last labels of a host name (no URL, CIDR or IPv6
   * indicator: their written forms vary) — all ASCII, and few. Every token matchText probes is a lower-cased
   * piece of the value, so a value can match only when it contains one of these, case aside (anyOf): the
   * others skip the tokenising.
   */
  private readonly needles?: RegExp
  /**
   * The needles, when they can also be looked for in the JSON text of a whole event (lineMayMatch): every
   * value the event matcher reads is written there as itself — but for JSON escapes, so none of these holds
   * `"`, `\\`, `/` or a control character, and a line with a `\\u` escape is always matched — and only strings
   * can match (no AnyDesk IDs, which may be written as numbers; no user names, which are matched apart).
   */
  private readonly lineNeedles?: RegExp

  /** `prefilter: false` (tests) always tokenises. */
  constructor(indicators: Indicator[], opts: {prefilter?: boolean} = {}) {
    this.size = indicators.length
    for (const ind of indicators) {
      switch (ind.type) {
        case 'ipv4':
        case 'ipv6':
          push(this.ips, ind.value, ind)
          if (ind.type === 'ipv6') this.hasV6 = true
          break
        case 'cidr': {
          const [addr, lenText] = ind.value.split('/')
          const len = Number(lenText)
          if (isIPv4(addr)) {
            let t = this.cidr4.get(len)
            if (!t) this.cidr4.set(len, (t = new Map()))
            push(t, len === 0 ? 0 : (ipv4ToInt(addr) & (~0 << (32 - len))) >>> 0, ind)
          } else {
            let t = this.cidr6.get(len)
            if (!t) this.cidr6.set(len, (t = new Map()))
            push(t, (ipv6ToBig(addr) >> BigInt(128 - len)).toString(16), ind)
            this.hasV6 = true
          }
          break
        }
        case 'domain':
        case 'screenconnect_relay': {
          let node = this.trie
          for (const label of ind.value.split('.').reverse()) {
            let next = node.children.get(label)
            if (!next) node.children.set(label, (next = {children: new Map(), inds: []}))
            node = next
          }
          node.inds.push(ind)
          this.hasDomains = true
          break
        }
        case 'sha256':
        case 'sha1':
        case 'md5':
          push(this.hashes, ind.value, ind)
          break
        case 'file_name':
          push(this.fileNames, ind.value, ind)
          break
        case 'user_name':
          push(this.users, ind.value, ind)
          break
        case 'anydesk_id':
          push(this.anydesk, ind.value, ind)
          break
        case 'url':
          push(this.urls, ind.value, ind)
          break
      }
    }
    this.cidr4Lens = [...this.cidr4.keys()].sort((a, b) => b - a)
    this.cidr6Lens = [...this.cidr6.keys()].sort((a, b) => b - a)
    const exact = indicators.filter((i) => i.type !== 'user_name').map((i) => i.value)
    const plain = !this.hasV6 && this.urls.size === 0 && this.cidr4.size === 0 && this.cidr6.size === 0
    if (opts.prefilter !== false && plain && exact.length <= MAX_NEEDLES && exact.every((v) => v.length > 0 && ASCII.test(v))) {
      this.needles = anyOf(exact)
      if (this.users.size === 0 && this.anydesk.size === 0 && exact.every((v) => JSON_VERBATIM.test(v))) this.lineNeedles = this.needles
    }
  }

  /**
   * False when no value of the event written on this events.jsonl line can match an indicator, so the event
   * need not be walked (see lineNeedles); true when it may.
   */
  lineMayMatch(line: string): boolean {
    if (!this.lineNeedles) return true
    return hasUnicodeEscape(line) || this.lineNeedles.test(line)
  }

  /** Indicators matching an IP (exact or inside a CIDR). `ip` must be canonical. */
  matchIp(ip: string, out: ValueHit[]): void {
    const exact = this.ips.get(ip)
    if (exact) for (const indicator of exact) out.push({indicator, matched: ip})
    if (ip.includes(':')) {
      if (this.cidr6Lens.length === 0) return
      const v = ipv6ToBig(ip)
      for (const len of this.cidr6Lens) {
        const hit = this.cidr6.get(len)?.get((v >> BigInt(128 - len)).toString(16))
        if (hit) for (const indicator of hit) out.push({indicator, matched: ip})
      }
      return
    }
    if (this.cidr4Lens.length === 0) return
    const v = ipv4ToInt(ip)
    for (const len of this.cidr4Lens) {
      const hit = this.cidr4.get(len)?.get(len === 0 ? 0 : (v & (~0 << (32 - len))) >>> 0)
      if (hit) for (const indicator of hit) out.push({indicator, matched: ip})
    }
  }

  /** Indicators for a host name or any parent domain of it (suffix walk, label by label). */
  matchDomain(host: string, out: ValueHit[]): void {
    if (!this.hasDomains) return
    const labels = host.split('.')
    let node: TrieNode | undefined = this.trie
    for (let i = labels.length - 1; i >= 0 && node; i--) {
      node = node.children.get(labels[i])
      if (node && node.inds.length > 0) for (const indicator of node.inds) out.push({indicator, matched: host})
    }
  }

  matchHash(h: string, out: ValueHit[]): void {
    const l = this.hashes.get(h)
    if (l) for (const indicator of l) out.push({indicator, matched: h})
  }

  matchFileName(name: string, out: ValueHit[]): void {
    const l = this.fileNames.get(name)
    if (l) for (const indicator of l) out.push({indicator, matched: name})
  }

  matchUser(value: string, out: ValueHit[]): void {
    if (this.users.size === 0) return
    const v = value.trim().toLowerCase()
    const u = v.includes('\\') ? v.slice(v.lastIndexOf('\\') + 1) : v.includes('@') ? v.slice(0, v.indexOf('@')) : v
    const l = this.users.get(u)
    if (l) for (const indicator of l) out.push({indicator, matched: value})
  }

  /**
   * Everything in one free-text value: tokens are split once, then each token is probed as IP, host name,
   * hash, AnyDesk ID and file name; URLs are cut out whole. Appends to `out` (duplicates are removed by the
   * caller per event).
   */
  matchText(value: string, out: ValueHit[]): void {
    const s = value.length > MAX_VALUE ? value.slice(0, MAX_VALUE) : value
    if (this.needles && !this.needles.test(s)) return
    if (this.urls.size > 0 && s.includes('://')) {
      for (const m of s.toLowerCase().matchAll(URL_RE)) {
        const l = this.urls.get(canonicalUrl(m[0]))
        if (l) for (const indicator of l) out.push({indicator, matched: m[0]})
      }
    }
    if (this.fileNames.size > 0) {
      const slash = Math.max(s.lastIndexOf('\\'), s.lastIndexOf('/'))
      if (slash >= 0 && s.indexOf(' ', slash) > 0) {
        const b = s.slice(slash + 1).trim().replace(/["']+$/, '')
        if (b.includes(' ')) this.matchFileName(b.toLowerCase(), out)
      }
    }
    // One pass over the characters: only tokens that could be an indicator (a dot, a colon, a hash-length
    // hex run, an ID-length digit run) are cut out and lower-cased; ordinary words cost no allocation.
    const n = s.length
    let start = 0
    let dot = false
    let colon = false
    let hex = true
    let digits = true
    for (let i = 0; i <= n; i++) {
      const c = i < n ? s.charCodeAt(i) : 32
      if (isDelimiter(c)) {
        const len = i - start
        if (len >= 3) {
          const want =
            dot ||
            (colon && hex && this.hasV6) ||
            (hex && (len === 32 || len === 40 || len === 64) && this.hashes.size > 0) ||
            (digits && (len === 9 || len === 10) && this.anydesk.size > 0)
          if (want) this.matchToken(s.slice(start, i).toLowerCase(), out)
        }
        start = i + 1
        dot = false
        colon = false
        hex = true
        digits = true
        continue
      }
      if (c === 46) dot = true
      else if (c === 58) colon = true
      else if (c === 37) hex = hex && colon // %zone in IPv6
      else {
        const isDigit = c >= 48 && c <= 57
        if (!isDigit) {
          digits = false
          if (!((c >= 97 && c <= 102) || (c >= 65 && c <= 70))) hex = false
        }
      }
    }
  }

  private matchToken(tok: string, out: ValueHit[]): void {
    const c = tok.charCodeAt(0)
    const hasDot = tok.includes('.')
    if (c >= 48 && c <= 57) {
      if (hasDot) {
        // 1.2.3.4, 1.2.3.4:443, 1.2.3.4.
        const colon = tok.indexOf(':')
        let ip = colon >= 0 ? tok.slice(0, colon) : tok
        if (ip.endsWith('.')) ip = ip.slice(0, -1)
        if (IPV4_STRICT.test(ip)) {
          // already canonical: strict decimal without leading zeros is how classify writes IPv4
          this.matchIp(ip, out)
          return
        }
      } else if (this.anydesk.size > 0 && DIGITS.test(tok)) {
        const l = this.anydesk.get(tok)
        if (l) for (const indicator of l) out.push({indicator, matched: tok})
      }
    }
    if (this.hasV6 && tok.includes(':') && !hasDot && /^[0-9a-f:]+(%\w+)?$/.test(tok)) {
      const t = tok.replace(/%\w+$/, '')
      if (isIPv6(t)) {
        const a = ipaddr.IPv6.parse(t)
        this.matchIp(a.isIPv4MappedAddress() ? a.toIPv4Address().toString() : a.toString(), out)
      }
    }
    const len = tok.length
    if ((len === 32 || len === 40 || len === 64) && this.hashes.size > 0 && HEX.test(tok)) this.matchHash(tok, out)
    if (!hasDot) return
    if (this.fileNames.size > 0) {
      const b = tok.slice(Math.max(tok.lastIndexOf('\\'), tok.lastIndexOf('/')) + 1)
      if (b.length > 0) this.matchFileName(b, out)
    }
    if (this.hasDomains) {
      let h = tok
      const scheme = h.indexOf('://')
      if (scheme >= 0) h = h.slice(scheme + 3)
      const at = h.indexOf('@')
      if (at >= 0) h = h.slice(at + 1)
      for (let i = 0; i < h.length; i++) {
        const c = h.charCodeAt(i)
        // / \ : ? #
        if (c === 47 || c === 92 || c === 58 || c === 63 || c === 35) {
          h = h.slice(0, i)
          break
        }
      }
      while (h.endsWith('.')) h = h.slice(0, -1)
      if (h.includes('.')) this.matchDomain(h, out)
    }
  }
}
