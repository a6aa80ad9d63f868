import {randomBytes} from 'node:crypto'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import type {CommandRunner} from './command-runner.js'

/**
 * Live Windows event logs are held open by the EventLog service, so a plain read can fail with a sharing
 * violation. `wevtutil epl <channel> <file>` asks the service for a consistent export instead. The channel
 * name is the file name with `%4` standing for `/` (`Microsoft-Windows-TerminalServices-LocalSessionManager%4Operational.evtx`).
 */
export function channelFromEvtxName(fileName: string): string {
  return fileName.replace(/\.evtx$/i, '').replace(/%4/g, '/')
}

/** Open errors that mean "someone holds this file", as Node reports a Windows sharing violation. */
export function isLockedError(code: string | undefined): boolean {
  return code === 'EBUSY' || code === 'EPERM' || code === 'EACCES'
}

export interface ExportOutcome {
  ok: boolean
  /** Temporary file holding the export (caller reads then deletes it). */
  tempPath: string
  argv: string[]
  detail: string
}

export async function exportEventLog(runner: CommandRunner, fileName: string, tempDir = tmpdir()): Promise<ExportOutcome> {
  const channel = channelFromEvtxName(fileName)
  const tempPath = join(tempDir, `ratchet-epl-${randomBytes(8).toString('hex')}.evtx`)
  const argv = ['wevtutil', 'epl', channel, tempPath]
  const r = await runner('wevtutil', argv.slice(1), {timeoutMs: 300_000})
  if (r.exitCode === 0 && !r.timedOut) return {ok: true, tempPath, argv, detail: `exported channel ${channel} with wevtutil epl`}
  const why = r.timedOut ? 'timed out' : `exit ${r.exitCode}: ${r.stderr.trim().slice(0, 300)}`
  return {ok: false, tempPath, argv, detail: `wevtutil epl ${channel} failed (${why})`}
}
