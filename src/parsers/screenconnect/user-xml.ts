import {xmlUnescape} from './settings.js'

/**
 * ScreenConnect server `App_Data/User.xml` (membership users). Password hashes, salts and answers are never
 * read out; roles, approval/lockout state and the dates are.
 */
export interface ServerUser {
  name: string
  displayName?: string
  email?: string
  comment?: string
  isApproved?: boolean
  isLockedOut?: boolean
  roles: string[]
  dates: Record<string, string>
}

const DATE_FIELDS = ['CreationDate', 'LastLoginDate', 'LastActivityDate', 'LastPasswordChangedDate', 'LastLockoutDate', 'LastAuthenticationDate']

function field(body: string, name: string): string | undefined {
  const m = new RegExp(`<${name}(?:\\s[^>]*)?>([\\s\\S]*?)</${name}>`, 'i').exec(body)
  return m ? xmlUnescape(m[1]!.trim()) : undefined
}

export function parseUserXml(xml: string): ServerUser[] {
  const out: ServerUser[] = []
  for (const m of xml.matchAll(/<User(?:\s[^>]*)?>([\s\S]*?)<\/User>/gi)) {
    const body = m[1]!
    const name = field(body, 'Name') ?? field(body, 'UserName')
    if (!name) continue
    const u: ServerUser = {name, roles: [], dates: {}}
    const dn = field(body, 'DisplayName')
    if (dn) u.displayName = dn
    const em = field(body, 'Email')
    if (em) u.email = em
    const cm = field(body, 'Comment')
    if (cm) u.comment = cm
    const ap = field(body, 'IsApproved')
    if (ap) u.isApproved = ap.toLowerCase() === 'true'
    const lo = field(body, 'IsLockedOut')
    if (lo) u.isLockedOut = lo.toLowerCase() === 'true'
    const roles = /<Roles>([\s\S]*?)<\/Roles>/i.exec(body)
    if (roles) for (const r of roles[1]!.matchAll(/<(?:Role|string)>([\s\S]*?)<\/(?:Role|string)>/gi)) u.roles.push(xmlUnescape(r[1]!.trim()))
    for (const d of DATE_FIELDS) {
      const v = field(body, d)
      if (v) u.dates[d] = v
    }
    out.push(u)
  }
  return out
}
