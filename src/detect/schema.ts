import {z} from 'zod'

/**
 * Schemas of the detection data files: IOC packs (`artefacts/packs/<name>.yaml`) and rules
 * (`artefacts/rules/<id>.yaml`). The file name must equal the pack name / rule id; the loader checks it.
 */

const iocTypeNames = [
  'ip', 'ipv4', 'ipv6', 'cidr', 'domain', 'url', 'sha256', 'sha1', 'md5', 'hash', 'file_name', 'user_name',
  'anydesk_id', 'screenconnect_relay',
] as const

export const PackSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'pack names are lower-case words joined by -'),
    title: z.string().min(1),
    description: z.string().min(20),
    references: z.array(z.string().url()).default([]),
    indicators: z
      .array(
        z
          .object({
            type: z.enum(iocTypeNames),
            /** May be defanged as published (`rs.tdsclinical[.]com`). */
            value: z.string().min(1),
            description: z.string().min(1),
            /** Who published it: every built-in indicator must say where it comes from. */
            source: z.string().min(3),
          })
          .strict(),
      )
      .min(1),
  })
  .strict()
export type Pack = z.infer<typeof PackSchema>

export const ConditionSchema = z
  .object({
    /** Dotted path into the event: `process`, `attributes.image_path`, `evidence.member`. */
    field: z.string().min(1),
    /** All string comparisons are case-insensitive. */
    equals: z.array(z.union([z.string(), z.number(), z.boolean()])).optional(),
    contains: z.array(z.string().min(1)).optional(),
    starts_with: z.array(z.string().min(1)).optional(),
    ends_with: z.array(z.string().min(1)).optional(),
    /** The last path component (after `\` or `/`) is one of these. */
    basename_in: z.array(z.string().min(1)).optional(),
    /** Compiled once per rule, case-insensitive. */
    regex: z.string().min(1).optional(),
    exists: z.boolean().optional(),
    /** Inverts the test (`not contains …`). */
    negate: z.boolean().default(false),
  })
  .strict()
export type Condition = z.infer<typeof ConditionSchema>

export const BUILTINS = [
  'account-change-correlated',
  'account-change-local',
  'hidden-account',
  'multiple-screenconnect-instances',
  'ioc-connection',
  'ioc-hit',
  'sam-account-without-creation-log',
] as const
export type BuiltinName = (typeof BUILTINS)[number]

const entityKinds = z.enum(['accounts', 'addresses', 'tools', 'instances', 'files', 'services', 'commands'])

export const RuleSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
    title: z.string().min(1),
    severity: z.enum(['critical', 'high', 'medium', 'low', 'info']),
    confidence: z.enum(['high', 'medium', 'low']),
    attack: z.array(z.string().regex(/^T\d{4}(\.\d{3})?$/)).default([]),
    /** Plain language for lawyers and leadership: what it is and why it matters. Facts are appended. */
    rationale: z.string().min(40),
    kind: z.enum(['match', 'builtin']),
    builtin: z.enum(BUILTINS).optional(),
    match: z
      .object({
        event_types: z.array(z.string().min(1)).min(1),
        /** Every condition holds … */
        all: z.array(ConditionSchema).default([]),
        /** … and at least one of these (when any are given) … */
        any: z.array(ConditionSchema).default([]),
        /** … and none of these. */
        none: z.array(ConditionSchema).default([]),
      })
      .strict()
      .optional(),
    /** One finding per distinct value of these fields (host is always part of the key). */
    group_by: z.array(z.string().min(1)).default([]),
    entities: z.partialRecord(entityKinds, z.array(z.string().min(1))).default({}),
    /** When true, a finding inside or within the window after a remote session is marked correlated. */
    correlate: z.boolean().default(true),
  })
  .strict()
  .superRefine((r, ctx) => {
    if (r.kind === 'match' && !r.match) ctx.addIssue({code: 'custom', message: 'a match rule needs `match`'})
    if (r.kind === 'builtin' && !r.builtin) ctx.addIssue({code: 'custom', message: 'a builtin rule names its `builtin`'})
  })
export type Rule = z.infer<typeof RuleSchema>
