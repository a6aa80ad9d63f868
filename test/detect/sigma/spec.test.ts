import {describe, expect, it} from 'vitest'
import {compileRuleSet, createMatcher, normalizedEvent, parseSigmaYaml} from '../../../src/detect/sigma/index.js'
import type {NormalizedEvent} from '../../../src/events/types.js'
import {compile, ev, matches, rule, skipReason} from './helpers.js'

/** Sigma specification conformance: one case per value rule, modifier and condition form. */

const cmd = (commandLine: string, more: Record<string, string> = {}) => ev({CommandLine: commandLine, NewProcessName: 'C:\\Windows\\System32\\cmd.exe', ...more})

describe('values', () => {
  it('maps are AND, lists are OR', () => {
    const r = rule("  sel:\n    CommandLine: a\n    NewProcessName:\n      - 'x'\n      - 'C:\\Windows\\System32\\cmd.exe'\n  condition: sel")
    expect(matches(r, cmd('a'))).toBe(true)
    expect(matches(r, cmd('b'))).toBe(false)
  })
  it('a list of maps is OR of maps', () => {
    const r = rule('  sel:\n    - CommandLine: a\n    - CommandLine: b\n  condition: sel')
    expect(matches(r, cmd('b'))).toBe(true)
    expect(matches(r, cmd('c'))).toBe(false)
  })
  it('is case-insensitive by default and exact without wildcards', () => {
    const r = rule('  sel:\n    CommandLine: WHOAMI /all\n  condition: sel')
    expect(matches(r, cmd('whoami /ALL'))).toBe(true)
    expect(matches(r, cmd('whoami /all x'))).toBe(false)
  })
  it('wildcards * and ?', () => {
    const r = rule("  sel:\n    CommandLine: 'who?mi *'\n  condition: sel")
    expect(matches(r, cmd('whoami /all'))).toBe(true)
    expect(matches(r, cmd('whoaami /all'))).toBe(false)
  })
  it('escapes: \\* is a literal star, \\\\* a backslash then a wildcard, a lone backslash is plain', () => {
    const star = rule("  sel:\n    CommandLine: 'a\\*b'\n  condition: sel")
    expect(matches(star, cmd('a*b'))).toBe(true)
    expect(matches(star, cmd('axb'))).toBe(false)
    const bsWild = rule("  sel:\n    CommandLine: 'C:\\\\*'\n  condition: sel")
    expect(matches(bsWild, cmd('C:\\anything'))).toBe(true)
    const plain = rule("  sel:\n    NewProcessName: 'C:\\Windows\\System32\\cmd.exe'\n  condition: sel")
    const doubled = rule("  sel:\n    NewProcessName: 'C:\\\\Windows\\\\System32\\\\cmd.exe'\n  condition: sel")
    expect(matches(plain, cmd('x'))).toBe(true)
    expect(matches(doubled, cmd('x'))).toBe(true)
    const q = rule("  sel:\n    CommandLine: 'what\\?'\n  condition: sel")
    expect(matches(q, cmd('what?'))).toBe(true)
    expect(matches(q, cmd('whatx'))).toBe(false)
  })
  it('null matches an absent or empty field; empty string matches only empty', () => {
    const r = rule('  sel:\n    CommandLine: a\n  filter:\n    ParentProcessName: null\n  condition: sel and filter')
    expect(matches(r, cmd('a'))).toBe(true)
    expect(matches(r, cmd('a', {ParentProcessName: ''}))).toBe(true)
    expect(matches(r, cmd('a', {ParentProcessName: 'x'}))).toBe(false)
    const empty = rule("  sel:\n    ParentProcessName: ''\n  condition: sel")
    expect(matches(empty, cmd('a', {ParentProcessName: ''}))).toBe(true)
    expect(matches(empty, cmd('a'))).toBe(false)
  })
  it('numbers compare with the rendered text; YAML hex stays as written', () => {
    const r = rule("  sel:\n    EventID: 4769\n    TicketEncryptionType: 0x17\n  condition: sel")
    expect(matches(r, ev({TicketEncryptionType: '0x17'}, {eventId: 4769}))).toBe(true)
    expect(matches(r, ev({TicketEncryptionType: '23'}, {eventId: 4769}))).toBe(false)
  })
  it('keywords search every value, as substrings; |all ANDs them', () => {
    const r = rule("  keywords:\n    - 'mimikatz'\n    - 'sekurlsa::'\n  condition: keywords")
    expect(matches(r, cmd('run Invoke-MIMIKATZ now'))).toBe(true)
    expect(matches(r, cmd('notepad'))).toBe(false)
    const all = rule("  keywords:\n    '|all':\n      - 'oab'\n      - ' -ExternalUrl '\n  condition: keywords")
    expect(matches(all, cmd('Set-OabVirtualDirectory -ExternalUrl x'))).toBe(true)
    expect(matches(all, cmd('Set-OabVirtualDirectory'))).toBe(false)
  })
  it('field names with spaces in the event are named without them (spec "Field Usage")', () => {
    const r = rule("  sel:\n    SourceName: Real-Time Protection\n  condition: sel", 'product: windows')
    expect(matches(r, ev({'Source Name': 'Real-Time Protection'}))).toBe(true)
  })
  it('System fields use Tag_Attribute names', () => {
    const r = rule('  sel:\n    Provider_Name: Microsoft-Windows-Security-Auditing\n    Channel: Security\n    Computer: host1\n    Execution_ProcessID: 4\n  condition: sel')
    expect(matches(r, cmd('x'))).toBe(true)
  })
})

