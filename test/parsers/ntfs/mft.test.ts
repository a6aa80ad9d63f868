import {describe, expect, it} from 'vitest'
import {BufferSource} from '../../../src/parsers/image/slice.js'
import {bodyfileLines} from '../../../src/parsers/ntfs/bodyfile.js'
import {fileRecord as toJson} from '../../../src/parsers/ntfs/json.js'
import {iterateMft, listMft, type ListedName} from '../../../src/parsers/ntfs/listing.js'
import {lznt1Decompress} from '../../../src/parsers/ntfs/lznt1.js'
import {Mft} from '../../../src/parsers/ntfs/mft.js'
import {parseRecord} from '../../../src/parsers/ntfs/record.js'
import {decodeRuns} from '../../../src/parsers/ntfs/runs.js'
import {readNtTime, tskSeconds} from '../../../src/parsers/ntfs/time.js'
import {decodeReasons, decodeUsnRecord} from '../../../src/parsers/ntfs/usn.js'
import {buildMft, fileRecord} from './build-mft.js'

const tree = [
  {entry: 30, parent: 5, parentSequence: 5, name: 'Users', dir: true, siCreated: '2024-01-01T00:00:00Z'},
  {entry: 31, parent: 30, name: 'bob', dir: true, siCreated: '2024-01-01T00:00:00Z'},
  {entry: 32, parent: 31, name: 'Downloads', dir: true, siCreated: '2024-01-01T00:00:00Z'},
  {entry: 40, parent: 32, name: 'AnyDesk.exe', siCreated: '2024-05-14T09:12:33Z', data: new TextEncoder().encode('MZ'), dosName: 'ANYDES~1.EXE'},
  // deleted: sequence bumped on deletion, the name still refers to the parent with its live sequence
  {entry: 41, sequence: 2, inUse: false, parent: 32, name: 'setup.exe', siCreated: '2024-05-14T09:13:00Z'},
  // parent reference with a stale sequence: an orphan
  {entry: 42, parent: 31, parentSequence: 7, name: 'lost.txt', siCreated: '2024-05-14T09:14:00Z'},
  // backdated $SI creation
  {entry: 43, parent: 32, name: 'tool.exe', siCreated: '2019-03-19T07:31:09Z', fnCreated: '2024-05-14T09:20:00Z'},
]

function names(bytes: Uint8Array): ListedName[] {
  const out: ListedName[] = []
  listMft(new Mft(new BufferSource(bytes), 1024), (l) => out.push(l))
  return out
}

describe('MFT records', () => {
  it('applies the update sequence fixups and decodes the header', () => {
    const r = parseRecord(fileRecord(tree[3]!), 40)
    expect(r.status).toBe('ok')
    expect(r.record!.fixupError).toBe(-1)
    expect(r.record!.attrs.map((a) => a.type)).toEqual([0x10, 0x30, 0x30, 0x80])
  })

  it('reports a torn write (fixup mismatch) with the stride', () => {
    const b = fileRecord(tree[3]!)
    b[1022] ^= 0xff
    expect(parseRecord(b, 40).record!.fixupError).toBe(1)
  })

  it('tells empty, BAAD and garbage records apart', () => {
    expect(parseRecord(new Uint8Array(1024), 0).status).toBe('empty')
    const baad = new Uint8Array(1024)
    baad.set([0x42, 0x41, 0x41, 0x44])
    expect(parseRecord(baad, 0).status).toBe('baad')
    const junk = new Uint8Array(1024).fill(0x41)
    expect(parseRecord(junk, 0).status).toBe('bad-signature')
  })
})

