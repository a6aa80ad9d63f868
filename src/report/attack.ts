/**
 * Names of the ATT&CK techniques ratchet's rules cite, so a reader who has never heard of ATT&CK sees
 * "Create Account: Local Account" and not only "T1136.001". Unknown ids are shown as the bare id.
 */
const NAMES: Record<string, string> = {
  T1021: 'Remote Services',
  'T1021.001': 'Remote Services: Remote Desktop Protocol',
  T1041: 'Exfiltration Over C2 Channel',
  T1048: 'Exfiltration Over Alternative Protocol',
  T1059: 'Command and Scripting Interpreter',
  'T1059.001': 'Command and Scripting Interpreter: PowerShell',
  'T1059.003': 'Command and Scripting Interpreter: Windows Command Shell',
  T1070: 'Indicator Removal',
  'T1070.001': 'Indicator Removal: Clear Windows Event Logs',
  T1078: 'Valid Accounts',
  'T1078.003': 'Valid Accounts: Local Accounts',
  T1098: 'Account Manipulation',
  T1105: 'Ingress Tool Transfer',
  T1110: 'Brute Force',
  T1133: 'External Remote Services',
  T1136: 'Create Account',
  'T1136.001': 'Create Account: Local Account',
  T1189: 'Drive-by Compromise',
  T1190: 'Exploit Public-Facing Application',
  T1199: 'Trusted Relationship',
  T1219: 'Remote Access Software',
  T1543: 'Create or Modify System Process',
  'T1543.003': 'Create or Modify System Process: Windows Service',
  T1562: 'Impair Defenses',
  T1569: 'System Services',
  'T1569.002': 'System Services: Service Execution',
  T1570: 'Lateral Tool Transfer',
  T1071: 'Application Layer Protocol',
  T1018: 'Remote System Discovery',
  T1003: 'OS Credential Dumping',
  'T1021.002': 'Remote Services: SMB/Windows Admin Shares',
  T1036: 'Masquerading',
  'T1036.005': 'Masquerading: Match Legitimate Name or Location',
  T1047: 'Windows Management Instrumentation',
  'T1053.005': 'Scheduled Task/Job: Scheduled Task',
  T1112: 'Modify Registry',
  'T1547.001': 'Boot or Logon Autostart Execution: Registry Run Keys / Startup Folder',
  'T1562.001': 'Impair Defenses: Disable or Modify Tools',
  T1005: 'Data from Local System',
  T1560: 'Archive Collected Data',
  T1567: 'Exfiltration Over Web Service',
  T1057: 'Process Discovery',
  T1082: 'System Information Discovery',
}

export interface AttackView {
  id: string
  name: string
  /** Only set for a well-formed technique id; the URL is built here, never taken from input. */
  url: string | null
}

export function attackView(id: string): AttackView {
  const m = /^T(\d{4})(?:\.(\d{3}))?$/.exec(id)
  return {
    id,
    name: NAMES[id] ?? '',
    url: m ? `https://attack.mitre.org/techniques/T${m[1]}/${m[2] ? `${m[2]}/` : ''}` : null,
  }
}
