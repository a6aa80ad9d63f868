import {existsSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {logCleared, serviceInstalled} from '../../../src/demo/windows-events.js'
import {CHUNK_SIZE, EvtxWriter, FILE_HEADER_SIZE, type EvtxEventSpec} from '../../../src/writers/evtx/index.js'
import {sharedEvtxDir} from '../../parsers/evtx/shared.js'
import {recordTemplateShapes} from './template-shape.js'

/**
 * "As Windows writes them": the templates our writer emits have the same shape — element and attribute
 * names, substitution numbers, types and optional/normal kind, nesting of the EventData/UserData template
 * in substitution 19 — as those in real Windows Server logs from the shared sample set.
 */

const samples = sharedEvtxDir() ?? ''
const have = (f: string): boolean => samples !== '' && existsSync(join(samples, f))
const SERVICE_7045 = 'eas_LM_Remote_Service02_7045.evtx'
const CLEARED_1102 = 'hayabusa_ID472_4728_Hidden_user_creation.evtx'
if (!have(SERVICE_7045) || !have(CLEARED_1102)) console.warn('shared EVTX samples not found (set RATCHET_SHARED or provide ../shared/samples/evtx): template shape comparison skipped')

const firstChunk = (b: Buffer): Buffer => b.subarray(FILE_HEADER_SIZE, FILE_HEADER_SIZE + CHUNK_SIZE)

function ourShapes(spec: EvtxEventSpec): {outer: string[]; nested: string[] | null} {
  const w = new EvtxWriter()
  w.add(spec)
  return recordTemplateShapes(firstChunk(w.toBuffer()), 512)
}

describe.skipIf(!have(SERVICE_7045) || !have(CLEARED_1102))('EVTX writer templates match real Windows logs', () => {
  it('7045 (Service Control Manager, named EventData)', () => {
    const real = recordTemplateShapes(firstChunk(readFileSync(join(samples, SERVICE_7045))), 512)
    const ours = ourShapes(
      serviceInstalled('2023-11-02T02:22:14.5087731Z', {name: 'AnyDesk Service', imagePath: '"C:\\x\\AnyDesk.exe" --service', installerSid: 'S-1-5-18', threadId: 4}),
    )
    expect(ours.outer).toEqual(real.outer)
    expect(ours.nested).toEqual(real.nested)
    expect(ours.outer.at(-1)).toBe('  OPT19:0x21')
  })

  it('1102 (Eventlog, UserData/LogFileCleared) has the same System template and the UserData wrapper', () => {
    const real = recordTemplateShapes(firstChunk(readFileSync(join(samples, CLEARED_1102))), 512)
    const ours = ourShapes(logCleared('2023-11-02T03:51:09.3381520Z', {subject: {sid: 'S-1-5-18', name: 'x', domain: 'y', logonId: 1n}, channel: 'Security', threadId: 4}))
    expect(real.outer.slice(-2)).toEqual(['  <UserData', '    OPT19:0x21'])
    // Ours carries a Security UserID value where the real one had none; the shape is the same.
    expect(ours.outer).toEqual(real.outer)
    expect(ours.nested?.slice(0, 2)).toEqual(['<LogFileCleared', '  @xmlns'])
  })
})