describe('paths, deleted entries, orphans', () => {
  const listed = names(buildMft(tree))
  const byPath = new Map(listed.map((l) => [l.path, l]))

  it('builds full paths from parent references, long name over the DOS name', () => {
    expect(byPath.get('/Users/bob/Downloads/AnyDesk.exe')?.entry.entry).toBe(40)
    expect([...byPath.keys()].some((p) => p.includes('ANYDES~1'))).toBe(false)
  })

  it('keeps deleted entries under their old path, flagged', () => {
    const d = byPath.get('/Users/bob/Downloads/setup.exe')!
    expect(d.deleted).toBe(true)
    expect(d.orphan).toBe(false)
  })

  it('puts a name whose parent sequence does not match under /$OrphanFiles', () => {
    const o = listed.find((l) => l.entry.entry === 42)!
    expect(o.orphan).toBe(true)
    expect(o.path).toBe('/$OrphanFiles/lost.txt')
  })

  it('writes Sleuth Kit body lines ($FILE_NAME line + data line, Unix seconds)', () => {
    const lines = bodyfileLines(byPath.get('/Users/bob/Downloads/AnyDesk.exe')!)
    expect(lines).toEqual([
      '0|/Users/bob/Downloads/AnyDesk.exe ($FILE_NAME)|40-48-3|r/rrwxrwxrwx|0|0|88|1715677953|1715677953|1715677953|1715677953',
      '0|/Users/bob/Downloads/AnyDesk.exe|40-128-4|r/rrwxrwxrwx|0|0|2|1715677953|1715677953|1715677953|1715677953',
    ])
    const del = bodyfileLines(byPath.get('/Users/bob/Downloads/setup.exe')!)
    expect(del[1]).toMatch(/^0\|\/Users\/bob\/Downloads\/setup\.exe \(deleted\)\|41-128-4\|-\/r/)
  })

  it('JSON keeps both creation times (the timestomping evidence)', () => {
    const j = toJson(byPath.get('/Users/bob/Downloads/tool.exe')!)
    expect(j.si!.created).toBe('2019-03-19T07:31:09.0000000Z')
    expect(j.fn!.created).toBe('2024-05-14T09:20:00.0000000Z')
  })

  it('the generator form yields the same names in the same order', () => {
    const mft = new Mft(new BufferSource(buildMft(tree)), 1024)
    expect([...iterateMft(mft)].map((l) => l.path)).toEqual(listed.map((l) => l.path))
  })
})

describe('run lists, times, LZNT1, USN', () => {
  it('decodes runs with negative LCN deltas and sparse runs', () => {
    // 0x21: 1-byte length, 2-byte LCN; then sparse (0x01), then a negative delta
    const b = Uint8Array.from([0x21, 0x10, 0x00, 0x01, 0x01, 0x08, 0x11, 0x04, 0xf0, 0x00])
    expect(decodeRuns(b, 0, b.length, 0)).toEqual([
      {vcn: 0, lcn: 256, length: 16},
      {vcn: 16, lcn: null, length: 8},
      {vcn: 24, lcn: 240, length: 4},
    ])
  })

  it('refuses a run list without its terminator', () => {
    const b = Uint8Array.from([0x21, 0x10, 0x00, 0x01])
    expect(() => decodeRuns(b, 0, b.length, 0)).toThrow(/terminating/)
  })

  it('converts FILETIME exactly, and wraps pre-1970 times as fls does', () => {
    const b = new Uint8Array(8)
    new DataView(b.buffer).setBigUint64(0, (1_715_677_953n + 11_644_473_600n) * 10_000_000n + 1_234_567n, true)
    expect(readNtTime(b, 0)).toEqual({s: 1_715_677_953, f: 1_234_567, zero: false})
    expect(tskSeconds(readNtTime(new Uint8Array(8), 0))).toBe(3_373_865_674)
  })

  it('LZNT1: a stored chunk and a back reference', () => {
    // compressed chunk: flags 0b00001000 → 3 literals "abc", then a token copying 6 bytes from 3 back
    const token = ((3 - 1) << 12) | (6 - 3)
    const src = Uint8Array.from([0x05, 0xb0, 0x08, 0x61, 0x62, 0x63, token & 0xff, token >> 8, 0, 0])
    const out = new Uint8Array(9)
    expect(lznt1Decompress(src, out)).toBe(9)
    expect(new TextDecoder().decode(out)).toBe('abcabcabc')
  })

  it('decodes a USN_RECORD_V2 and its reasons', () => {
    const name = 'run.cmd'
    const len = (60 + name.length * 2 + 7) & ~7
    const b = new Uint8Array(len)
    const dv = new DataView(b.buffer)
    dv.setUint32(0, len, true)
    dv.setUint16(4, 2, true)
    dv.setUint32(8, 112, true)
    dv.setUint16(14, 3, true)
    dv.setUint32(16, 107, true)
    dv.setBigUint64(24, 4096n, true)
    dv.setBigUint64(32, (1_715_677_953n + 11_644_473_600n) * 10_000_000n, true)
    dv.setUint32(40, 0x80000200, true)
    dv.setUint16(56, name.length * 2, true)
    dv.setUint16(58, 60, true)
    for (let i = 0; i < name.length; i++) dv.setUint16(60 + 2 * i, name.charCodeAt(i), true)
    const r = decodeUsnRecord(b, 0, 0)!
    expect(r).toMatchObject({usn: 4096, entry: 112, sequence: 3, parentEntry: 107, name: 'run.cmd', reasons: ['FILE_DELETE', 'CLOSE'], timestamp: '2024-05-14T09:12:33.0000000Z'})
    expect(decodeReasons(0x00000100 | 0x40000000)).toEqual(['FILE_CREATE', '0x40000000'])
  })
})
