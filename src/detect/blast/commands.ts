import type {ReasonCode} from './types.js'

/**
 * What a queued command does, in plain language, and whether it is one of the intrusion patterns the sector
 * alert describes. Patterns are matched on the command text as queued (ScreenConnect stores it verbatim).
 */

interface Pattern {
  code: ReasonCode | null
  re: RegExp
  meaning: string
  attack: string[]
}

const PATTERNS: Pattern[] = [
  {code: 'account_command', re: /\bnet1?(?:\.exe)?\s+localgroup\s+"?administrators"?\s+\S+.*\/add\b/i, meaning: 'adds an account to the local Administrators group', attack: ['T1098']},
  {code: 'account_command', re: /\bnet1?(?:\.exe)?\s+user\s+\S+.*\/add\b/i, meaning: 'creates a local user account', attack: ['T1136.001']},
  {code: 'remote_tool_command', re: /--set-password\b/i, meaning: 'sets an unattended-access password on a remote-access tool', attack: ['T1219']},
  {code: 'remote_tool_command', re: /(?:anydesk|screenconnect|connectwise|teamviewer|atera|splashtop|rustdesk)[^\r\n]*--install\b|--install\b[^\r\n]*--start-with-win/i, meaning: 'installs a remote-access tool', attack: ['T1219']},
  {code: 'payload_loader', re: /\bmsbuild(?:\.exe)?"?\s+"?[a-z]:\\users\\[^\r\n]+/i, meaning: 'builds and runs code from a file in a user folder with MSBuild (a known way to load malware)', attack: ['T1127.001']},
  {code: 'recon_command', re: /\bnltest(?:\.exe)?\b/i, meaning: 'asks which domain controllers and trusts exist', attack: ['T1482']},
  {code: 'recon_command', re: /\bnet1?(?:\.exe)?\s+group\b[^\r\n]*\/domain\b/i, meaning: 'lists domain groups and their members', attack: ['T1069.002']},
  {code: 'recon_command', re: /\bnet1?(?:\.exe)?\s+user\b[^\r\n]*\/domain\b/i, meaning: 'lists domain user accounts', attack: ['T1087.002']},
  {code: 'recon_command', re: /\bwhoami(?:\.exe)?\b/i, meaning: 'asks which account and privileges it runs as', attack: ['T1033']},
  {code: null, re: /\bipconfig\b/i, meaning: 'shows the network configuration', attack: []},
  {code: null, re: /\b(?:sc(?:\.exe)?\s+query|tasklist|get-service|get-process)\b/i, meaning: 'lists services or processes', attack: []},
  {code: null, re: /\b(?:wmic\s+qfe|get-hotfix|systeminfo)\b/i, meaning: 'lists installed updates or system details', attack: []},
  {code: null, re: /\b(?:shutdown|restart-computer)\b/i, meaning: 'restarts the computer', attack: []},
  {code: null, re: /\b(?:net\s+(?:stop|start)|restart-service)\b/i, meaning: 'stops or starts a service', attack: []},
  {code: null, re: /\bmsiexec\b/i, meaning: 'installs or updates software with Windows Installer', attack: []},
  {code: null, re: /\b(?:dir|get-childitem|type|get-content)\b/i, meaning: 'lists or reads files', attack: []},
]

export interface CommandClass {
  /** Every suspicious pattern the text matches (a command line can chain several). */
  codes: ReasonCode[]
  meanings: string[]
  attack: string[]
}

export function classifyCommand(text: string): CommandClass {
  const codes = new Set<ReasonCode>()
  const meanings: string[] = []
  const attack = new Set<string>()
  for (const p of PATTERNS) {
    if (!p.re.test(text)) continue
    if (p.code) codes.add(p.code)
    if (!meanings.includes(p.meaning)) meanings.push(p.meaning)
    for (const a of p.attack) attack.add(a)
  }
  return {codes: [...codes], meanings, attack: [...attack].sort()}
}

export function plainMeaning(text: string): string {
  const c = classifyCommand(text)
  if (c.meanings.length === 0) return 'runs a command (not one of the recognised patterns; read the text)'
  return c.meanings.join('; ')
}

/**
 * ScreenConnect stores a command's output text but no exit code: a command counts as failed when its output
 * carries Windows' own failure wording. Documented heuristic; the raw output is always kept beside it.
 */
const FAILURE = /\b(?:access is denied|is not recognized as an internal or external command|system error \d+ has occurred|the syntax of the command is incorrect|the system cannot find|could not be found|cannot find|not found|failed|failure|exit code [1-9]\d*|error:|exception)\b/i

export function outputFailed(output: string): boolean {
  return FAILURE.test(output)
}
