import {readFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

/** ratchet's own version, read once from package.json (recorded in every manifest and report). */
let cached: string | undefined
export function ratchetVersion(): string {
  if (cached) return cached
  if (process.env.RATCHET_VERSION) return (cached = process.env.RATCHET_VERSION)
  try {
    const root = packageRoot()
    cached = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {version: string}).version
  } catch {
    cached = '0.0.0-unknown'
  }
  return cached
}

/**
 * The folder holding package.json, templates/ and artefacts/. In a standalone executable RATCHET_HOME
 * (set by the SEA entry) points at the extracted assets instead.
 */
export function packageRoot(): string {
  if (process.env.RATCHET_HOME) return process.env.RATCHET_HOME
  // this file is src/core/version.ts or dist/core/version.js: two levels below the root
  return join(dirname(fileURLToPath(import.meta.url)), '..', '..')
}
