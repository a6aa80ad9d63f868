import {describe, expect, it} from 'vitest'
import {EventMatcher} from '../../src/detect/ioc/event-match.js'
import {parseIocText} from '../../src/detect/ioc/load.js'
import {IocIndex, type ValueHit} from '../../src/detect/ioc/matcher.js'
import {matchManifest} from '../../src/detect/manifest.js'
import type {Manifest} from '../../src/evidence/manifest-types.js'
import {EventTypes as T} from '../../src/events/types.js'
import {anydesk, ev} from './case-builder.js'

function index(text: string): IocIndex {
  return new IocIndex(parseIocText(text, 'test.txt').indicators)
}
function text(idx: IocIndex, v: string): string[] {
  const out: ValueHit[] = []
  idx.matchText(v, out)
  return out.map((h) => `${h.indicator.value}=${h.matched}`)
}

describe('IOC index', () => {
  it('matches IPv4 CIDRs of any prefix length, and exact IPs, in free text with ports', () => {
    const idx = index('198.51.100.0/24\n10.0.0.0/8\n203.0.113.66\n0.0.0.0/0\n')
    expect(text(idx, 'Logged in from 198.51.100.77:59562 on relay 80e496c0.')).toEqual(['198.51.100.0/24=198.51.100.77', '0.0.0.0/0=198.51.100.77'])
    expect(text(idx, '203.0.113.66')).toEqual(['203.0.113.66=203.0.113.66', '0.0.0.0/0=203.0.113.66'])
    const narrow = index('198.51.100.0/24\n203.0.113.66/32\n')
    expect(text(narrow, '198.51.101.1')).toEqual([])
    expect(text(narrow, 'x 203.0.113.66 y')).toEqual(['203.0.113.66/32=203.0.113.66'])
    expect(text(narrow, '203.0.113.67')).toEqual([])
    // not an address: version strings, octal forms
    expect(text(narrow, 'version 198.51.100')).toEqual([])
  })

  it('matches IPv6 exact, CIDR and IPv4-mapped forms', () => {
    const idx = index('2001:db8:1::/48\n2001:db8::dead:beef\n192.0.2.5\n')
    expect(text(idx, 'src [2001:db8:1:ffff::1]:443')).toEqual(['2001:db8:1::/48=2001:db8:1:ffff::1'])
    expect(text(idx, '2001:0DB8:0000::DEAD:BEEF')).toEqual(['2001:db8::dead:beef=2001:db8::dead:beef'])
    expect(text(idx, '::ffff:192.0.2.5')).toEqual([])
    expect(text(idx, 'from ::ffff:c000:205')).toEqual(['192.0.2.5=192.0.2.5'])
    expect(text(idx, '2001:db8:2::1')).toEqual([])
  })

  it('matches a domain and its subdomains, never look-alikes', () => {
    const idx = index('rs.tdsclinical[.]com\n')
    expect(text(idx, 'rs.tdsclinical.com')).toEqual(['rs.tdsclinical.com=rs.tdsclinical.com'])
    expect(text(idx, 'h=RS.TDSCLINICAL.COM&p=8041')).toEqual(['rs.tdsclinical.com=rs.tdsclinical.com'])
    expect(text(idx, 'https://a.b.rs.tdsclinical.com:8041/Host#x')).toEqual(['rs.tdsclinical.com=a.b.rs.tdsclinical.com'])
    expect(text(idx, 'user@x.rs.tdsclinical.com.')).toEqual(['rs.tdsclinical.com=x.rs.tdsclinical.com'])
    expect(text(idx, 'tdsclinical.com')).toEqual([])
    expect(text(idx, 'evilrs.tdsclinical.com')).toEqual([])
    expect(text(idx, 'rs.tdsclinical.com.attacker.net')).toEqual([])
  })

  it('matches hashes, file names (also in paths with spaces), URLs and AnyDesk IDs', () => {
    const idx = index('text.xml\nE3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855\nhxxps://bad.example[.]net/x/\n442226597\n')
    expect(text(idx, 'C:\\Users\\Public\\text.xml')).toEqual(['text.xml=text.xml'])
    expect(text(idx, 'cmd /c type "C:\\Program Files\\My App\\TEXT.XML" > nul')).toEqual(['text.xml=text.xml'])
    expect(text(idx, 'C:\\Program Files\\My App\\text.xml')).toEqual(['text.xml=text.xml'])
    expect(text(idx, 'context.xml')).toEqual([])
    expect(text(idx, 'SHA256=E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855,MD5=x')).toEqual([
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    ])
    expect(text(idx, 'GET https://BAD.example.net/x now')).toEqual(['https://bad.example.net/x=https://bad.example.net/x'])
    expect(text(idx, 'Client-ID: 442226597 (FPR: 8e28a2a25b30).')).toEqual(['442226597=442226597'])
    expect(text(idx, '1442226597')).toEqual([])
  })

  it('matches user names only in account fields, ignoring the domain prefix', () => {
    const idx = index('user:helpdesk$\n')
    const m = new EventMatcher(idx)
    const e1 = ev({at: '2023-10-28T14:00:00Z', type: T.ACCOUNT_CREATED, source: 'EVTX', member: 'files/Security.evtx', record: 1, message: 'created PHARM\\helpdesk$', fields: {user: 'PHARM\\HelpDesk$'}, attributes: {TargetUserName: 'helpdesk$'}})
    expect(m.match(e1).map((h) => `${h.field}:${h.value}`)).toEqual(['user:PHARM\\HelpDesk$'])
    const e2 = ev({at: '2023-10-28T14:00:00Z', type: T.EVTX_GENERIC, source: 'EVTX', member: 'files/System.evtx', record: 2, message: 'helpdesk$', attributes: {param1: 'helpdesk$'}})
    expect(m.match(e2)).toEqual([])
  })
})

