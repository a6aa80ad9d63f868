import {describe, expect, it} from 'vitest'
import {isRatchetError, type RatchetError} from '../../src/core/errors.js'
import {classifyAuto} from '../../src/detect/ioc/classify.js'
import {detectFormat, parseIocText} from '../../src/detect/ioc/load.js'
import {parseSimplePattern} from '../../src/detect/ioc/parse-stix.js'
import {refang} from '../../src/detect/ioc/refang.js'

function parseError(fn: () => unknown): RatchetError {
  try {
    fn()
  } catch (e) {
    if (isRatchetError(e)) return e
    throw e
  }
  throw new Error('expected a RatchetError')
}

const values = (text: string, file = 'list.txt'): string[] => parseIocText(text, file).indicators.map((i) => `${i.type}:${i.value}`)

describe('refang', () => {
  it('undoes the common defanging forms', () => {
    expect(refang('1.2.3[.]4').value).toBe('1.2.3.4')
    expect(refang('hxxps://evil(.)example[.]com/a').value).toBe('https://evil.example.com/a')
    expect(refang('hxxp[://]x{.}org').value).toBe('http://x.org')
    expect(refang('rs.tdsclinical[dot]com').value).toBe('rs.tdsclinical.com')
    expect(refang('user[@]example[.]com').value).toBe('user@example.com')
    expect(refang('fe80[:]:1').value).toBe('fe80::1')
    expect(refang('plain.example.com').defanged).toBe(false)
  })
})

describe('plain-text IOC lists', () => {
  it('detects every type, refangs, skips comments and keeps descriptions', () => {
    const text = [
      '# sector alert',
      '// another comment',
      '',
      '203.0.113[.]66   # AnyDesk peer',
      '198.51.100.0/24',
      '2001:db8::dead:beef',
      '2001:DB8:1::/48',
      'rs.tdsclinical[.]com',
      'hxxps://bad.example[.]net/payload.bin',
      'text.xml',
      'C:\\Users\\Public\\tools\\nc64.exe',
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      'DA39A3EE5E6B4B0D3255BFEF95601890AFD80709',
      'd41d8cd98f00b204e9800998ecf8427e',
      '442 226 597',
      'user:helpdesk$',
      'relay:instance-x-relay.screenconnect[.]com',
      'domain:text.xml',
      'evil.zip\tzip TLD is a domain when defanged? no: file by default',
      '10.0.0.0/8',
    ].join('\n')
    const r = parseIocText(text, 'alert.txt')
    expect(r.indicators.map((i) => `${i.type}:${i.value}`)).toEqual([
      'ipv4:203.0.113.66',
      'cidr:198.51.100.0/24',
      'ipv6:2001:db8::dead:beef',
      'cidr:2001:db8:1::/48',
      'domain:rs.tdsclinical.com',
      'url:https://bad.example.net/payload.bin',
      'file_name:text.xml',
      'file_name:nc64.exe',
      'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      'sha1:da39a3ee5e6b4b0d3255bfef95601890afd80709',
      'md5:d41d8cd98f00b204e9800998ecf8427e',
      'anydesk_id:442226597',
      'user_name:helpdesk$',
      'screenconnect_relay:instance-x-relay.screenconnect.com',
      'domain:text.xml',
      'file_name:evil.zip',
      'cidr:10.0.0.0/8',
    ])
    expect(r.indicators[0].raw).toBe('203.0.113[.]66')
    expect(r.indicators[0].source).toBe('alert.txt:4')
    expect(r.indicators[15].description).toMatch(/zip TLD/)
  })

  it('a defanged name with a file extension is a domain (only network indicators are defanged)', () => {
    expect(values('evil[.]zip')).toEqual(['domain:evil.zip'])
  })

  it('rejects octal/hex-looking IPv4 instead of reading 010.1.2.3 as 8.1.2.3', () => {
    const e = parseError(() => parseIocText('1.2.3.4\n010.1.2.3\n', 'ips.txt'))
    expect(e.code).toBe('E_IOC_PARSE')
    expect(e.message).toContain('ips.txt:2')
    expect(e.details).toMatchObject({file: 'ips.txt', line: 2})
    expect(classifyAuto('0x7f.0.0.1', false).ok).toBe(false)
  })

  it('names the file and line of a malformed line', () => {
    const e = parseError(() => parseIocText('good.example.com\n\n# c\nthis is not one indicator\n', 'feed.txt'))
    expect(e.code).toBe('E_IOC_PARSE')
    expect(e.message).toMatch(/^feed\.txt:4: /)
    const e2 = parseError(() => parseIocText('ok.example.com\n???\n', 'x.txt'))
    expect(e2.message).toContain('x.txt:2')
    expect(e2.message).toMatch(/cannot tell/)
    const e3 = parseError(() => parseIocText('md5:abcd\n', 'x.txt'))
    expect(e3.message).toContain('x.txt:1')
    const e4 = parseError(() => parseIocText('10.0.0.0/33\n', 'x.txt'))
    expect(e4.message).toContain('x.txt:1')
  })
})

