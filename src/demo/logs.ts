import type {EvtxEventSpec} from '../writers/evtx/index.js'
import type {Rng} from './rng.js'
import {ANYDESK, HOST, NOISE_START, PAYLOAD, ROGUE_SC, ROUTINE_VENDOR_SESSIONS, RUN_COMMANDS, T, USERS, VENDOR_SC, runCmdPath, scInstallDir, type DemoUser} from './scenario.js'
import {daysBetween, isoPlus} from './timeutil.js'
import * as ev from './windows-events.js'

/**
 * The demo host's event logs: the intrusion (fixed times from scenario.ts) woven into seeded routine noise.
 * Returns, per log file name, the events in time order; record ids are assigned by the writer in that order.
 */

export interface DemoLog {
  /** File name under Windows/System32/winevt/Logs. */
  file: string
  /** EventRecordID of the first record (older records were overwritten as the log wrapped). */
  firstRecordId: bigint
  events: EvtxEventSpec[]
}

interface Timed {
  at: string
  spec: EvtxEventSpec
}

class LogBuilder {
  readonly items: Timed[] = []
  /** @param from events before this instant are not in the file (the log was cleared then). */
  constructor(private readonly from = '') {}

  add(at: string, spec: EvtxEventSpec): void {
    this.items.push({at, spec})
  }
  sorted(): EvtxEventSpec[] {
    // Stable sort: events at the same instant keep their insertion (causal) order. Nothing after the host was
    // imaged is kept.
    return [...this.items]
      .filter((t) => t.at >= this.from && t.at <= T.collection)
      .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0))
      .map((t) => t.spec)
  }
}

const SC_SERVICE = (thumb: string): string => `${scInstallDir(thumb)}\\ScreenConnect.ClientService.exe`
const CMD = 'C:\\Windows\\System32\\cmd.exe'

