import {readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {parse} from 'yaml'
import {ArtefactSchema, type Artefact} from '../../src/artefacts/schema.js'

export const repoRoot = new URL('../..', import.meta.url).pathname

/** Loads artefacts/<os>/volatile/*.yaml through the schema (the collector's loader is built elsewhere). */
export function loadVolatileDefinitions(os: 'windows' | 'linux'): Artefact[] {
  const dir = join(repoRoot, 'artefacts', os, 'volatile')
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => ArtefactSchema.parse(parse(readFileSync(join(dir, f), 'utf8'))))
}