describe('CSV IOC lists', () => {
  it('reads type,value[,description,source] with and without a header, quotes and CRLF', () => {
    const withHeader = 'type,value,description,source\r\nip,203.0.113[.]66,"AnyDesk peer, seen twice",HC3\r\ndomain,"rs.tdsclinical[.]com",relay,HC3\r\nhash,D41D8CD98F00B204E9800998ECF8427E,,\r\n'
    const r = parseIocText(withHeader, 'iocs.csv')
    expect(r.indicators.map((i) => `${i.type}:${i.value}`)).toEqual(['ipv4:203.0.113.66', 'domain:rs.tdsclinical.com', 'md5:d41d8cd98f00b204e9800998ecf8427e'])
    expect(r.indicators[0].description).toBe('AnyDesk peer, seen twice')
    expect(r.indicators[0].source).toBe('HC3 (iocs.csv:2)')
    expect(r.indicators[2].source).toBe('iocs.csv:4')
    const noHeader = parseIocText('# comment\nfile_name,text.xml\nanydesk_id,442226597,attacker\n', 'x.csv')
    expect(noHeader.indicators.map((i) => `${i.type}:${i.value}`)).toEqual(['file_name:text.xml', 'anydesk_id:442226597'])
    const reordered = parseIocText('value,type\nevil.example.com,domain\n', 'r.csv')
    expect(reordered.indicators[0]).toMatchObject({type: 'domain', value: 'evil.example.com'})
  })

  it('names the line of a malformed row', () => {
    const e = parseError(() => parseIocText('type,value\nip,1.2.3.4\nip,not-an-ip\n', 'bad.csv'))
    expect(e.code).toBe('E_IOC_PARSE')
    expect(e.message).toMatch(/^bad\.csv:3: /)
    const e2 = parseError(() => parseIocText('type,value\nip,1.2.3.4\nwidget,abc\n', 'bad.csv'))
    expect(e2.message).toMatch(/bad\.csv:3: unknown indicator type "widget"/)
    const e3 = parseError(() => parseIocText('type,value\nip,1.2.3.4\ndomain,\n', 'bad.csv'))
    expect(e3.message).toContain('bad.csv:3')
    const e4 = parseError(() => parseIocText('type,value\nip,"1.2.3.4\n', 'bad.csv'))
    expect(e4.message).toMatch(/bad\.csv:2: unterminated/)
  })

  it('detects CSV by content when the extension says nothing', () => {
    expect(detectFormat('iocs.txt', 'type,value\nip,1.2.3.4\n')).toBe('csv')
    expect(detectFormat('iocs', 'ip,1.2.3.4\n')).toBe('csv')
    expect(detectFormat('iocs', '1.2.3.4\n')).toBe('text')
    expect(detectFormat('feed', '{"type":"bundle"}')).toBe('stix')
  })
})

