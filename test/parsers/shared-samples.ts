import * as fs from 'node:fs'
import * as path from 'node:path'

/**
 * Where a shared sample set lives (`<shared>/samples/<kind>` with an INDEX.json): env RATCHET_SHARED, else
 * `shared/` beside the repository root (or beside one of its ancestors, for git worktrees nested below the
 * main checkout's parent).
 */
export function sharedSamplesDir(kind: string): string | undefined {
  const candidates: string[] = []
  if (process.env.RATCHET_SHARED) candidates.push(process.env.RATCHET_SHARED)
  else {
    let dir = path.resolve(new URL('../..', import.meta.url).pathname)
    for (let i = 0; i < 3; i++) {
      dir = path.dirname(dir)
      candidates.push(path.join(dir, 'shared'))
    }
  }
  for (const root of candidates) {
    const d = path.join(root, 'samples', kind)
    if (fs.existsSync(path.join(d, 'INDEX.json'))) return d
  }
  return undefined
}
