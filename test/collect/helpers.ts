import {execFileSync} from 'node:child_process'
import {createHash} from 'node:crypto'
import {closeSync, constants, fstatSync, lstatSync, lutimesSync, mkdirSync, mkdtempSync, openSync, readdirSync, readSync, symlinkSync, utimesSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {loadDefinitions, selectArtefacts} from '../../src/artefacts/load.js'
import type {Artefact} from '../../src/artefacts/schema.js'

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `ratchet-${prefix}-`))
}

function put(root: string, rel: string, content: string | Buffer): void {
  const p = join(root, ...rel.split('/'))
  mkdirSync(dirname(p), {recursive: true})
  writeFileSync(p, content)
}

export const THUMB = 'd33f78b4994b28a6'

/**
 * A small Windows-like volume: odd letter case (WINDOWS/system32/WinEvt/LOGS, programdata), three user
 * profiles plus the SYSTEM profile, an AnyDesk ad_* subfolder, a FIFO, a symlink pointing outside the root,
 * a "file" that is really a directory, and a file whose open the tests make fail.
 */
export function makeWindowsTree(): string {
  const root = tempDir('wintree')
  const evtx = Buffer.concat([Buffer.from('ElfFile\0'), Buffer.alloc(4088, 7)])
  put(root, 'WINDOWS/system32/WinEvt/LOGS/Security.evtx', evtx)
  put(root, 'WINDOWS/system32/WinEvt/LOGS/System.evtx', Buffer.concat([evtx, Buffer.from('system')]))
  put(root, 'WINDOWS/system32/WinEvt/LOGS/Microsoft-Windows-TerminalServices-LocalSessionManager%4Operational.evtx', evtx.subarray(0, 100))
  put(root, 'WINDOWS/system32/WinEvt/LOGS/notes.txt', 'not an event log')
  put(root, `WINDOWS/System32/config/systemprofile/AppData/Local/ScreenConnect Client (${THUMB})/user.config`, '<configuration/>')
  put(root, 'WINDOWS/Temp/ScreenConnect/23.9.8.8811/0f1e2d3c-aaaa-bbbb-cccc-123456789abcrun.cmd', 'whoami /all\r\n')
  mkdirSync(join(root, 'WINDOWS/Temp/ScreenConnect/23.9.8.8811/pipes'), {recursive: true})
  execFileSync('mkfifo', [join(root, 'WINDOWS/Temp/ScreenConnect/23.9.8.8811/pipes/cmd.fifo')])
  put(root, `Program Files (x86)/ScreenConnect Client (${THUMB})/system.config`, '<configuration><setting name="ClientLaunchParametersConstraint"><value>?h=labogz.com&amp;p=8041</value></setting></configuration>')
  // A directory where the definition names a file.
  mkdirSync(join(root, 'Program Files (x86)/ScreenConnect Client (0000000000000000)/system.config'), {recursive: true})
  put(root, 'programdata/AnyDesk/ad_svc.trace', '   info 2023-07-12 08:56:17.144       lsvc   6572   5380   25  anynet.relay_conn - External address: 77.232.122.31:34791.\n')
  put(root, 'programdata/AnyDesk/connection_trace.txt', 'Incoming    2024-02-16, 20:29    User    221436813    221436813\n')
  put(root, 'programdata/AnyDesk/ad_branded/ad_branded.trace', 'branded client trace\n')
  put(root, 'programdata/AnyDesk/locked.trace', 'the tests make opening this file fail\n')
  put(root, 'Users/alice/AppData/Roaming/AnyDesk/ad.trace', 'alice trace\n')
  put(root, 'Users/alice/AppData/Roaming/AnyDesk/file_transfer_trace.txt', 'File Manager\t2024-11-08, 16:30\tstart\tupload\t\'x.zip\' (~0 B out of 1 B)\n')
  put(root, 'Users/Bob/appdata/local/Temp/ScreenConnect/23.9.8.8811/ScreenConnect.ClientSetup.msi', Buffer.alloc(3000, 1))
  put(root, 'Users/Bob/Documents/ConnectWiseControl/Temp/tool.exe', Buffer.from('MZ payload'))
  put(root, 'Users/carol/Documents/notes.txt', 'no artefacts for carol')
  mkdirSync(join(root, 'Users/alice/Documents/ConnectWiseControl/Files'), {recursive: true})
  symlinkSync('/etc/hostname', join(root, 'Users/alice/Documents/ConnectWiseControl/Files/escape.txt'))
  ageDirectories(root)
  return root
}

/**
 * Node cannot list a directory with O_NOATIME, so on a relatime mount the first readdir after a change
 * updates a directory's atime when atime <= mtime or ctime. Real directories are rarely in that state; the
 * test trees are put in the usual one (accessed after last change, within 24 h) so that the
 * before/after comparison can demand identical timestamps everywhere. Files keep atime == mtime, the
 * state in which a read without O_NOATIME WOULD update atime, so the file check stays strict.
 */
export function ageDirectories(root: string): void {
  const now = Date.now() / 1000
  const walk = (p: string): void => {
    for (const e of readdirSync(p, {withFileTypes: true})) {
      if (e.isDirectory()) walk(join(p, e.name))
      // readlink() (no O_NOATIME in Node either) updates a link's atime under the same rule.
      else if (e.isSymbolicLink()) lutimesSync(join(p, e.name), now + 3600, now - 7200)
    }
    // atime after both mtime and ctime (utimes itself sets ctime to now, hence an atime ahead of now).
    utimesSync(p, now + 3600, now - 7200)
  }
  walk(root)
}

/** Reads a file without touching its atime (O_NOATIME; the tests run as root or as the owner). */
export function readNoAtime(p: string): Buffer {
  const fd = openSync(p, constants.O_RDONLY | ((constants as {O_NOATIME?: number}).O_NOATIME ?? 0))
  try {
    const size = fstatSync(fd).size
    const buf = Buffer.alloc(size)
    let off = 0
    while (off < size) {
      const n = readSync(fd, buf, off, size - off, off)
      if (n === 0) break
      off += n
    }
    return buf.subarray(0, off)
  } finally {
    closeSync(fd)
  }
}

export interface Snapshot {
  [rel: string]: string
}

/** Hash + every timestamp (ns) + size + mode of every entry below root, without following links. */
export function snapshotTree(root: string): Snapshot {
  const out: Snapshot = {}
  const walk = (rel: string): void => {
    const abs = rel ? join(root, rel) : root
    const st = lstatSync(abs, {bigint: true})
    let h = ''
    if (st.isFile()) h = createHash('sha256').update(readNoAtime(abs)).digest('hex')
    out[rel || '.'] = `${st.mode}:${st.size}:${st.mtimeNs}:${st.atimeNs}:${st.ctimeNs}:${h}`
    if (st.isDirectory()) for (const n of readdirSync(abs).sort()) walk(rel ? `${rel}/${n}` : n)
  }
  walk('')
  return out
}

export async function artefactsFor(os: 'windows' | 'linux', profile = 'triage'): Promise<Artefact[]> {
  const defs = await loadDefinitions()
  return selectArtefacts(defs, {profile, os}).artefacts
}

export function sha256(b: Buffer | string): string {
  return createHash('sha256').update(b).digest('hex')
}

export function lockedOpenError(code: string): Error {
  return Object.assign(new Error(`${code}: simulated by the test`), {code})
}