describe('STIX 2.1 bundles', () => {
  const bundle = {
    type: 'bundle',
    id: 'bundle--1',
    objects: [
      {type: 'identity', id: 'identity--1', name: 'HC3'},
      {type: 'indicator', id: 'indicator--a', name: 'relay', pattern_type: 'stix', pattern: "[domain-name:value = 'rs.tdsclinical[.]com']"},
      {type: 'indicator', id: 'indicator--b', pattern_type: 'stix', pattern: "[ipv4-addr:value = '203.0.113.66'] OR [ipv4-addr:value = '198.51.100.0/24']"},
      {type: 'indicator', id: 'indicator--c', pattern_type: 'stix', pattern: "[file:hashes.'SHA-256' = 'E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855' OR file:name = 'text.xml']"},
      {type: 'indicator', id: 'indicator--d', pattern_type: 'stix', pattern: "[url:value = 'https://bad.example.net/x'] OR [ipv6-addr:value IN ('2001:db8::1', '2001:db8::2')]"},
      {type: 'indicator', id: 'indicator--e', pattern_type: 'stix', pattern: "[file:name = 'a.exe' AND file:size > 100]"},
      {type: 'indicator', id: 'indicator--f', pattern_type: 'stix', pattern: "[process:name = 'evil.exe']"},
      {type: 'indicator', id: 'indicator--g', pattern_type: 'sigma', pattern: 'title: x'},
      {type: 'indicator', id: 'indicator--h', pattern_type: 'stix', pattern: "[domain-name:value MATCHES '^evil']"},
      {type: 'indicator', id: 'indicator--i', pattern_type: 'stix', pattern: "[ipv4-addr:value = '1.2.3.4'] FOLLOWEDBY [ipv4-addr:value = '5.6.7.8'] WITHIN 60 SECONDS"},
      {type: 'indicator', id: 'indicator--j', pattern_type: 'stix', pattern: "[domain-name:value = 'old.example.com']", revoked: true},
    ],
  }

  it('loads supported patterns and lists every unsupported one with a reason', () => {
    const r = parseIocText(JSON.stringify(bundle), 'feed.json')
    expect(r.indicators.map((i) => `${i.type}:${i.value}`)).toEqual([
      'domain:rs.tdsclinical.com',
      'ipv4:203.0.113.66',
      'cidr:198.51.100.0/24',
      'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      'file_name:text.xml',
      'url:https://bad.example.net/x',
      'ipv6:2001:db8::1',
      'ipv6:2001:db8::2',
    ])
    expect(r.indicators[0]).toMatchObject({source: 'feed.json#indicator--a', description: 'relay'})
    expect(r.skipped.map((s) => s.source)).toEqual([
      'feed.json#indicator--e',
      'feed.json#indicator--f',
      'feed.json#indicator--g',
      'feed.json#indicator--h',
      'feed.json#indicator--i',
      'feed.json#indicator--j',
    ])
    expect(r.skipped[0].reason).toMatch(/AND/)
    expect(r.skipped[1].reason).toMatch(/process:name/)
    expect(r.skipped[2].reason).toMatch(/sigma/)
    expect(r.skipped[3].reason).toMatch(/MATCHES/)
    expect(r.skipped[5].reason).toMatch(/revoked/)
  })

  it('rejects files that are not STIX', () => {
    expect(parseError(() => parseIocText('{"type":"report"}', 'x.json')).code).toBe('E_IOC_PARSE')
    expect(parseError(() => parseIocText('{not json', 'x.json')).message).toMatch(/not valid JSON/)
  })

  it('parses OR-joined pattern shapes and refuses the rest', () => {
    expect(parseSimplePattern("([a:b = 'x'] OR [c:d = 'y'])")).toEqual([{path: 'a:b', value: 'x'}, {path: 'c:d', value: 'y'}])
    expect(parseSimplePattern("[a:b = 'it\\'s']")).toEqual([{path: 'a:b', value: "it's"}])
    expect(typeof parseSimplePattern("[a:b != 'x']")).toBe('string')
    expect(typeof parseSimplePattern("[a:b = 'x'")).toBe('string')
  })
})
