import {describe, expect, it} from 'vitest'
import {demoUsnJournal, demoUsnRecords} from '../../src/demo/usn.js'
import {DEFAULT_DEMO_SEED} from '../../src/demo/seed.js'
import {PAYLOAD, RUN_COMMANDS, T} from '../../src/demo/scenario.js'
import {BufferSource} from '../../src/parsers/image/slice.js'
import {walkUsn, type UsnRecord} from '../../src/parsers/ntfs/usn.js'

/** The demo host's $J: well-formed, deterministic, and in step with the times the logs and the volume give. */
describe('demo $UsnJrnl:$J', () => {
  const {data} = demoUsnJournal(DEFAULT_DEMO_SEED)
  const records: UsnRecord[] = []
  const walk = walkUsn(new BufferSource(data), (r) => records.push(r))

  it('parses cleanly: a zero lead, then only records, USN = offset', () => {
    expect(walk.garbageBytes).toBe(0)
    expect(walk.diagnostics).toEqual([])
    expect(records.length).toBe(demoUsnRecords(DEFAULT_DEMO_SEED).length)
    expect(records[0]!.usn).toBeGreaterThanOrEqual(64 * 4096)
    for (const r of records) expect(r.usn).toBe(r.offset)
  })

  it('is the same bytes for the same seed, other churn for another seed', () => {
    expect(demoUsnJournal(DEFAULT_DEMO_SEED).data.equals(data)).toBe(true)
    expect(demoUsnJournal(DEFAULT_DEMO_SEED + 1).data.equals(data)).toBe(false)
  })

  it('creates text.xml and each run.cmd before the Application log records the transfer and the command', () => {
    const created = (name: string): UsnRecord[] => records.filter((r) => r.name === name && r.reasons.includes('FILE_CREATE') && !r.reasons.includes('DATA_EXTEND'))
    const payload = created(PAYLOAD.fileName)
    expect(payload).toHaveLength(1)
    expect(payload[0]!.timestamp! < T.scTransferPayload && payload[0]!.timestamp! > T.scConnected).toBe(true)
    for (const cmd of RUN_COMMANDS) {
      const r = created(`${cmd.guid}run.cmd`)
      expect(r).toHaveLength(1)
      expect(r[0]!.timestamp! < cmd.at).toBe(true)
    }
    // the payload's parent is the folder created just before it (ConnectWiseControl\Temp)
    const folder = records.find((r) => r.name === 'Temp' && (r.fileAttributes ?? 0) & 0x10 && r.timestamp! < payload[0]!.timestamp!)!
    expect([payload[0]!.parentEntry, payload[0]!.parentSequence]).toEqual([folder.entry, folder.sequence])
  })
})
