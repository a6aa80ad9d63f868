import {describe, expect, it} from 'vitest'
import {filetimeToIso} from '../../../src/core/time.js'
import {rng} from '../../../bench/evtx-fuzz-lib.js'
import {fileTimeText, scalarText, sidString, VT} from '../../../src/parsers/evtx/values.js'
import {utf16} from '../../../src/parsers/evtx/utf16.js'

const bytes = (...xs: number[]): Uint8Array => new Uint8Array(xs)

describe('EVTX value rendering', () => {
  it('fast FILETIME formatting equals the exact bigint path (random and edge values)', () => {
    const r = rng(7)
    const cases: [number, number][] = [[0, 0], [0xffffffff, 0x3fffffff], [0xffffffff, 0xffffffff], [0x12345678, 0x01d81a2b], [0, 0x019db1de]]
    for (let i = 0; i < 2000; i++) cases.push([Math.floor(r() * 2 ** 32), Math.floor(r() * 0x02000000)])
    for (const [lo, hi] of cases) {
      expect(fileTimeText(lo, hi), `${hi}:${lo}`).toBe(filetimeToIso((BigInt(hi) << 32n) | BigInt(lo)))
    }
  })

  it('renders integers, hex, bool (irregular values are true), GUID, SID, SYSTEMTIME and binary as Windows does', () => {
    expect(scalarText(bytes(0xff, 0xff, 0xff, 0xff), VT.Int32, 0, 4)).toBe('-1')
    expect(scalarText(bytes(0xff, 0xff, 0xff, 0xff), VT.UInt32, 0, 4)).toBe('4294967295')
    expect(scalarText(bytes(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff), VT.Int64, 0, 8)).toBe('-1')
    expect(scalarText(bytes(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff), VT.UInt64, 0, 8)).toBe('18446744073709551615')
    expect(scalarText(bytes(0xe7, 0x03, 0, 0, 0, 0, 0, 0), VT.HexInt64, 0, 8)).toBe('0x3e7')
    expect(scalarText(bytes(0, 0, 0, 0, 0, 0, 0x20, 0x80), VT.HexInt64, 0, 8)).toBe('0x8020000000000000')
    expect(scalarText(bytes(4, 0, 0, 0), VT.SizeT, 0, 4)).toBe('0x4')
    expect(scalarText(bytes(2, 0, 0, 0), VT.Bool, 0, 4)).toBe('true')
    expect(scalarText(bytes(0, 0, 0, 0), VT.Bool, 0, 4)).toBe('false')
    expect(scalarText(bytes(0xd1, 0x08, 0x59, 0x55, 0xd7, 0xa6, 0x95, 0x46, 0x8e, 0x1e, 0x26, 0x93, 0x1d, 0x20, 0x12, 0xf4), VT.Guid, 0, 16)).toBe(
      '{555908D1-A6D7-4695-8E1E-26931D2012F4}',
    )
    expect(sidString(bytes(1, 2, 0, 0, 0, 0, 0, 5, 32, 0, 0, 0, 0x20, 0x02, 0, 0), 0, 16)).toBe('S-1-5-32-544')
    expect(scalarText(bytes(0xe6, 0x07, 2, 0, 6, 0, 5, 0, 21, 0, 50, 0, 1, 0, 97, 0), VT.SysTime, 0, 16)).toBe('2022-02-05T21:50:01.0970000Z')
    expect(scalarText(bytes(0xde, 0xad, 0x01), VT.Binary, 0, 3)).toBe('DEAD01')
    expect(scalarText(bytes(1, 2, 3), VT.Int32, 0, 3)).toBeUndefined() // size does not fit the type
  })

  it('decodes UTF-16 identically on the short and the TextDecoder path', () => {
    const text = 'Ünïcödé ✓ text with a € sign and more than twenty-four characters'
    const b = new Uint8Array(Buffer.from(text, 'utf16le'))
    expect(utf16(b, 0, text.length)).toBe(text)
    expect(utf16(b, 0, 9)).toBe(text.slice(0, 9))
  })
})
