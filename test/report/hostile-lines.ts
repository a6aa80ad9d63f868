/**
 * Generated events.jsonl lines for the fast scan's equivalence tests: well-formed events as analyze writes
 * them, then hostile variants of each — whitespace, escapes (in keys and values), duplicate keys, Unicode and
 * invalid UTF-8, wrong types for every field the shape check or the report reads, odd numbers and literals,
 * truncation, stray bytes, deep nesting, long strings. Deterministic (seeded) so a failure can be replayed.
 */
export class Rng {
  constructor(private seed: number) {}
  next(): number {
    this.seed = (Math.imul(this.seed, 1103515245) + 12345) >>> 0
    return this.seed
  }
  int(n: number): number {
    return Math.floor((this.next() / 0x100000000) * n)
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!
  }
}

const HOSTS = ['WIN-L0ZZQ76PMUF', 'rxsrv01.corp.local', 'RXSRV01', 'RXSRV02', 'ДОМ-ПК', 'host😀', '']
// some of equal length: a cache of the last value must compare bytes, not lengths
const TYPES = ['evtx.record', 'logon.success', 'logon.failed', 'process.created', 'remote_access.command', 'registry.key']
const SOURCES = ['EVTX', 'Registry', 'ScreenConnect', 'registry', 'Registry ']

/** A well-formed event as a plain object (key order as analyze writes it; optional keys sometimes absent). */
export function baseEvent(r: Rng, i: number): Record<string, unknown> {
  const sec = 1_600_000_000 + i * 37 + (r.int(10) === 0 ? -5000 : 0) // sometimes out of order
  const iso = new Date(sec * 1000).toISOString().replace('.000Z', `.${String(r.int(10_000_000)).padStart(7, '0')}Z`)
  const e: Record<string, unknown> = {
    id: (i * 2654435761 >>> 0).toString(16).padStart(16, '0'),
    datetime: iso,
    timestamp: sec * 1_000_000 + r.int(1_000_000),
    timestamp_desc: 'Event Logged',
    message: r.pick(['Logon of SYSTEM (type 5 Service)', 'net user bob P@ssw0rd /add', 'C:\\Windows\\System32\\svchost.exe -k "x"', 'ünïcødé ✓', '']),
  }
  if (r.int(8) !== 0) e.source = r.pick(SOURCES)
  e.artefact = 'windows.eventlogs.all'
  e.event_type = r.pick(TYPES)
  if (r.int(6) !== 0) e.host = r.pick(HOSTS)
  if (r.int(5) === 0) e.user = 'SYSTEM'
  if (r.int(7) === 0) e.unverified = r.int(2) === 0
  if (r.int(9) === 0) e.command_line = 'cmd /c echo secret | anydesk --set-password'
  e.evidence = {member: 'files/C/Windows/System32/winevt/Logs/Security.evtx', sha256: 'e1c7b965ed520d0eed7121ca178f01eb713be2ada350b1b714e8c48688fb6988', offset: r.int(1 << 30), record: r.int(5000)}
  if (r.int(6) !== 0) e.attributes = {SubjectUserSid: 'S-1-5-18', ProcessName: 'C:\\Windows\\System32\\services.exe', event_id: 4624, nested: {list: [1, -2.5e-3, true, null, 'x'], empty: {}, none: []}, CommandLine: 'net user admin Secr3t! /add'}
  return e
}