describe('event matching', () => {
  const idx = index('203.0.113.66\n442226597\nrs.tdsclinical.com\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n')

  it('looks at every field, names the most specific one, once per indicator per event', () => {
    const m = new EventMatcher(idx)
    const e = anydesk('2023-10-28T14:25:01.100Z', T.REMOTE_PEER_ADDRESS, 'Logged in from 203.0.113.66:51515 on relay 80e496c0.', {src_ip: '203.0.113.66', src_port: 51515}, {relay: '80e496c0', nested: {deep: ['x', 'via rs.tdsclinical.com']}})
    const hits = m.match(e)
    expect(hits.map((h) => `${h.indicator}@${h.field}`)).toEqual(['203.0.113.66@src_ip', 'rs.tdsclinical.com@attributes.nested.deep'])
    expect(hits[0]).toMatchObject({type: 'ipv4', source: 'test.txt:1', event_id: e.id, value: '203.0.113.66'})
  })

  it('finds indicators that only appear in attributes or the raw line', () => {
    const m = new EventMatcher(idx)
    const e = anydesk('2023-10-28T14:25:01.200Z', T.REMOTE_OTHER, 'unparsed line', {}, {raw_line: 'anynet.any_socket - Client-ID: 442226597 (FPR: 8e28a2a25b30).'})
    expect(m.match(e).map((h) => `${h.indicator}@${h.field}`)).toEqual(['442226597@attributes.raw_line'])
  })

  it("matches the evidence member's hash once per member", () => {
    const m = new EventMatcher(idx)
    const e = ev({at: '2023-10-28T14:00:00Z', type: T.EVTX_GENERIC, source: 'EVTX', member: 'files/x.evtx', record: 1, message: 'm'})
    e.evidence.sha256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'
    expect(m.match(e).map((h) => h.field)).toEqual(['evidence.sha256'])
    expect(m.match({...e, id: 'other'})).toEqual([])
  })

  it('matches manifest hashes and file names', () => {
    const i2 = index('text.xml\nd41d8cd98f00b204e9800998ecf8427e\n')
    const manifest = {
      items: [
        {original_path: 'C:\\Windows\\Temp\\text.xml', archive_path: 'files/C/Windows/Temp/text.xml', artefact: 'a', kind: 'file', read_method: 'read', status: 'collected', hashes: {sha256: '0'.repeat(64), sha1: '0'.repeat(40), md5: '0'.repeat(32)}},
        {original_path: 'C:\\x\\tool.exe', archive_path: 'files/C/x/tool.exe', artefact: 'a', kind: 'file', read_method: 'read', status: 'collected', hashes: {sha256: '1'.repeat(64), sha1: '1'.repeat(40), md5: 'D41D8CD98F00B204E9800998ECF8427E'}},
      ],
    } as unknown as Manifest
    expect(matchManifest(manifest, i2).map((h) => `${h.field}:${h.member}`)).toEqual(['manifest.file_name:files/C/Windows/Temp/text.xml', 'manifest.md5:files/C/x/tool.exe'])
  })
})

