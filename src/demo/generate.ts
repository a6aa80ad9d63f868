import {createHash} from 'node:crypto'
import {mkdir, readdir, utimes, writeFile} from 'node:fs/promises'
import {dirname, join, resolve} from 'node:path'
import {RatchetError, errorMessage, osErrorCode} from '../core/errors.js'
import {EvtxWriter} from '../writers/evtx/index.js'
import * as files from './files.js'
import * as hives from './hives.js'
import {buildDemoLogs} from './logs.js'
import {Rng} from './rng.js'
import {ANYDESK, HOST, PAYLOAD, ROGUE_SC, RUN_COMMANDS, T, USERS, VENDOR_SC} from './scenario.js'
import {isoToDate} from './timeutil.js'
import {DEMO_USN_PATH, demoUsnJournal} from './usn.js'
import {DEFAULT_DEMO_SEED} from './seed.js'

/**
 * Writes the demo host: a synthetic Windows Server 2019 volume under `<dir>/volume` telling the alert's
 * intrusion (see scenario.ts), and `<dir>/iocs.txt` with the alert-style indicators, defanged. Deterministic:
 * the same seed gives the same bytes and the same file times.
 */

export {DEFAULT_DEMO_SEED}

export interface DemoFile {
  /** Path inside the volume, `/`-separated, Windows casing. */
  path: string
  size: number
  sha256: string
  /** Modification time written to the file (ISO UTC). */
  mtime: string
}

export interface DemoLogSummary {
  path: string
  records: number
  /** Event id → count. */
  eventIds: Record<string, number>
}

export interface DemoHostResult {
  /** Root of the generated volume (the `--source` for collection). */
  volume: string
  /** Indicators file beside the volume. */
  iocs: string
  seed: number
  host: string
  files: DemoFile[]
  logs: DemoLogSummary[]
  /** The story in one line per step, for humans and the README. */
  story: string[]
}

interface PlannedFile {
  path: string
  data: Buffer
  mtime: string
}

const INSTALLED_2019 = hives.INSTALLED_2019
const BASE_DIR_TIME = hives.STAFF_CREATED

