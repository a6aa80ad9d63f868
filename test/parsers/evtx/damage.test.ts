import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {RatchetError} from '../../../src/core/errors.js'
import {openEvtx, parseEvtxBuffer, renderRecordXml, type EvtxRecord} from '../../../src/parsers/evtx/index.js'
import {SKIP_MESSAGE, sharedEvtxDir} from './shared.js'

/**
 * Hand-made damage, derived at run time from shared samples (no sample bytes are committed): each test
 * breaks one structure and checks that the damage becomes a located diagnostic and the rest survives.
 */
const dir = sharedEvtxDir()
if (!dir) console.warn(SKIP_MESSAGE)
const d = describe.skipIf(!dir)

const sample = (name: string): Uint8Array => new Uint8Array(fs.readFileSync(path.join(dir!, name)))
const SMALL = 'eas_LM_Remote_Service02_7045.evtx' // one chunk, 3 records
const MULTI = 'evtxrs_security.evtx' // 33 slots, 2261 records
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ratchet-evtx-test-'))
afterAll(() => fs.rmSync(tmp, {recursive: true, force: true}))

function recordOffsets(buf: Uint8Array, chunk: number): number[] {
  const base = 4096 + chunk * 65536
  const out: number[] = []
  const dv = new DataView(buf.buffer, buf.byteOffset)
  let p = base + 512
  while (dv.getUint32(p, true) === 0x00002a2a) {
    out.push(p)
    p += dv.getUint32(p + 4, true)
  }
  return out
}

describe('not EVTX at all', () => {
  it('throws E_EVTX_NOT_EVTX for random bytes and for an empty buffer', () => {
    const junk = new Uint8Array(70000).map((_, i) => (i * 31 + 7) & 0xff)
    for (const b of [junk, new Uint8Array(0)]) {
      expect(() => parseEvtxBuffer(b)).toThrow(RatchetError)
      try {
        parseEvtxBuffer(b)
      } catch (e) {
        expect((e as RatchetError).code).toBe('E_EVTX_NOT_EVTX')
      }
    }
  })

  it('openEvtx on a missing path throws E_INPUT_MISSING', () => {
    expect(() => openEvtx(path.join(tmp, 'nope.evtx'))).toThrow(expect.objectContaining({code: 'E_INPUT_MISSING'}))
  })
})

