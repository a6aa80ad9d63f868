import {readdir, readFile, stat} from 'node:fs/promises'
import {join} from 'node:path'
import {parseSigmaYaml} from './parse.js'
import type {SigmaRule, SkippedRule} from './types.js'

/**
 * Reads Sigma rules from files and directories (recursively, `.yml`/`.yaml`, in name order). Unreadable
 * paths and invalid documents are reported in `skipped`, never dropped.
 */
export async function loadSigmaRules(paths: string[]): Promise<{rules: SigmaRule[]; skipped: SkippedRule[]}> {
  const rules: SigmaRule[] = []
  const skipped: SkippedRule[] = []
  const files: string[] = []
  const walk = async (p: string): Promise<void> => {
    let st
    try {
      st = await stat(p)
    } catch (e) {
      skipped.push({path: p, reason: `cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`})
      return
    }
    if (st.isDirectory()) {
      const names = (await readdir(p)).sort()
      for (const n of names) {
        const child = join(p, n)
        if (/\.ya?ml$/i.test(n)) files.push(child)
        else if ((await stat(child).catch(() => null))?.isDirectory()) await walk(child)
      }
    } else {
      files.push(p)
    }
  }
  for (const p of paths) await walk(p)
  for (const f of files) {
    let text: string
    try {
      text = await readFile(f, 'utf8')
    } catch (e) {
      skipped.push({path: f, reason: `cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`})
      continue
    }
    const r = parseSigmaYaml(text, f)
    rules.push(...r.rules)
    skipped.push(...r.skipped)
  }
  return {rules, skipped}
}