const JSON_VALUES = ['1', '-0', '1.5', '1e400', '-1e-400', '12345678901234567', '0', 'null', 'true', 'false', '""', '"x"', '[]', '{}', '["a"]', '{"member":"m","sha256":"s"}', '[{"member":"m","sha256":"s"}]']
const BAD_NUMBERS = ['01', '1.', '.5', '1e', '-', '+1', '1E+5', '-0.0e-0', '0x10', 'Infinity', 'NaN', '1_000', '1e+.5', '1e.5', '-.5', '1.e5', '-01', '1e+', '1ee5', '0.1.2', '--1', '-0', '1' + '0'.repeat(308), '1' + '0'.repeat(309)]
const BAD_LITERALS = ['tru', 'nul', 'True', 'NULL', 'falsey', 'undefined']
const STRINGS_IN_JSON = ['"a\\u0062c"', '"\\"q\\""', '"back\\\\slash"', '"\\/"', '"\\ud800"', '"\\uDFFF\\uD800"', '"tab\\t"', '"bad\\x"', '"bad\\u12"', '"bad\\u12G4"', '"😀"', '"ДОМ"', '"a\tb"', '"a\u0000b"', '"a\u001fb"', '"a\u007fb"', '"\u2028"']
const DATETIMES = ['"2020-01-01T00:00:00Z"', '"2020-01-01T00:00:00"', '"2020-1-01T00:00:00Z"', '"20201-01-01T00:00:00Z"', '"２０２０-01-01T00:00:00Z"', '"2020-01-01 00:00:00Z"', '"2020-01-01T00:00:0"', '"2020-01-01T00:00:00\\u005a"', '"\\u0032020-01-01T00:00:00Z"', '"2020-01-01T00:00:00😀"', '"2020-01-01T23:59:59.9999999Z"']
const KEYS = ['id', 'datetime', 'timestamp', 'event_type', 'evidence', 'host', 'source', 'unverified', 'attributes', 'message', 'timestamp_desc', '__proto__', 'constructor', 'artefact']
const ESCAPED_KEYS: Record<string, string> = {id: '\\u0069d', host: 'h\\u006fst', source: 'sourc\\u0065', unverified: 'un\\u0076erified', datetime: 'date\\u0074ime', evidence: 'ev\\u0069dence', artefact: 'artef\\u0061ct'}

function setKey(line: string, key: string, value: string): string {
  // replaces the first value of `key` at top level when present (by text: good enough to make variants), else appends
  const at = line.indexOf(`"${key}":`)
  if (at === -1) return `${line.slice(0, -1)}${line.length > 2 ? ',' : ''}"${key}":${value}}`
  const start = at + key.length + 3
  // the value ends where a top-level key begins or the object ends; our base values hold no `,"` at depth 0
  let depth = 0
  let inStr = false
  let i = start
  for (; i < line.length; i++) {
    const c = line[i]
    if (inStr) {
      if (c === '\\') i++
      else if (c === '"') inStr = false
    } else if (c === '"') inStr = true
    else if (c === '{' || c === '[') depth++
    else if (c === '}' || c === ']') {
      if (depth === 0) break
      depth--
    } else if (c === ',' && depth === 0) break
  }
  return line.slice(0, start) + value + line.slice(i)
}

type Mutation = (line: string, r: Rng) => string | Buffer

