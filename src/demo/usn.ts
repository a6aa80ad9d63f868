import {FILE_ATTRIBUTE, USN_PAGE, USN_REASON as R, writeUsnJournal, type UsnFileRef, type UsnRecordSpec} from '../writers/usn/index.js'
import {Rng} from './rng.js'
import {NOISE_START, PAYLOAD, ROGUE_SC, ROUTINE_VENDOR_SESSIONS, RUN_COMMANDS, T, USERS, VENDOR_SC} from './scenario.js'
import {isoPlus, isoToDate} from './timeutil.js'

/**
 * The demo volume's `$UsnJrnl:$J`: the file-system side of the story the logs tell — the folder ScreenConnect
 * drops pushed files into and `text.xml` in it, AnyDesk.exe pushed the same way and installed under Program
 * Files, the `<guid>run.cmd` files ScreenConnect writes for each queued command, the intruder's profile and the
 * installer uploaded into its Downloads through AnyDesk, the second ScreenConnect instance — among ordinary
 * churn (Office temp files created and deleted, saves through a temporary name and a rename, logs appended),
 * seeded and outside every remote session so that no routine session gains activity it did not have.
 *
 * Each change is journaled as Windows does while a handle is open: the first reason, then reasons accumulated,
 * then the same with CLOSE. Files the volume holds are created at (or just before) their volume mtime.
 */

type Change =
  | {kind: 'dir' | 'file'; at: string; path: string}
  | {kind: 'delete'; at: string; path: string}
  | {kind: 'append'; at: string; path: string}
  | {kind: 'rename'; at: string; path: string; to: string}

const ROOT: UsnFileRef = {entry: 5, sequence: 5}
const SC_TEMP = `Windows/Temp/ScreenConnect/${VENDOR_SC.version}`
const DROP_DIR = PAYLOAD.dir.slice(3).replace(/\\/g, '/')
const SYS_LOCAL = 'Windows/System32/config/systemprofile/AppData/Local'

function storyChanges(): Change[] {
  const c: Change[] = []
  const file = (at: string, path: string): void => void c.push({kind: 'file', at, path})
  const dir = (at: string, path: string): void => void c.push({kind: 'dir', at, path})
  // ScreenConnect pushes files into the logged-on user's ConnectWiseControl\Temp (the Application log's
  // "Transferred files" lines are written when a transfer completes, the volume mtime too).
  dir(isoPlus(T.scTransferPayload, -0.62), DROP_DIR)
  file(isoPlus(T.scTransferPayload, -0.41), `${DROP_DIR}/${PAYLOAD.fileName}`)
  file(isoPlus(T.scTransferAnyDesk, -2.37), `${DROP_DIR}/AnyDesk.exe`)
  // Each queued command becomes <guid>run.cmd, written just before the "Executed command" line.
  dir(isoPlus(RUN_COMMANDS[0].at, -0.31), 'Windows/Temp/ScreenConnect')
  dir(isoPlus(RUN_COMMANDS[0].at, -0.3), SC_TEMP)
  for (const cmd of RUN_COMMANDS) file(isoPlus(cmd.at, -0.12), `${SC_TEMP}/${cmd.guid}run.cmd`)
  // AnyDesk.exe --install copies itself under Program Files, then the service writes its configuration.
  dir(isoPlus(T.scRunAnyDesk, 0.91), 'Program Files (x86)/AnyDesk')
  file(isoPlus(T.scRunAnyDesk, 0.95), 'Program Files (x86)/AnyDesk/AnyDesk.exe')
  dir(isoPlus(T.anydeskServiceInstalled, -0.4), 'ProgramData/AnyDesk')
  file(isoPlus(T.anydeskServiceInstalled, -0.3), 'ProgramData/AnyDesk/service.conf')
  file(isoPlus(T.anydeskServiceInstalled, -0.29), 'ProgramData/AnyDesk/system.conf')
  file(isoPlus(T.anydeskServiceInstalled, 1.2), 'ProgramData/AnyDesk/ad_svc.trace')
  file(T.anydeskIncoming, 'ProgramData/AnyDesk/connection_trace.txt')
  // The intruder's first logon builds the profile; the installer arrives in Downloads through AnyDesk.
  const profile = `Users/${USERS.actor.name}`
  dir(isoPlus(T.actorLogon, 1.8), profile)
  for (const [i, sub] of ['Desktop', 'Documents', 'Downloads'].entries()) dir(isoPlus(T.actorLogon, 2.4 + i * 0.01), `${profile}/${sub}`)
  const upload = isoPlus(T.rogueScInstalled, -240)
  file(upload, 'ProgramData/AnyDesk/file_transfer_trace.txt')
  file(isoPlus(upload, 0.2), `${profile}/Downloads/ScreenConnect.ClientSetup.msi`)
  const rogueDir = `Program Files (x86)/ScreenConnect Client (${ROGUE_SC.thumbprint})`
  dir(isoPlus(T.rogueScInstalled, -3.1), rogueDir)
  file(isoPlus(T.rogueScInstalled, -0.2), `${rogueDir}/system.config`)
  dir(isoPlus(T.rogueScConnected, -0.8), `${SYS_LOCAL}/ScreenConnect Client (${ROGUE_SC.thumbprint})`)
  file(isoPlus(T.rogueScConnected, -0.5), `${SYS_LOCAL}/ScreenConnect Client (${ROGUE_SC.thumbprint})/user.config`)
  // The two user documents the volume holds: Excel saves through a temporary name and renames it.
  const inv = '2023-10-31T21:12:09.0000000Z'
  file(isoPlus(inv, -0.6), 'Users/jmiller/Documents/9F3A1C20')
  c.push({kind: 'rename', at: isoPlus(inv, -0.05), path: 'Users/jmiller/Documents/9F3A1C20', to: 'Users/jmiller/Documents/Rx_Inventory_Oct2023.csv'})
  file(isoPlus('2023-10-30T16:40:51.0000000Z', -0.3), 'Users/kwilson/Documents/month_end_notes.txt')
  return c
}

