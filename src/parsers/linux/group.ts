/** `/etc/group` lines: `group_name:password:GID:user_list` (user_list comma-separated, may be empty). */
export interface GroupEntry {
  name: string
  gid: number
  members: string[]
  line: number
}

/** Member names longer than this are not account names (useradd caps at 32); longer ones are damage. */
const MAX_NAME = 256

export function parseGroup(text: string): {entries: GroupEntry[]; badLines: number[]; nisLines: number[]} {
  const entries: GroupEntry[] = []
  const badLines: number[] = []
  const nisLines: number[] = []
  text.split(/\r?\n/).forEach((raw, i) => {
    if (!raw.trim() || raw.startsWith('#')) return
    // NIS compat lines (`+`, `+name:::`, `-name`) pull groups from a directory service: nothing to list here.
    if (raw.startsWith('+') || raw.startsWith('-')) {
      nisLines.push(i + 1)
      return
    }
    const f = raw.split(':')
    if (f.length !== 4 || !/^\d+$/.test(f[2]!) || !f[0] || f[0].length > MAX_NAME) {
      badLines.push(i + 1)
      return
    }
    const members = f[3]!.split(',').map((m) => m.trim()).filter((m) => m.length > 0 && m.length <= MAX_NAME)
    entries.push({name: f[0], gid: +f[2]!, members, line: i + 1})
  })
  return {entries, badLines, nisLines}
}
