import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {generateReport} from '../../src/report/generate.js'
import {loadCase, summariseVerify} from '../../src/report/load-case.js'
import {reportContentHash, safeHref} from '../../src/report/render.js'
import {buildViewModel} from '../../src/report/view-model.js'
import {buildFixtureCase, HOSTILE_IMG, HOSTILE_SCRIPT, type FixtureCase} from './fixture-case.js'

let root: string
let fx: FixtureCase
let html: string
const NOW = new Date('2023-11-10T12:00:00Z')
const run = {generated_utc: '2023-11-10T12:00:00.0000000Z', ratchet_version: '0.1.0', command_line: ['ratchet', 'report', 'case']}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'ratchet-report-'))
  fx = buildFixtureCase(join(root, 'case'))
  const r = await generateReport({caseDir: fx.dir, commandLine: ['ratchet', 'report', 'case'], now: NOW})
  html = readFileSync(r.file, 'utf8')
})
afterAll(() => rmSync(root, {recursive: true, force: true}))

/** The summary sentences as HTML fragments, keyed by topic. */
function sentences(doc: string): {topic: string; body: string}[] {
  const sec = doc.slice(doc.indexOf('<section id="summary"'), doc.indexOf('<section id="recommendations"'))
  return [...sec.matchAll(/<div class="sentence topic-([a-z]+)">([\s\S]*?)<\/p>\s*<\/div>/g)].map((m) => ({topic: m[1]!, body: m[2]!}))
}

describe('report sections and links', () => {
  it('has the cover and every section, and no blast-radius section', () => {
    for (const id of ['cover', 'summary', 'recommendations', 'findings', 'sessions', 'timeline', 'integrity', 'custody', 'method', 'diagnostics']) {
      expect(html).toContain(`id="${id}"`)
    }
    expect(html.toLowerCase()).not.toContain('blast')
    expect(html).toContain('IR-2023-0417')
    expect(html).toContain('PHARM-SRV01')
    expect(html).toContain('Central Standard Time (America/Chicago)')
    // per-file hashes, archive hash, verification, IOC packs loaded and skipped with the reason
    expect(html).toContain(fx.analysis.artefacts[0]!.files[0]!.sha256)
    expect(html).toContain(fx.analysis.input.sha256!)
    expect(html).toContain('hc3-screenconnect-2023.txt')
    expect(html).toContain('octal-looking IPv4 address refused')
    expect(html).toContain('EVTX_CHUNK_BAD_CRC')
    expect(html).toMatch(/<svg class="swimlane"/)
    expect(html).toMatch(/<svg class="histogram"/)
  })

  it('links every summary sentence; each factual one to a finding and to the events proving it', () => {
    const s = sentences(html)
    const topics = s.map((x) => x.topic)
    for (const t of ['what', 'when', 'entry', 'accounts', 'tools', 'data', 'unknown', 'confidence']) expect(topics).toContain(t)
    for (const x of s) {
      expect(x.body, x.topic).toMatch(/href="#[A-Za-z0-9_-]+"/)
      if (['what', 'when', 'entry', 'accounts', 'tools', 'data'].includes(x.topic)) {
        expect(x.body, x.topic).toMatch(/href="#finding-\d+"/)
        expect(x.body, x.topic).toMatch(/href="#ev-[0-9a-f]{16}"/)
      }
    }
    // every in-document link has a target
    const ids = new Set([...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]))
    for (const m of html.matchAll(/href="#([^"]*)"/g)) expect(ids.has(m[1]!), m[1]).toBe(true)
  })

  it('writes the summary from the findings (accounts, tools, addresses, transfers, times in UTC and host time)', () => {
    const s = Object.fromEntries(sentences(html).map((x) => [x.topic, x.body.replace(/<[^>]+>/g, '')]))
    expect(s.accounts).toContain('helpdesk$')
    expect(s.accounts).toContain('added to the Administrators group')
    expect(s.tools).toContain('ScreenConnect')
    expect(s.tools).toContain('AnyDesk')
    expect(s.tools).toContain('185.229.191.44')
    expect(s.tools).toContain('rs.tdsclinical.com')
    expect(s.data).toContain('pharmacy_orders_2023.zip')
    expect(s.when).toContain('28 Oct 2023, 13:58 UTC')
    expect(s.when).toContain('08:58 host time (UTC−05:00)')
    expect(s.entry).toContain('matches a published indicator')
    const recs = html.slice(html.indexOf('id="recommendations"'), html.indexOf('id="findings"'))
    for (const a of ['Remove unauthorised remote-access tools', 'Disable and investigate', 'Reset credentials', 'Block the addresses', 'Check other hosts', 'Preserve the evidence']) expect(recs).toContain(a)
  })
})

