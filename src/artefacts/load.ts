import {readdir, readFile} from 'node:fs/promises'
import {join, relative, sep} from 'node:path'
import {parseDocument} from 'yaml'
import type {z} from 'zod'
import {RatchetError} from '../core/errors.js'
import {packageRoot} from '../core/version.js'
import {type Artefact, ArtefactSchema, type Profile, ProfileSchema} from './schema.js'

/** One problem in one definition file: the file, the field path and what is wrong. */
export interface DefinitionProblem {
  file: string
  field: string
  message: string
}

export interface LoadedDefinitions {
  artefacts: Artefact[]
  profiles: Profile[]
  problems: DefinitionProblem[]
  /** Absolute path of the artefacts directory read. */
  dir: string
}

/** Default artefacts directory shipped with ratchet. */
export function defaultArtefactsDir(): string {
  return join(packageRoot(), 'artefacts')
}

async function listYaml(dir: string): Promise<string[]> {
  const out: string[] = []
  const walk = async (d: string): Promise<void> => {
    const entries = await readdir(d, {withFileTypes: true})
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    for (const e of entries) {
      const p = join(d, e.name)
      if (e.isDirectory()) await walk(p)
      else if (e.isFile() && /\.ya?ml$/i.test(e.name)) out.push(p)
    }
  }
  await walk(dir)
  return out
}

function zodProblems(file: string, err: z.ZodError): DefinitionProblem[] {
  return err.issues.map((i) => ({file, field: i.path.length ? i.path.join('.') : '(root)', message: i.message}))
}

/**
 * Parses YAML strictly: duplicate keys are errors and alias expansion is bounded (alias bombs), because a
 * definition that silently means something else would silently collect something else.
 */
function parseYaml(file: string, text: string): {value?: unknown; problems: DefinitionProblem[]} {
  const doc = parseDocument(text, {uniqueKeys: true, prettyErrors: false})
  if (doc.errors.length) {
    return {problems: doc.errors.map((e) => ({file, field: '(yaml)', message: e.message.split('\n')[0] ?? e.message}))}
  }
  try {
    return {value: doc.toJS({maxAliasCount: 100}), problems: []}
  } catch (e) {
    return {problems: [{file, field: '(yaml)', message: e instanceof Error ? e.message : String(e)}]}
  }
}

/** The id a definition file must carry: its path below the artefacts dir, dots for separators. */
export function expectedId(dir: string, file: string): string {
  return relative(dir, file)
    .replace(/\.ya?ml$/i, '')
    .split(sep)
    .join('.')
}

/**
 * Loads every artefact definition and profile under `dir`. Problems are collected (file + field), never
 * thrown, so `artefacts validate` can list all of them at once; use `requireValid` to turn them into an error.
 */
/** Folders under artefacts/ that hold other data than artefact definitions. */
const DATA_FOLDERS = ['packs/', 'rules/', 'sigma/']