export function buildDemoLogs(rng: Rng): DemoLog[] {
  const security = new LogBuilder(T.securityLogStart)
  const system = new LogBuilder()
  const application = new LogBuilder()
  const lsm = new LogBuilder()
  const rcm = new LogBuilder()
  const tid = (): number => rng.int(200, 9000) & ~3
  const pid = (): number => rng.int(1000, 12000) & ~3
  const logonId = (): bigint => BigInt(rng.int(0x100000, 0xffffff))
  const jitter = (day: string, hourUtc: number, spreadMin: number): string =>
    isoPlus(`${day}T${String(hourUtc).padStart(2, '0')}:00:00Z`, rng.int(0, spreadMin * 60), rng.int(0, 9_999_999))

  const jm = ev.userSubject(USERS.jmiller, 0x2b1f4n)

  // --- Security log starts with a maintenance clear by jmiller (benign, before the noise window) ---------------
  security.add(T.securityLogStart, ev.securityLogCleared(T.securityLogStart, {subject: jm, threadId: tid()}))

  // --- Routine noise ------------------------------------------------------------------------------------------
  const days = daysBetween(NOISE_START, T.collection)
  let mpksl = 0
  for (const day of days) {
    const dow = new Date(`${day}T12:00:00Z`).getUTCDay()
    const workday = dow >= 1 && dow <= 5
    // Service logons (type 5), a few a day.
    for (let i = 0; i < 3; i++) {
      const at = jitter(day, 1 + i * 7, 300)
      security.add(at, ev.logon(at, {target: {sid: 'S-1-5-18', name: 'SYSTEM', domain: 'NT AUTHORITY', logonId: 0x3e7n}, logonType: 5, threadId: tid()}))
    }
    // Windows Update service runs once a day.
    const wu = jitter(day, 3, 40)
    system.add(wu, ev.serviceState(wu, {displayName: 'Windows Update', keyName: 'wuauserv', state: 'running', threadId: tid()}))
    const wuEnd = isoPlus(wu, rng.int(600, 1800))
    system.add(wuEnd, ev.serviceState(wuEnd, {displayName: 'Windows Update', keyName: 'wuauserv', state: 'stopped', threadId: tid()}))
    // Software Protection reschedules itself daily.
    const spp = jitter(day, 6, 120)
    application.add(spp, ev.sppRestartScheduled(spp, `${isoPlus(spp, 86_400).slice(0, 19)}Z`))
    // Defender definition updates install a kernel-mode scan driver about weekly (Windows-Update-style 7045).
    if (dow === 3) {
      const at = jitter(day, 9, 120)
      const guid = rng.guid().toUpperCase()
      system.add(
        at,
        ev.serviceInstalled(at, {
          name: `MpKsl${rng.hex(8)}`,
          imagePath: `\\??\\C:\\ProgramData\\Microsoft\\Windows Defender\\Definition Updates\\{${guid}}\\MpKslDrv.sys`,
          serviceType: 'kernel mode driver',
          startType: 'demand start',
          account: '',
          installerSid: 'S-1-5-18',
          threadId: tid(),
        }),
      )
      mpksl++
    }
    if (!workday) continue
    // jmiller works over RDP from the pharmacy LAN most days, at the console on Tuesdays — and on the decoy day,
    // when he creates adm_kwilson at the console (the decoy's own console logon is added below): no remote
    // session of his may surround that account creation, or the demo would contradict its own story.
    const start = jitter(day, 13, 50)
    const lid = logonId()
    if (day === T.decoyLogon.slice(0, 10)) continue
    if (dow === 2) {
      security.add(start, ev.logon(start, {target: ev.userSubject(USERS.jmiller, lid), logonType: 2, ip: '127.0.0.1', port: 0, logonGuid: `{${rng.guid()}}`, threadId: tid()}))
    } else {
      rcm.add(start, ev.rdpAuth(start, {user: USERS.jmiller.name, domain: HOST.name, address: HOST.lanClient, threadId: tid()}))
      const logonAt = isoPlus(start, 2, rng.int(0, 9_999_999))
      security.add(
        logonAt,
        ev.logon(logonAt, {target: ev.userSubject(USERS.jmiller, lid), logonType: 10, ip: HOST.lanClient, port: rng.int(49152, 65000), workstation: 'RX-FRONT01', logonGuid: `{${rng.guid()}}`, threadId: tid()}),
      )
      const sess = isoPlus(logonAt, 1)
      lsm.add(sess, ev.rdpSession(sess, {eventId: 21, user: `${HOST.name}\\${USERS.jmiller.name}`, sessionId: 2, address: HOST.lanClient, threadId: tid()}))
      // Thursdays: away for the afternoon meeting, the session is disconnected and later reconnected.
      if (dow === 4) {
        const away = jitter(day, 17, 30)
        lsm.add(away, ev.rdpSession(away, {eventId: 24, user: `${HOST.name}\\${USERS.jmiller.name}`, sessionId: 2, address: HOST.lanClient, threadId: tid()}))
        const back = jitter(day, 19, 30)
        lsm.add(back, ev.rdpSession(back, {eventId: 25, user: `${HOST.name}\\${USERS.jmiller.name}`, sessionId: 2, address: HOST.lanClient, threadId: tid()}))
      }
      const end = jitter(day, 22, 50)
      lsm.add(end, ev.rdpSession(end, {eventId: 24, user: `${HOST.name}\\${USERS.jmiller.name}`, sessionId: 2, address: HOST.lanClient, threadId: tid()}))
    }
    // kwilson checks reports over RDP on Mondays and Wednesdays.
    if (dow === 1 || dow === 3) {
      const k = jitter(day, 15, 60)
      rcm.add(k, ev.rdpAuth(k, {user: USERS.kwilson.name, domain: HOST.name, address: '10.20.30.22', threadId: tid()}))
      const kl = isoPlus(k, 2)
      security.add(kl, ev.logon(kl, {target: ev.userSubject(USERS.kwilson, logonId()), logonType: 10, ip: '10.20.30.22', port: rng.int(49152, 65000), workstation: 'RX-OFFICE02', logonGuid: `{${rng.guid()}}`, threadId: tid()}))
      const ks = isoPlus(kl, 1)
      lsm.add(ks, ev.rdpSession(ks, {eventId: 21, user: `${HOST.name}\\${USERS.kwilson.name}`, sessionId: 3, address: '10.20.30.22', threadId: tid()}))
      const ke = isoPlus(ks, rng.int(900, 3600))
      lsm.add(ke, ev.rdpSession(ke, {eventId: 24, user: `${HOST.name}\\${USERS.kwilson.name}`, sessionId: 3, address: '10.20.30.22', threadId: tid()}))
    }
  }
  if (mpksl === 0) throw new Error('demo noise window has no Wednesday')

  // Patch Tuesday: Edge's updater service arrives with the monthly updates.
  const patch = '2023-10-10T09:41:27.6610042Z'
  system.add(patch, ev.serviceState(patch, {displayName: 'Windows Modules Installer', keyName: 'TrustedInstaller', state: 'running', threadId: tid()}))
  const edge = isoPlus(patch, 412)
  system.add(
    edge,
    ev.serviceInstalled(edge, {name: 'Microsoft Edge Update Service (edgeupdate)', imagePath: '"C:\\Program Files (x86)\\Microsoft\\EdgeUpdate\\MicrosoftEdgeUpdate.exe" /svc', installerSid: 'S-1-5-18', threadId: tid()}),
  )
  const patchEnd = isoPlus(patch, 1310)
  system.add(patchEnd, ev.serviceState(patchEnd, {displayName: 'Windows Modules Installer', keyName: 'TrustedInstaller', state: 'stopped', threadId: tid()}))

  // Routine vendor support sessions on the vendor instance: connect, look, disconnect.
  for (const [on, off] of ROUTINE_VENDOR_SESSIONS) {
    application.add(on, ev.screenConnectApp(on, {thumbprint: VENDOR_SC.thumbprint, version: VENDOR_SC.version, message: `${VENDOR_SC.routineOperator} Connected`, threadId: 0}))
    application.add(off, ev.screenConnectApp(off, {thumbprint: VENDOR_SC.thumbprint, version: VENDOR_SC.version, message: `${VENDOR_SC.routineOperator} Disconnected`, threadId: 0}))
  }

  // Decoy: jmiller creates an admin account for kwilson at the console, weeks before, no remote session near it.
  const decoySubject = ev.userSubject(USERS.jmiller, 0x5c2e1n)
  security.add(T.decoyLogon, ev.logon(T.decoyLogon, {target: decoySubject, logonType: 2, ip: '127.0.0.1', port: 0, logonGuid: `{${rng.guid()}}`, threadId: tid()}))
  const mmc = isoPlus(T.decoyAccountCreated, -95)
  security.add(mmc, ev.processCreated(mmc, {subject: decoySubject, pid: pid(), image: 'C:\\Windows\\System32\\mmc.exe', commandLine: '"C:\\Windows\\system32\\mmc.exe" "C:\\Windows\\system32\\lusrmgr.msc"', parentPid: pid(), parentImage: 'C:\\Windows\\explorer.exe', threadId: tid()}))
  addAccount(security, T.decoyAccountCreated, decoySubject, USERS.admKwilson, tid)

  // --- The intrusion ------------------------------------------------------------------------------------------
  const scApp = (at: string, message: string): void =>
    application.add(at, ev.screenConnectApp(at, {thumbprint: VENDOR_SC.thumbprint, version: VENDOR_SC.version, message, threadId: 0}))
  scApp(T.scConnected, `${VENDOR_SC.actorOperator} Connected`)
  scApp(T.scTransferPayload, `Transferred files with action 'Transfer':\n${PAYLOAD.fileName}`)
  scApp(T.scTransferAnyDesk, `Transferred files with action 'Transfer':\nAnyDesk.exe`)
  scApp(T.scDisconnected, `${VENDOR_SC.actorOperator} Disconnected`)

  const scServicePid = 2316
  const children: Record<string, Array<{image: string; commandLine: string; delay: number}>> = {
    [RUN_COMMANDS[0].guid]: [{image: PAYLOAD.msbuild, commandLine: RUN_COMMANDS[0].text, delay: 0.4}],
    [RUN_COMMANDS[1].guid]: [
      {image: `${PAYLOAD.dir}\\AnyDesk.exe`, commandLine: RUN_COMMANDS[1].text.split('\r\n')[0], delay: 0.5},
      {image: 'C:\\Program Files (x86)\\AnyDesk\\AnyDesk.exe', commandLine: '"C:\\Program Files (x86)\\AnyDesk\\AnyDesk.exe" --set-password', delay: 21},
    ],
    [RUN_COMMANDS[2].guid]: [
      {image: 'C:\\Windows\\System32\\net.exe', commandLine: RUN_COMMANDS[2].text.split('\r\n')[0], delay: 1.9},
      {image: 'C:\\Windows\\System32\\net.exe', commandLine: RUN_COMMANDS[2].text.split('\r\n')[1], delay: 3.1},
    ],
  }
  for (const cmd of RUN_COMMANDS) {
    scApp(cmd.at, `Executed command of length: ${cmd.text.length}`)
    const cmdAt = isoPlus(cmd.at, 0.3)
    const cmdPid = pid()
    security.add(
      cmdAt,
      ev.processCreated(cmdAt, {subject: ev.SYSTEM_SUBJECT, pid: cmdPid, image: CMD, commandLine: `cmd.exe /c "${runCmdPath(cmd)}"`, parentPid: scServicePid, parentImage: SC_SERVICE(VENDOR_SC.thumbprint), threadId: tid()}),
    )
    for (const child of children[cmd.guid]) {
      const at = isoPlus(cmd.at, child.delay)
      security.add(at, ev.processCreated(at, {subject: ev.SYSTEM_SUBJECT, pid: pid(), image: child.image, commandLine: child.commandLine, parentPid: cmdPid, parentImage: CMD, threadId: tid()}))
    }
  }

  // AnyDesk installed as a service by the second run.cmd.
  const adAt = T.anydeskServiceInstalled
  system.add(adAt, ev.serviceInstalled(adAt, {name: 'AnyDesk Service', imagePath: ANYDESK.imagePath, installerSid: 'S-1-5-18', threadId: tid()}))
  security.add(adAt, ev.serviceInstalledAudit(adAt, {subject: ev.SYSTEM_SUBJECT, name: 'AnyDesk Service', imagePath: ANYDESK.imagePath, threadId: tid()}))
  const adRun = isoPlus(adAt, 1.6)
  system.add(adRun, ev.serviceState(adRun, {displayName: 'AnyDesk Service', keyName: 'AnyDesk', state: 'running', threadId: tid()}))

  // The new local account, enabled and made an administrator (third run.cmd).
  addAccount(security, T.accountCreated, ev.SYSTEM_SUBJECT, USERS.actor, tid)

  // The actor comes back through AnyDesk from outside and logs on at the console as the new account.
  const actor = ev.userSubject(USERS.actor, 0x9a41d2n)
  security.add(T.actorLogon, ev.logon(T.actorLogon, {target: actor, logonType: 2, ip: '127.0.0.1', port: 0, logonGuid: `{${rng.guid()}}`, threadId: tid()}))

  // A second ScreenConnect instance, pointing at another relay, installed from that session.
  const msi = isoPlus(T.rogueScInstalled, -106)
  security.add(
    msi,
    ev.processCreated(msi, {subject: actor, pid: pid(), image: 'C:\\Windows\\System32\\msiexec.exe', commandLine: `"C:\\Windows\\System32\\msiexec.exe" /i "C:\\Users\\${USERS.actor.name}\\Downloads\\ScreenConnect.ClientSetup.msi"`, parentPid: pid(), parentImage: 'C:\\Windows\\explorer.exe', threadId: tid()}),
  )
  const rogueName = `ScreenConnect Client (${ROGUE_SC.thumbprint})`
  const rogueImage = rogueImagePath()
  system.add(T.rogueScInstalled, ev.serviceInstalled(T.rogueScInstalled, {name: rogueName, imagePath: rogueImage, installerSid: 'S-1-5-18', threadId: tid()}))
  security.add(T.rogueScInstalled, ev.serviceInstalledAudit(T.rogueScInstalled, {subject: ev.SYSTEM_SUBJECT, name: rogueName, imagePath: rogueImage, threadId: tid()}))
  const rogueRun = isoPlus(T.rogueScInstalled, 2.2)
  system.add(rogueRun, ev.serviceState(rogueRun, {displayName: rogueName, keyName: rogueName, state: 'running', threadId: tid()}))
  for (const [at, word] of [
    [T.rogueScConnected, 'Connected'],
    [T.rogueScDisconnected, 'Disconnected'],
  ] as const) {
    application.add(at, ev.screenConnectApp(at, {thumbprint: ROGUE_SC.thumbprint, version: ROGUE_SC.version, message: `admin ${word}`, threadId: 0}))
  }

  // A second, quieter account: account-management auditing off first (4719 per subcategory that had Success
  // auditing), then the account made in the Local Users and Groups console and hidden from the logon screen with
  // regedit. Neither the name nor 4720/4722/4732 reach the Security log: the account is known only from SAM.
  // Fixed process and thread ids keep the seeded noise of the rest of the demo unchanged.
  const explorerPid = 5128
  const actorCmd = 6904
  const auditpol = `auditpol /set /category:"Account Management" /success:disable /failure:disable`
  const apAt = isoPlus(T.auditPolicyDisabled, -0.2)
  security.add(apAt, ev.processCreated(apAt, {subject: actor, pid: 7312, image: 'C:\\Windows\\System32\\auditpol.exe', commandLine: auditpol, parentPid: actorCmd, parentImage: CMD, threadId: 7420}))
  for (const sub of [ev.ACCOUNT_MANAGEMENT_SUBCATEGORIES.userAccountManagement, ev.ACCOUNT_MANAGEMENT_SUBCATEGORIES.securityGroupManagement]) {
    security.add(T.auditPolicyDisabled, ev.auditPolicyChanged(T.auditPolicyDisabled, {subject: actor, subcategory: sub, threadId: 7420}))
  }
  const lusr = isoPlus(T.samOnlyAccountCreated, -46)
  security.add(lusr, ev.processCreated(lusr, {subject: actor, pid: 7588, image: 'C:\\Windows\\System32\\mmc.exe', commandLine: '"C:\\Windows\\system32\\mmc.exe" "C:\\Windows\\system32\\lusrmgr.msc"', parentPid: explorerPid, parentImage: 'C:\\Windows\\explorer.exe', threadId: 7436}))
  const regedit = isoPlus(T.samOnlyHidden, -31)
  security.add(regedit, ev.processCreated(regedit, {subject: actor, pid: 7744, image: 'C:\\Windows\\regedit.exe', commandLine: '"C:\\Windows\\regedit.exe"', parentPid: explorerPid, parentImage: 'C:\\Windows\\explorer.exe', threadId: 7436}))

  // Before leaving, the actor clears the PowerShell logs (System 104 records each clear).
  const cleared = ['Windows PowerShell', 'Microsoft-Windows-PowerShell/Operational']
  cleared.forEach((channel, i) => {
    const at = isoPlus(T.logsCleared, i * 3.2)
    const wev = isoPlus(at, -0.4)
    security.add(wev, ev.processCreated(wev, {subject: actor, pid: pid(), image: 'C:\\Windows\\System32\\wevtutil.exe', commandLine: `wevtutil cl "${channel}"`, parentPid: pid(), parentImage: CMD, threadId: tid()}))
    system.add(at, ev.logCleared(at, {subject: actor, channel, threadId: tid()}))
  })

  return [
    {file: 'Security.evtx', firstRecordId: 1n, events: security.sorted()},
    {file: 'System.evtx', firstRecordId: 48113n, events: system.sorted()},
    {file: 'Application.evtx', firstRecordId: 20977n, events: application.sorted()},
    {file: 'Microsoft-Windows-TerminalServices-LocalSessionManager%4Operational.evtx', firstRecordId: 3310n, events: lsm.sorted()},
    {file: 'Microsoft-Windows-TerminalServices-RemoteConnectionManager%4Operational.evtx', firstRecordId: 1702n, events: rcm.sorted()},
    // The two logs the actor cleared: nothing has been written to them since.
    {file: 'Windows PowerShell.evtx', firstRecordId: 1n, events: []},
    {file: 'Microsoft-Windows-PowerShell%4Operational.evtx', firstRecordId: 1n, events: []},
  ]
}

