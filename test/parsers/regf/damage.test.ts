import {describe, expect, it} from 'vitest'
import {putU32, writeBaseBlockChecksum} from '../../../src/parsers/regf/base-block.js'
import {dumpJson, Hive, recoverHive} from '../../../src/parsers/regf/index.js'
import {buildHive, dword, utf16z, type TKey} from './build.js'

const tree: TKey = {
  name: 'ROOT',
  values: [{name: 'x', type: 1, data: utf16z('hello world')}],
  subkeys: [{name: 'A', subkeys: [{name: 'A1'}]}, {name: 'B', values: [{name: 'n', type: 4, data: dword(5)}]}],
}
const paths = (h: Hive): string[] => [...dumpJson(h)].map((k) => k.path)
const codes = (h: Hive): string[] => h.diagnostics.map((d) => d.code)
/** Position of the nk field at `field` of the key at `path`. */
const nkField = (b: ReturnType<typeof buildHive>, path: string, field: number): number => 4096 + b.keys.get(path)! + 4 + field

describe('regf damage: each kind is a diagnostic with an offset, and the walk goes on', () => {
  it('not a hive: typed E_INPUT_FORMAT error', () => {
    expect(() => new Hive(new Uint8Array(8192))).toThrow(expect.objectContaining({code: 'E_INPUT_FORMAT'}))
  })
  it('bad base-block checksum: warning, still read', () => {
    const b = buildHive(tree)
    b.bytes[508]! ^= 0xff
    const h = new Hive(b.bytes)
    expect(codes(h)).toContain('REGF_BASE_CHECKSUM')
    expect(paths(h)).toEqual(['', 'A', 'A\\A1', 'B'])
  })
  it('truncated file: error with the offset where data ends; keys in the remaining bytes still read', () => {
    const b = buildHive(tree)
    const cut = b.bytes.subarray(0, 4096 + b.keys.get('B')! + 8)
    const h = new Hive(cut)
    const d = h.diagnostics.find((x) => x.code === 'REGF_TRUNCATED')!
    expect(d.offset).toBe(cut.length)
    expect(paths(h)).toContain('')
    expect(h.diagnostics.some((x) => x.code === 'REGF_CELL_OUT_OF_BOUNDS' || x.code === 'REGF_CELL_SIZE')).toBe(true)
  })
  it('cell offset outside the file: reported with the offset, siblings still read', () => {
    const b = buildHive(tree)
    putU32(b.bytes, nkField(b, 'A', 28), 0x7ffffff0) // A's subkey list
    const h = new Hive(b.bytes)
    expect(paths(h)).toEqual(['', 'A', 'B'])
    expect(h.diagnostics.find((d) => d.code === 'REGF_CELL_OUT_OF_BOUNDS')?.offset).toBe(4096 + 0x7ffffff0)
  })
  it('loop in a subkey list (a child listing its ancestor) is detected and not followed', () => {
    const b = buildHive(tree)
    // A1 claims one subkey: the root's list, which holds A and B again.
    putU32(b.bytes, nkField(b, 'A\\A1', 20), 2)
    const rootList = new DataView(b.bytes.buffer).getUint32(nkField(b, '', 28), true)
    putU32(b.bytes, nkField(b, 'A\\A1', 28), rootList)
    const h = new Hive(b.bytes)
    expect(paths(h)).toEqual(['', 'A', 'A\\A1', 'B'])
    expect(codes(h)).toContain('REGF_KEY_LOOP')
  })
  it('unknown subkey-list signature and a list longer than its cell', () => {
    const b = buildHive(tree)
    const list = new DataView(b.bytes.buffer).getUint32(nkField(b, '', 28), true)
    b.bytes[4096 + list + 4] = 0x7a // "zh"
    let h = new Hive(b.bytes)
    expect(paths(h)).toEqual([''])
    expect(codes(h)).toContain('REGF_BAD_SUBKEY_LIST')
    b.bytes[4096 + list + 4] = 0x6c // back to "lh"
    b.bytes[4096 + list + 6] = 200 // count 200 in a cell that holds 2
    h = new Hive(b.bytes)
    expect(paths(h)).toEqual(['', 'A', 'A\\A1', 'B'])
    expect(codes(h)).toContain('REGF_LIST_TRUNCATED')
  })
  it('a list element that is not a key node', () => {
    const b = buildHive(tree)
    const vk = b.values.get(':x')!
    const list = new DataView(b.bytes.buffer).getUint32(nkField(b, '', 28), true)
    putU32(b.bytes, 4096 + list + 4 + 4, vk) // first lh element → a vk cell
    const h = new Hive(b.bytes)
    expect(paths(h)).toEqual(['', 'B'])
    expect(codes(h)).toContain('REGF_NOT_NK')
  })
  it('bad hive-bin header: reported by the bin walk with its file offset', () => {
    const b = buildHive(tree)
    b.bytes[4096] = 0
    const h = new Hive(b.bytes)
    expect(paths(h)).toEqual(['', 'A', 'A\\A1', 'B']) // cells are still read through their offsets
    for (const _ of h.cells()) void _ // the bin walk (used by carving) reports bad headers
    expect(h.diagnostics.find((d) => d.code === 'REGF_BAD_HBIN')?.offset).toBe(4096)
  })
  it('value data cell too small for the declared size: truncated data and a warning', () => {
    const b = buildHive(tree)
    const vk = b.values.get(':x')!
    putU32(b.bytes, 4096 + vk + 4 + 4, 5000)
    const h = new Hive(b.bytes)
    const v = [...dumpJson(h)][0]!.values[0]!
    expect(typeof v.data).toBe('string')
    expect(codes(h)).toContain('REGF_DATA_TRUNCATED')
  })
  it('root cell not a key: the hive-entry key is found by scanning', () => {
    const b = buildHive(tree)
    putU32(b.bytes, 36, 0x10)
    writeBaseBlockChecksum(b.bytes)
    const h = new Hive(b.bytes)
    expect(codes(h)).toContain('REGF_ROOT_FOUND_BY_SCAN')
    expect(paths(h)).toEqual(['', 'A', 'A\\A1', 'B'])
  })
  it('implausible hive-bins size falls back to the file size', () => {
    const b = buildHive(tree)
    putU32(b.bytes, 40, 123)
    writeBaseBlockChecksum(b.bytes)
    const h = new Hive(b.bytes)
    expect(codes(h)).toContain('REGF_HBINS_SIZE')
    expect(paths(h)).toHaveLength(4)
  })
  it('a dirty hive without logs says so and is read as it is', () => {
    const b = buildHive(tree)
    putU32(b.bytes, 4, 2)
    writeBaseBlockChecksum(b.bytes)
    const r = recoverHive(b.bytes, [])
    expect(r.image).toBe(b.bytes)
    expect(r.diagnostics.map((d) => d.code)).toEqual(['REGF_DIRTY_NO_LOGS'])
  })
})