describe('modifiers', () => {
  it('contains, startswith, endswith', () => {
    expect(matches(rule('  s:\n    CommandLine|contains: ami\n  condition: s'), cmd('whoami /all'))).toBe(true)
    expect(matches(rule('  s:\n    CommandLine|startswith: who\n  condition: s'), cmd('whoami'))).toBe(true)
    expect(matches(rule('  s:\n    CommandLine|startswith: ami\n  condition: s'), cmd('whoami'))).toBe(false)
    expect(matches(rule("  s:\n    NewProcessName|endswith: '\\cmd.exe'\n  condition: s"), cmd('x'))).toBe(true)
  })
  it('all turns a list into AND', () => {
    const r = rule("  s:\n    CommandLine|contains|all:\n      - ' -enc '\n      - 'bypass'\n  condition: s")
    expect(matches(r, cmd('powershell -ep Bypass -enc AAA'))).toBe(true)
    expect(matches(r, cmd('powershell -enc AAA'))).toBe(false)
  })
  it('cased is case-sensitive', () => {
    const r = rule('  s:\n    CommandLine|cased|contains: AbC\n  condition: s')
    expect(matches(r, cmd('xAbCx'))).toBe(true)
    expect(matches(r, cmd('xabcx'))).toBe(false)
  })
  it('re is case-sensitive by default; i, m, s flags', () => {
    expect(matches(rule("  s:\n    CommandLine|re: 'who.mi'\n  condition: s"), cmd('WHOAMI'))).toBe(false)
    expect(matches(rule("  s:\n    CommandLine|re|i: '^who.mi'\n  condition: s"), cmd('WHOAMI'))).toBe(true)
    expect(matches(rule("  s:\n    CommandLine|re: '^line2$'\n  condition: s"), cmd('line1\nline2'))).toBe(false)
    expect(matches(rule("  s:\n    CommandLine|re|m: '^line2$'\n  condition: s"), cmd('line1\nline2'))).toBe(true)
    expect(matches(rule("  s:\n    CommandLine|re: 'a.b'\n  condition: s"), cmd('a\nb'))).toBe(false)
    expect(matches(rule("  s:\n    CommandLine|re|s: 'a.b'\n  condition: s"), cmd('a\nb'))).toBe(true)
    expect(matches(rule("  s:\n    CommandLine|re: '(?i)WHOAMI'\n  condition: s"), cmd('whoami'))).toBe(true)
  })
  it('base64 encodes the value', () => {
    const r = rule('  s:\n    CommandLine|base64|contains: http://\n  condition: s')
    expect(matches(r, cmd(`x ${Buffer.from('http://').toString('base64')} y`))).toBe(true)
  })
  it('base64offset finds the value at any of the three byte offsets', () => {
    const r = rule('  s:\n    CommandLine|base64offset|contains: /bin/bash\n  condition: s')
    for (const prefix of ['', 'a', 'ab', 'abc']) {
      expect(matches(r, cmd(Buffer.from(`${prefix}/bin/bash -i`).toString('base64'))), `prefix ${prefix.length}`).toBe(true)
    }
    expect(matches(r, cmd(Buffer.from('/bin/sh -i').toString('base64')))).toBe(false)
  })
  it('utf16le / wide then base64offset (PowerShell -EncodedCommand)', () => {
    const r = rule('  s:\n    CommandLine|wide|base64offset|contains: Invoke-Mimikatz\n  condition: s')
    for (const prefix of ['', 'x', 'xy']) {
      const enc = Buffer.from(`${prefix}IEX; Invoke-Mimikatz -Dump`, 'utf16le').toString('base64')
      expect(matches(r, cmd(`powershell -enc ${enc}`)), `prefix ${prefix}`).toBe(true)
    }
    const r2 = rule('  s:\n    CommandLine|utf16le|base64offset|contains: Invoke-Mimikatz\n  condition: s')
    expect(matches(r2, cmd(Buffer.from('Invoke-Mimikatz', 'utf16le').toString('base64')))).toBe(true)
  })
  it('utf16be and utf16 (with byte order mark)', () => {
    const be = rule('  s:\n    CommandLine|utf16be|base64: cmd\n  condition: s')
    expect(matches(be, cmd(Buffer.from([0, 0x63, 0, 0x6d, 0, 0x64]).toString('base64')))).toBe(true)
    const bom = rule('  s:\n    CommandLine|utf16|base64: cmd\n  condition: s')
    expect(matches(bom, cmd(Buffer.from([0xff, 0xfe, 0x63, 0, 0x6d, 0, 0x64, 0]).toString('base64')))).toBe(true)
  })
  it('windash accepts -, /, en dash, em dash and horizontal bar where a flag starts', () => {
    const r = rule("  s:\n    CommandLine|windash|contains: ' -decode '\n  condition: s")
    for (const d of ['-', '/', '\u2013', '\u2014', '\u2015']) expect(matches(r, cmd(`certutil ${d}decode a b`)), d).toBe(true)
    expect(matches(r, cmd('certutil +decode a b'))).toBe(false)
    const all = rule("  s:\n    CommandLine|windash|contains|all:\n      - ' -urlcache '\n      - ' -f '\n  condition: s")
    expect(matches(all, cmd('certutil /urlcache /f http://x'))).toBe(true)
    expect(matches(all, cmd('certutil /urlcache http://x'))).toBe(false)
  })
  it('cidr (IPv4 and IPv6)', () => {
    const r = rule("  s:\n    IpAddress|cidr:\n      - 10.0.0.0/8\n      - 'fe80::/10'\n  condition: s")
    expect(matches(r, ev({IpAddress: '10.1.2.3'}))).toBe(true)
    expect(matches(r, ev({IpAddress: 'fe80::1'}))).toBe(true)
    expect(matches(r, ev({IpAddress: '11.1.2.3'}))).toBe(false)
    expect(matches(r, ev({IpAddress: '-'}))).toBe(false)
  })
  it('exists', () => {
    expect(matches(rule('  s:\n    CommandLine|exists: true\n  condition: s'), cmd('x'))).toBe(true)
    expect(matches(rule('  s:\n    Nope|exists: true\n  condition: s'), cmd('x'))).toBe(false)
    expect(matches(rule('  s:\n    Nope|exists: false\n  condition: s'), cmd('x'))).toBe(true)
  })
  it('fieldref compares two fields of the event', () => {
    const r = rule('  s:\n    SubjectUserName|fieldref: TargetUserName\n  condition: s')
    expect(matches(r, ev({SubjectUserName: 'Bob', TargetUserName: 'bob'}))).toBe(true)
    expect(matches(r, ev({SubjectUserName: 'Bob', TargetUserName: 'alice'}))).toBe(false)
    const ends = rule('  s:\n    CommandLine|fieldref|endswith: NewProcessName\n  condition: s')
    expect(matches(ends, cmd('run C:\\Windows\\System32\\cmd.exe'))).toBe(true)
  })
  it('gt, gte, lt, lte (decimal and hex field values)', () => {
    expect(matches(rule('  s:\n    Count|gt: 10\n  condition: s'), ev({Count: '11'}))).toBe(true)
    expect(matches(rule('  s:\n    Count|gt: 10\n  condition: s'), ev({Count: '10'}))).toBe(false)
    expect(matches(rule('  s:\n    Count|gte: 16\n  condition: s'), ev({Count: '0x10'}))).toBe(true)
    expect(matches(rule('  s:\n    Count|lt: 5\n  condition: s'), ev({Count: '4'}))).toBe(true)
    expect(matches(rule('  s:\n    Count|lte: 5\n  condition: s'), ev({Count: '6'}))).toBe(false)
    expect(matches(rule('  s:\n    Count|lt: 5\n  condition: s'), ev({Count: 'n/a'}))).toBe(false)
  })
  it('neq', () => {
    const r = rule('  s:\n    LogonType|neq: 5\n  condition: s')
    expect(matches(r, ev({LogonType: '10'}))).toBe(true)
    expect(matches(r, ev({LogonType: '5'}))).toBe(false)
  })
  it('expand takes placeholder values from the configuration; a missing one skips the rule', () => {
    const r = rule('  s:\n    TargetUserName|expand: "%admins%"\n  condition: s')
    expect(matches(r, ev({TargetUserName: 'root'}))).toBe(true)
    expect(matches(r, ev({TargetUserName: 'Administrator'}))).toBe(true)
    expect(matches(r, ev({TargetUserName: 'bob'}))).toBe(false)
    expect(skipReason(rule('  s:\n    TargetUserName|expand: "%nobody%"\n  condition: s'))).toMatch(/placeholder %nobody%/)
  })
  it('an unknown modifier skips the rule with the reason', () => {
    expect(skipReason(rule('  s:\n    CommandLine|sha256: x\n  condition: s'))).toMatch(/unsupported modifier 'sha256'/)
  })
})