describe('hostile evidence and self-containment', () => {
  it('escapes evidence strings and loads nothing external', () => {
    expect(html).not.toContain(HOSTILE_IMG)
    expect(html).not.toContain(HOSTILE_SCRIPT)
    expect(html).toContain('&lt;img src&#x3D;x onerror&#x3D;&quot;window.__ratchetPwned&#x3D;&#x27;img&#x27;&quot;&gt;')
    expect(html).toContain('&lt;script&gt;window.__ratchetPwned')
    expect(html.match(/<script/g)).toHaveLength(1)
    expect(html).not.toMatch(/<(img|link|iframe|object|embed)\b/i)
    expect(html).not.toMatch(/\ssrc=/i)
    expect(html).toMatch(/<meta http-equiv="Content-Security-Policy" content="default-src &#x27;none&#x27;; style-src &#x27;sha256-/)
    // only anchors, the timeline file and ATT&CK pages are linked
    for (const m of html.matchAll(/href="([^"]*)"/g)) expect(m[1]).toMatch(/^(#[A-Za-z0-9_-]+|timeline[a-z.]*\.(csv|jsonl)|https:\/\/attack\.mitre\.org\/techniques\/T\d{4}\/(\d{3}\/)?)$/)
  })

  it('safeHref refuses anything but anchors, sibling timeline files and ATT&CK technique pages', () => {
    expect(safeHref('javascript:alert(1)')).toBe('#')
    expect(safeHref('data:text/html,x')).toBe('#')
    expect(safeHref('https://evil.example/')).toBe('#')
    expect(safeHref('https://attack.mitre.org/techniques/T1219/x')).toBe('#')
    expect(safeHref('../../etc/passwd.csv')).toBe('#')
    expect(safeHref('#finding-1" onclick="x')).toBe('#')
    expect(safeHref('#finding-1')).toBe('#finding-1')
    expect(safeHref('timeline.csv')).toBe('timeline.csv')
    expect(safeHref('https://attack.mitre.org/techniques/T1136/001/')).toBe('https://attack.mitre.org/techniques/T1136/001/')
  })
})

describe('report hash and determinism', () => {
  it('prints on the cover the SHA-256 of the content between the markers', () => {
    const hash = reportContentHash(html)!
    expect(hash).toMatch(/^[0-9a-f]{64}$/)
    const cover = html.slice(0, html.indexOf('<!--ratchet-hash-begin-->'))
    expect(cover).toContain(`<p class="hash">${hash}</p>`)
  })

  it('reruns are byte-identical; a new generation time changes only the cover', async () => {
    const out2 = join(root, 'again.html')
    await generateReport({caseDir: fx.dir, out: out2, commandLine: ['ratchet', 'report', 'case'], now: NOW})
    expect(readFileSync(out2, 'utf8')).toBe(html)
    const out3 = join(root, 'later.html')
    const later = await generateReport({caseDir: fx.dir, out: out3, commandLine: ['ratchet', 'report', 'case'], now: new Date('2024-01-01T00:00:00Z')})
    const h3 = readFileSync(out3, 'utf8')
    expect(h3).not.toBe(html)
    expect(later.report_hash).toBe(reportContentHash(html))
  })
})

describe('case variants', () => {
  it('says clearly when the evidence was not verified', async () => {
    const c = buildFixtureCase(join(root, 'unverified'), {unverified: true, noise: 20})
    const r = await generateReport({caseDir: c.dir, commandLine: ['ratchet', 'report'], now: NOW})
    const h = readFileSync(r.file, 'utf8')
    expect(r.unverified).toBe(true)
    expect(h).toContain('Evidence not verified.')
    expect(h).toContain('NOT VERIFIED')
    const unknown = sentences(h).filter((s) => s.topic === 'unknown').map((s) => s.body)
    expect(unknown.join(' ')).toContain('failed integrity verification')
    expect(sentences(h).find((s) => s.topic === 'confidence')!.body).toContain('<strong class="val">low</strong>')
  })

  it('renders a case that has not been hunted, saying so', async () => {
    const c = buildFixtureCase(join(root, 'nohunt'), {hunt: false, noise: 5})
    const r = await generateReport({caseDir: c.dir, commandLine: ['ratchet', 'report'], now: NOW})
    const h = readFileSync(r.file, 'utf8')
    expect(r.findings).toBe(0)
    expect(h).toContain('hunt has not been run')
    expect(sentences(h)[0]!.topic).toBe('what')
  })

  it('a hunted case with no findings says nothing was found and why that is not proof', async () => {
    const c = buildFixtureCase(join(root, 'clean'), {noise: 30})
    writeFileSync(join(c.dir, 'findings.json'), JSON.stringify({...c.findings, findings: [], ioc_hits: []}))
    writeFileSync(join(c.dir, 'sessions.json'), JSON.stringify({format: 'ratchet-sessions/1', sessions: []}))
    const r = await generateReport({caseDir: c.dir, commandLine: ['ratchet', 'report'], now: NOW})
    const h = readFileSync(r.file, 'utf8')
    expect(h).toContain('No intrusion evidence found')
    const what = sentences(h).find((s) => s.topic === 'what')!.body
    expect(what).toContain('found no sign of intrusion')
    expect(what).toContain('does not prove')
    expect(h).toContain('No remote-access sessions were rebuilt')
    expect(h).not.toContain('<svg class="swimlane"')
  })

  it('reads verify.json as ratchet verify writes it, and tolerates other shapes', () => {
    expect(summariseVerify({status: 'incomplete', problems: ['x: missing'], signature: {state: 'failed'}, sidecar: {state: 'ok'}, counts: {ok: 3, missing: 1}})).toEqual({
      status: 'failed',
      problems: ['x: missing'],
      signature: 'failed',
      checked_utc: null,
      checks: ['.sha256 sidecar: ok', 'signature: failed', 'members: 3 ok, 1 missing'],
    })
    expect(summariseVerify({ok: true})?.status).toBe('verified')
    expect(summariseVerify({whatever: 1})?.status).toBe('unknown')
    expect(summariseVerify('nonsense')).toBeNull()
    expect(html).toContain('SHA256SUMS: ok')
  })

  it('lists every suspicious session but only the first routine ones, and caps swim lanes', async () => {
    const c = buildFixtureCase(join(root, 'many-sessions'), {noise: 10})
    const routine = Array.from({length: 120}, (_, i) => ({...c.sessions.sessions[2]!, id: `RDP:${String(i).padStart(16, '0')}`, remote_address: `10.0.${i >> 8}.${i & 255}`}))
    writeFileSync(join(c.dir, 'sessions.json'), JSON.stringify({format: 'ratchet-sessions/1', sessions: [...c.sessions.sessions, ...routine]}))
    const vm = buildViewModel(await loadCase(c.dir), run)
    expect(vm.sessions.filter((s) => s.suspicious)).toHaveLength(2)
    expect(vm.sessions.filter((s) => !s.suspicious)).toHaveLength(50)
    expect(vm.sessionsHidden).toBe(71)
    expect(vm.swimlane.lanes.length).toBeLessThanOrEqual(25)
    expect(vm.headline.sessions).toBe(123)
  })

  it('refuses a folder without events.jsonl', async () => {
    await expect(generateReport({caseDir: root, commandLine: [], now: NOW})).rejects.toMatchObject({code: 'E_CASE_MISSING'})
    await expect(generateReport({caseDir: fx.dir, out: join(root, 'x.txt'), commandLine: [], now: NOW})).rejects.toMatchObject({code: 'E_USAGE'})
  })

  it('a large case inlines only cited events and their neighbours, and points to the full timeline', async () => {
    const c = buildFixtureCase(join(root, 'large'), {noise: 1500})
    const data = await loadCase(c.dir)
    const vm = buildViewModel(data, run)
    expect(vm.keyTimeline.total).toBe(c.events.length)
    expect(vm.keyTimeline.inlinedAll).toBe(false)
    expect(vm.keyTimeline.shown).toBeLessThan(80)
    const shown = new Set(vm.keyTimeline.rows.map((r) => r.id))
    for (const f of c.findings.findings) for (const id of f.event_ids) expect(shown.has(id)).toBe(true)
    // neighbours: the event right before the first cited one is there too
    const firstCited = c.events.findIndex((e) => e.id === c.byKey.scInstall!.id)
    expect(shown.has(c.events[firstCited - 1]!.id)).toBe(true)
    expect(vm.histogram.bars.reduce((n, b) => n + Number(/: (\d+) events/.exec(b.title)![1]), 0)).toBe(c.events.length)
  })
})