describe('IOC index: the whole-text prefilter of small exact indicator sets', () => {
  it('finds exactly what tokenising finds, on values with case, Unicode lower-casing, ports, paths and near misses', () => {
    const list = 'rs.tdsclinical[.]com\ntext.xml\n203.0.113.66\n442226597\nd41d8cd98f00b204e9800998ecf8427e\nrelay.key.net\n'
    const fast = new IocIndex(parseIocText(list, 'test.txt').indicators)
    const slow = new IocIndex(parseIocText(list, 'test.txt').indicators, {prefilter: false})
    expect((fast as unknown as {needles?: RegExp}).needles?.source.split('|')).toHaveLength(6)
    const pieces = ['RS.TdsClinical.COM', 'x.rs.tdsclinical.com:8041', 'rs.tdsclinical.co', 'tdsclinical.com', 'C:\\Temp\\TEXT.XML', 'text.xml.bak', '/tmp/text.xml',
      '203.0.113.66:443', '203.0.113.6', '1203.0.113.66', '442226597', '4422265970', 'D41D8CD98F00B204E9800998ECF8427E', 'relay.\u212aey.net', 'RELAY.KEY.NET/x', 'İ', 'K', 'ΑΣ', "'", '"', ' ', '.', '\\', '=', 'é', '\u212a']
    let seed = 7
    const rnd = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n)
    let hits = 0
    for (let i = 0; i < 3000; i++) {
      let v = ''
      for (let k = rnd(8); k >= 0; k--) v += pieces[rnd(pieces.length)]
      const want = text(slow, v)
      expect(text(fast, v)).toEqual(want)
      if (want.length > 0) hits++
    }
    expect(hits).toBeGreaterThan(500)
  })

  it('is off where an indicator can be written several ways (URL, CIDR, IPv6), or for many indicators', () => {
    const needles = (t: string): string[] | undefined => (new IocIndex(parseIocText(t, 'test.txt').indicators) as unknown as {needles?: RegExp}).needles?.source.split('|')
    expect(needles('example.org\nhttps://example.org/x\n')).toBeUndefined()
    expect(needles('example.org\n10.0.0.0/8\n')).toBeUndefined()
    expect(needles('example.org\n2001:db8::1\n')).toBeUndefined()
    expect(needles(Array.from({length: 17}, (_, i) => `host${i}.example.org`).join('\n'))).toBeUndefined()
    expect(needles('example.org\n')).toEqual(['example\\.org'])
  })
})

describe('IOC index: which events.jsonl lines may hold an indicator', () => {
  const list = 'rs.tdsclinical[.]com\ntext.xml\n203.0.113.66\nd41d8cd98f00b204e9800998ecf8427e\n'
  const fast = new IocIndex(parseIocText(list, 'test.txt').indicators)
  const slow = new IocIndex(parseIocText(list, 'test.txt').indicators, {prefilter: false})

  it('never rules out a line whose event matches: case, escapes (\\u, \\\\, \\/), values in any field', () => {
    const pieces = ['RS.TdsClinical.COM', 'x.rs.tdsclinical.com:8041', 'tdsclinical.com', 'C:\\Users\\TEXT.XML', 'text.xml.bak', '203.0.113.66:443', '203.0.113.6',
      'D41D8CD98F00B204E9800998ECF8427E', 'İ', '\u212a', '"', '\\', '/', ' ', '.', '\n', 'é']
    let seed = 11
    const rnd = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n)
    const value = (): string => Array.from({length: 1 + rnd(4)}, () => pieces[rnd(pieces.length)]).join('')
    // a writer that escapes more than JSON.stringify does: \u for letters, \/ for slashes
    const hostile = (json: string): string => {
      let out = ''
      for (let i = 0; i < json.length; i++) {
        const c = json[i]
        if (c === '\\') {
          const n = json[i + 1] === 'u' ? 6 : 2
          out += json.slice(i, i + n)
          i += n - 1
        } else if (/[a-z]/.test(c) && rnd(9) === 0) out += `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`
        else if (c === '/' && rnd(2) === 0) out += '\\/'
        else out += c
      }
      return out
    }
    let matched = 0
    let ruledOut = 0
    for (let i = 0; i < 2000; i++) {
      const e = ev({at: '2024-01-01T00:00:00Z', type: T.PROCESS_CREATED, source: 'EVTX', member: rnd(4) === 0 ? `files/${value()}` : 'files/a.evtx', message: value(), fields: {command_line: value()}, attributes: {x: value(), nested: {y: [value()]}, n: 203}})
      const hits = new EventMatcher(slow).match(e).length
      for (const line of [JSON.stringify(e), hostile(JSON.stringify(e))]) {
        expect(JSON.parse(line)).toEqual(JSON.parse(JSON.stringify(e)))
        const may = fast.lineMayMatch(line)
        if (hits > 0) expect(may).toBe(true)
        if (!may) ruledOut++
      }
      if (hits > 0) matched++
    }
    expect(matched).toBeGreaterThan(500)
    expect(ruledOut).toBeGreaterThan(100)
  })

  it('a \\u escape makes a line a candidate; an escaped backslash before u does not', () => {
    expect(fast.lineMayMatch('{"message":"\\u0074ext.xml"}')).toBe(true)
    expect(fast.lineMayMatch('{"message":"C:\\\\users\\\\x.txt"}')).toBe(false)
    expect(fast.lineMayMatch('{"message":"C:\\\\\\u0075sers"}')).toBe(true)
    expect(fast.lineMayMatch('{"message":"see TEXT.XML"}')).toBe(true)
    // AnyDesk IDs may be written as numbers (4.42226597e8), user names are matched apart: every line is a candidate
    expect(new IocIndex(parseIocText('442226597\n', 'test.txt').indicators).lineMayMatch('{"message":"x"}')).toBe(true)
    expect(new IocIndex(parseIocText('user_name,evil\n', 'test.csv').indicators).lineMayMatch('{"message":"x"}')).toBe(true)
  })
})
