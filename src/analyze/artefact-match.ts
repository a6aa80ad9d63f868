import {expandPattern, WINDOWS_SYSTEM_PROFILES} from '../artefacts/expand.js'
import {loadDefinitions} from '../artefacts/load.js'
import type {Artefact} from '../artefacts/schema.js'

/**
 * Decides which artefact definition a file of a mounted image belongs to, with the same definitions
 * (artefacts/**.yaml) that collect uses: each file-source path is expanded (user profiles as a wildcard) and
 * matched segment by segment, case-insensitively for Windows. A match whose source lists the parser that
 * reads the file wins over one that does not.
 */
interface CompiledPath {
  artefact: string
  parsers: string[]
  segs: (RegExp | '**')[]
  /** recursive sources (and folder paths) match everything below them. */
  prefix: boolean
}

function segRegex(seg: string, ci: boolean): RegExp {
  const body = seg.split('').map((c) => (c === '*' ? '[^/]*' : c === '?' ? '[^/]' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&'))).join('')
  return new RegExp(`^${body}$`, ci ? 'i' : '')
}

function matchSegs(pat: (RegExp | '**')[], parts: string[], pi = 0, si = 0, prefix = false): boolean {
  if (pi === pat.length) return si === parts.length || (prefix && si < parts.length)
  const p = pat[pi]!
  if (p === '**') {
    for (let k = si; k <= parts.length; k++) if (matchSegs(pat, parts, pi + 1, k, prefix)) return true
    return false
  }
  if (si >= parts.length || !p.test(parts[si]!)) return false
  return matchSegs(pat, parts, pi + 1, si + 1, prefix)
}

export class ArtefactMatcher {
  private constructor(private readonly paths: CompiledPath[]) {}

  static fromArtefacts(artefacts: Artefact[]): ArtefactMatcher {
    const paths: CompiledPath[] = []
    for (const a of [...artefacts].sort((x, y) => (x.id < y.id ? -1 : 1))) {
      const os = a.os === 'linux' ? 'linux' : 'windows'
      const profiles = os === 'windows' ? [['Users', '*'], ...WINDOWS_SYSTEM_PROFILES] : [['home', '*'], ['root']]
      for (const src of a.sources) {
        if (src.collector !== 'file') continue
        for (const p of src.paths) {
          let expanded: string[][]
          try {
            expanded = expandPattern(p, os, profiles)
          } catch {
            continue
          }
          for (const segs of expanded) {
            paths.push({artefact: a.id, parsers: src.parsers, segs: segs.map((s) => (s === '**' ? '**' : segRegex(s, os === 'windows'))), prefix: src.recursive || !/[.*]/.test(segs[segs.length - 1] ?? '')})
          }
        }
      }
    }
    return new ArtefactMatcher(paths)
  }

  static async load(): Promise<ArtefactMatcher | undefined> {
    try {
      return ArtefactMatcher.fromArtefacts((await loadDefinitions()).artefacts)
    } catch {
      return undefined
    }
  }

  /** Artefact id for an image-relative member path read by `parser`, or undefined when no definition names it. */
  match(member: string, parser: string): string | undefined {
    const parts = member.split('/').filter(Boolean)
    let fallback: string | undefined
    for (const c of this.paths) {
      if (!matchSegs(c.segs, parts, 0, 0, c.prefix)) continue
      if (c.parsers.includes(parser)) return c.artefact
      fallback ??= c.artefact
    }
    return fallback
  }
}
