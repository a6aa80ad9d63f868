import ipaddr from 'ipaddr.js'
import type {IocType} from '../types.js'
import {clip} from '../../core/clip.js'

/**
 * Classifies and canonicalises one refanged indicator value. Canonical forms are what the matcher compares:
 * lower case for case-insensitive types, compact IPv6, network address for CIDRs.
 */

/** File extensions that make a bare `name.ext` a file name rather than a domain (`text.xml`). */
const FILE_EXTENSIONS = new Set([
  'exe', 'dll', 'sys', 'xml', 'ps1', 'psm1', 'bat', 'cmd', 'vbs', 'vbe', 'js', 'jse', 'wsf', 'hta', 'msi', 'msp',
  'lnk', 'scr', 'iso', 'img', 'vhd', 'vhdx', 'txt', 'dat', 'bin', 'tmp', 'log', 'cs', 'ps', 'py', 'sh', 'elf',
  'jar', 'cpl', 'ocx', 'drv', 'config', 'ini', 'json', 'doc', 'docx', 'docm', 'xls', 'xlsx', 'xlsm', 'pdf', 'rar',
  '7z', 'gz', 'tar', 'cab', 'aspx', 'ashx', 'asp', 'php', 'jsp', 'db', 'trace', 'conf', 'dmp', 'zip',
])

