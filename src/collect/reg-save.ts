import {randomBytes} from 'node:crypto'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import type {CommandRunner} from './command-runner.js'
import type {ExportOutcome} from './eventlog-export.js'

/**
 * A running Windows keeps its system hives loaded and opened exclusively, so a plain read fails with a sharing
 * violation. The built-in `reg save HKLM\<hive> <file> /y` asks the configuration manager for a consistent copy
 * (administrator rights and the backup privilege needed). The copy is a clean hive: the changes still pending in
 * the .LOG1/.LOG2 files are in it. Only the four hives loaded under HKLM by name can be saved this way.
 */
const HKLM_HIVES: Record<string, string> = {
  SAM: 'HKLM\\SAM',
  SECURITY: 'HKLM\\SECURITY',
  SYSTEM: 'HKLM\\SYSTEM',
  SOFTWARE: 'HKLM\\SOFTWARE',
}

/** The HKLM key a hive file is loaded as (`SAM` → `HKLM\SAM`), case-insensitively; undefined for anything else. */
export function hklmKeyForHiveFile(fileName: string): string | undefined {
  return HKLM_HIVES[fileName.toUpperCase()]
}

export async function saveHive(runner: CommandRunner, hklmKey: string, tempDir = tmpdir()): Promise<ExportOutcome> {
  const tempPath = join(tempDir, `ratchet-regsave-${randomBytes(8).toString('hex')}.hiv`)
  const argv = ['reg', 'save', hklmKey, tempPath, '/y']
  const r = await runner('reg', argv.slice(1), {timeoutMs: 300_000})
  if (r.exitCode === 0 && !r.timedOut) return {ok: true, tempPath, argv, detail: `saved ${hklmKey} with reg save`}
  const why = r.timedOut ? 'timed out' : `exit ${r.exitCode}: ${(r.stderr || r.stdout).trim().slice(0, 300)}`
  return {ok: false, tempPath, argv, detail: `reg save ${hklmKey} failed (${why})`}
}