/** Busy windows (± 10 min) in which churn is not placed: remote sessions and the whole intrusion. */
function quiet(): [number, number][] {
  const pad = 600_000
  const spans: [string, string][] = [...ROUTINE_VENDOR_SESSIONS.map(([a, b]) => [a, b] as [string, string]), [T.scConnected, T.logsCleared]]
  return spans.map(([a, b]) => [isoToDate(a).getTime() - pad, isoToDate(b).getTime() + pad])
}

/** Ordinary days: Office lock/temp files made and removed, Windows logs appended (no events), prefetch rewritten. */
function churn(rng: Rng): Change[] {
  const c: Change[] = []
  const busy = quiet()
  const start = isoToDate(NOISE_START).getTime()
  const end = isoToDate(T.collection).getTime()
  const at = (day: number, hourLo: number, hourHi: number): string | undefined => {
    const ms = start + day * 86_400_000 + rng.int(hourLo * 3600, hourHi * 3600) * 1000 + rng.int(0, 999)
    if (ms >= end || busy.some(([a, b]) => ms >= a && ms <= b)) return undefined
    return isoPlus(new Date(ms).toISOString(), 0, rng.int(0, 9999))
  }
  for (let day = 0; start + day * 86_400_000 < end; day++) {
    const weekday = new Date(start + day * 86_400_000).getUTCDay()
    if (weekday !== 0 && weekday !== 6) {
      const user = rng.pick(['jmiller', 'kwilson'])
      const t = at(day, 14, 22)
      if (t) {
        const tmp = `Users/${user}/AppData/Local/Temp/~DF${rng.hex(4).toUpperCase()}.TMP`
        c.push({kind: 'file', at: t, path: tmp}, {kind: 'delete', at: isoPlus(t, rng.int(30, 1800)), path: tmp})
      }
      const lock = at(day, 14, 22)
      if (lock) {
        const doc = user === 'jmiller' ? 'Rx_Inventory_Oct2023.csv' : 'month_end_notes.txt'
        const p = `Users/${user}/Documents/~$${doc.slice(2)}`
        c.push({kind: 'file', at: lock, path: p}, {kind: 'delete', at: isoPlus(lock, rng.int(60, 2400)), path: p})
      }
    }
    const upd = at(day, 2, 5)
    if (upd) {
      const t = `Windows/Temp/${rng.guid().toUpperCase()}.tmp`
      c.push({kind: 'file', at: upd, path: t}, {kind: 'append', at: isoPlus(upd, 0.4), path: 'Windows/Logs/CBS/CBS.log'}, {kind: 'delete', at: isoPlus(upd, rng.int(2, 40)), path: t})
    }
    const pf = at(day, 8, 20)
    if (pf) c.push({kind: 'append', at: pf, path: rng.pick(['Windows/Prefetch/SVCHOST.EXE-7AC3CD0D.pf', 'Windows/Prefetch/MSEDGE.EXE-37D25F9A.pf', 'Windows/Prefetch/EXCEL.EXE-C4E5AB1F.pf'])})
  }
  return c
}