d('damaged inputs become diagnostics', () => {
  it('file header fields are read (stale chunk count kept as stated)', () => {
    const {header} = parseEvtxBuffer(sample('museum_RathbunVM_W11_Security.evtx'))
    expect(header).toMatchObject({valid: true, majorVersion: 3, minorVersion: 2, numberOfChunks: 72, dirty: true, checksumOk: true, nextRecordIdentifier: 5490})
  })

  it('truncated file: the records that are complete survive, EVTX_TRUNCATED names the chunk', () => {
    const full = sample(SMALL)
    const offs = recordOffsets(full, 0)
    const cut = full.subarray(0, offs[2]! + 100) // third record cut in half
    const {records, diagnostics} = parseEvtxBuffer(cut)
    expect(records.map((r) => r.recordId)).toEqual([4480, 4482])
    expect(diagnostics.find((x) => x.code === 'EVTX_TRUNCATED')).toMatchObject({chunk: 0, offset: 4096})
    expect(diagnostics.find((x) => x.code === 'EVTX_RECORD_SIZE')).toMatchObject({severity: 'error', chunk: 0, record: 3, offset: offs[2]})
  })

  it('file shorter than its header: no records, one EVTX_TRUNCATED error', () => {
    const {records, diagnostics} = parseEvtxBuffer(sample(SMALL).subarray(0, 2000))
    expect(records).toEqual([])
    expect(diagnostics.map((x) => [x.code, x.severity])).toEqual([['EVTX_TRUNCATED', 'error']])
  })

  it('record of size 0: earlier records kept, EVTX_RECORD_SIZE error with chunk, record and offset', () => {
    const buf = sample(SMALL).slice()
    const offs = recordOffsets(buf, 0)
    new DataView(buf.buffer).setUint32(offs[1]! + 4, 0, true)
    const {records, diagnostics} = parseEvtxBuffer(buf)
    expect(records.map((r) => r.recordId)).toEqual([4480])
    expect(diagnostics.filter((x) => x.severity === 'error')).toEqual([
      expect.objectContaining({code: 'EVTX_RECORD_SIZE', chunk: 0, record: 2, offset: offs[1]}),
    ])
    // The data CRC no longer matches either: reported, not fatal.
    expect(diagnostics.some((x) => x.code === 'EVTX_RECORD_CRC')).toBe(true)
  })

  it('corrupted chunk signature: that chunk is reported, the other chunks are read; --carve recovers its records', () => {
    const buf = sample(MULTI).slice()
    const before = parseEvtxBuffer(buf).records
    const inChunk1 = before.filter((r) => r.chunk === 1).length
    buf.set(new TextEncoder().encode('XXXXXXX'), 4096 + 65536)
    const after = parseEvtxBuffer(buf)
    expect(after.records).toHaveLength(before.length - inChunk1)
    expect(after.diagnostics.filter((x) => x.severity === 'error')).toEqual([
      expect.objectContaining({code: 'EVTX_CHUNK_BAD_MAGIC', chunk: 1, offset: 4096 + 65536}),
    ])
    const carved = parseEvtxBuffer(buf, {carve: true}).records.filter((r) => r.recovered && r.chunk === 1)
    expect(carved.length).toBeGreaterThan(0)
    const orig = new Map(before.map((r) => [r.recordId, r]))
    for (const r of carved) expect(orig.get(r.recordId)).toMatchObject({eventId: r.eventId, timeCreated: r.timeCreated})
  })

  it('garbage inside one record\'s BinXML: EVTX_BINXML for that record only', () => {
    const buf = sample(MULTI).slice()
    const offs = recordOffsets(buf, 2)
    // Overwrite the first token after the fragment header of the 5th record with an invalid token.
    buf[offs[4]! + 24 + 4] = 0x3f
    const {records, diagnostics} = parseEvtxBuffer(buf)
    expect(records).toHaveLength(2260)
    const errs = diagnostics.filter((x) => x.severity === 'error')
    expect(errs).toHaveLength(1)
    expect(errs[0]).toMatchObject({code: 'EVTX_BINXML', chunk: 2})
    expect(errs[0]!.offset).toBeGreaterThanOrEqual(offs[4]!)
  })

  it('carving finds the records left in chunk slack, marked recovered (LanguagePackSetup: 15 like evtxinfo)', () => {
    const {records} = parseEvtxBuffer(sample('evtxrs_Microsoft-Windows-LanguagePackSetup_4Operational.evtx'), {carve: true})
    expect(records.filter((r) => !r.recovered)).toHaveLength(17)
    expect(records.filter((r) => r.recovered)).toHaveLength(15)
  })
})

d('streaming and worker threads give the same records as the in-memory parse', () => {
  const file = () => path.join(dir!, 'evtxrs_sample_with_a_bad_chunk_magic.evtx')
  const collect = async (threads: number, xml = false): Promise<{records: EvtxRecord[]; xml: string[]; diags: unknown[]}> => {
    const reader = openEvtx(file(), {threads, xml, carve: true})
    const records: EvtxRecord[] = []
    for await (const r of reader.records()) records.push(r)
    return {records, xml: xml ? records.map(renderRecordXml) : [], diags: reader.diagnostics}
  }

  it('path input, 1 thread and 3 threads, in file order, with identical diagnostics', async () => {
    const mem = parseEvtxBuffer(new Uint8Array(fs.readFileSync(file())), {carve: true})
    const one = await collect(1)
    const three = await collect(3, true)
    expect(one.records).toEqual(mem.records)
    expect(three.records).toEqual(mem.records)
    expect(one.diags).toEqual(mem.diagnostics)
    expect(three.diags).toEqual(mem.diagnostics)
    expect(three.xml).toEqual(mem.records.map(renderRecordXml))
  })

  it('renderRecordXml without xml support is a clear usage error', async () => {
    const reader = openEvtx(file(), {threads: 2})
    for await (const r of reader.records()) {
      expect(() => renderRecordXml(r)).toThrow(/without XML support/)
      break
    }
  })
})
