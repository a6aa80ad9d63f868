import {createHash} from 'node:crypto'
import {mkdir, readdir, readFile, rename, stat, writeFile} from 'node:fs/promises'
import {join, resolve} from 'node:path'
import {defaultArtefactsDir} from '../../artefacts/load.js'
import {ratchetVersion} from '../../core/version.js'
import {parseSigmaYaml, type ParsedFile} from './parse.js'
import type {SigmaRule, SkippedRule} from './types.js'

/**
 * Reads Sigma rules from files and directories (recursively, `.yml`/`.yaml`, in name order). Unreadable
 * paths and invalid documents are reported in `skipped`, never dropped.
 *
 * YAML parsing is most of the cost of a run over a small log (2,400 SigmaHQ rules take longer to parse than
 * the log takes to read), so with `cacheDir` the parsed form of each file is kept and reused while the
 * file's size and modification time are unchanged.
 */

/** ratchet's own Sigma rules (artefacts/sigma/rules/). */
export function ratchetSigmaRulesDir(): string {
  return join(defaultArtefactsDir(), 'sigma', 'rules')
}

export interface LoadOptions {
  /** Folder for the parsed-rules cache (created when missing); no cache when undefined. */
  cacheDir?: string
}

/** Bump when parseSigmaYaml's output changes shape: old cache entries are then ignored. */
const PARSED_FORMAT = 1

interface CacheEntry {
  size: number
  mtimeMs: number
  parsed: ParsedFile
}
interface CacheFile {
  key: string
  files: Record<string, CacheEntry>
}

async function listFiles(paths: string[], skipped: SkippedRule[]): Promise<{path: string; size: number; mtimeMs: number}[]> {
  const files: {path: string; size: number; mtimeMs: number}[] = []
  const walk = async (p: string): Promise<void> => {
    let st
    try {
      st = await stat(p)
    } catch (e) {
      skipped.push({path: p, reason: `cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`})
      return
    }
    if (st.isDirectory()) {
      const entries = (await readdir(p, {withFileTypes: true})).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      for (const e of entries) {
        const child = join(p, e.name)
        if (e.isDirectory()) await walk(child)
        else if (/\.ya?ml$/i.test(e.name)) {
          const s = await stat(child).catch(() => null)
          if (s) files.push({path: child, size: s.size, mtimeMs: s.mtimeMs})
          else skipped.push({path: child, reason: 'cannot read: vanished while listing'})
        }
      }
    } else {
      files.push({path: p, size: st.size, mtimeMs: st.mtimeMs})
    }
  }
  for (const p of paths) await walk(p)
  return files
}

async function readCache(file: string, key: string): Promise<CacheFile> {
  try {
    const c = JSON.parse(await readFile(file, 'utf8')) as CacheFile
    if (c.key === key && c.files && typeof c.files === 'object') return c
  } catch {
    // no cache yet, or unreadable: parse everything
  }
  return {key, files: {}}
}

export async function loadSigmaRules(paths: string[], opts: LoadOptions = {}): Promise<{rules: SigmaRule[]; skipped: SkippedRule[]}> {
  const rules: SigmaRule[] = []
  const skipped: SkippedRule[] = []
  const files = await listFiles(paths, skipped)
  const key = `${PARSED_FORMAT}/${ratchetVersion()}`
  const cacheFile = opts.cacheDir ? join(opts.cacheDir, `sigma-${createHash('sha256').update(paths.map((p) => resolve(p)).join('\0')).digest('hex').slice(0, 16)}.json`) : undefined
  const cache = cacheFile ? await readCache(cacheFile, key) : {key, files: {}}
  const next: CacheFile = {key, files: {}}
  let changed = false
  for (const f of files) {
    const hit = cache.files[f.path]
    let parsed: ParsedFile
    if (hit && hit.size === f.size && hit.mtimeMs === f.mtimeMs) {
      parsed = hit.parsed
    } else {
      let text: string
      try {
        text = await readFile(f.path, 'utf8')
      } catch (e) {
        skipped.push({path: f.path, reason: `cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`})
        continue
      }
      parsed = parseSigmaYaml(text, f.path)
      changed = true
    }
    next.files[f.path] = {size: f.size, mtimeMs: f.mtimeMs, parsed}
    rules.push(...parsed.rules)
    skipped.push(...parsed.skipped)
  }
  if (cacheFile && (changed || Object.keys(cache.files).length !== files.length)) {
    // Best effort: a cache that cannot be written only costs the next run its speed.
    try {
      await mkdir(opts.cacheDir!, {recursive: true})
      const tmp = `${cacheFile}.${process.pid}.tmp`
      await writeFile(tmp, JSON.stringify(next))
      await rename(tmp, cacheFile)
    } catch {
      // read-only home, full disk: run without a cache
    }
  }
  return {rules, skipped}
}