/** MFT references: folders and files that predate the journal get fixed (seeded) numbers; new files new ones. */
class References {
  private readonly byPath = new Map<string, UsnFileRef>([['', ROOT]])
  private readonly used = new Set<number>([5])

  constructor(private readonly rng: Rng) {}

  of(path: string): UsnFileRef {
    const key = path.toLowerCase()
    const known = this.byPath.get(key)
    if (known) return known
    return this.fresh(path)
  }

  /** A new file record (an entry number not in use, its sequence bumped as reuse does). */
  fresh(path: string): UsnFileRef {
    let entry = this.rng.int(300, 180_000)
    while (this.used.has(entry)) entry++
    this.used.add(entry)
    const ref = {entry, sequence: this.rng.int(1, 40)}
    this.byPath.set(path.toLowerCase(), ref)
    return ref
  }

  move(from: string, to: string): void {
    this.byPath.set(to.toLowerCase(), this.of(from))
    this.byPath.delete(from.toLowerCase())
  }

  forget(path: string): void {
    this.byPath.delete(path.toLowerCase())
  }
}

const parentOf = (p: string): string => (p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : '')
const nameOf = (p: string): string => p.slice(p.lastIndexOf('/') + 1)
const ms = (iso: string, s: number): string => isoPlus(iso, s / 1000)

/** The journal's records for the changes, in time order (USNs grow with time). */
export function demoUsnRecords(seed: number): UsnRecordSpec[] {
  const rng = new Rng((seed ^ 0x55534e4a) >>> 0) // own stream: adding the journal changes no other demo bytes
  const changes = [...storyChanges(), ...churn(rng)].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0))
  const refs = new References(rng)
  const out: UsnRecordSpec[] = []
  const rec = (path: string, file: UsnFileRef, time: string, reason: number, attrs: number): void => {
    out.push({file, parent: refs.of(parentOf(path)), time, reason, fileAttributes: attrs, name: nameOf(path)})
  }
  const A = FILE_ATTRIBUTE.ARCHIVE
  for (const ch of changes) {
    switch (ch.kind) {
      case 'dir': {
        const f = refs.fresh(ch.path)
        rec(ch.path, f, ch.at, R.FILE_CREATE, FILE_ATTRIBUTE.DIRECTORY)
        rec(ch.path, f, ch.at, R.FILE_CREATE | R.CLOSE, FILE_ATTRIBUTE.DIRECTORY)
        break
      }
      case 'file': {
        const f = refs.fresh(ch.path)
        rec(ch.path, f, ch.at, R.FILE_CREATE, A)
        rec(ch.path, f, ms(ch.at, 1), R.FILE_CREATE | R.DATA_EXTEND, A)
        rec(ch.path, f, ms(ch.at, 3), R.FILE_CREATE | R.DATA_EXTEND | R.CLOSE, A)
        break
      }
      case 'append': {
        const f = refs.of(ch.path)
        rec(ch.path, f, ch.at, R.DATA_EXTEND, A)
        rec(ch.path, f, ms(ch.at, 2), R.DATA_EXTEND | R.CLOSE, A)
        break
      }
      case 'rename': {
        const f = refs.of(ch.path)
        rec(ch.path, f, ch.at, R.RENAME_OLD_NAME, A)
        refs.move(ch.path, ch.to)
        rec(ch.to, f, ch.at, R.RENAME_NEW_NAME, A)
        rec(ch.to, f, ms(ch.at, 1), R.RENAME_NEW_NAME | R.CLOSE, A)
        break
      }
      case 'delete': {
        rec(ch.path, refs.of(ch.path), ch.at, R.FILE_DELETE | R.CLOSE, A)
        refs.forget(ch.path)
        break
      }
    }
  }
  return out
}

/**
 * The `$J` stream: a deallocated (sparse) leading region, which reads as zeros, then the records. Stored where
 * KAPE and similar collectors put their copy of the stream, which `collect --source` collects.
 */
export function demoUsnJournal(seed: number): {data: Buffer; lastChange: string} {
  const records = demoUsnRecords(seed)
  return {data: writeUsnJournal(records, {leadingZeroBytes: 64 * USN_PAGE}), lastChange: records.at(-1)?.time ?? T.collection}
}

export const DEMO_USN_PATH = '$Extend/$UsnJrnl%3A$J'
