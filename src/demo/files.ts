import {createHash} from 'node:crypto'
import {formatInZone} from '../core/time.js'
import type {Rng} from './rng.js'
import {ANYDESK, HOST, PAYLOAD, ROGUE_SC, T, USERS, VENDOR_SC} from './scenario.js'
import {isoPlus} from './timeutil.js'
import {ROGUE_KEY, VENDOR_KEY} from './logs.js'

/**
 * Text artefacts of the demo host, in the shapes of ARTEFACTS.md §2 and §4: ScreenConnect settings files,
 * AnyDesk traces and configuration, the actor's payload stand-in. Each function returns the file's bytes.
 */

const CRLF = '\r\n'
const xmlEscape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')

/** `system.config` of a ScreenConnect client: .NET settings XML with ClientLaunchParametersConstraint. */
export function screenConnectSystemConfig(o: {relayHost: string; relayPort: number; key: string}): Buffer {
  const lines = [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<configuration>',
    '  <configSections>',
    '    <section name="ScreenConnect.ApplicationSettings" type="System.Configuration.ClientSettingsSection, System, Version=4.0.0.0, Culture=neutral, PublicKeyToken=b77a5c561934e089" />',
    '  </configSections>',
    '  <ScreenConnect.ApplicationSettings>',
    '    <setting name="ClientLaunchParametersConstraint" serializeAs="String">',
    `      <value>${xmlEscape(`?h=${o.relayHost}&p=${o.relayPort}&k=${o.key}`)}</value>`,
    '    </setting>',
    '    <setting name="ClientLaunchParametersConstraintCheckMode" serializeAs="String">',
    '      <value>Strict</value>',
    '    </setting>',
    '  </ScreenConnect.ApplicationSettings>',
    '</configuration>',
  ]
  return Buffer.from(lines.join(CRLF) + CRLF, 'utf8')
}

/** `M/d/yyyy h:mm:ss AM|PM` in the host's zone, URL-encoded as HostToAddressMap stores it. */
function hostToAddressTime(iso: string): string {
  const local = formatInZone(iso, HOST.timeZone)
  if (!local) throw new RangeError(`bad time ${iso}`)
  const [date, time] = local.split(' ')
  const [y, mo, d] = date.split('-').map(Number)
  const [h, mi, s] = time.slice(0, 8).split(':').map(Number)
  const h12 = h % 12 === 0 ? 12 : h % 12
  const text = `${mo}/${d}/${y} ${h12}:${String(mi).padStart(2, '0')}:${String(s).padStart(2, '0')} ${h < 12 ? 'AM' : 'PM'}`
  return encodeURIComponent(text).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase())
}

/** `user.config` in the SYSTEM profile with the relay's last resolved address (HostToAddressMap). */
export function screenConnectUserConfig(o: {relayHost: string; relayAddress: string; resolvedAt: string}): Buffer {
  const map = `${o.relayHost}=${o.relayAddress}-${hostToAddressTime(o.resolvedAt)}`
  const lines = [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<configuration>',
    '    <userSettings>',
    '        <ScreenConnect.ApplicationSettings>',
    '            <setting name="HostToAddressMap" serializeAs="String">',
    `                <value>${xmlEscape(map)}</value>`,
    '            </setting>',
    '        </ScreenConnect.ApplicationSettings>',
    '    </userSettings>',
    '</configuration>',
  ]
  return Buffer.from(lines.join(CRLF) + CRLF, 'utf8')
}

export const vendorSystemConfig = (): Buffer => screenConnectSystemConfig({relayHost: VENDOR_SC.relayHost, relayPort: VENDOR_SC.relayPort, key: VENDOR_KEY})
export const rogueSystemConfig = (): Buffer => screenConnectSystemConfig({relayHost: ROGUE_SC.relayHost, relayPort: ROGUE_SC.relayPort, key: ROGUE_KEY})
export const vendorUserConfig = (): Buffer => screenConnectUserConfig({relayHost: VENDOR_SC.relayHost, relayAddress: VENDOR_SC.relayAddress, resolvedAt: T.scConnected})
export const rogueUserConfig = (): Buffer => screenConnectUserConfig({relayHost: ROGUE_SC.relayHost, relayAddress: ROGUE_SC.relayAddress, resolvedAt: T.rogueScConnected})

