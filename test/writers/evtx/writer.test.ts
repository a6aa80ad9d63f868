import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {CHUNK_SIZE, EvtxWriter, FILE_HEADER_SIZE, nameHash, v, type EvtxEventSpec} from '../../../src/writers/evtx/index.js'
import {allTypes, classic, cleared, security4720} from './samples.js'
import {evtxDumpEvents, evtxexportEvents, hasEvtxDump, hasEvtxexport, pythonEvtxChecksums} from './oracles.js'

const dir = mkdtempSync(join(tmpdir(), 'ratchet-evtxw-'))
afterAll(() => rmSync(dir, {recursive: true, force: true}))

function writeLog(name: string, specs: EvtxEventSpec[]): string {
  const w = new EvtxWriter()
  for (const s of specs) w.add(s)
  const file = join(dir, name)
  writeFileSync(file, w.toBuffer())
  return file
}

describe('EVTX writer: structure', () => {
  it('writes a file header and 64 KiB chunks with records split across chunks', () => {
    const specs = Array.from({length: 600}, (_, i) => security4720(i))
    const w = new EvtxWriter()
    specs.forEach((s, i) => expect(w.add(s)).toBe(BigInt(i + 1)))
    const buf = w.toBuffer()
    const chunks = (buf.length - FILE_HEADER_SIZE) / CHUNK_SIZE
    expect(Number.isInteger(chunks)).toBe(true)
    expect(chunks).toBeGreaterThan(1)
    expect(buf.subarray(0, 8).toString('latin1')).toBe('ElfFile\0')
    expect(buf.readUInt16LE(42)).toBe(chunks)
    expect(buf.readBigUInt64LE(24)).toBe(601n) // next record identifier
    // Chunk record ranges are contiguous and cover 1..600.
    let expectFirst = 1n
    for (let c = 0; c < chunks; c++) {
      const at = FILE_HEADER_SIZE + c * CHUNK_SIZE
      expect(buf.subarray(at, at + 8).toString('latin1')).toBe('ElfChnk\0')
      expect(buf.readBigUInt64LE(at + 24)).toBe(expectFirst)
      expectFirst = buf.readBigUInt64LE(at + 32) + 1n
      const free = buf.readUInt32LE(at + 48)
      expect(free).toBeLessThanOrEqual(CHUNK_SIZE)
      // The last-record offset points at a record whose end is the free-space offset.
      const last = buf.readUInt32LE(at + 44)
      expect(buf.readUInt32LE(at + last)).toBe(0x2a2a)
      expect(last + buf.readUInt32LE(at + last + 4)).toBe(free)
    }
    expect(expectFirst).toBe(601n)
  })

  it('defines a template once per chunk and references it afterwards', () => {
    const w = new EvtxWriter()
    for (let i = 0; i < 3; i++) w.add(security4720(i))
    const buf = w.toBuffer()
    const chunk = buf.subarray(FILE_HEADER_SIZE, FILE_HEADER_SIZE + CHUNK_SIZE)
    const r1 = chunk.readUInt32LE(512 + 4)
    const r2 = chunk.readUInt32LE(512 + r1 + 4)
    expect(r2).toBeLessThan(r1 / 2)
    // Record 2's template instance points back into record 1 (fragment header 4 bytes, then 0x0c, 0x01, id).
    const inst2 = 512 + r1 + 24 + 4
    expect(chunk[inst2]).toBe(0x0c)
    const defOffset = chunk.readUInt32LE(inst2 + 6)
    expect(defOffset).toBeGreaterThan(512)
    expect(defOffset).toBeLessThan(512 + r1)
    // The template pointer table and the common-string table are populated.
    // Two definitions, both inline in record 1: the System template and the EventData template nested in it.
    const templatePtrs = Array.from({length: 32}, (_, i) => chunk.readUInt32LE(384 + i * 4)).filter((o) => o !== 0)
    expect(templatePtrs).toHaveLength(2)
    expect(templatePtrs).toContain(defOffset)
    for (const p of templatePtrs) expect(p > 512 && p < 512 + r1).toBe(true)
    // Windows keeps records 8-byte aligned.
    expect(r1 % 8).toBe(0)
    expect(r2 % 8).toBe(0)
    const strings = Array.from({length: 64}, (_, i) => chunk.readUInt32LE(128 + i * 4)).filter((o) => o !== 0)
    expect(strings.length).toBeGreaterThan(10)
    // Each string-table entry carries the MS-EVEN6 hash of its name and sits in bucket hash % 64.
    for (let b = 0; b < 64; b++) {
      let off = chunk.readUInt32LE(128 + b * 4)
      while (off !== 0) {
        const n = chunk.readUInt16LE(off + 6)
        const name = chunk.subarray(off + 8, off + 8 + n * 2).toString('utf16le')
        expect(chunk.readUInt16LE(off + 4)).toBe(nameHash(name))
        expect(nameHash(name) % 64).toBe(b)
        off = chunk.readUInt32LE(off)
      }
    }
  })

  it('is deterministic', () => {
    const a = new EvtxWriter()
    const b = new EvtxWriter()
    for (const s of [allTypes, classic, cleared]) {
      a.add(s)
      b.add(s)
    }
    expect(a.toBuffer().equals(b.toBuffer())).toBe(true)
  })
})

