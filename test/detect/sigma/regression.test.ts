import * as fs from 'node:fs'
import * as path from 'node:path'
import * as YAML from 'yaml'
import {beforeAll, describe, expect, it} from 'vitest'
import {compileRuleSet, createMatcher, evtxRecordEvent, loadSigmaRules, type SigmaRule} from '../../../src/detect/sigma/index.js'
import {parseEvtxBuffer} from '../../../src/parsers/evtx/index.js'
import {SKIP_SIGMA, sharedSigmaDir} from './shared.js'

/**
 * SigmaHQ's regression tests (a fixed subset in ../shared/sigma/regression_data): each EVTX with the id of
 * the rule it exercises and the number of records that rule must match. Every test with an EVTX runs here
 * through ratchet's own EVTX parser and the Sigma engine.
 */

/**
 * Two info.yml files say `match_count: 1` where the rule, read by the specification, matches three records
 * of the EVTX (SigmaHQ's runner only checks that the rule id appears, so the count was never enforced).
 * For those the test asserts the records the rule must match, named one by one, instead.
 */
const COUNT_ERRATA: Record<string, {count: number; recordIds: number[]; why: string}> = {
  'rules/windows/file/file_event/file_event_win_anydesk_artefact': {
    count: 3,
    recordIds: [14985, 14988, 14990],
    why: "TargetFilename|contains '\\AppData\\Roaming\\AnyDesk\\user.conf': user.conf.new (twice) and user.conf~RF2d9c20d.TMP all contain it",
  },
  'rules/windows/file/file_event/file_event_win_cred_dump_tools_dropped_files': {
    count: 3,
    recordIds: [26359, 26366, 26373],
    why: 'TargetFilename|endswith lists procdump64.exe, procdump64a.exe and procdump.exe, and all three files are created',
  },
}

const dir = sharedSigmaDir()
if (!dir) console.warn(SKIP_SIGMA)

interface Case {
  name: string
  ruleId: string
  evtx: string
  matchCount: number | undefined
}

function cases(root: string): Case[] {
  const out: Case[] = []
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, {withFileTypes: true})) {
      const p = path.join(d, e.name)
      if (e.isDirectory()) walk(p)
      else if (e.name === 'info.yml') {
        const info = YAML.parse(fs.readFileSync(p, 'utf8')) as {rule_metadata: {id: string}[]; regression_tests_info?: {type: string; path: string; match_count?: number}[]}
        for (const t of info.regression_tests_info ?? []) {
          if (t.type !== 'evtx') continue
          out.push({name: path.relative(root, d), ruleId: info.rule_metadata[0]!.id, evtx: path.join(d, path.basename(t.path)), matchCount: t.match_count})
        }
      }
    }
  }
  walk(path.join(root, 'regression_data'))
  return out.sort((a, b) => a.name.localeCompare(b.name))
}

describe.skipIf(!dir)('SigmaHQ regression tests', () => {
  const all = dir ? cases(dir) : []
  const byId = new Map<string, SigmaRule>()

  beforeAll(async () => {
    const {rules} = await loadSigmaRules(['rules', 'rules-emerging-threats', 'rules-threat-hunting'].map((r) => path.join(dir!, r)))
    const wanted = new Set(all.map((c) => c.ruleId))
    for (const r of rules) if (wanted.has(r.id)) byId.set(r.id, r)
  })

  it('finds every regression test with an EVTX', () => {
    expect(all.length).toBeGreaterThanOrEqual(130)
  })

  it.each(all.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const rule = byId.get(c.ruleId)
    expect(rule, `rule ${c.ruleId} not found`).toBeDefined()
    const set = compileRuleSet([rule!])
    expect(set.skipped).toEqual([])
    const m = createMatcher(set)
    const {records} = parseEvtxBuffer(fs.readFileSync(c.evtx))
    const hits = records.flatMap((r) => m.push(evtxRecordEvent(r, c.evtx)))
    const n = hits.length
    const errata = COUNT_ERRATA[path.relative('regression_data', c.name)]
    if (errata) {
      expect(c.matchCount, errata.why).toBe(1)
      expect(hits.map((h) => h.event.recordId), errata.why).toEqual(errata.recordIds)
    } else if (c.matchCount === undefined) expect(n).toBeGreaterThanOrEqual(1)
    else expect(n).toBe(c.matchCount)
  })
})
