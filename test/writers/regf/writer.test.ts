import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {BIG_DATA_SEGMENT, baseBlockChecksum, lhHash, writeRegf, type RegfKey, type RegfValue} from '../../../src/writers/regf/index.js'
import {encodeValueData, typeNumber} from '../../../src/writers/regf/values.js'
import {hasHivexregedit, hasRegfexport, hivexExport, regfexportKeys} from './oracles.js'

const tmp = mkdtempSync(join(tmpdir(), 'ratchet-regfw-'))
afterAll(() => rmSync(tmp, {recursive: true, force: true}))

const T0 = '2023-11-02T03:05:12.3310000Z'
const big = Buffer.from(Array.from({length: 3 * BIG_DATA_SEGMENT + 1234}, (_, i) => (i * 7) & 0xff))

/** One value of every type, plus the big-data and Unicode-name cases. */
const VALUES: RegfValue[] = [
  {name: '', type: 'REG_SZ', data: 'default value'},
  {name: 'Sz', type: 'REG_SZ', data: 'C:\\Program Files (x86)\\AnyDesk\\AnyDesk.exe'},
  {name: 'EmptySz', type: 'REG_SZ', data: ''},
  {name: 'Expand', type: 'REG_EXPAND_SZ', data: '%SystemRoot%\\System32\\svchost.exe -k netsvcs'},
  {name: 'Binary', type: 'REG_BINARY', data: new Uint8Array([0, 1, 2, 0xfe, 0xff, 0x10, 0x20])},
  {name: 'Dword', type: 'REG_DWORD', data: 0xdeadbeef},
  {name: 'DwordBE', type: 'REG_DWORD_BIG_ENDIAN', data: 0x01020304},
  {name: 'Link', type: 'REG_LINK', data: '\\Registry\\Machine\\System\\ControlSet001'},
  {name: 'Multi', type: 'REG_MULTI_SZ', data: ['first', 'second', 'Überweisung']},
  {name: 'Qword', type: 'REG_QWORD', data: 0x0123456789abcdefn},
  {name: 'None', type: 'REG_NONE', data: new Uint8Array(0)},
  {name: 'Resources', type: 'REG_RESOURCE_LIST', data: new Uint8Array([1, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0])},
  {name: 'FullResource', type: 'REG_FULL_RESOURCE_DESCRIPTOR', data: new Uint8Array([5, 0, 0, 0, 1, 0, 0, 0])},
  {name: 'Requirements', type: 'REG_RESOURCE_REQUIREMENTS_LIST', data: new Uint8Array(40).fill(9)},
  {name: 'Big', type: 'REG_BINARY', data: big},
  {name: 'Tiny', type: 'REG_BINARY', data: new Uint8Array([0xab])},
  {name: 'Dräger', type: 'REG_SZ', data: 'latin-1 name stored as UTF-16'},
  {name: 'Odd "quoted" \\ name', type: 'REG_DWORD', data: 1},
  {name: 'RidType', type: 0x3ec, data: new Uint8Array(0)},
]

function tree(subkeyCount: number): RegfKey {
  return {
    name: 'ROOT',
    lastWritten: T0,
    subkeys: [
      {name: 'Types', lastWritten: '2023-10-11T20:02:37.5521906Z', className: 'ratchet', values: VALUES},
      {name: 'Many', lastWritten: T0, subkeys: Array.from({length: subkeyCount}, (_, i) => ({name: `Key${String(i).padStart(4, '0')}`, lastWritten: T0, values: [{name: 'i', type: 'REG_DWORD' as const, data: i}]}))},
      {name: 'Ключ реестра', lastWritten: T0, values: [{name: 'Значение', type: 'REG_SZ', data: 'юникод'}]},
      // Mixed case and '_' (between 'Z' and 'a' in ASCII): order must be by upper-cased name.
      {name: 'mixed', lastWritten: T0, subkeys: ['b', 'A', '_x', 'C', 'a_'].map((n) => ({name: n, lastWritten: T0}))},
    ],
  }
}

const u32 = (b: Buffer, p: number): number => b.readUInt32LE(p)