describe.skipIf(!hasEvtxexport)('EVTX writer: libyal evtxexport renders the output', () => {
  it('renders System, typed values, unnamed Data and UserData', () => {
    const file = writeLog('types.evtx', [allTypes, classic, cleared, security4720(1)])
    const events = evtxexportEvents(file)!
    expect(events.map((e) => [e.recordId, e.eventId])).toEqual([
      [1, 9],
      [2, 0],
      [3, 1102],
      [4, 4720],
    ])
    const [t, c, x, u] = events
    expect(t.timeCreated).toBe('2023-11-01T12:00:00.123456700Z')
    expect(t.xml).toContain('<EventID Qualifiers="16384">9</EventID>')
    expect(t.xml).toContain('<Provider Name="Ratchet-Test" Guid="{0F0E0D0C-0B0A-0908-0706-050403020100}"/>')
    expect(t.xml).toContain('<Version>2</Version>')
    expect(t.xml).toContain('<Level>3</Level>')
    expect(t.xml).toContain('<Task>5</Task>')
    expect(t.xml).toContain('<Opcode>1</Opcode>')
    expect(t.xml).toContain('<Keywords>0x4000000000000001</Keywords>')
    expect(t.xml).toContain('<Correlation ActivityID="{A1B2C3D4-E5F6-4711-8899-AABBCCDDEEFF}"/>')
    expect(t.xml).toContain('<Execution ProcessID="4" ThreadID="8"/>')
    expect(t.xml).toContain('<Security UserID="S-1-5-18"/>')
    expect(t.data).toMatchObject({
      Str: 'a<b & "c"',
      U8: '200',
      U16: '65000',
      U32: '4000000000',
      U64: '18000000000000000000',
      I32: '123456',
      H32: '0x0000001f',
      H64: '0x00000000deadbeef',
      FT: '2023-11-01T12:00:00.123456700Z',
      ST: '2023-11-01T12:00:00.250Z',
      Sid: 'S-1-5-32-544',
      Guid: '{12345678-9ABC-DEF0-1234-56789ABCDEF0}',
      Bool: 'true',
      Bin: '007FFF',
    })
    expect(c.provider).toBe('ScreenConnect Client (3a8b4c5d6e7f8091)')
    expect(c.xml).toContain('<EventID Qualifiers="0">0</EventID>')
    expect(c.data['#0']).toBe("Transferred files with action 'Transfer':\ntext.xml\n\nVersion: 19.2.24707.7131\n")
    expect(c.xml).toContain('<Binary>0102</Binary>')
    expect(x.xml).toContain('<LogFileCleared xmlns="http://manifests.microsoft.com/win/2004/08/windows/eventlog">')
    expect(x.data).toEqual({SubjectUserSid: 'S-1-5-21-3623811015-3361044348-30300820-1013', SubjectUserName: 'svc_update', SubjectDomainName: 'PHARM-SRV01', SubjectLogonId: '0x000000000005a3f1'})
    // Absent optional substitutions disappear, as in Windows' own logs.
    expect(u.xml).toContain('<EventID>4720</EventID>')
    expect(u.xml).toContain('<Correlation/>')
    expect(u.xml).toContain('<Security/>')
  })

  it('reads every record of a multi-chunk log in order', () => {
    const file = writeLog('many.evtx', Array.from({length: 600}, (_, i) => security4720(i)))
    const events = evtxexportEvents(file)!
    expect(events).toHaveLength(600)
    expect(events.map((e) => e.recordId)).toEqual(Array.from({length: 600}, (_, i) => i + 1))
    expect(events[599].data.TargetUserName).toBe('user599')
    expect(events[599].timeCreated).toBe('2023-11-01T12:09:59.123456700Z')
  })
})

describe.skipIf(!hasEvtxDump)('EVTX writer: python-evtx reads the output and verifies its checksums', () => {
  it('has correct file-header, chunk-header and records CRC32s', () => {
    const file = writeLog('crc.evtx', Array.from({length: 600}, (_, i) => security4720(i)))
    const result = pythonEvtxChecksums(file)!.split(' ')
    expect(result[0]).toBe('True')
    expect(result.length).toBeGreaterThan(2)
    for (const chunk of result.slice(1)) expect(chunk).toBe('True/True')
  })

  it('renders the same records as evtxexport', () => {
    const file = writeLog('dump.evtx', [allTypes, classic, cleared, security4720(2)])
    const events = evtxDumpEvents(file)!
    expect(events.map((e) => [e.recordId, e.eventId])).toEqual([
      [1, 9],
      [2, 0],
      [3, 1102],
      [4, 4720],
    ])
    expect(events[3].data.TargetUserName).toBe('user2')
    expect(events[3].data.TargetSid).toBe('S-1-5-21-3623811015-3361044348-30300820-1002')
    expect(events[0].data.I32).toBe('123456')
    expect(events[1].data['#0']).toContain('text.xml')
    expect(events[2].data.SubjectUserName).toBe('svc_update')
    // python-evtx prints microseconds through a float, so only the second is compared.
    expect(events[3].timeCreated.slice(0, 19)).toBe('2023-11-01 12:00:02')
  })
})

describe('EVTX writer: bad input', () => {
  it('rejects malformed SIDs and GUIDs with a clear error', () => {
    const w = new EvtxWriter()
    expect(() => w.add({...classic, userId: 'not-a-sid'})).toThrow(/not a SID/)
    expect(() => w.add({...classic, activityId: 'xyz'})).toThrow(/not a GUID/)
    // A rejected event consumes no record id.
    expect(w.add(classic)).toBe(1n)
  })

  it('rejects an event too large for one chunk', () => {
    const w = new EvtxWriter()
    expect(() => w.add({...classic, body: {kind: 'named', data: [['A', v.str('x'.repeat(16100))], ['B', v.str('y'.repeat(16100))]]}})).toThrow(/does not fit/)
  })
})
