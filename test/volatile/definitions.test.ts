import {readdirSync, readFileSync} from 'node:fs'
import {join, relative} from 'node:path'
import {describe, expect, it} from 'vitest'
import {parse} from 'yaml'
import {ArtefactSchema} from '../../src/artefacts/schema.js'
import {VOLATILE_PARSERS} from '../../src/parsers/volatile/index.js'
import {loadVolatileDefinitions, repoRoot} from './defs.js'

const root = repoRoot

/**
 * PowerShell cannot run here, so at least check what a folding or escaping slip in the YAML would break:
 * single-quoted strings ('' escapes a quote) close, and (), {}, [] nest properly outside them.
 */
function balanced(script: string): boolean {
  const stack: string[] = []
  const pairs: Record<string, string> = {')': '(', '}': '{', ']': '['}
  for (let i = 0; i < script.length; i++) {
    const c = script[i]!
    if (c === "'") {
      i++
      while (i < script.length && !(script[i] === "'" && script[i + 1] !== "'")) i += script[i] === "'" ? 2 : 1
      if (i >= script.length) return false
    } else if (c === '(' || c === '{' || c === '[') stack.push(c)
    else if (c in pairs && stack.pop() !== pairs[c]) return false
  }
  return stack.length === 0
}

describe('volatile artefact definitions', () => {
  for (const os of ['windows', 'linux'] as const) {
    it(`${os}: every file validates, its id matches its path, and every parser exists`, () => {
      const dir = join(root, 'artefacts', os, 'volatile')
      const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'))
      expect(files.length).toBeGreaterThanOrEqual(os === 'windows' ? 12 : 10)
      for (const f of files) {
        const def = ArtefactSchema.parse(parse(readFileSync(join(dir, f), 'utf8')))
        const rel = relative(join(root, 'artefacts'), join(dir, f)).replace(/\.yaml$/, '').split('/').join('.')
        expect(def.id).toBe(rel)
        expect(def.os).toBe(os)
        for (const s of def.sources) {
          expect(s.collector).toBe('command')
          if (s.collector !== 'command') continue
          expect(s.parser, `${def.id} names a parser`).toBeDefined()
          expect(VOLATILE_PARSERS[s.parser!], `${def.id}: parser ${s.parser}`).toBeTypeOf('function')
          for (const fb of s.fallbacks) expect(VOLATILE_PARSERS[fb.parser ?? s.parser!], `${def.id}: fallback parser`).toBeTypeOf('function')
        }
      }
    })
  }

  it('Windows definitions use built-in tools only, and PowerShell scripts emit compressed JSON with UTC dates', () => {
    const builtins = new Set(['powershell.exe', 'tasklist.exe', 'netstat.exe', 'net.exe', 'query.exe', 'schtasks.exe', 'ipconfig.exe', 'arp.exe', 'reg.exe', 'tzutil.exe', 'w32tm.exe'])
    for (const def of loadVolatileDefinitions('windows')) {
      for (const s of def.sources) {
        if (s.collector !== 'command') continue
        for (const c of [s.command, ...s.fallbacks.map((f) => f.command)]) expect(builtins.has(c), `${def.id}: ${c}`).toBe(true)
        if (s.command === 'powershell.exe') {
          const script = s.args[s.args.indexOf('-Command') + 1]!
          expect(balanced(script), `${def.id}: brackets and quotes balance`).toBe(true)
          expect(script).toMatch(/ConvertTo-Json -Depth 3 -Compress/)
          expect(script).toMatch(/OutputEncoding = \[Text\.Encoding\]::UTF8/)
          // a DateTime left to ConvertTo-Json becomes 5.1's \/Date(ms)\/: every date is converted explicitly
          for (const m of script.matchAll(/(CreationDate|CreationTime|LastLogon|PasswordLastSet|PasswordExpires) = ([^;}]+)/g)) {
            expect(m[2], `${def.id}: ${m[1]}`).toMatch(/ToUniversalTime|^U /)
          }
        }
      }
    }
  })
})