describe('regf writer: layout facts', () => {
  const hive = writeRegf(tree(40), {fileName: '\\??\\C:\\Windows\\System32\\config\\SOFTWARE'})

  it('base block: signature, equal sequence numbers, version 1.5, valid checksum, sizes', () => {
    expect(hive.toString('latin1', 0, 4)).toBe('regf')
    expect(u32(hive, 4)).toBe(u32(hive, 8))
    expect([u32(hive, 20), u32(hive, 24)]).toEqual([1, 5])
    expect(u32(hive, 508)).toBe(baseBlockChecksum(hive.subarray(0, 512)))
    expect(hive.length).toBe(4096 + u32(hive, 40))
    expect(hive.toString('utf16le', 48, 48 + 62).replace(/\0+$/, '')).toBe('\\Windows\\System32\\config\\SOFTWARE'.slice(-31))
  })

  it('hbins are 4 KiB multiples tiled exactly by 8-aligned cells; allocated cells have negative sizes', () => {
    let p = 4096
    let allocated = 0
    while (p < hive.length) {
      expect(hive.toString('latin1', p, p + 4)).toBe('hbin')
      const size = u32(hive, p + 8)
      expect(size % 4096).toBe(0)
      expect(u32(hive, p + 4)).toBe(p - 4096)
      let c = p + 32
      while (c < p + size) {
        const s = hive.readInt32LE(c)
        expect(Math.abs(s) % 8).toBe(0)
        expect(Math.abs(s)).toBeGreaterThan(0)
        if (s < 0) allocated++
        c += Math.abs(s)
      }
      expect(c).toBe(p + size)
      p += size
    }
    expect(allocated).toBeGreaterThan(100)
  })

  it('one sk cell, shared by every key, holds a self-relative security descriptor', () => {
    const sk = 4096 + 32 // first cell of the first hbin
    const c = sk + 4
    expect(hive.toString('latin1', c, c + 2)).toBe('sk')
    expect([u32(hive, c + 4), u32(hive, c + 8)]).toEqual([sk - 4096, sk - 4096]) // flink = blink = itself
    expect(u32(hive, c + 12)).toBe(1 + 4 + 40 + 5) // reference count = number of keys
    const sd = hive.subarray(c + 20, c + 20 + u32(hive, c + 16))
    expect([sd[0], sd.readUInt16LE(2)]).toEqual([1, 0x8004]) // revision 1, SE_SELF_RELATIVE | SE_DACL_PRESENT
    const owner = sd.readUInt32LE(4)
    expect(sd.subarray(owner, owner + 16).toString('hex')).toBe('01020000000000052000000020020000') // S-1-5-32-544
    const dacl = sd.readUInt32LE(16)
    expect([sd[dacl], sd.readUInt16LE(dacl + 2), sd.readUInt16LE(dacl + 4)]).toEqual([2, sd.length - dacl, 3])
    // every nk points at it
    for (let p = hive.indexOf('nk', 4096); p > 0; p = hive.indexOf('nk', p + 2)) {
      if (hive.readInt32LE(p - 4) < 0 && (p - 4 - 4096) % 8 === 0) expect(u32(hive, p + 44)).toBe(sk - 4096)
    }
  })

  it('lh hash is the documented hash*37 + character over the upper-cased name', () => {
    expect(lhHash('a')).toBe(0x41)
    expect(lhHash('ab')).toBe(0x41 * 37 + 0x42)
    expect(lhHash('Software')).toBe(lhHash('SOFTWARE'))
    let h = 0
    for (const c of 'CONTROLSET001') h = (h * 37 + c.charCodeAt(0)) % 2 ** 32
    expect(lhHash('ControlSet001')).toBe(h)
  })

  it('a key with more subkeys than one leaf takes gets an ri index of sorted lh leaves', () => {
    const h = writeRegf(tree(1100), {maxLeafEntries: 500})
    const ri = h.indexOf(Buffer.from('ri'), 4096)
    expect(ri).toBeGreaterThan(0)
    expect(h.readUInt16LE(ri + 2)).toBe(3)
  })

  it('refuses duplicate names (case-insensitive) and data that does not fit its type', () => {
    expect(() => writeRegf({name: 'R', lastWritten: T0, subkeys: [{name: 'a', lastWritten: T0}, {name: 'A', lastWritten: T0}]})).toThrow(/duplicate subkey/)
    expect(() => writeRegf({name: 'R', lastWritten: T0, values: [{name: 'x', type: 'REG_DWORD', data: 'no'}]})).toThrow(/does not fit/)
  })
})