/** run.cmd as ScreenConnect writes it: the queued command text, CRLF line ends. */
export const runCmd = (text: string): Buffer => Buffer.from(text + CRLF, 'utf8')

/** Inert stand-in for the alert's `text.xml` (an MSBuild project); it does nothing when built. */
export function payloadStandIn(): Buffer {
  const lines = [
    '<Project ToolsVersion="4.0" xmlns="http://schemas.microsoft.com/developer/msbuild/2003">',
    '  <!-- ratchet demo host: inert stand-in for the payload named in the sector alert.',
    '       The real file held C# source compiled inline by MSBuild to load Meterpreter; this one only prints a line. -->',
    '  <Target Name="Demo">',
    '    <Message Text="ratchet demo payload stand-in" />',
    '  </Target>',
    '</Project>',
  ]
  return Buffer.from(lines.join(CRLF) + CRLF, 'utf8')
}

// --- AnyDesk -----------------------------------------------------------------------------------------------

const traceTime = (iso: string): string => `${iso.slice(0, 10)} ${iso.slice(11, 23)}`

/** One trace line: right-aligned level, UTC time, role, pid, tid, optional fiber, right-aligned component. */
function traceLine(iso: string, o: {level?: string; role?: string; pid: number; tid: number; fiber?: number; component: string; message: string}): string {
  const fiber = o.fiber === undefined ? '     ' : String(o.fiber).padStart(5)
  return (
    `${(o.level ?? 'info').padStart(7)} ${traceTime(iso)}${(o.role ?? 'lsvc').padStart(11)}${String(o.pid).padStart(7)}${String(o.tid).padStart(7)}` +
    `${fiber}${o.component.padStart(33)} - ${o.message}`
  )
}

/** `ad_svc.trace` of the AnyDesk service: start-up, --set-password, the incoming session from outside. */
export function anydeskServiceTrace(rng: Rng): Buffer {
  const pid = 4412
  const main = 4416
  const worker = rng.int(4500, 6000) & ~3
  const lines: string[] = []
  const at = (iso: string, component: string, message: string, tid = worker, fiber?: number): void => {
    lines.push(traceLine(iso, {pid, tid, fiber, component, message}))
  }
  const start = T.anydeskServiceInstalled
  const banner = '* * * * * * * * * * * * * * * * * * * * * * * * * * * * *'
  at(isoPlus(start, 1.2), 'main', banner, main)
  at(isoPlus(start, 1.2), 'main', `* AnyDesk Windows Service ${ANYDESK.version}`, main)
  at(isoPlus(start, 1.2), 'main', banner, main)
  at(isoPlus(start, 1.25), 'main', `Command line: ${ANYDESK.imagePath}`, main)
  at(isoPlus(start, 2.1), 'anynet.relay_conn', `External address: ${HOST.publicAddress}:49731.`, worker, 25)
  at(isoPlus(start, 2.4), 'anynet.connection_mgr', `New user data. Client-ID: ${ANYDESK.localId}.`, worker, 25)
  at(isoPlus(start, 17.0), 'app.cmd_line', 'Processing --set-password.', main)
  at(isoPlus(start, 17.1), 'app.service', 'Password set (--set-password). Unattended access enabled.', main)
  // Quiet hours with periodic relay keep-alives.
  for (let i = 1; i <= 4; i++) {
    at(isoPlus(start, i * 480 + rng.int(0, 30)), 'anynet.relay_conn', `Relay keep-alive ok (relay ${ANYDESK.relay}).`, worker, 25)
  }
  const inc = T.anydeskIncoming
  at(inc, 'app.backend_session', `Incoming session request: ${ANYDESK.remoteAlias} (${ANYDESK.remoteId})`, worker, 31)
  at(isoPlus(inc, 0.05), 'anynet.any_socket', `Logged in from ${ANYDESK.remoteAddress}:${ANYDESK.remotePort} on relay ${ANYDESK.relay}.`, worker, 31)
  at(isoPlus(inc, 0.06), 'anynet.any_socket', `Client-ID: ${ANYDESK.remoteId} (FPR: ${ANYDESK.remoteFingerprint}).`, worker, 31)
  at(isoPlus(inc, 0.2), 'app.backend_session', 'Remote OS: Windows, Connection flags: direct', worker, 31)
  at(isoPlus(inc, 0.2), 'app.backend_session', `Remote version: ${ANYDESK.version}`, worker, 31)
  at(isoPlus(inc, 0.9), 'anynet.any_socket', `Accept request from ${ANYDESK.remoteId} (via relay).`, worker, 31)
  at(isoPlus(inc, 1.0), 'app.backend_session', 'Authenticated by password.', worker, 31)
  at(isoPlus(T.rogueScInstalled, -240), 'app.prepare_task', `Preparing files in 'C:\\Users\\${USERS.actor.name}\\Downloads'.`, worker, 44)
  at(T.anydeskSessionEnd, 'app.session', 'Session stopped.', worker, 31)
  at(isoPlus(T.anydeskSessionEnd, 0.1), 'anynet.any_socket', 'The socket was closed remotely.', worker, 31)
  return Buffer.from(lines.join('\n') + '\n', 'utf8')
}