function plan(seed: number): {files: PlannedFile[]; dirs: string[]; logs: DemoLogSummary[]} {
  const rng = new Rng(seed)
  const out: PlannedFile[] = []
  const logs: DemoLogSummary[] = []
  const add = (path: string, data: Buffer, mtime: string): void => {
    out.push({path, data, mtime})
  }

  const demoLogs = buildDemoLogs(rng)
  for (const log of demoLogs) {
    const w = new EvtxWriter({firstRecordId: log.firstRecordId})
    const counts: Record<string, number> = {}
    for (const e of log.events) {
      w.add(e)
      counts[String(e.eventId)] = (counts[String(e.eventId)] ?? 0) + 1
    }
    const path = `Windows/System32/winevt/Logs/${log.file}`
    const last = log.events.length > 0 ? log.events[log.events.length - 1].timeCreated : null
    add(path, w.toBuffer(), last === null ? T.logsCleared : filetimeIso(last))
    logs.push({path, records: log.events.length, eventIds: counts})
  }

  // Registry hives where Windows keeps them (artefacts/windows/registry collects them from there).
  const security = demoLogs.find((l) => l.file === 'Security.evtx')?.events ?? []
  add('Windows/System32/config/SAM', hives.samHive(hives.logonsFromSecurity(security)), T.collection)
  add('Windows/System32/config/SYSTEM', hives.systemHive(), T.collection)
  add('Windows/System32/config/SOFTWARE', hives.softwareHive(), T.collection)
  add('Windows/AppCompat/Programs/Amcache.hve', hives.amcacheHive(), T.rogueScConnected)

  const vendorDir = `Program Files (x86)/ScreenConnect Client (${VENDOR_SC.thumbprint})`
  const rogueDir = `Program Files (x86)/ScreenConnect Client (${ROGUE_SC.thumbprint})`
  add(`${vendorDir}/system.config`, files.vendorSystemConfig(), INSTALLED_2019)
  add(`${rogueDir}/system.config`, files.rogueSystemConfig(), T.rogueScInstalled)
  const sysProfile = 'Windows/System32/config/systemprofile/AppData/Local'
  add(`${sysProfile}/ScreenConnect Client (${VENDOR_SC.thumbprint})/user.config`, files.vendorUserConfig(), T.scConnected)
  add(`${sysProfile}/ScreenConnect Client (${ROGUE_SC.thumbprint})/user.config`, files.rogueUserConfig(), T.rogueScConnected)
  for (const cmd of RUN_COMMANDS) {
    add(`Windows/Temp/ScreenConnect/${VENDOR_SC.version}/${cmd.guid}run.cmd`, files.runCmd(cmd.text), cmd.at)
  }
  add(files.payloadPathInVolume(), files.payloadStandIn(), T.scTransferPayload)

  add('ProgramData/AnyDesk/ad_svc.trace', files.anydeskServiceTrace(rng), T.anydeskSessionEnd)
  add('ProgramData/AnyDesk/connection_trace.txt', files.anydeskConnectionTrace(), T.anydeskIncoming)
  add('ProgramData/AnyDesk/file_transfer_trace.txt', files.anydeskFileTransferTrace(), T.rogueScInstalled)
  add('ProgramData/AnyDesk/service.conf', files.anydeskServiceConf(seed), T.anydeskServiceInstalled)
  add('ProgramData/AnyDesk/system.conf', files.anydeskSystemConf(), T.anydeskServiceInstalled)

  // The change journal, as a KAPE-style copy of the stream (what `collect --source` of a folder collects).
  const usn = demoUsnJournal(seed)
  add(DEMO_USN_PATH, usn.data, usn.lastChange)

  // Ordinary user content so the profiles are not empty shells.
  add('Users/jmiller/Documents/Rx_Inventory_Oct2023.csv', Buffer.from('NDC,Description,OnHand\r\n0002-8215-01,Insulin lispro 100u/mL,42\r\n0069-0105-30,Atorvastatin 10mg,310\r\n', 'utf8'), '2023-10-31T21:12:09.0000000Z')
  add('Users/kwilson/Documents/month_end_notes.txt', Buffer.from('Month-end: reconcile controlled-substance log, send report to district office.\r\n', 'utf8'), '2023-10-30T16:40:51.0000000Z')

  const dirs = [
    'Program Files (x86)/AnyDesk',
    `Users/${USERS.actor.name}/Downloads`,
    `Users/${USERS.actor.name}/Desktop`,
    'Users/jmiller/Documents/ConnectWiseControl/Files',
    'Users/jmiller/Desktop',
    'Users/kwilson/Desktop',
    `Users/${USERS.admKwilson.name}/Documents`,
    'Users/Administrator/Documents',
    'Users/Public/Documents',
    'Windows/SysWOW64/config/systemprofile/AppData/Roaming',
  ]
  return {files: out, dirs, logs}
}

function filetimeIso(ft: bigint): string {
  const ms = Number((ft - 116_444_736_000_000_000n) / 10_000n)
  return new Date(ms).toISOString()
}

/** Alert-style indicators, defanged as alerts print them. */
export function demoIocs(): string {
  const defang = (s: string): string => s.replace(/\.(?=[^.]*$)/, '[.]')
  return [
    '# Indicators from the (simulated) sector alert, Nov 2023 - ratchet demo',
    defang(ANYDESK.remoteAddress),
    defang(VENDOR_SC.relayHost),
    PAYLOAD.fileName,
    '',
  ].join('\n')
}