describe('conditions', () => {
  const three = (cond: string) =>
    rule(`  sel_a:\n    CommandLine|contains: a\n  sel_b:\n    CommandLine|contains: b\n  filter:\n    CommandLine|contains: z\n  _aux:\n    CommandLine|contains: q\n  condition: ${cond}`)
  it('and, or, not, parentheses and precedence (or < and < not)', () => {
    expect(matches(three('sel_a or sel_b and filter'), cmd('a'))).toBe(true)
    expect(matches(three('(sel_a or sel_b) and filter'), cmd('a'))).toBe(false)
    expect(matches(three('sel_a and not filter'), cmd('az'))).toBe(false)
    expect(matches(three('not sel_a and sel_b'), cmd('b'))).toBe(true)
  })
  it('1 of sel_* and all of sel_* (wildcard patterns)', () => {
    expect(matches(three('1 of sel_*'), cmd('b'))).toBe(true)
    expect(matches(three('all of sel_*'), cmd('b'))).toBe(false)
    expect(matches(three('all of sel_*'), cmd('ab'))).toBe(true)
    expect(matches(three('1 of sel_* and not 1 of filter*'), cmd('abz'))).toBe(false)
  })
  it('1 of them / all of them skip identifiers starting with _', () => {
    expect(matches(three('1 of them'), cmd('q'))).toBe(false)
    expect(matches(three('1 of them'), cmd('z'))).toBe(true)
    expect(matches(three('all of them'), cmd('abz'))).toBe(true)
    expect(matches(three('all of them'), cmd('ab'))).toBe(false)
  })
  it('a list of conditions is OR', () => {
    const r = rule('  a:\n    CommandLine: x\n  b:\n    CommandLine: y\n  condition:\n    - a\n    - b')
    expect(matches(r, cmd('y'))).toBe(true)
  })
  it('deprecated aggregations and unknown identifiers are skipped with reasons', () => {
    expect(skipReason(rule('  s:\n    CommandLine: x\n  condition: s | count() > 5'))).toMatch(/aggregation/)
    expect(skipReason(rule('  s:\n    CommandLine: x\n  condition: s and nope'))).toMatch(/unknown search identifier 'nope'/)
  })
})

