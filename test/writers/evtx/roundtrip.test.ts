import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {generateDemoHost, type DemoHostResult} from '../../../src/demo/index.js'
import {parseEvtxBuffer, renderRecordXml} from '../../../src/parsers/evtx/index.js'
import {normaliseXml} from '../../parsers/evtx/shared.js'
import {EvtxWriter} from '../../../src/writers/evtx/index.js'
import {evtxexportEvents, hasEvtxexport} from './oracles.js'
import {allTypes, classic, cleared, security4720} from './samples.js'

/**
 * The writer's output read by ratchet's own EVTX parser must be exactly what libyal's evtxexport reads:
 * same records, same System values, same data, same rendered XML (up to the documented formatting
 * differences), and no diagnostics at all (CRCs, offsets and sizes are right).
 */

const tmp = mkdtempSync(join(tmpdir(), 'ratchet-evtxrt-'))
afterAll(() => rmSync(tmp, {recursive: true, force: true}))
let host: DemoHostResult
beforeAll(async () => {
  host = await generateDemoHost(join(tmp, 'host'))
})

// Beyond normaliseXml's list, one rendering difference: SYSTEMTIME values, which ratchet prints with 7
// fractional digits (`.2500000Z`) and evtxexport with milliseconds (`.250Z`).
const flat = (xml: string): string =>
  normaliseXml(xml)
    .replace(/>\s+</g, '><')
    .replace(/(T\d{2}:\d{2}:\d{2}\.\d{3})0000Z/g, '$1Z')

describe('EVTX writer output read by ratchet', () => {
  it('parses every demo log without a single diagnostic', () => {
    for (const log of host.logs) {
      const {records, diagnostics} = parseEvtxBuffer(new Uint8Array(readFileSync(join(host.volume, log.path))))
      expect(diagnostics, log.path).toEqual([])
      expect(records).toHaveLength(log.records)
      expect(records.every((r) => !r.recovered && r.recordId === r.headerRecordNumber)).toBe(true)
    }
  })

  it('reads the typed values the writer put in', () => {
    const {records} = parseEvtxBuffer(new Uint8Array(readFileSync(join(host.volume, 'Windows/System32/winevt/Logs/Security.evtx'))))
    const created = records.find((r) => r.eventId === 4720 && (r.data as Record<string, unknown>).TargetUserName === 'itsupport')!
    expect(created).toMatchObject({
      provider: 'Microsoft-Windows-Security-Auditing',
      providerGuid: '{54849625-5478-4994-A5BA-3E3B0328C30D}',
      channel: 'Security',
      computer: 'RXSRV01.northwind-rx.local',
      timeCreated: '2023-11-02T02:24:50.7721344Z',
      writtenTime: '2023-11-02T02:24:50.7721344Z',
      level: 0,
      task: 13824,
      keywords: '0x8020000000000000',
      processId: 652,
      userId: null,
      activityId: null,
    })
    expect(created.data).toMatchObject({TargetSid: 'S-1-5-21-3623811015-3361044348-30300820-1004', SubjectUserSid: 'S-1-5-18', SubjectLogonId: '0x3e7'})
  })
})

describe.skipIf(!hasEvtxexport)('EVTX writer output: ratchet and evtxexport agree', () => {
  it('on every value type, classic Data with Binary, UserData and a multi-chunk log', () => {
    const w = new EvtxWriter()
    for (const s of [allTypes, classic, cleared]) w.add(s)
    for (let i = 0; i < 500; i++) w.add(security4720(i))
    const file = join(tmp, 'types.evtx')
    writeFileSync(file, w.toBuffer())
    const {records, diagnostics} = parseEvtxBuffer(new Uint8Array(readFileSync(file)))
    expect(diagnostics).toEqual([])
    expect(new Set(records.map((r) => r.chunk)).size).toBeGreaterThan(1)
    const ref = evtxexportEvents(file)!
    expect(records.map((r) => r.recordId)).toEqual(ref.map((e) => e.recordId))
    records.forEach((r, i) => expect(flat(renderRecordXml(r))).toBe(flat(ref[i].xml)))
    expect(records[0].data).toMatchObject({I32: '123456', Bool: 'true', ST: '2023-11-01T12:00:00.2500000Z', Bin: '007FFF', U64: '18000000000000000000'})
  })

  it('on every record of every demo log: ids, times, provider, data and the whole rendered XML', () => {
    for (const log of host.logs) {
      const file = join(host.volume, log.path)
      const {records} = parseEvtxBuffer(new Uint8Array(readFileSync(file)))
      const ref = evtxexportEvents(file)!
      expect(records.length, log.path).toBe(ref.length)
      records.forEach((r, i) => {
        const e = ref[i]
        expect(r.recordId).toBe(e.recordId)
        expect(r.eventId).toBe(e.eventId)
        expect(r.timeCreated).toBe(e.timeCreated.replace(/(\.\d{7})\d\dZ$/, '$1Z'))
        expect(r.provider).toBe(e.provider)
        expect(r.channel).toBe(e.channel)
        expect(flat(renderRecordXml(r))).toBe(flat(e.xml))
      })
    }
  })
})
