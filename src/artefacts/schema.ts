import {z} from 'zod'

/**
 * Schema of one artefact definition (artefacts/<os>/<area>/<name>.yaml). The id must equal the path
 * (`artefacts/windows/remote-access/anydesk.yaml` → `windows.remote-access.anydesk`); the loader checks that.
 *
 * Paths are written the way the target OS writes them (`%ProgramData%\AnyDesk\*.trace`, `/var/log/auth.log*`)
 * and resolved against the source by src/artefacts/expand.ts (case-insensitively for Windows sources).
 */

const parserName = z.string().regex(/^[a-z0-9][a-z0-9.-]*$/, 'parser names are lower-case dotted words')

export const FileSourceSchema = z
  .object({
    collector: z.literal('file'),
    /** Paths or globs (`*`, `**`, `?`). Windows paths may use %SystemRoot%, %ProgramData%, %UserProfile%… */
    paths: z.array(z.string().min(1)).min(1),
    /** How deep `**` (and `recursive: true`) may descend below the first wildcard. */
    max_depth: z.number().int().min(0).max(64).default(8),
    /** Collect whole directory trees below matched directories. */
    recursive: z.boolean().default(false),
    /** Larger files are recorded as skipped (SIZE_CAP) rather than read. */
    max_size: z.number().int().positive().default(2 * 1024 * 1024 * 1024),
    /** Parsers that apply to the collected files (see src/analyze/registry.ts). */
    parsers: z.array(parserName).default([]),
    /** How to read a file a live Windows host holds locked: event logs by `wevtutil epl`, HKLM hives by `reg save`. */
    locked_fallback: z.enum(['wevtutil-epl', 'reg-save', 'none']).default('none'),
  })
  .strict()

export const CommandSourceSchema = z
  .object({
    collector: z.literal('command'),
    /** Executable name resolved on PATH (built-in tools only; nothing is dropped on the host). */
    command: z.string().min(1),
    args: z.array(z.string()).default([]),
    /** Tried in order when the primary command is missing or fails (e.g. `tasklist` after CIM). */
    fallbacks: z
      .array(z.object({command: z.string().min(1), args: z.array(z.string()).default([]), parser: parserName.optional()}).strict())
      .default([]),
    timeout_seconds: z.number().positive().max(3600).default(60),
    /** Parser reading stdout into structured records. */
    parser: parserName.optional(),
    /** Order of volatility: lower runs first (RFC 3227). */
    volatility: z.number().int().min(0).max(100).default(50),
  })
  .strict()

export const SourceSchema = z.discriminatedUnion('collector', [FileSourceSchema, CommandSourceSchema])

export const ArtefactSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/, 'ids are dotted lower-case path segments'),
    title: z.string().min(1),
    /** Why a responder wants this: shown by `ratchet artefacts list`. */
    description: z.string().min(20),
    os: z.enum(['windows', 'linux']),
    /** Topics for profile selection and the report (e.g. remote-access, accounts, eventlogs). */
    tags: z.array(z.string()).default([]),
    sources: z.array(SourceSchema).min(1),
    references: z.array(z.string()).default([]),
  })
  .strict()

export type FileSource = z.infer<typeof FileSourceSchema>
export type CommandSource = z.infer<typeof CommandSourceSchema>
export type ArtefactSource = z.infer<typeof SourceSchema>
export type Artefact = z.infer<typeof ArtefactSchema>

export const ProfileSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9-]+$/),
    description: z.string().min(1),
    /** Globs over artefact ids; `!glob` excludes. Applied in order. */
    artefacts: z.array(z.string().min(1)).min(1),
  })
  .strict()

export type Profile = z.infer<typeof ProfileSchema>