/** `connection_trace.txt`: one line per incoming connection, minute resolution. */
export function anydeskConnectionTrace(): Buffer {
  const when = `${T.anydeskIncoming.slice(0, 10)}, ${T.anydeskIncoming.slice(11, 16)}`
  const line = `Incoming    ${when}    ${'Passwd'.padEnd(34)}${ANYDESK.remoteId}    ${ANYDESK.remoteId}`
  return Buffer.from(line + CRLF, 'utf8')
}

/** `file_transfer_trace.txt`: UTF-16LE with BOM, tab-separated. */
export function anydeskFileTransferTrace(): Buffer {
  const at = isoPlus(T.rogueScInstalled, -240)
  const when = `${at.slice(0, 10)}, ${at.slice(11, 16)}`
  const name = 'ScreenConnect.ClientSetup.msi'
  const lines = [
    `File Manager\t${when}\tstart \tupload  \t'${name}' (~0 B out of 8.72 MiB)`,
    `File Manager\t${when}\tfinish\tupload  \t'${name}' (~8.72 MiB out of 8.72 MiB)`,
  ]
  return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(lines.join(CRLF) + CRLF, 'utf16le')])
}

/** `service.conf` with unattended-access password hash and salt (demo values derived from the seed). */
export function anydeskServiceConf(seed: number): Buffer {
  const salt = createHash('sha256').update(`ratchet-demo-salt-${seed}`).digest('hex').slice(0, 32)
  const hash = createHash('sha256').update(`ratchet-demo-pwd-${seed}`).digest('hex')
  const tokenSalt = createHash('sha256').update(`ratchet-demo-token-${seed}`).digest('hex').slice(0, 32)
  const lines = [`ad.anynet.id=${ANYDESK.localId}`, `ad.anynet.pwd_hash=${hash}`, `ad.anynet.pwd_salt=${salt}`, `ad.anynet.token_salt=${tokenSalt}`]
  return Buffer.from(lines.join('\n') + '\n', 'utf8')
}

export function anydeskSystemConf(): Buffer {
  const lines = [`ad.anynet.alias=`, `ad.anynet.last_relay=${ANYDESK.relay}`, 'ad.security.interactive_access=2']
  return Buffer.from(lines.join('\n') + '\n', 'utf8')
}

export const payloadPathInVolume = (): string => PAYLOAD.dir.slice(3).replace(/\\/g, '/') + '/' + PAYLOAD.fileName