export function demoStory(): string[] {
  return [
    `${T.scConnected} vendor ScreenConnect (${VENDOR_SC.relayHost}:${VENDOR_SC.relayPort}) session by "${VENDOR_SC.actorOperator}"`,
    `${T.scTransferPayload} ${PAYLOAD.fileName} transferred and run with MSBuild through run.cmd`,
    `${T.anydeskServiceInstalled} AnyDesk installed as a service, unattended password set`,
    `${T.accountCreated} local account ${USERS.actor.name} created and added to Administrators`,
    `${T.anydeskIncoming} AnyDesk session from ${ANYDESK.remoteAddress} (ID ${ANYDESK.remoteId})`,
    `${T.rogueScInstalled} second ScreenConnect instance (${ROGUE_SC.relayHost}:${ROGUE_SC.relayPort}) installed`,
    `${T.samOnlyAccountCreated} account ${USERS.samOnly.name} created with account auditing off: known only from the SAM hive`,
    `${T.logsCleared} Windows PowerShell logs cleared`,
  ]
}

async function ensureEmptyTarget(dir: string): Promise<void> {
  try {
    const entries = await readdir(dir)
    if (entries.length > 0) {
      throw new RatchetError('E_OUTPUT_EXISTS', `output folder is not empty: ${dir}`, {path: dir})
    }
  } catch (e) {
    if (e instanceof RatchetError) throw e
    if (osErrorCode(e) === 'ENOENT') return
    if (osErrorCode(e) === 'ENOTDIR') throw new RatchetError('E_OUTPUT_EXISTS', `output path is a file: ${dir}`, {path: dir})
    throw new RatchetError('E_OUTPUT_WRITE', `cannot use output folder ${dir}: ${errorMessage(e)}`, {path: dir})
  }
}

/** Writes one planned file under the volume with its story mtime, and describes it (path, size, SHA-256, mtime). */
export async function writeDemoFile(volume: string, f: {path: string; data: Uint8Array; mtime: string}): Promise<DemoFile> {
  const abs = join(volume, f.path)
  await mkdir(dirname(abs), {recursive: true})
  await writeFile(abs, f.data)
  const t = isoToDate(f.mtime)
  await utimes(abs, t, t)
  return {path: f.path, size: f.data.length, sha256: createHash('sha256').update(f.data).digest('hex'), mtime: t.toISOString()}
}

export async function generateDemoHost(dir: string, opts: {seed?: number} = {}): Promise<DemoHostResult> {
  const seed = opts.seed ?? DEFAULT_DEMO_SEED
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new RatchetError('E_USAGE', `seed must be an integer from 0 to 4294967295, got ${seed}`, {seed})
  }
  const root = resolve(dir)
  await ensureEmptyTarget(root)
  const volume = join(root, 'volume')
  const {files: planned, dirs, logs} = plan(seed)
  const written: DemoFile[] = []
  const dirTimes = new Map<string, number>()
  const touchDir = (rel: string, t: number): void => {
    for (let d = dirname(rel); d !== '.' && d !== ''; d = dirname(d)) dirTimes.set(d, Math.max(dirTimes.get(d) ?? 0, t))
  }
  try {
    for (const rel of dirs) {
      await mkdir(join(volume, rel), {recursive: true})
      dirTimes.set(rel, Math.max(dirTimes.get(rel) ?? 0, isoToDate(BASE_DIR_TIME).getTime()))
      touchDir(rel, isoToDate(BASE_DIR_TIME).getTime())
    }
    for (const f of planned) {
      const file = await writeDemoFile(volume, f)
      touchDir(f.path, Date.parse(file.mtime))
      written.push(file)
    }
    // Folder times last, deepest first, so writing children does not disturb them.
    const ordered = [...dirTimes.entries()].sort((a, b) => b[0].split('/').length - a[0].split('/').length || (a[0] < b[0] ? -1 : 1))
    for (const [rel, t] of ordered) await utimes(join(volume, rel), new Date(t), new Date(t))
    const volTime = new Date(Math.max(...dirTimes.values()))
    await utimes(volume, volTime, volTime)
    const iocs = join(root, 'iocs.txt')
    await writeFile(iocs, demoIocs(), 'utf8')
    written.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
    return {volume, iocs, seed, host: HOST.name, files: written, logs, story: demoStory()}
  } catch (e) {
    if (e instanceof RatchetError) throw e
    throw new RatchetError('E_OUTPUT_WRITE', `cannot write the demo host under ${root}: ${errorMessage(e)}`, {path: root})
  }
}
