import {readdirSync, readFileSync} from 'node:fs'
import {basename, join} from 'node:path'
import {parse} from 'yaml'
import {RatchetError} from '../core/errors.js'
import {artefactsDir} from './data-dir.js'
import {PackSchema, RuleSchema, type Pack, type Rule} from './schema.js'

/** Loads and validates every `*.yaml` in a data folder; file name (without .yaml) must equal `key`. */
function loadDir<T>(dir: string, schema: {safeParse: (v: unknown) => {success: true; data: T} | {success: false; error: {issues: {path: PropertyKey[]; message: string}[]}}}, key: (t: T) => string): {file: string; data: T}[] {
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort()
  return files.map((f) => {
    const path = join(dir, f)
    let doc: unknown
    try {
      doc = parse(readFileSync(path, 'utf8'), {uniqueKeys: true, maxAliasCount: 0})
    } catch (e) {
      throw new RatchetError('E_ARTEFACT_SCHEMA', `${path}: not valid YAML: ${(e as Error).message}`, {file: path})
    }
    const r = schema.safeParse(doc)
    if (!r.success) {
      const msg = r.error.issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`).join('; ')
      throw new RatchetError('E_ARTEFACT_SCHEMA', `${path}: ${msg}`, {file: path})
    }
    if (key(r.data) !== basename(f, '.yaml')) {
      throw new RatchetError('E_ARTEFACT_SCHEMA', `${path}: name "${key(r.data)}" must equal the file name`, {file: path})
    }
    return {file: path, data: r.data}
  })
}

export function loadBuiltinPacks(dir = join(artefactsDir(), 'packs')): {file: string; data: Pack}[] {
  return loadDir(dir, PackSchema, (p) => p.name)
}

export function loadRules(dir = join(artefactsDir(), 'rules')): {file: string; data: Rule}[] {
  return loadDir(dir, RuleSchema, (r) => r.id)
}