export async function loadDefinitions(dir: string = defaultArtefactsDir()): Promise<LoadedDefinitions> {
  let files: string[]
  try {
    files = await listYaml(dir)
  } catch (e) {
    throw new RatchetError('E_INPUT_MISSING', `artefacts directory not readable: ${dir}`, {dir, cause: String(e)})
  }
  const artefacts: Artefact[] = []
  const profiles: Profile[] = []
  const problems: DefinitionProblem[] = []
  const seen = new Map<string, string>()
  for (const file of files) {
    const rel = relative(dir, file).split(sep).join('/')
    // IOC packs and hunt rules live beside the definitions but have their own schemas (src/detect/data.ts)
    if (DATA_FOLDERS.some((d) => rel.startsWith(d))) continue
    const {value, problems: yp} = parseYaml(rel, await readFile(file, 'utf8'))
    if (yp.length) {
      problems.push(...yp)
      continue
    }
    if (rel.startsWith('profiles/')) {
      const r = ProfileSchema.safeParse(value)
      if (!r.success) problems.push(...zodProblems(rel, r.error))
      else {
        const want = rel.slice('profiles/'.length).replace(/\.ya?ml$/i, '')
        if (r.data.name !== want) problems.push({file: rel, field: 'name', message: `profile name must be "${want}" (its file name)`})
        else profiles.push(r.data)
      }
      continue
    }
    const r = ArtefactSchema.safeParse(value)
    if (!r.success) {
      problems.push(...zodProblems(rel, r.error))
      continue
    }
    const want = expectedId(dir, file)
    if (r.data.id !== want) {
      problems.push({file: rel, field: 'id', message: `id must equal the file's path: "${want}"`})
      continue
    }
    if (r.data.id.split('.')[0] !== r.data.os) {
      problems.push({file: rel, field: 'os', message: `os "${r.data.os}" does not match the folder "${r.data.id.split('.')[0]}"`})
      continue
    }
    const prior = seen.get(r.data.id)
    if (prior) {
      problems.push({file: rel, field: 'id', message: `duplicate id (also in ${prior})`})
      continue
    }
    seen.set(r.data.id, rel)
    artefacts.push(r.data)
  }
  // A profile that selects nothing is almost certainly a typo.
  for (const p of profiles) {
    if (selectByGlobs(artefacts, p.artefacts).length === 0) {
      problems.push({file: `profiles/${p.name}.yaml`, field: 'artefacts', message: 'selects no artefact'})
    }
  }
  artefacts.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  return {artefacts, profiles, problems, dir}
}

export function requireValid(defs: LoadedDefinitions): void {
  if (defs.problems.length) {
    const first = defs.problems[0]!
    throw new RatchetError(
      'E_ARTEFACT_SCHEMA',
      `${defs.problems.length} problem(s) in artefact definitions; first: ${first.file}: ${first.field}: ${first.message}`,
      {problems: defs.problems},
    )
  }
}

function globToRegex(glob: string): RegExp {
  const body = glob
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('')
  return new RegExp(`^${body}$`)
}

/** Applies profile globs in order: a plain glob adds matching ids, `!glob` removes them. */
export function selectByGlobs(artefacts: Artefact[], globs: string[]): Artefact[] {
  const chosen = new Set<string>()
  for (const g of globs) {
    const neg = g.startsWith('!')
    const re = globToRegex(neg ? g.slice(1) : g)
    for (const a of artefacts) {
      if (!re.test(a.id)) continue
      if (neg) chosen.delete(a.id)
      else chosen.add(a.id)
    }
  }
  return artefacts.filter((a) => chosen.has(a.id))
}

/**
 * The selection a collection runs: explicit `--artefact` ids (globs allowed) win over the profile; the
 * result is restricted to the source's OS. Unknown ids and profiles are usage errors.
 */
export function selectArtefacts(
  defs: LoadedDefinitions,
  opts: {profile?: string; ids?: string[]; os: 'windows' | 'linux'},
): {artefacts: Artefact[]; profile: string | null} {
  let chosen: Artefact[]
  let profile: string | null = null
  if (opts.ids && opts.ids.length) {
    for (const id of opts.ids) {
      if (selectByGlobs(defs.artefacts, [id]).length === 0) {
        throw new RatchetError('E_ARTEFACT_UNKNOWN', `no artefact matches "${id}" (see \`ratchet artefacts list\`)`, {id})
      }
    }
    chosen = selectByGlobs(defs.artefacts, opts.ids)
  } else {
    const name = opts.profile ?? 'triage'
    const p = defs.profiles.find((x) => x.name === name)
    if (!p) {
      throw new RatchetError('E_PROFILE_UNKNOWN', `unknown profile "${name}"; known: ${defs.profiles.map((x) => x.name).join(', ')}`, {
        profile: name,
      })
    }
    profile = p.name
    chosen = selectByGlobs(defs.artefacts, p.artefacts)
  }
  return {artefacts: chosen.filter((a) => a.os === opts.os), profile}
}