function expectedBytes(v: RegfValue): Buffer {
  return encodeValueData(v)
}

describe.skipIf(!hasHivexregedit)('regf writer output read by hivexregedit --export', () => {
  for (const minor of [5, 3] as const) {
    it(`version 1.${minor}: every key and every value type, big data, many subkeys, Unicode names`, () => {
      const file = join(tmp, `hivex-1${minor}.hive`)
      writeFileSync(file, writeRegf(tree(1300), {minorVersion: minor, maxLeafEntries: 512}))
      const keys = hivexExport(file)
      expect(keys.size).toBe(1 + 4 + 1300 + 5)
      const types = keys.get('\\Types')!
      expect(types.values.map((v) => v.name).sort()).toEqual(VALUES.map((v) => v.name).sort())
      for (const v of VALUES) {
        const got = types.values.find((x) => x.name === v.name)!
        expect({name: v.name, type: got.type, data: got.data.toString('hex')}).toEqual({name: v.name, type: typeNumber(v.type), data: expectedBytes(v).toString('hex')})
      }
      for (let i = 0; i < 1300; i++) {
        const k = keys.get(`\\Many\\Key${String(i).padStart(4, '0')}`)
        expect(k?.values[0]?.data.readUInt32LE(0)).toBe(i)
      }
      expect(keys.has('\\Ключ реестра')).toBe(true)
      expect(keys.has('\\mixed\\_x')).toBe(true)
    })
  }
})

describe.skipIf(!hasRegfexport)('regf writer output read by regfexport (libregf)', () => {
  for (const minor of [5, 3] as const) {
    it(`version 1.${minor}: keys, class name, every value type, big data, Unicode names`, () => {
      const file = join(tmp, `regf-1${minor}.hive`)
      writeFileSync(file, writeRegf(tree(1300), {minorVersion: minor}))
      const keys = regfexportKeys(file)
      expect(keys.size).toBe(1 + 4 + 1300 + 5)
      const types = keys.get('ROOT\\Types')!
      expect(types.className).toBe('ratchet')
      for (const v of VALUES) {
        const got = types.values.find((x) => x.name === v.name)
        const bytes = expectedBytes(v)
        expect({name: got?.name, type: got?.type, size: got?.size}).toEqual({name: v.name, type: typeNumber(v.type), size: bytes.length})
        // regfexport 20201007 prints resident data shorter than 4 bytes as zeros (hivex reads the bytes the
        // format stores at the start of the data offset field); compare those by size only.
        const residentShort = bytes.length > 0 && bytes.length < 4
        if (got?.bytes && !residentShort) expect(got.bytes.toString('hex')).toBe(bytes.toString('hex'))
      }
      const text = (n: string): string | undefined => types.values.find((x) => x.name === n)?.text
      expect(text('Sz')).toBe('C:\\Program Files (x86)\\AnyDesk\\AnyDesk.exe')
      expect(text('Dword')).toBe(String(0xdeadbeef))
      expect(text('DwordBE')).toBe(String(0x01020304))
      expect(text('Qword')).toBe(String(0x0123456789abcdefn))
      expect(types.values.find((x) => x.name === 'Big')?.bytes?.equals(big)).toBe(true)
      const uni = keys.get('ROOT\\Ключ реестра')!
      expect(uni.values).toMatchObject([{name: 'Значение', text: 'юникод'}])
      // Subkeys come back in Windows order: by upper-cased name.
      const mixed = [...keys.keys()].filter((k) => k.startsWith('ROOT\\mixed\\')).map((k) => k.slice('ROOT\\mixed\\'.length))
      expect(mixed).toEqual(['A', 'a_', 'b', 'C', '_x'])
    })
  }
})