function addAccount(security: LogBuilder, at: string, subject: ev.Subject, user: DemoUser, tid: () => number): void {
  security.add(at, ev.accountCreated(at, {subject, user, threadId: tid()}))
  const enabled = isoPlus(at, 0, 31_204)
  security.add(enabled, ev.accountEnabled(enabled, {subject, user, threadId: tid()}))
  const added = isoPlus(at, 0.9)
  security.add(added, ev.addedToAdministrators(added, {subject, user, threadId: tid()}))
}

/** A ScreenConnect client service's ImagePath with its launch parameters (relay host and port in h/p). */
function scImagePath(sc: {thumbprint: string; relayHost: string; relayPort: number; sessionGuid: string}, key: string): string {
  return `"${scInstallDir(sc.thumbprint)}\\ScreenConnect.ClientService.exe" "?e=Access&y=Guest&h=${sc.relayHost}&p=${sc.relayPort}&s=${sc.sessionGuid}&k=${key}&c=&c=&c=&c=&c=&c=&c=&c="`
}

export const rogueImagePath = (): string => scImagePath(ROGUE_SC, ROGUE_KEY)
/** The vendor instance's ImagePath (installed in 2019: no 7045 in the retained logs, only in SYSTEM). */
export const vendorImagePath = (): string => scImagePath(VENDOR_SC, VENDOR_KEY)

/** Server public keys (base64 RSA blobs) of the two instances: fixed demo values, not real keys. */
export const VENDOR_KEY = 'BgIAAACkAABSU0ExAAgAAAEAAQDxNy3ClvDuXQ2e0Rr8k4Xq5m7RZ9bcl2pE1cT0vYw3HfA6sJiU8n4LqKp5Wz0tGmB2xVdN7yO1eRjP3aFhIu9Sg6oCkTqY8bZlM4nWv5XrD1Hs2EJ0iKu7GtRfyA3cQpO9LmVxB6eNj8zUa4SdhYoF1WkI5bTgP2rCv0Ml7nHs'
export const ROGUE_KEY = 'BgIAAACkAABSU0ExAAgAAAEAAQC7fT2mQx9LkR4vN1pW0sYjH6bZ3uE8cAo5gDiK2lMnXqF7tV0rS9wBhJy4PeU1zOa6CmG3dTkLsRq8xWnY2vE5jHi0bA7oNfK4uMg1pZ9cDlQs6eTr3wVyX8Bn0Ji5GhUa2tFk7OmPzR1dSqC4vL9xNe3KyW6sAb8Ho'