describe('regf deleted records', () => {
  it('a key removed from its parent with its cell freed is carved with its value, marked deleted', () => {
    const b = buildHive({name: 'ROOT', subkeys: [{name: 'keep'}, {name: 'gone', values: [{name: 'v', type: 1, data: utf16z('123456')}]}]})
    const dv = new DataView(b.bytes.buffer)
    const list = dv.getUint32(nkField(b, '', 28), true)
    dv.setUint16(4096 + list + 4 + 2, 1, true) // list holds only "keep"
    dv.setUint32(nkField(b, '', 20), 1, true)
    for (const off of [b.keys.get('gone')!, b.values.get('gone:v')!]) dv.setInt32(4096 + off, -dv.getInt32(4096 + off, true), true)
    const keys = [...dumpJson(new Hive(b.bytes), {deleted: true})]
    expect(keys.filter((k) => !k.deleted).map((k) => k.path)).toEqual(['', 'keep'])
    const gone = keys.find((k) => k.deleted)!
    expect(gone).toMatchObject({path: 'gone', deleted: true, values: [{name: 'v', type: 'REG_SZ', data: '123456', deleted: true}]})
    // Without --deleted nothing of it shows.
    expect([...dumpJson(new Hive(b.bytes))].every((k) => !k.deleted)).toBe(true)
  })
})
