import {describe, expect, it} from 'vitest'
import {putU32} from '../../../src/parsers/regf/base-block.js'
import {dumpJson, Hive, type DumpKey} from '../../../src/parsers/regf/index.js'
import {buildHive, dword, utf16z, type TKey} from './build.js'

const dump = (root: TKey, minor = 5): DumpKey[] => [...dumpJson(new Hive(buildHive(root, {minor}).bytes))]
const one = (type: number, data: Uint8Array, minor = 5): unknown => dump({name: 'ROOT', values: [{name: 'v', type, data}]}, minor)[0]!.values[0]

describe('regf value types', () => {
  it('REG_SZ / REG_EXPAND_SZ / REG_LINK decode UTF-16LE up to the terminator, slack dropped', () => {
    const slack = new Uint8Array([...utf16z('C:\\Windows'), 0x41, 0, 0x42, 0])
    expect(one(1, slack)).toEqual({name: 'v', type: 'REG_SZ', data: 'C:\\Windows'})
    expect(one(2, utf16z('%SystemRoot%\\x.exe'))).toEqual({name: 'v', type: 'REG_EXPAND_SZ', data: '%SystemRoot%\\x.exe'})
    expect(one(6, new Uint8Array(Buffer.from('\\Registry\\Machine', 'utf16le')))).toEqual({name: 'v', type: 'REG_LINK', data: '\\Registry\\Machine'})
    expect(one(1, utf16z('тест 🌍'))).toMatchObject({data: 'тест 🌍'})
  })
  it('REG_DWORD little and big endian are numbers; a DWORD of the wrong size stays hex', () => {
    expect(one(4, dword(0xfffffffe))).toMatchObject({type: 'REG_DWORD', data: 0xfffffffe})
    expect(one(5, new Uint8Array([0, 0, 1, 2]))).toMatchObject({type: 'REG_DWORD_BIG_ENDIAN', data: 0x102})
    expect(one(4, new Uint8Array([1, 2, 3]))).toMatchObject({type: 'REG_DWORD', data: '010203'})
  })
  it('REG_QWORD is a decimal string (beyond 2^53 exactly)', () => {
    const b = new Uint8Array(8).fill(0xff)
    expect(one(11, b)).toMatchObject({type: 'REG_QWORD', data: '18446744073709551615'})
  })
  it('REG_MULTI_SZ is an array ending at the double NUL; empty list is []', () => {
    const b = new Uint8Array(Buffer.from('a\u0000bb\u0000ccc\u0000\u0000junk', 'utf16le'))
    expect(one(7, b)).toMatchObject({type: 'REG_MULTI_SZ', data: ['a', 'bb', 'ccc']})
    expect(one(7, new Uint8Array([0, 0]))).toMatchObject({data: []})
  })
  it('REG_NONE, REG_BINARY, resource lists and unknown types are lowercase hex', () => {
    expect(one(0, new Uint8Array([0xab, 0xcd, 0xef, 1, 2]))).toMatchObject({type: 'REG_NONE', data: 'abcdef0102'})
    expect(one(3, new Uint8Array([0xde, 0xad]))).toMatchObject({type: 'REG_BINARY', data: 'dead'})
    expect(one(8, new Uint8Array(12).fill(1))).toMatchObject({type: 'REG_RESOURCE_LIST', data: '01'.repeat(12)})
    expect(one(9, new Uint8Array([9]))).toMatchObject({type: 'REG_FULL_RESOURCE_DESCRIPTOR', data: '09'})
    expect(one(10, new Uint8Array([10]))).toMatchObject({type: 'REG_RESOURCE_REQUIREMENTS_LIST', data: '0a'})
    expect(one(0x1f4, new Uint8Array([1, 2, 3, 4, 5]))).toMatchObject({type: 'REG_UNKNOWN_0x1f4', data: '0102030405'})
  })
  it('big data (db) values above 16344 bytes are reassembled from their segments (format 1.4+)', () => {
    const big = new Uint8Array(40000).map((_, i) => i % 251)
    expect(one(3, big)).toMatchObject({data: Buffer.from(big).toString('hex')})
  })
  it('resident data (≤ 4 bytes in the vk) and empty data', () => {
    expect(one(3, new Uint8Array([7, 8]))).toMatchObject({data: '0708'})
    expect(one(3, new Uint8Array(0))).toMatchObject({data: ''})
  })
  it('ASCII (compressed) and UTF-16 names, default value, class name, last written, subkey list kinds', () => {
    for (const list of ['lf', 'lh', 'li', 'ri'] as const) {
      const keys = dump({
        name: 'ROOT',
        list,
        className: 'Cls',
        values: [{name: '', type: 1, data: utf16z('default')}, {name: 'ÄÖ', type: 4, data: dword(1)}, {name: 'привет', type: 4, data: dword(2)}],
        subkeys: [{name: 'A'}, {name: 'B', subkeys: [{name: 'ключ'}]}, {name: 'C'}],
        time: 132_539_328_000_000_000n,
      })
      expect(keys.map((k) => k.path)).toEqual(['', 'A', 'B', 'B\\ключ', 'C'])
      expect(keys[0]).toMatchObject({last_written: '2021-01-01T00:00:00.0000000Z', class_name: 'Cls', deleted: false})
      expect(keys[0]!.values.map((v) => v.name)).toEqual(['', 'ÄÖ', 'привет'])
    }
  })
  it('the JSON record has exactly the documented fields', () => {
    const [k] = dump({name: 'R'})
    expect(Object.keys(k!)).toEqual(['path', 'last_written', 'class_name', 'values', 'deleted', 'offset'])
    expect(k!.offset).toBe(4096 + 32)
  })
  it('a resident value declaring more than 4 bytes keeps only the 4 it can hold', () => {
    const b = buildHive({name: 'R', values: [{name: 'v', type: 3, data: new Uint8Array([1, 2, 3, 4])}]})
    const vk = b.values.get(':v')!
    putU32(b.bytes, 4096 + vk + 4 + 4, 0x80000009)
    expect([...dumpJson(new Hive(b.bytes))][0]!.values[0]).toMatchObject({data: '01020304'})
  })
})
