import type {Readable} from 'node:stream'
import type {Diagnostic} from '../core/diagnostics.js'
import type {NormalizedEvent} from '../events/types.js'
import type {SerializedEvents} from './serialized.js'

/**
 * The interface every artefact parser plugs into `ratchet analyze` through. A plugin couples a pure parser
 * (src/parsers/<format>/, bytes/text → native records + diagnostics) with a mapper (native → normalized
 * events). The analyze driver does all I/O: it finds files, opens them read-only, hashes them, and hands
 * the plugin a stream or a buffer plus the context below.
 */
export interface ParseContext {
  /** Archive member path (or path relative to a directory source), forward slashes. */
  member: string
  /** SHA-256 of the member (from the manifest, or computed by the driver for directory sources). */
  sha256: string
  /** Artefact id the file belongs to (from the manifest; guessed from the path for a mounted image). */
  artefact: string
  /** Host name, if known (manifest host facts or the EVTX Computer field). */
  host?: string
  /** The host's IANA time zone (from the manifest) for sources that write local time; undefined if unknown. */
  hostTimeZone?: string
  /** Original path on the source (`C:\Users\...`), when known. */
  originalPath?: string
  /** Sibling files (e.g. Session.db-wal next to Session.db): member path → absolute temp path to read. */
  siblings?: Record<string, string>
  /** Absolute path of a private, read-only-by-convention copy of the file, for parsers that need random access. */
  localPath: string
  /** Set when the evidence failed verification and the analyst chose --allow-unverified. */
  unverified: boolean
  /** Modification time of the original file (ISO UTC, manifest MACB or file system), when known. */
  mtime?: string
  /** Size in bytes of the file, when known before reading (lets a parser refuse oversized input early). */
  size?: number
  /** Threads a parser may use (default: available cores; the standalone executable uses one). */
  threads?: number
  /** $MFT: map every file of the volume, not only the interesting folders (analyze --mft-all-files). */
  mftAllFiles?: boolean
  /** What a plugin keeps for the whole run (e.g. warm worker threads), when the caller is a multi-file run. */
  resources?: RunResources
}

/**
 * Resources shared by all the files of one analyze run: made on first use, ended by the driver when the
 * run ends however it ends (success, error, abort).
 */
export interface RunResources {
  get<T>(key: string, make: () => T, end: (t: T) => Promise<void>): T
}

export interface ParseOutput {
  events: AsyncIterable<NormalizedEvent> | Iterable<NormalizedEvent>
  /**
   * Optional faster form of `events` (consume one or the other, never both): events, or batches already
   * serialized (by worker threads) with their sort keys. A pre-serialized line must be exactly
   * `JSON.stringify` of the event `events` would yield, `unverified` included when the context says so.
   */
  serialized?: AsyncIterable<NormalizedEvent | SerializedEvents>
  /** Filled while `events` is consumed; read it after iteration. */
  diagnostics: Diagnostic[]
}

export interface ArtefactParserPlugin {
  /** Parser name as used in artefact definitions' `parsers:` lists (e.g. `anydesk.trace`). */
  name: string
  /** Bumped when output changes; recorded in analysis.json. */
  version: string
  /**
   * Whether this plugin reads the file at `member` (forward-slash path, case preserved). Used for mounted
   * images and extracted collections alike, so match on file names / folder shapes, case-insensitively.
   */
  accepts(member: string): boolean
  /** Files this plugin needs beside the main one (e.g. `-wal`, `-shm`); the driver provides them. */
  siblings?(member: string): string[]
  /**
   * The driver may start parsing the next file (pull its first events) while this one's last events are
   * still being consumed, so that threads do not idle between files. A plugin that says so reads only
   * ctx.localPath, keeps its memory bounded while nobody consumes, and releases everything on return().
   */
  readAhead?: boolean
  parse(input: Readable, ctx: ParseContext): ParseOutput
}
