/**
 * AnyDesk `*.conf` (`system.conf`, `service.conf`, `user.conf`): `key=value` lines. Only facts are kept:
 * the local ID and alias, whether an unattended-access password (pwd_hash/pwd_salt) or token salt is set —
 * never the hash or salt themselves — and remote IDs revealed by permission profiles and the roster.
 */
export interface AnyDeskConf {
  localId?: string
  alias?: string
  unattendedPasswordSet: boolean
  tokenSaltSet: boolean
  /** Remote IDs from `ad.security.permission_profiles.address_to_profile`. */
  profileRemoteIds: string[]
  /** Number of `ad.roster.items` entries (address book), when present. */
  rosterItems?: number
  /** Keys present (names only, sorted), so an analyst sees what the file configured. */
  keys: string[]
}

const SECRET_KEY = /(pwd|password|hash|salt|private|secret|token)/i

export function parseAnyDeskConf(text: string): AnyDeskConf {
  const out: AnyDeskConf = {unattendedPasswordSet: false, tokenSaltSet: false, profileRemoteIds: [], keys: []}
  const keys = new Set<string>()
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim()
    if (!line || line.startsWith('#')) continue
    const eq = line.indexOf('=')
    if (eq <= 0) continue
    const key = line.slice(0, eq).trim()
    const value = line.slice(eq + 1).trim()
    keys.add(key)
    if (key === 'ad.anynet.id') out.localId = value
    else if (key === 'ad.anynet.alias') out.alias = value
    else if (key === 'ad.anynet.pwd_hash' && value !== '') out.unattendedPasswordSet = true
    else if (key === 'ad.anynet.token_salt' && value !== '') out.tokenSaltSet = true
    else if (key === 'ad.security.permission_profiles.address_to_profile') {
      for (const m of value.matchAll(/(\d{6,12}):/g)) out.profileRemoteIds.push(m[1]!)
    } else if (key === 'ad.roster.items' && value !== '') {
      out.rosterItems = value.split(/[,;]/).filter((s) => s.trim() !== '').length
    }
  }
  out.keys = [...keys].sort()
  out.profileRemoteIds = [...new Set(out.profileRemoteIds)].sort()
  return out
}

/** Whether a config key name could carry a secret (used to keep values out of any output). */
export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key)
}
