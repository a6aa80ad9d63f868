import type {Hive} from '../hive.js'
import {children, loc, num, openKey, str, valueMap, values, type RegLocator} from './common.js'

/** Facts from a SOFTWARE hive (also Run keys and per-user Uninstall entries in NTUSER.DAT). */
export interface WindowsVersion {
  productName?: string
  build?: string
  displayVersion?: string
  installDate?: string
  registeredOwner?: string
  where: RegLocator
}

export interface UninstallEntry {
  name: string
  version?: string
  publisher?: string
  /** InstallDate as written (YYYYMMDD). */
  installDate?: string
  location?: string
  uninstallString?: string
  where: RegLocator
}

export interface RunEntry {
  /** Run, RunOnce, … (the key name). */
  key: string
  name: string
  command: string
  where: RegLocator
}

export interface ProfileEntry {
  sid: string
  path: string
  user: string
  where: RegLocator
}

export interface SoftwareData {
  version?: WindowsVersion
  uninstall: UninstallEntry[]
  run: RunEntry[]
  profiles: ProfileEntry[]
}

const RUN_KEYS = ['Run', 'RunOnce', 'RunOnceEx', 'RunServices', 'RunServicesOnce', 'Policies\\Explorer\\Run']

/** Run/RunOnce values below `base` (`Microsoft\Windows\CurrentVersion` in SOFTWARE, `Software\…` in NTUSER). */
export function readRunKeys(h: Hive, bases: string[]): RunEntry[] {
  const out: RunEntry[] = []
  for (const base of bases) {
    for (const r of RUN_KEYS) {
      const k = openKey(h, `${base}\\${r}`)
      for (const v of k ? values(h, k) : []) {
        const command = str(v)
        if (command) out.push({key: r, name: v.name, command, where: loc(k!, v)})
      }
    }
  }
  return out
}

export function readUninstall(h: Hive, bases: string[]): UninstallEntry[] {
  const out: UninstallEntry[] = []
  for (const base of bases) {
    const k = openKey(h, base)
    for (const e of k ? children(h, k) : []) {
      const v = valueMap(h, e)
      const name = str(v.get('DISPLAYNAME'))
      if (!name) continue
      out.push({
        name,
        version: str(v.get('DISPLAYVERSION')),
        publisher: str(v.get('PUBLISHER')),
        installDate: str(v.get('INSTALLDATE')),
        location: str(v.get('INSTALLLOCATION')),
        uninstallString: str(v.get('UNINSTALLSTRING')),
        where: loc(e, v.get('DISPLAYNAME')),
      })
    }
  }
  return out
}

export function readSoftware(h: Hive): SoftwareData {
  const out: SoftwareData = {uninstall: [], run: [], profiles: []}
  const cv = openKey(h, 'Microsoft\\Windows NT\\CurrentVersion')
  if (cv) {
    const v = valueMap(h, cv)
    const installed = num(v.get('INSTALLDATE'))
    out.version = {
      productName: str(v.get('PRODUCTNAME')),
      build: str(v.get('CURRENTBUILDNUMBER')) ?? str(v.get('CURRENTBUILD')),
      displayVersion: str(v.get('DISPLAYVERSION')) ?? str(v.get('RELEASEID')) ?? str(v.get('CSDVERSION')),
      installDate: installed ? new Date(installed * 1000).toISOString() : undefined,
      registeredOwner: str(v.get('REGISTEREDOWNER')),
      where: loc(cv, v.get('PRODUCTNAME')),
    }
  }
  out.uninstall = readUninstall(h, ['Microsoft\\Windows\\CurrentVersion\\Uninstall', 'WOW6432Node\\Microsoft\\Windows\\CurrentVersion\\Uninstall'])
  out.run = readRunKeys(h, ['Microsoft\\Windows\\CurrentVersion', 'WOW6432Node\\Microsoft\\Windows\\CurrentVersion'])
  const pl = openKey(h, 'Microsoft\\Windows NT\\CurrentVersion\\ProfileList')
  for (const p of pl ? children(h, pl) : []) {
    const v = valueMap(h, p).get('PROFILEIMAGEPATH')
    const path = str(v)
    if (!path) continue
    out.profiles.push({sid: p.node.name, path, user: path.slice(path.lastIndexOf('\\') + 1), where: loc(p, v)})
  }
  return out
}