const HEX = /^[0-9a-f]+$/
const DOMAIN = /^(?=.{1,253}$)(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\.)+[a-z0-9-]{2,63}$/
const ANYDESK_ID = /^\d{9,10}$/
const USER = /^[^\s"/[\]:;|=,+*?<>]{1,104}$/
/** Bare file name, or a path whose last component we keep. */
const FILE_NAME = /^[^\\/:*?"<>|\r\n]{1,255}$/

export const TYPE_ALIASES: Record<string, IocType | 'hash' | 'ip'> = {
  ip: 'ip', 'ip-dst': 'ip', 'ip-src': 'ip', ipv4: 'ipv4', 'ipv4-addr': 'ipv4', ipv6: 'ipv6', 'ipv6-addr': 'ipv6',
  cidr: 'cidr', subnet: 'cidr', network: 'cidr',
  domain: 'domain', 'domain-name': 'domain', hostname: 'domain', host: 'domain', fqdn: 'domain',
  url: 'url', uri: 'url', link: 'url',
  sha256: 'sha256', 'sha-256': 'sha256', sha1: 'sha1', 'sha-1': 'sha1', md5: 'md5', hash: 'hash',
  file: 'file_name', filename: 'file_name', file_name: 'file_name', 'file-name': 'file_name', 'file:name': 'file_name',
  user: 'user_name', username: 'user_name', user_name: 'user_name', account: 'user_name',
  anydesk: 'anydesk_id', anydesk_id: 'anydesk_id', 'anydesk-id': 'anydesk_id',
  relay: 'screenconnect_relay', screenconnect_relay: 'screenconnect_relay', 'screenconnect-relay': 'screenconnect_relay',
}

export type Classified = {ok: true; type: IocType; value: string} | {ok: false; reason: string}

/** Dotted decimal without leading zeros; the cheap regex runs first, ipaddr's four-part check confirms. */
const IPV4_DECIMAL = /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/

export function isIPv4(v: string): boolean {
  // ipaddr.parse would read 010.1.2.3 as octal (8.1.2.3): never call it on an unchecked value
  return IPV4_DECIMAL.test(v) && ipaddr.IPv4.isValidFourPartDecimal(v)
}

export function isIPv6(v: string): boolean {
  return v.includes(':') && ipaddr.IPv6.isValid(v)
}

/** Canonical IP: IPv4 dotted decimal, IPv6 compact lower case; IPv4-mapped IPv6 becomes IPv4. */
export function canonicalIp(v: string): string | undefined {
  if (isIPv4(v)) return v
  if (isIPv6(v)) {
    const a = ipaddr.IPv6.parse(v)
    if (a.isIPv4MappedAddress()) return a.toIPv4Address().toString()
    return a.toString()
  }
  return undefined
}

function cidr(v: string): Classified {
  const slash = v.indexOf('/')
  const addr = v.slice(0, slash)
  const lenText = v.slice(slash + 1)
  if (!/^\d{1,3}$/.test(lenText)) return {ok: false, reason: `bad prefix length in CIDR ${clip(v)}`}
  const len = Number(lenText)
  if (isIPv4(addr)) {
    if (len > 32) return {ok: false, reason: `IPv4 prefix length ${len} > 32`}
    const net = ipaddr.IPv4.networkAddressFromCIDR(`${addr}/${len}`)
    return {ok: true, type: 'cidr', value: `${net.toString()}/${len}`}
  }
  if (isIPv6(addr)) {
    if (len > 128) return {ok: false, reason: `IPv6 prefix length ${len} > 128`}
    const net = ipaddr.IPv6.networkAddressFromCIDR(`${addr}/${len}`)
    return {ok: true, type: 'cidr', value: `${net.toString()}/${len}`}
  }
  return {ok: false, reason: `not an IP network: ${clip(v)}`}
}

function hashType(v: string): IocType | undefined {
  if (!HEX.test(v)) return undefined
  return v.length === 64 ? 'sha256' : v.length === 40 ? 'sha1' : v.length === 32 ? 'md5' : undefined
}

/** Host part of a URL, lower case, without credentials or port. */
export function urlHost(url: string): string | undefined {
  const m = /^[a-z][a-z0-9+.-]*:\/\/(?:[^/@?#]*@)?(\[[^\]]+\]|[^/:?#]+)/i.exec(url)
  return m ? m[1].toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '') : undefined
}

/** URLs compare case-insensitively without a trailing slash (feeds disagree on both). */
export function canonicalUrl(url: string): string {
  return url.trim().toLowerCase().replace(/\/+$/, '')
}

export function baseName(path: string): string {
  const t = path.trim().replace(/^["']+|["']+$/g, '')
  const i = Math.max(t.lastIndexOf('\\'), t.lastIndexOf('/'))
  return t.slice(i + 1)
}

/** Validates a value against an explicit type (from a CSV column, a prefix, a pack or a STIX path). */
export function classifyAs(type: IocType | 'hash' | 'ip', raw: string): Classified {
  const v = raw.trim()
  const lower = v.toLowerCase()
  switch (type) {
    case 'ip':
    case 'ipv4':
    case 'ipv6': {
      if (v.includes('/')) {
        const c = cidr(v)
        return c
      }
      if (type !== 'ipv6' && isIPv4(v)) return {ok: true, type: 'ipv4', value: canonicalIp(v) as string}
      if (type !== 'ipv4' && isIPv6(v)) {
        const c = canonicalIp(v) as string
        return {ok: true, type: c.includes(':') ? 'ipv6' : 'ipv4', value: c}
      }
      return {ok: false, reason: `not a valid ${type === 'ip' ? 'IP' : type.toUpperCase()} address (four decimal parts for IPv4)`}
    }
    case 'cidr':
      if (!v.includes('/')) return classifyAs('ip', v)
      return cidr(v)
    case 'domain':
    case 'screenconnect_relay': {
      const d = lower.replace(/\.$/, '')
      if (isIPv4(d) && type === 'screenconnect_relay') return {ok: true, type, value: d}
      if (!DOMAIN.test(d) || isIPv4(d)) return {ok: false, reason: `not a valid domain name: ${clip(v)}`}
      return {ok: true, type, value: d}
    }
    case 'url': {
      if (!/^[a-z][a-z0-9+.-]*:\/\/\S+$/i.test(v) || !urlHost(v)) return {ok: false, reason: `not a URL (scheme://host…): ${clip(v)}`}
      return {ok: true, type: 'url', value: canonicalUrl(v)}
    }
    case 'hash':
    case 'sha256':
    case 'sha1':
    case 'md5': {
      const t = hashType(lower)
      if (!t || (type !== 'hash' && t !== type)) return {ok: false, reason: `not a ${type === 'hash' ? 'MD5/SHA-1/SHA-256' : type.toUpperCase()} hex digest: ${clip(v)}`}
      return {ok: true, type: t, value: lower}
    }
    case 'file_name': {
      const b = baseName(v).toLowerCase()
      if (!b || !FILE_NAME.test(b)) return {ok: false, reason: `not a file name: ${clip(v)}`}
      return {ok: true, type, value: b}
    }
    case 'user_name': {
      const u = lower.includes('\\') ? lower.slice(lower.lastIndexOf('\\') + 1) : lower
      if (!USER.test(u)) return {ok: false, reason: `not a user name: ${clip(v)}`}
      return {ok: true, type, value: u}
    }
    case 'anydesk_id': {
      const id = v.replace(/[\s-]/g, '')
      if (!ANYDESK_ID.test(id)) return {ok: false, reason: `not an AnyDesk ID (9–10 digits): ${clip(v)}`}
      return {ok: true, type, value: id}
    }
  }
}

/**
 * Detects the type of an untyped value (plain-text lists). Order matters: URL, CIDR, IP, hash, AnyDesk ID,
 * Windows path, file name by extension, domain. A bare `name.ext` with a file extension is a file name unless
 * it was defanged (defanging is only ever applied to network indicators).
 */
export function classifyAuto(v: string, defanged: boolean): Classified {
  const t = v.trim()
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(t)) return classifyAs('url', t)
  if (/^[0-9a-f:.]+\/\d+$/i.test(t)) return classifyAs('cidr', t)
  if (isIPv4(t) || isIPv6(t)) return classifyAs('ip', t)
  if (/^\d+\.\d+\.\d+\.\d+$/.test(t)) return {ok: false, reason: `not a valid IPv4 address: ${clip(t)}`}
  const h = hashType(t.toLowerCase())
  if (h) return {ok: true, type: h, value: t.toLowerCase()}
  if (ANYDESK_ID.test(t.replace(/ /g, ''))) return classifyAs('anydesk_id', t)
  if (/^[a-z]:\\|^\\\\/i.test(t)) return classifyAs('file_name', t)
  const lower = t.toLowerCase()
  const ext = lower.slice(lower.lastIndexOf('.') + 1)
  if (!defanged && lower.includes('.') && FILE_EXTENSIONS.has(ext) && FILE_NAME.test(lower)) return classifyAs('file_name', t)
  if (DOMAIN.test(lower.replace(/\.$/, ''))) return classifyAs('domain', t)
  return {ok: false, reason: `cannot tell what kind of indicator this is (prefix it with a type, e.g. "domain:" or "file:")`}
}
