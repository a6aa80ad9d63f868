import type {Hashes} from '../core/hashing.js'

/**
 * manifest.json inside every evidence archive. Versioned by `format`; readers must accept unknown extra
 * fields. A password never appears here (nor anywhere else ratchet writes).
 */
export const MANIFEST_FORMAT = 'ratchet-manifest/1'

export interface MacbTimes {
  /** ISO-8601 UTC (7 fractional digits); null where the file system does not record it. */
  modified: string | null
  accessed: string | null
  /** inode/metadata change (ctime) */
  changed: string | null
  born: string | null
}

export type ItemKind = 'file' | 'directory' | 'symlink' | 'fifo' | 'socket' | 'block-device' | 'char-device' | 'command-output' | 'other'

export type ReadMethod =
  /** plain read-only open and sequential read of the original */
  | 'read'
  /** `wevtutil epl` export because the EventLog service held the file */
  | 'wevtutil-epl'
  /** `reg save HKLM\<hive>` copy because the registry held the hive (SAM, SECURITY, SYSTEM, SOFTWARE) */
  | 'reg-save'
  /** output of a command (volatile capture) */
  | 'command'
  /** derived by ratchet from other captured data (structured JSON renderings) */
  | 'derived'
  /** not read at all (FIFO, device, link out of root, error before open…) */
  | 'not-read'

export type ItemStatus = 'collected' | 'partial' | 'skipped' | 'error'

export interface ManifestItem {
  /** Path on the source as the OS names it (`C:\Windows\...` for a Windows source, `/var/log/...` on Linux). */
  original_path: string
  /** Path inside the archive (`files/C/Windows/...`, `volatile/<artefact>/stdout.txt`); absent when not stored. */
  archive_path?: string
  artefact: string
  kind: ItemKind
  size?: number
  times?: MacbTimes
  /** File mode bits (octal string) and owner, where the source has them. */
  mode?: string
  hashes?: Hashes
  read_method: ReadMethod
  status: ItemStatus
  /** Why an item was skipped or is partial: a stable code + a sentence (`FIFO_NOT_OPENED: …`). */
  reason?: string
  /** OS error code (EACCES…) when reading failed. */
  error?: string
  /** True when the size or mtime changed while the file was being read. */
  changed_during_read?: boolean
  /** For symlinks: the link target as stored (never followed out of the source root). */
  link_target?: string
  /** For command output: the command line, exit code, start/end (UTC) and whether it timed out. */
  command?: {
    argv: string[]
    exit_code: number | null
    signal?: string | null
    started_utc: string
    ended_utc: string
    timed_out: boolean
    stream: 'stdout' | 'stderr' | 'parsed'
  }
  /** Free-form notes (e.g. `executable of running process 1234`). */
  note?: string
}

export interface HostFacts {
  hostname: string | null
  os: string | null
  platform: string | null
  release: string | null
  /** IANA zone (e.g. `America/Chicago`) or Windows zone name; null when unknown (mounted image). */
  time_zone: string | null
  utc_offset_minutes: number | null
  /** The host clock (UTC) when collection started. */
  clock_utc_at_start: string
}

export interface Manifest {
  format: typeof MANIFEST_FORMAT
  case_id: string | null
  examiner: string | null
  tool: {name: 'ratchet'; version: string; command_line: string[]; node: string}
  host: HostFacts
  source: {mode: 'live' | 'image'; root: string; os: 'windows' | 'linux'}
  profile: string | null
  artefacts: string[]
  started_utc: string
  ended_utc: string
  archive: {format: 'zip' | '7z'; encrypted: boolean; encrypted_headers: boolean}
  items: ManifestItem[]
  summary: {
    collected: number
    partial: number
    skipped: number
    errors: number
    bytes: number
    /** Items whose size or mtime changed while they were read (flagged, still collected). */
    changed_during_read?: number
  }
  /**
   * collection.log.jsonl is closed before the manifest is written, so its hash is covered by the manifest
   * (and by a signature of the manifest).
   */
  collection_log?: {archive_path: string; sha256: string; lines: number}
  /** Present when the manifest was signed (`manifest.json.sig`, base64 Ed25519 over manifest.json's bytes). */
  signature?: {algorithm: 'ed25519'; public_key_sha256: string}
  /**
   * Every definition path tried and how many entries it matched: an artefact with no match was looked for
   * and is absent (the report can say "no AnyDesk on this host" instead of "unknown").
   */
  searched?: {artefact: string; pattern: string; matches: number}[]
  /** Problems outside any one item (a failed volatile stage, unreadable directories while walking). */
  stage_errors?: string[]
}
