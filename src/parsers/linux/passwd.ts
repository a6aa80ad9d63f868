/** `/etc/passwd` lines: `name:password:uid:gid:gecos:home:shell`. */
export interface PasswdEntry {
  name: string
  uid: number
  gid: number
  gecos: string
  home: string
  shell: string
  line: number
}

export function parsePasswd(text: string): {entries: PasswdEntry[]; badLines: number[]} {
  const entries: PasswdEntry[] = []
  const badLines: number[] = []
  text.split(/\r?\n/).forEach((raw, i) => {
    if (!raw.trim() || raw.startsWith('#')) return
    const f = raw.split(':')
    if (f.length < 7 || !/^-?\d+$/.test(f[2]!) || !/^-?\d+$/.test(f[3]!)) {
      badLines.push(i + 1)
      return
    }
    entries.push({name: f[0]!, uid: +f[2]!, gid: +f[3]!, gecos: f[4]!, home: f[5]!, shell: f.slice(6).join(':'), line: i + 1})
  })
  return {entries, badLines}
}
