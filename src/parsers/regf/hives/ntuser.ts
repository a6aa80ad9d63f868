import type {Hive} from '../hive.js'
import {children, filetimeAt, loc, openKey, str, u32le, valueMap, values, type RegLocator} from './common.js'
import {readRunKeys, readUninstall, type RunEntry, type UninstallEntry} from './software.js'

/** Facts from a user's NTUSER.DAT. */
export interface UserAssistEntry {
  /** ROT-13-decoded value name (a path, or a {KNOWNFOLDERID}\… path). */
  name: string
  runCount?: number
  focusCount?: number
  focusMs?: number
  lastRun?: string
  where: RegLocator
}

export interface RdpServer {
  server: string
  usernameHint?: string
  where: RegLocator
}

export interface MruEntry {
  kind: 'typed_path' | 'run_mru'
  value: string
  /** Position in MRU order when known (0 = most recent). */
  order?: number
  where: RegLocator
}

export interface NtuserData {
  run: RunEntry[]
  userAssist: UserAssistEntry[]
  rdpServers: RdpServer[]
  mru: MruEntry[]
  uninstall: UninstallEntry[]
}

const rot13 = (s: string): string => s.replace(/[a-z]/gi, (c) => {
  const base = c <= 'Z' ? 65 : 97
  return String.fromCharCode(((c.charCodeAt(0) - base + 13) % 26) + base)
})

const CV = 'Software\\Microsoft\\Windows\\CurrentVersion'

function userAssist(h: Hive): UserAssistEntry[] {
  const out: UserAssistEntry[] = []
  const ua = openKey(h, `${CV}\\Explorer\\UserAssist`)
  for (const g of ua ? children(h, ua) : []) {
    const count = children(h, g).find((c) => c.node.name.toUpperCase() === 'COUNT')
    for (const v of count ? values(h, count) : []) {
      const d = v.data
      const name = rot13(v.name)
      if (d.length >= 72) {
        // Windows 7+: run count at 4, focus count at 8, focus time (ms) at 12, last run FILETIME at 60.
        out.push({name, runCount: u32le(d, 4), focusCount: u32le(d, 8), focusMs: u32le(d, 12), lastRun: filetimeAt(d, 60), where: loc(count!, v)})
      } else if (d.length >= 16) {
        // XP: session at 0, run count + 5 at 4, last run at 8.
        const c = u32le(d, 4)
        out.push({name, runCount: c >= 5 ? c - 5 : c, lastRun: filetimeAt(d, 8), where: loc(count!, v)})
      }
    }
  }
  return out
}

function rdp(h: Hive): RdpServer[] {
  const out: RdpServer[] = []
  const servers = openKey(h, 'Software\\Microsoft\\Terminal Server Client\\Servers')
  const seen = new Set<string>()
  for (const s of servers ? children(h, servers) : []) {
    const v = valueMap(h, s).get('USERNAMEHINT')
    seen.add(s.node.name.toLowerCase())
    out.push({server: s.node.name, usernameHint: str(v), where: loc(s, v)})
  }
  const def = openKey(h, 'Software\\Microsoft\\Terminal Server Client\\Default')
  for (const v of def ? values(h, def) : []) {
    const server = str(v)
    if (/^MRU\d+$/i.test(v.name) && server && !seen.has(server.toLowerCase())) out.push({server, where: loc(def!, v)})
  }
  return out
}

function mru(h: Hive): MruEntry[] {
  const out: MruEntry[] = []
  const tp = openKey(h, `${CV}\\Explorer\\TypedPaths`)
  for (const v of tp ? values(h, tp) : []) {
    const s = str(v)
    const m = /^url(\d+)$/i.exec(v.name)
    if (s && m) out.push({kind: 'typed_path', value: s, order: Number(m[1]) - 1, where: loc(tp!, v)})
  }
  const rm = openKey(h, `${CV}\\Explorer\\RunMRU`)
  if (rm) {
    const vals = valueMap(h, rm)
    const order = str(vals.get('MRULIST')) ?? ''
    for (const v of vals.values()) {
      if (!/^[a-z]$/i.test(v.name)) continue
      const s = str(v)
      // RunMRU entries end in "\1" (a marker, not part of the command).
      if (s) out.push({kind: 'run_mru', value: s.replace(/\\1$/, ''), order: order.indexOf(v.name) >= 0 ? order.indexOf(v.name) : undefined, where: loc(rm, v)})
    }
  }
  return out
}

export function readNtuser(h: Hive): NtuserData {
  return {
    run: readRunKeys(h, [CV]),
    userAssist: userAssist(h),
    rdpServers: rdp(h),
    mru: mru(h),
    uninstall: readUninstall(h, [`${CV}\\Uninstall`]),
  }
}