const MUTATIONS: Mutation[] = [
  // whitespace JSON.parse allows (and a kind it does not) after a random structural character
  (l, r) => {
    const spots = [...l.matchAll(/[{}[\],:]/g)].map((m) => m.index)
    const at = spots.length > 0 ? r.pick(spots) + 1 : 0
    return l.slice(0, at) + r.pick([' ', '\t', '  ', '\u00a0', '\u2028', '\r', '\n']) + l.slice(at)
  },
  (l, r) => r.pick([' ', '\t', '']) + l + r.pick([' ', '\t', ' \t', 'x', ',', '}', '{}', '\u00a0']),
  // duplicate keys: JSON.parse keeps the last
  (l, r) => setKey(l, r.pick(KEYS), r.pick([...JSON_VALUES, ...DATETIMES])).replace(/}$/, `,"${r.pick(KEYS)}":${r.pick([...JSON_VALUES, ...STRINGS_IN_JSON, ...DATETIMES])}}`),
  (l, r) => {
    const k = r.pick(['id', 'host', 'source', 'unverified', 'event_type', 'datetime', 'timestamp', 'evidence'])
    const m = new RegExp(`"${k}":("[^"]*"|[^,}]*)`).exec(l)
    return m ? l.replace(/}$/, `,${m[0].replace(/"([^"]*)"$/, '"$1x"')}}`) : l
  },
  // escaped keys that decode to a wanted key
  (l, r) => {
    const k = r.pick(Object.keys(ESCAPED_KEYS))
    return l.replace(`"${k}":`, `"${ESCAPED_KEYS[k]}":`)
  },
  // wrong or odd values for every field
  (l, r) => setKey(l, r.pick(KEYS), r.pick([...JSON_VALUES, ...STRINGS_IN_JSON, ...DATETIMES])),
  (l, r) => setKey(l, 'datetime', r.pick(DATETIMES)),
  (l, r) => setKey(l, r.pick(['id', 'event_type', 'host', 'source', 'message']), r.pick(STRINGS_IN_JSON)),
  (l, r) => setKey(l, r.pick(['timestamp', 'unverified', 'host']), r.pick([...BAD_NUMBERS, ...BAD_LITERALS, ...JSON_VALUES])),
  (l, r) => setKey(l, 'attributes', `{"n":${r.pick([...BAD_NUMBERS, ...BAD_LITERALS, ...JSON_VALUES])}}`),
  (l, r) => setKey(l, 'evidence', r.pick(['[]', 'null', '{}', '{"member":"a"}', '{"member":"a","sha256":1}', '{"member":"a","sha256":"b","member":"c"}', '{"member":"a","sha256":"b","member":1}', '{"sha256":"b","member":"a","x":[{"y":{}}]}', '{"m\\u0065mber":"a","sha256":"b"}', '{"member":"a","sha256":"b","m\\u0065mber":1}', '{"member":"a","sha256":"b","sha\\u0032\\u00356":null}', '{"member":"a" ,"sha256":"b"}'])),
  // a repeated key with another value (JSON.parse keeps the last)
  (l, r) => l.replace(/}$/, `,"${r.pick(['unverified', 'host', 'source', 'id', 'timestamp'])}":${r.pick(['true', 'false', '"h"', '"Registry"', '1', 'null'])}}`),
  // truncated
  (l, r) => l.slice(0, r.int(l.length)),
  // a stray character anywhere (structure, control, non-ASCII)
  (l, r) => {
    const at = r.int(l.length + 1)
    return l.slice(0, at) + r.pick(['"', '\\', ',', ':', '{', '}', '[', ']', '\u0000', '\u001f', '\u007f', 'é', '0', '-', 'e']) + l.slice(at)
  },
  (l, r) => {
    const at = r.int(l.length)
    return l.slice(0, at) + l.slice(at + 1)
  },
  // invalid UTF-8 bytes: inside strings, next to quotes, outside strings
  (l, r) => {
    const b = Buffer.from(l, 'utf8')
    const at = r.int(b.length + 1)
    const junk = r.pick([[0xff], [0xc3], [0xe2, 0x82], [0xf0, 0x9f, 0x98], [0x80], [0xc0, 0xa2], [0xed, 0xa0, 0x80], [0xef, 0xbb, 0xbf]])
    return Buffer.concat([b.subarray(0, at), Buffer.from(junk), b.subarray(at)])
  },
  (l, r) => {
    const k = r.pick(['id', 'host', 'event_type', 'source', 'datetime'])
    const b = Buffer.from(l, 'utf8')
    const at = b.indexOf(`"${k}":"`)
    if (at === -1) return b
    const v = at + k.length + 4
    const end = b.indexOf(0x22, v)
    const junk = r.pick([[0xff], [0xc3], [0xe2, 0x82], [0xf0, 0x9f, 0x98]])
    const where = r.pick([v, end])
    return Buffer.concat([b.subarray(0, where), Buffer.from(junk), b.subarray(where)])
  },
  // nesting around the 32-level bound of the fast scan
  (l, r) => {
    const d = r.pick([30, 31, 32, 33, 40, 2000])
    return setKey(l, r.pick(['attributes', 'artefact']), `${'{"a":'.repeat(d)}[1]${'}'.repeat(d)}`)
  },
  (l, r) => setKey(l, 'attributes', `{"a":${'['.repeat(r.pick([31, 32, 33]))}${']'.repeat(r.pick([31, 32, 33]))}}`),
  // long strings
  (l, r) => setKey(l, r.pick(['message', 'host', 'id']), JSON.stringify('x\\"é'.repeat(r.pick([300, 5000])))),
  // not an object at all
  (l, r) => r.pick(['[' + l + ']', '"' + l + '"', 'null', '{}', '{"id":"a"}', '1', '']),
  (l) => l.replace('{', '\ufeff{'),
  (l) => l.replace(/}$/, ',}'),
  (l) => l.replace(/^{/, '{,'),
]

