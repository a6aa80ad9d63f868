import type {EvidenceSink} from '../sink.js'
import type {ProcessRecord} from '../../parsers/volatile/records.js'
import {errorMessage} from '../../core/errors.js'
import type {CommandRunner} from './runner.js'

/**
 * Executables of running remote-access tools, and of anything running from a temp or ProgramData folder, are
 * copied into the archive at `volatile/executables/<pid>-<name>` (hashed on the way like every member).
 *
 * Why a copy and not only hashes: the analyst needs the binary itself to check its signature, submit it to a
 * sandbox or compare builds, and a tool dropped by the intruder may be deleted (or the host reimaged) before
 * anyone asks. These files are few and small (AnyDesk ~5 MB, ScreenConnect client well under that), and
 * MAX_EXECUTABLE_BYTES bounds the worst case. The same file run by several processes is stored once; the
 * other processes get a manifest item pointing to it.
 */
export const MAX_EXECUTABLE_BYTES = 256 * 1024 * 1024

export type RemoteTool = 'AnyDesk' | 'ScreenConnect' | 'TeamViewer'

const TOOL_PATTERNS: [RegExp, RemoteTool][] = [
  [/anydesk/i, 'AnyDesk'],
  [/screenconnect|connectwise ?control/i, 'ScreenConnect'],
  [/teamviewer|\btv_(?:w32|x64)\b/i, 'TeamViewer'],
]

/** The remote-access tool a process image or service image path names, if any. */
export function remoteToolOf(...texts: (string | undefined)[]): RemoteTool | undefined {
  for (const t of texts) {
    if (!t) continue
    for (const [re, tool] of TOOL_PATTERNS) if (re.test(t)) return tool
  }
  return undefined
}

/** Temp and ProgramData folders (Windows, any drive) and world-writable temp folders on Linux. */
const SUSPICIOUS_DIRS = [
  /^[a-z]:\\(?:windows\\)?te?mp\\/i,
  /\\appdata\\local\\temp\\/i,
  /^[a-z]:\\programdata\\/i,
  /^\/(?:tmp|var\/tmp|dev\/shm)\//,
]

export interface ExecutableCandidate {
  pid: number
  name: string
  path?: string
  why: string
}

/** Which running processes to hash, in pid order (deterministic). Pure. */
export function selectExecutables(procs: ProcessRecord[], paths: Map<number, string>): ExecutableCandidate[] {
  const out: ExecutableCandidate[] = []
  for (const p of [...procs].sort((a, b) => a.pid - b.pid)) {
    const path = p.path ?? paths.get(p.pid)
    const tool = remoteToolOf(p.name, path)
    const dir = path ? SUSPICIOUS_DIRS.find((re) => re.test(path.replace(/ \(deleted\)$/, ''))) : undefined
    if (!tool && !dir) continue
    out.push({pid: p.pid, name: p.name, path, why: tool ? `remote-access tool ${tool}` : 'runs from a temp or ProgramData folder'})
  }
  return out
}

export interface ExecutableResult {
  pid: number
  name: string
  path?: string
  why: string
  status: 'collected' | 'duplicate' | 'skipped' | 'error'
  archive_path?: string
  sha256?: string
  reason?: string
}

function safeName(s: string): string {
  const n = s.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_').slice(0, 100)
  return n || 'unnamed'
}

export async function hashExecutables(
  cands: ExecutableCandidate[],
  runner: CommandRunner,
  sink: EvidenceSink,
  artefact: string,
  os: 'windows' | 'linux',
): Promise<ExecutableResult[]> {
  const results: ExecutableResult[] = []
  const byPath = new Map<string, ExecutableResult>()
  for (const c of cands) {
    const base = {pid: c.pid, name: c.name, path: c.path, why: c.why}
    const note = `executable of running process ${c.pid} (${c.name}): ${c.why}`
    const prev = c.path && !c.path.endsWith(' (deleted)') ? byPath.get(c.path) : undefined
    if (prev?.archive_path && prev.sha256) {
      results.push({...base, status: 'duplicate', archive_path: prev.archive_path, sha256: prev.sha256})
      sink.record({original_path: c.path!, artefact, kind: 'file', read_method: 'not-read', status: 'skipped', reason: `DUPLICATE: same file as process ${prev.pid}, stored at ${prev.archive_path} (sha256 ${prev.sha256})`, note})
      continue
    }
    if (!runner.openExecutable) {
      results.push({...base, status: 'skipped', reason: 'NOT_SUPPORTED: this runner cannot open executables'})
      sink.record({original_path: c.path ?? `pid ${c.pid}`, artefact, kind: 'file', read_method: 'not-read', status: 'skipped', reason: 'NOT_SUPPORTED: this runner cannot open executables', note})
      continue
    }
    const opened = await runner.openExecutable({pid: c.pid, path: c.path})
    const original = opened.path ?? c.path ?? `pid ${c.pid}`
    if (!opened.ok) {
      results.push({...base, path: opened.path ?? c.path, status: 'error', reason: opened.reason})
      sink.record({original_path: original, artefact, kind: 'file', read_method: 'not-read', status: 'error', reason: opened.reason, note})
      sink.log({level: 'warn', event: 'volatile.executable', message: `could not read executable of process ${c.pid}: ${opened.reason}`, pid: c.pid})
      continue
    }
    if (opened.size !== undefined && opened.size > MAX_EXECUTABLE_BYTES) {
      opened.stream.destroy()
      const reason = `SIZE_CAP: ${opened.size} bytes is over ${MAX_EXECUTABLE_BYTES}`
      results.push({...base, path: opened.path, status: 'skipped', reason})
      sink.record({original_path: opened.path, artefact, kind: 'file', size: opened.size, read_method: 'not-read', status: 'skipped', reason, note})
      continue
    }
    const archivePath = `volatile/executables/${c.pid}-${safeName(c.name)}`
    try {
      const {hashes, size} = await sink.addStream(archivePath, opened.stream)
      const r: ExecutableResult = {...base, path: opened.path, status: 'collected', archive_path: archivePath, sha256: hashes.sha256}
      results.push(r)
      if (!opened.path.endsWith(' (deleted)')) byPath.set(opened.path, r)
      sink.record({original_path: opened.path, archive_path: archivePath, artefact, kind: 'file', size, hashes, read_method: 'read', status: 'collected', note: os === 'linux' ? `${note}; read through /proc/${c.pid}/exe` : note})
    } catch (e) {
      opened.stream.destroy()
      const reason = `READ_FAILED: ${errorMessage(e)}`
      results.push({...base, path: opened.path, status: 'error', reason})
      sink.record({original_path: opened.path, artefact, kind: 'file', read_method: 'read', status: 'error', reason, note})
    }
  }
  return results
}
