import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {loadBuiltinPacks, loadRules} from '../../src/detect/data.js'
import {loadIocs, packIndicators} from '../../src/detect/ioc/load.js'
import {compileRule} from '../../src/detect/rule-eval.js'
import {BUILTINS} from '../../src/detect/schema.js'

describe('detection data files', () => {
  it('every IOC pack passes the schema, and every indicator parses and names its source', () => {
    const packs = loadBuiltinPacks()
    expect(packs.length).toBeGreaterThan(0)
    for (const p of packs) {
      const inds = packIndicators(p.data, p.file)
      expect(inds.length).toBe(p.data.indicators.length)
      for (const i of inds) expect(i.source).toMatch(new RegExp(`^${p.data.name}: .{10,}`))
    }
  })

  it('the HC3 pack carries the published indicators', () => {
    const r = loadIocs({packs: ['hc3-screenconnect-2023']})
    expect(r.indicators.map((i) => `${i.type}:${i.value}`).sort()).toEqual(['domain:rs.tdsclinical.com', 'file_name:text.xml'])
    expect(r.indicators.find((i) => i.type === 'domain')?.raw).toBe('rs.tdsclinical[.]com')
    expect(r.loaded).toEqual([{source: 'pack:hc3-screenconnect-2023', count: 2}])
    expect(() => loadIocs({packs: ['no-such-pack']})).toThrow(/unknown IOC pack/)
  })

  it('every rule passes the schema and compiles; each builtin is provided exactly once', () => {
    const rules = loadRules().map((r) => r.data)
    expect(rules.length).toBeGreaterThanOrEqual(15)
    for (const r of rules) {
      if (r.kind === 'match') expect(compileRule(r)).toBeDefined()
      expect(r.rationale.length).toBeGreaterThan(40)
    }
    for (const b of BUILTINS) expect(rules.filter((r) => r.builtin === b)).toHaveLength(1)
    const attack = new Set(rules.flatMap((r) => r.attack))
    for (const t of ['T1136.001', 'T1098', 'T1219', 'T1059', 'T1105', 'T1070.001']) expect(attack.has(t)).toBe(true)
  })

  it('a rule file with a mistake is refused with its path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ratchet-rules-'))
    writeFileSync(join(dir, 'bad.yaml'), 'id: bad\ntitle: x\nseverity: severe\nconfidence: high\nrationale: too short\nkind: match\n')
    expect(() => loadRules(dir)).toThrow(/bad\.yaml: .*severity/)
    const dir2 = mkdtempSync(join(tmpdir(), 'ratchet-rules-'))
    writeFileSync(join(dir2, 'other-name.yaml'), 'id: x\ntitle: x\nseverity: low\nconfidence: high\nrationale: a rationale that is long enough to pass the schema check\nkind: builtin\nbuiltin: ioc-hit\n')
    expect(() => loadRules(dir2)).toThrow(/must equal the file name/)
  })
})
