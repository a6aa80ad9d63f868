import type {Hive} from '../hive.js'
import {child, children, currentControlSet, filetimeAt, loc, num, openKey, str, valueMap, values, type KeyRef, type RegLocator} from './common.js'
import {parseShimCache, type ShimCacheResult} from './shimcache.js'

/** Facts from a SYSTEM hive, read through the current control set (Select\Current). */
export interface SystemData {
  controlSet?: string
  computerName?: {name: string; where: RegLocator}
  timeZone?: {
    /** Windows zone name (TimeZoneKeyName, Vista+; else StandardName when it is not a resource reference). */
    keyName?: string
    standardName?: string
    /** Minutes to add to local time to get UTC (Bias), e.g. 300 for US Eastern. */
    bias?: number
    activeBias?: number
    daylightBias?: number
    where: RegLocator
  }
  lastShutdown?: {time: string; where: RegLocator}
  services: ServiceInfo[]
  shimCache?: {result: ShimCacheResult; where: RegLocator}
  bam: BamEntry[]
  interfaces: InterfaceInfo[]
}

export interface ServiceInfo {
  name: string
  displayName?: string
  imagePath?: string
  /** 0 boot, 1 system, 2 automatic, 3 manual, 4 disabled. */
  start?: number
  type?: number
  account?: string
  description?: string
  serviceDll?: string
  where: RegLocator
}

export interface BamEntry {
  source: 'bam' | 'dam'
  sid: string
  path: string
  lastRun?: string
  where: RegLocator
}

export interface InterfaceInfo {
  guid: string
  ip?: string[]
  dhcp: boolean
  dhcpServer?: string
  domain?: string
  nameServers?: string
  leaseObtained?: string
  where: RegLocator
}

const signed = (n: number | undefined): number | undefined => (n === undefined ? undefined : n | 0)

function services(h: Hive, cs: KeyRef): ServiceInfo[] {
  const svc = child(h, cs, 'Services')
  const out: ServiceInfo[] = []
  for (const s of svc ? children(h, svc) : []) {
    const v = valueMap(h, s)
    const params = child(h, s, 'Parameters')
    const dll = params ? str(valueMap(h, params).get('SERVICEDLL')) : undefined
    if (!v.size && !dll) continue
    out.push({
      name: s.node.name,
      displayName: str(v.get('DISPLAYNAME')),
      imagePath: str(v.get('IMAGEPATH')),
      start: num(v.get('START')),
      type: num(v.get('TYPE')),
      account: str(v.get('OBJECTNAME')),
      description: str(v.get('DESCRIPTION')),
      serviceDll: dll,
      where: loc(s, v.get('IMAGEPATH')),
    })
  }
  return out
}

function bam(h: Hive, cs: KeyRef): BamEntry[] {
  const out: BamEntry[] = []
  for (const source of ['bam', 'dam'] as const) {
    // Windows 10 1809+ keeps the entries under State\UserSettings; 1709-1803 directly under UserSettings.
    for (const sub of ['State\\UserSettings', 'UserSettings']) {
      const us = openKey(h, `${cs.path}\\Services\\${source}\\${sub}`)
      for (const user of us ? children(h, us) : []) {
        for (const v of values(h, user)) {
          if (v.type !== 3 || v.data.length < 8) continue // Version / SequenceNumber are DWORDs
          out.push({source, sid: user.node.name, path: v.name, lastRun: filetimeAt(v.data, 0), where: loc(user, v)})
        }
      }
    }
  }
  return out
}

function interfaces(h: Hive, cs: KeyRef): InterfaceInfo[] {
  const k = openKey(h, `${cs.path}\\Services\\Tcpip\\Parameters\\Interfaces`)
  const out: InterfaceInfo[] = []
  for (const i of k ? children(h, k) : []) {
    const v = valueMap(h, i)
    const dhcp = num(v.get('ENABLEDHCP')) === 1
    const list = (x: unknown): string[] | undefined => {
      const a = (Array.isArray(x) ? x : typeof x === 'string' ? [x] : []).filter((s) => s && s !== '0.0.0.0')
      return a.length ? a : undefined
    }
    const ip = list(dhcp ? str(v.get('DHCPIPADDRESS')) : (v.get('IPADDRESS') && (v.get('IPADDRESS')!.type === 7 ? decodeMulti(v.get('IPADDRESS')!.data) : str(v.get('IPADDRESS')))))
    const lease = num(v.get('LEASEOBTAINEDTIME'))
    out.push({
      guid: i.node.name,
      ip,
      dhcp,
      dhcpServer: str(v.get('DHCPSERVER')),
      domain: str(v.get('DHCPDOMAIN')) ?? str(v.get('DOMAIN')),
      nameServers: str(v.get('DHCPNAMESERVER')) ?? str(v.get('NAMESERVER')),
      leaseObtained: lease ? new Date(lease * 1000).toISOString().replace(/\.(\d{3})Z$/, '.$10000Z') : undefined,
      where: loc(i),
    })
  }
  return out
}

const utf16 = new TextDecoder('utf-16le')
function decodeMulti(b: Uint8Array): string[] {
  return utf16.decode(b.subarray(0, b.length & ~1)).split('\u0000').filter(Boolean)
}

export function readSystem(h: Hive): SystemData {
  const out: SystemData = {services: [], bam: [], interfaces: []}
  const csInfo = currentControlSet(h)
  if (!csInfo) return out
  out.controlSet = csInfo.path
  const cs = openKey(h, csInfo.path)!
  const cn = openKey(h, `${cs.path}\\Control\\ComputerName\\ComputerName`)
  if (cn) {
    const v = valueMap(h, cn).get('COMPUTERNAME')
    const name = str(v)
    if (name) out.computerName = {name, where: loc(cn, v)}
  }
  const tz = openKey(h, `${cs.path}\\Control\\TimeZoneInformation`)
  if (tz) {
    const v = valueMap(h, tz)
    const std = str(v.get('STANDARDNAME'))
    out.timeZone = {
      keyName: str(v.get('TIMEZONEKEYNAME')) ?? (std && !std.startsWith('@') ? std : undefined),
      standardName: std,
      bias: signed(num(v.get('BIAS'))),
      activeBias: signed(num(v.get('ACTIVETIMEBIAS'))),
      daylightBias: signed(num(v.get('DAYLIGHTBIAS'))),
      where: loc(tz, v.get('TIMEZONEKEYNAME') ?? v.get('BIAS')),
    }
  }
  const win = openKey(h, `${cs.path}\\Control\\Windows`)
  if (win) {
    const v = valueMap(h, win).get('SHUTDOWNTIME')
    const t = v ? filetimeAt(v.data, 0) : undefined
    if (t) out.lastShutdown = {time: t, where: loc(win, v)}
  }
  out.services = services(h, cs)
  const acc = openKey(h, `${cs.path}\\Control\\Session Manager\\AppCompatCache`)
  const accV = acc ? valueMap(h, acc).get('APPCOMPATCACHE') : undefined
  if (acc && accV) out.shimCache = {result: parseShimCache(accV.data), where: loc(acc, accV)}
  out.bam = bam(h, cs)
  out.interfaces = interfaces(h, cs)
  return out
}
