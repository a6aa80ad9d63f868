import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import * as YAML from 'yaml'
import {z} from 'zod'
import {defaultArtefactsDir} from '../../artefacts/load.js'
import {RatchetError} from '../../core/errors.js'
import type {SigmaLogsource} from './types.js'
import {CompileError} from './values.js'

/**
 * The logsource mapping (artefacts/sigma/logsources.yaml): which records a rule's `logsource` selects, and
 * the field renames that let one rule read Sysmon and built-in events alike. Data, not code: the schema is
 * here, the facts are in the YAML.
 */

const Target = z
  .object({
    channel: z.string().min(1),
    event_ids: z.array(z.number().int().nonnegative()).min(1).optional(),
    fields: z.record(z.string(), z.string()).optional(),
    conditions: z.record(z.string(), z.union([z.string(), z.array(z.string())])).optional(),
  })
  .strict()

export const LogsourceMapSchema = z
  .object({
    version: z.literal(1),
    windows: z
      .object({
        services: z.record(z.string().regex(/^[a-z0-9-]+$/), z.array(z.string().min(1)).min(1)),
        categories: z.record(z.string().regex(/^[a-z0-9_]+$/), z.array(Target).min(1)),
        unavailable: z.record(z.string(), z.string().min(10)).default({}),
      })
      .strict(),
    ratchet: z.object({services: z.array(z.string().regex(/^[a-z0-9_-]+$/)).min(1)}).strict(),
  })
  .strict()

export type LogsourceMap = z.infer<typeof LogsourceMapSchema>

/** One set of records a rule runs over, with the renames that apply there. */
export interface LogsourceTarget {
  product: 'windows' | 'ratchet'
  /** Index keys: lower-cased channel names (windows) or source families (ratchet); `*` = every one. */
  keys: string[]
  /** Event ids the target is limited to (null: any). */
  eventIds: number[] | null
  /** Sigma field → record field. */
  fields: Record<string, string>
  /** Extra field tests (all must hold). */
  conditions: Record<string, string[]>
}

export function parseLogsourceMap(text: string, path = 'logsources.yaml'): LogsourceMap {
  const r = LogsourceMapSchema.safeParse(YAML.parse(text))
  if (!r.success) {
    const i = r.error.issues[0]!
    throw new RatchetError('E_ARTEFACT_SCHEMA', `${path}: ${i.path.join('.')}: ${i.message}`, {path})
  }
  return r.data
}

let cached: LogsourceMap | undefined
/** The shipped mapping (read once). */
export function defaultLogsourceMap(): LogsourceMap {
  if (!cached) {
    const path = join(defaultArtefactsDir(), 'sigma', 'logsources.yaml')
    cached = parseLogsourceMap(readFileSync(path, 'utf8'), path)
  }
  return cached
}

const lc = (s: string): string => s.toLowerCase()

/** Resolves a rule's logsource to its targets; throws CompileError with the reason when it has none. */
export function resolveLogsource(ls: SigmaLogsource, map: LogsourceMap): LogsourceTarget[] {
  const product = ls.product
  if (product === 'ratchet') {
    if (ls.category) throw new CompileError(`product: ratchet has no categories (got '${ls.category}'); filter on event_type`)
    if (ls.service && !map.ratchet.services.includes(ls.service)) throw new CompileError(`product: ratchet has no service '${ls.service}'`)
    return [{product: 'ratchet', keys: [ls.service ?? '*'], eventIds: null, fields: {}, conditions: {}}]
  }
  if (product !== undefined && product !== 'windows') throw new CompileError(`logsource product '${product}' is not read by ratchet (windows and ratchet are)`)
  if (product === undefined && !ls.category && !ls.service) throw new CompileError('logsource names no product, category or service')
  const w = map.windows
  let serviceChannels: string[] | null = null
  if (ls.service) {
    const chans = w.services[ls.service]
    if (!chans) throw new CompileError(`logsource service '${ls.service}' has no channel in artefacts/sigma/logsources.yaml`)
    serviceChannels = chans.map(lc)
  }
  if (ls.category) {
    const why = w.unavailable[ls.category]
    if (why) throw new CompileError(`logsource category '${ls.category}': ${why}`)
    const targets = w.categories[ls.category]
    if (!targets) throw new CompileError(`logsource category '${ls.category}' has no mapping in artefacts/sigma/logsources.yaml`)
    const out = targets
      .filter((t) => !serviceChannels || serviceChannels.includes(lc(t.channel)))
      .map((t) => ({
        product: 'windows' as const,
        keys: [lc(t.channel)],
        eventIds: t.event_ids ?? null,
        fields: t.fields ?? {},
        conditions: Object.fromEntries(Object.entries(t.conditions ?? {}).map(([k, v]) => [k, Array.isArray(v) ? v : [v]])),
      }))
    if (out.length === 0) throw new CompileError(`logsource category '${ls.category}' and service '${ls.service}' select no channel`)
    return out
  }
  return [{product: 'windows', keys: serviceChannels ?? ['*'], eventIds: null, fields: {}, conditions: {}}]
}
