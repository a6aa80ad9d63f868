import {EventTypes as T, type NormalizedEvent} from '../../src/events/types.js'
import {anydesk, ev, evtx, HOST, SC_A, SC_B, scLog} from './case-builder.js'

/**
 * The sector alert's sequence on one server, hand-built per EVENT-CONVENTIONS.md:
 * ScreenConnect session → file transfer (text.xml) → command (+ run.cmd) → AnyDesk service installed and
 * unattended password set → account created and added to Administrators → SC disconnect → AnyDesk session
 * from an IOC address → a second ScreenConnect instance installed → Security log cleared.
 * Plus what must NOT be part of the story: a local admin creating an account days earlier, a routine
 * vendor session with nothing inside, an RDP session by IT.
 */
export function alertCaseEvents(): NormalizedEvent[] {
  const D = '2023-10-28T'
  const SEC = 'Security'
  const SYS = 'System'
  const SECP = 'Microsoft-Windows-Security-Auditing'
  const imagePathA = `"C:\\Program Files (x86)\\ScreenConnect Client (${SC_A})\\ScreenConnect.ClientService.exe" "?e=Access&y=Guest&h=rs.tdsclinical.com&p=8041&s=a922f424-3ea9-41da-8b4a-1dfd978702f8&k=BgIAAACkAABSU0ExAAgAAAEAAQ"`
  const imagePathB = `"C:\\Program Files (x86)\\ScreenConnect Client (${SC_B})\\ScreenConnect.ClientService.exe" "?e=Access&y=Guest&h=relay.attacker-cloud.net&p=443&s=0b7e1a2c-1111-2222-3333-444455556666&k=QUFBQUFB"`
  return [
    // launch parameters of the vendor's instance (system.config, file mtime)
    ev({at: '2023-09-01T08:00:00Z', type: T.REMOTE_RELAY, source: 'ScreenConnect', member: `files/C/Program Files (x86)/ScreenConnect Client (${SC_A})/system.config`, desc: 'File Modified',
      message: `ScreenConnect instance ${SC_A} relays through rs.tdsclinical.com:8041`,
      attributes: {tool: 'ScreenConnect', instance: SC_A, relay_host: 'rs.tdsclinical.com', relay_port: 8041, key_sha256: 'c'.repeat(64)}}),
    // decoy: a local administrator creates an account, nobody connected remotely
    evtx('2023-10-20T09:00:00Z', T.ACCOUNT_CREATED, SEC, SECP, 4720, 'A user account was created: pharmacist2 (by admin)', {user: 'pharmacist2'}, {TargetUserName: 'pharmacist2', SubjectUserName: 'admin', subject_user: 'admin', target_domain: HOST, target_sid: 'S-1-5-21-1-2-3-1010'}),
    // routine vendor session, nothing inside
    scLog('2023-10-25T10:00:00Z', T.REMOTE_SESSION_START, 100, 'TDS Support Connected', SC_A, {user: 'TDS Support'}, {operator: 'TDS Support'}),
    scLog('2023-10-25T10:30:00Z', T.REMOTE_SESSION_END, 101, 'TDS Support Disconnected', SC_A, {user: 'TDS Support'}, {operator: 'TDS Support'}),
    // IT's RDP session: 1149 → 4624 type 10 → 21 → 24
    evtx('2023-10-26T08:00:00Z', T.LOGON_RDP_AUTH, 'Microsoft-Windows-TerminalServices-RemoteConnectionManager/Operational', 'Microsoft-Windows-TerminalServices-RemoteConnectionManager', 1149, 'RDP authentication succeeded: it-admin from 10.0.0.5', {user: 'it-admin', src_ip: '10.0.0.5'}, {tool: 'RDP', domain: 'PHARM', Param1: 'it-admin', Param2: 'PHARM', Param3: '10.0.0.5'}),
    evtx('2023-10-26T08:00:02Z', T.LOGON_SUCCESS, SEC, SECP, 4624, 'An account was successfully logged on: it-admin (RemoteInteractive) from 10.0.0.5', {user: 'it-admin', src_ip: '10.0.0.5', src_port: 50123}, {logon_type: 10, logon_type_name: 'RemoteInteractive', TargetUserName: 'it-admin', AuthenticationPackageName: 'Negotiate'}),
    evtx('2023-10-26T08:00:03Z', T.LOGON_RDP, 'Microsoft-Windows-TerminalServices-LocalSessionManager/Operational', 'Microsoft-Windows-TerminalServices-LocalSessionManager', 21, 'Remote Desktop session logon: PHARM\\it-admin from 10.0.0.5', {user: 'PHARM\\it-admin', src_ip: '10.0.0.5'}, {tool: 'RDP', session_id: '2', User: 'PHARM\\it-admin', Address: '10.0.0.5'}),
    evtx('2023-10-26T08:45:00Z', T.LOGON_RDP_DISCONNECT, 'Microsoft-Windows-TerminalServices-LocalSessionManager/Operational', 'Microsoft-Windows-TerminalServices-LocalSessionManager', 24, 'Remote Desktop session disconnected: PHARM\\it-admin', {user: 'PHARM\\it-admin', src_ip: '10.0.0.5'}, {tool: 'RDP', session_id: '2'}),
    // 1. the intruder's ScreenConnect session through the vendor's instance
    scLog(`${D}14:00:00Z`, T.REMOTE_SESSION_START, 100, 'ops Connected', SC_A, {user: 'ops'}, {operator: 'ops'}),
    // 2. file transfer of the payload
    scLog(`${D}14:05:00Z`, T.REMOTE_FILE_TRANSFER, 201, "Transferred files with action 'Transfer': text.xml", SC_A, {file_name: 'text.xml'}, {action: 'Transfer'}),
    // 3. a command, and the run.cmd it left
    scLog(`${D}14:07:00Z`, T.REMOTE_COMMAND, 200, 'Executed command of length: 861', SC_A, {}, {command_length: 861}),
    evtx(`${D}14:07:01Z`, T.PROCESS_CREATED, SEC, SECP, 4688, 'A new process has been created: cmd.exe', {process: 'C:\\Windows\\System32\\cmd.exe', command_line: 'cmd.exe /c "C:\\Windows\\Temp\\ScreenConnect\\23.9.8.8811\\8f7c2a1e-4d4b-4e1a-9a55-0c5d3f1e2b7arun.cmd"', user: 'SYSTEM'},
      {parent_process: `C:\\Program Files (x86)\\ScreenConnect Client (${SC_A})\\ScreenConnect.ClientService.exe`}),
    // 4. AnyDesk installed as a service, unattended password configured
    evtx(`${D}14:10:00Z`, T.SERVICE_INSTALLED, SYS, 'Service Control Manager', 7045, 'A service was installed: AnyDesk Service', {process: '"C:\\Program Files (x86)\\AnyDesk\\AnyDesk.exe" --service'},
      {tool: 'AnyDesk', service_name: 'AnyDesk Service', image_path: '"C:\\Program Files (x86)\\AnyDesk\\AnyDesk.exe" --service', start_type: 'auto start', account: 'LocalSystem', ServiceName: 'AnyDesk Service', ImagePath: '"C:\\Program Files (x86)\\AnyDesk\\AnyDesk.exe" --service'}),
    ev({at: `${D}14:10:30Z`, type: T.REMOTE_CONFIG, source: 'AnyDesk', member: 'files/C/ProgramData/AnyDesk/service.conf', desc: 'File Modified', message: 'AnyDesk unattended-access password is set in service.conf',
      attributes: {tool: 'AnyDesk', unattended_password_set: true}}),
    // 5. account created and added to Administrators
    evtx(`${D}14:12:00Z`, T.ACCOUNT_CREATED, SEC, SECP, 4720, 'A user account was created: sqlbackup', {user: 'sqlbackup'}, {TargetUserName: 'sqlbackup', SubjectUserName: `${HOST}$`, subject_user: `${HOST}$`, target_domain: HOST, target_sid: 'S-1-5-21-1-2-3-1011'}),
    evtx(`${D}14:12:05Z`, T.ACCOUNT_GROUP_MEMBER_ADDED, SEC, SECP, 4732, 'A member was added to a security-enabled local group: sqlbackup → Administrators', {user: 'sqlbackup'},
      {member_name: 'sqlbackup', member_sid: 'S-1-5-21-1-2-3-1011', group_name: 'Administrators', group_sid: 'S-1-5-32-544', privileged_group: true, subject_user: `${HOST}$`}),
    scLog(`${D}14:20:00Z`, T.REMOTE_SESSION_END, 101, 'ops Disconnected', SC_A, {user: 'ops'}, {operator: 'ops'}),
    // 6. AnyDesk session from an IOC address
    anydesk(`${D}14:25:01.100Z`, T.REMOTE_PEER_ADDRESS, 'Logged in from 203.0.113.66:51515 on relay 80e496c0.', {src_ip: '203.0.113.66', src_port: 51515}, {relay: '80e496c0'}),
    anydesk(`${D}14:25:01.200Z`, T.REMOTE_PEER_ID, 'Client-ID: 442226597 (FPR: 8e28a2a25b30).', {remote_id: '442226597'}, {fingerprint: '8e28a2a25b30'}),
    anydesk(`${D}14:25:01.300Z`, T.REMOTE_SESSION_REQUEST, 'Incoming session request: Richard Beard (442226597)', {remote_id: '442226597'}, {alias: 'Richard Beard'}),
    anydesk(`${D}14:25:03.000Z`, T.REMOTE_AUTH, 'Authenticated by password.', {}, {auth_method: 'password'}),
    anydesk(`${D}14:40:00.000Z`, T.REMOTE_SESSION_END, 'Session stopped.'),
    ev({at: `${D}14:25:00Z`, type: T.REMOTE_SESSION_START, source: 'AnyDesk', member: 'files/C/ProgramData/AnyDesk/connection_trace.txt', line: 1, desc: 'Connection Start', message: 'Incoming AnyDesk connection from 442226597 (Passwd)',
      fields: {remote_id: '442226597'}, attributes: {tool: 'AnyDesk', auth_method: 'Passwd', raw_line: 'Incoming    2023-10-28, 14:25    Passwd    442226597    442226597'}}),
    // 7. a second ScreenConnect instance, pointing at another relay
    evtx(`${D}14:45:00Z`, T.SERVICE_INSTALLED, SYS, 'Service Control Manager', 7045, `A service was installed: ScreenConnect Client (${SC_B})`, {process: imagePathB},
      {tool: 'ScreenConnect', service_name: `ScreenConnect Client (${SC_B})`, image_path: imagePathB, start_type: 'auto start', account: 'LocalSystem', instance: SC_B, relay_host: 'relay.attacker-cloud.net', relay_port: 443, session_guid: '0b7e1a2c-1111-2222-3333-444455556666'}),
    // 8. Security log cleared
    evtx(`${D}14:50:00Z`, T.LOG_CLEARED, SEC, 'Microsoft-Windows-Eventlog', 1102, 'The audit log was cleared by sqlbackup', {user: 'sqlbackup'}, {cleared_channel: 'Security', SubjectUserName: 'sqlbackup'}),
    // noise that must stay quiet
    evtx(`${D}13:00:00Z`, T.EVTX_GENERIC, SYS, 'Microsoft-Windows-Kernel-General', 16, 'Microsoft-Windows-Kernel-General 16', {}, {}),
    evtx(`${D}14:06:00Z`, T.NETWORK_CONNECTION, 'Microsoft-Windows-Sysmon/Operational', 'Microsoft-Windows-Sysmon', 3, 'Network connection: svchost.exe 10.0.0.20:50000 -> 10.0.0.1:53', {src_ip: '10.0.0.20', src_port: 50000, dst_ip: '10.0.0.1', dst_port: 53, process: 'C:\\Windows\\System32\\svchost.exe'}),
    // imagePathA unused on purpose by events above: keep it for the service-exists snapshot
    ev({at: '2023-10-29T09:00:00Z', type: T.SERVICE_EXISTS, source: 'Volatile', member: 'volatile/windows.services/stdout.txt', desc: 'Captured', message: `Service ScreenConnect Client (${SC_A}) exists`,
      attributes: {tool: 'ScreenConnect', service_name: `ScreenConnect Client (${SC_A})`, image_path: imagePathA, start_type: 'auto', state: 'running'}}),
  ]
}