/** One line: a well-formed event (about a third of the time) or a variant with one to three mutations. */
export function hostileLine(r: Rng, i: number): Buffer {
  let line = JSON.stringify(baseEvent(r, i))
  if (r.int(3) === 0) return Buffer.from(line, 'utf8')
  const k = 1 + r.int(3)
  for (let j = 0; j < k; j++) {
    const out = r.pick(MUTATIONS)(line, r)
    // a Buffer came from a byte-level mutation: stop (further string mutations would re-encode it)
    if (typeof out !== 'string') return out
    line = out
  }
  return Buffer.from(line, 'utf8')
}

/**
 * Hand-picked lines, one per rule of the fast scan (each must decide exactly as the general path does).
 * `ok` is a well-formed line; the others change one thing.
 */
export function edgeLines(): string[] {
  const ok = '{"id":"a1","datetime":"2020-01-01T00:00:00.1234567Z","timestamp":1577836800123456,"event_type":"t","host":"H","source":"Registry","unverified":true,"evidence":{"member":"m","sha256":"s"},"attributes":{"k":[1,{"x":null}]}}'
  const deep = (n: number): string => ok.replace('"attributes":{', `"attributes":{"d":${'['.repeat(n)}${']'.repeat(n)},`)
  return [
    ok,
    ok.replace('"unverified":true', '"unverified":true,"unverified":false'),
    ok.replace('"unverified":true', '"unverified":false,"unverified":true'),
    ok.replace('"host":"H"', '"host":"H","host":"G"'),
    ok.replace('"source":"Registry"', '"source":"Registry","source":"EVTX"'),
    ok.replace('"id":"a1"', '"id":"a1","id":"b2"'),
    ok.replace('"timestamp":1577836800123456', '"timestamp":1577836800123456,"timestamp":1e400'),
    ok.replace('"timestamp":1577836800123456', `"timestamp":1${'0'.repeat(309)}`),
    ok.replace('"timestamp":1577836800123456', `"timestamp":1${'0'.repeat(300)}`),
    ok.replace('"timestamp":1577836800123456', '"timestamp":1577836800123456.5'),
    ok.replace('"attributes":{', '"attributes":null,"x":{'),
    ok.replace('"attributes":{', '"attributes":{},"attributes":{'),
    ok.replace('"evidence":{', '"evidence":{"member":1,'),
    ok.replace('"evidence":{', '"evidence":{"m\\u0065mber":1,'),
    ok.replace('"sha256":"s"', '"sha256":"s","sha256":null'),
    ok.replace('"id":"a1"', '"\\u0069d":"a1"'),
    ok.replace('"id":"a1"', '"id":"a1","\\u0069d":7'),
    ok.replace('"host":"H"', '"host":"H","ho\\u0073t":7'),
    ok.replace('"host":"H"', '"host":"H\\u0041"'),
    ok.replace('"datetime":"2020', '"datetime":"\\u0032020'),
    deep(30),
    deep(31),
    deep(40),
    // far deeper than any recursion could follow: must be refused, never a stack overflow
    deep(200_000),
    ok.replace('"k":[1,', '"k":[1e+.5,'),
    ok.replace('"k":[1,', '"k":[-.5,'),
    ok.replace('"k":[1,', '"k":[1.e5,'),
    ok.replace('"k":[1,', '"k":[1E-07,'),
    ok.replace('"k":[1,', '"k":[tru,'),
    ok.replace('"k":[1,', '"k":["\\uD83D\\uDE00\\u0000\\/",'),
    ok.replace('"k":[1,', '"k":["\\u00G0",'),
    ok + ' ',
    ok + '\t',
    ' ' + ok,
    ok.replace(':', ': '),
    ok.slice(0, -1),
    '{}',
    '',
  ]
}