describe('files and logsources', () => {
  it('action: global merges into each following document', () => {
    const yaml = `action: global\ntitle: g\nlogsource:\n  product: windows\n  service: security\ndetection:\n  condition: sel\n---\nid: 00000000-0000-4000-8000-00000000000a\ndetection:\n  sel:\n    CommandLine: a\n---\nid: 00000000-0000-4000-8000-00000000000b\ndetection:\n  sel:\n    CommandLine: b\n`
    const set = compile(yaml)
    expect(set.rules.map((r) => r.id)).toEqual(['00000000-0000-4000-8000-00000000000a', '00000000-0000-4000-8000-00000000000b'])
    const m = createMatcher(set)
    expect(m.push(cmd('b')).map((h) => h.rule.id)).toEqual(['00000000-0000-4000-8000-00000000000b'])
  })
  it('keeps metadata', () => {
    const yaml = `title: T\nid: 00000000-0000-4000-8000-00000000000c\nstatus: test\nlevel: high\ndescription: D\ntags: [attack.t1110]\nreferences: [https://x]\nfalsepositives: [admins]\nlogsource:\n  product: windows\n  service: security\ndetection:\n  s:\n    CommandLine: a\n  condition: s\n`
    const [hit] = createMatcher(compile(yaml)).push(cmd('a'))
    expect(hit!.rule).toMatchObject({title: 'T', level: 'high', status: 'test', description: 'D', tags: ['attack.t1110'], references: ['https://x'], falsepositives: ['admins']})
    expect(hit!.event).toMatchObject({file: 'test.evtx', recordId: 1, eventId: 4688, computer: 'HOST1'})
  })
  it('service selects the channel: a security rule never sees System records', () => {
    const r = rule('  s:\n    CommandLine: a\n  condition: s')
    expect(matches(r, cmd('a'))).toBe(true)
    expect(matches(r, ev({CommandLine: 'a'}, {channel: 'System'}))).toBe(false)
  })
  it('process_creation reads Sysmon 1 and Security 4688 (renamed fields)', () => {
    const r = rule("  s:\n    Image|endswith: '\\cmd.exe'\n    ParentImage|endswith: '\\explorer.exe'\n  condition: s", 'product: windows\n  category: process_creation')
    const sec = ev({NewProcessName: 'C:\\Windows\\System32\\cmd.exe', ParentProcessName: 'C:\\Windows\\explorer.exe'}, {eventId: 4688})
    const sysmon = ev({Image: 'C:\\Windows\\System32\\cmd.exe', ParentImage: 'C:\\Windows\\explorer.exe'}, {eventId: 1, channel: 'Microsoft-Windows-Sysmon/Operational', provider: 'Microsoft-Windows-Sysmon'})
    const other = ev({NewProcessName: 'C:\\Windows\\System32\\cmd.exe', ParentProcessName: 'C:\\Windows\\explorer.exe'}, {eventId: 4689})
    expect(matches(r, sec)).toBe(true)
    expect(matches(r, sysmon)).toBe(true)
    expect(matches(r, other)).toBe(false)
  })
  it('registry_delete is Sysmon 12 with a delete EventType only', () => {
    const r = rule("  s:\n    TargetObject|contains: '\\Run\\'\n  condition: s", 'product: windows\n  category: registry_delete')
    const sys = {eventId: 12, channel: 'Microsoft-Windows-Sysmon/Operational'}
    expect(matches(r, ev({EventType: 'DeleteValue', TargetObject: 'HKLM\\x\\Run\\y'}, sys))).toBe(true)
    expect(matches(r, ev({EventType: 'CreateKey', TargetObject: 'HKLM\\x\\Run\\y'}, sys))).toBe(false)
  })
  it('unmapped logsources are skipped with the reason', () => {
    expect(skipReason(rule('  s:\n    a: b\n  condition: s', 'product: linux\n  service: auditd'))).toMatch(/product 'linux'/)
    expect(skipReason(rule('  s:\n    a: b\n  condition: s', 'product: windows\n  category: file_access'))).toMatch(/Kernel-File/)
  })
  it('product: ratchet reads normalized field names and attributes.x', () => {
    const yaml = `title: r\nid: 00000000-0000-4000-8000-00000000000d\nlogsource:\n  product: ratchet\n  service: anydesk\ndetection:\n  s:\n    event_type: remote_access.file_transfer\n    attributes.tool: AnyDesk\n  condition: s\n`
    const base = {id: 'e1', datetime: '2026-01-01T00:00:00.0000000Z', timestamp: 1767225600000000, timestamp_desc: 'x', message: 'm', artefact: 'a', evidence: {member: 'files/x', sha256: 'h'}} as const
    const yes = {...base, source: 'AnyDesk', event_type: 'remote_access.file_transfer', attributes: {tool: 'AnyDesk'}} as NormalizedEvent
    const no = {...yes, source: 'ScreenConnect'} as NormalizedEvent
    const set = compileRuleSet(parseSigmaYaml(yaml, 'r.yml').rules)
    expect(createMatcher(set).push(normalizedEvent(yes))[0]!.event).toMatchObject({file: 'files/x', eventRef: 'e1'})
    expect(createMatcher(set).push(normalizedEvent(no))).toEqual([])
  })
  it('normalized EVTX events meet windows rules through their attributes', () => {
    const e = {
      id: 'e2', datetime: '2026-01-01T00:00:00.0000000Z', timestamp: 1767225600000000, timestamp_desc: 'Event Logged', message: 'm', artefact: 'a', source: 'EVTX', event_type: 'process.created', host: 'HOST1',
      evidence: {member: 'files/Security.evtx', sha256: 'h', record: 7},
      attributes: {CommandLine: 'whoami', event_id: 4688, channel: 'Security', provider: 'Microsoft-Windows-Security-Auditing', record_id: 7},
    } as NormalizedEvent
    const [hit] = createMatcher(compile(rule('  s:\n    EventID: 4688\n    CommandLine: whoami\n  condition: s'))).push(normalizedEvent(e))
    expect(hit!.event).toMatchObject({recordId: 7, eventId: 4688, computer: 'HOST1', eventRef: 'e2'})
  })
})
