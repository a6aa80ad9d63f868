import {describe, expect, it} from 'vitest'
import type {AffectedMachine, BlastRadiusFile} from '../../src/detect/blast/types.js'
import {blastView} from '../../src/report/blast.js'

const machine = (name: string, day: string, extra: Partial<AffectedMachine> = {}): AffectedMachine => ({
  machine: name,
  custom_properties: [`${name} customer`, 'TX'],
  customer: `${name} customer`,
  session_id: `${name}-guid`,
  first_suspicious_utc: `${day}T02:00:00.0000000Z`,
  last_suspicious_utc: `${day}T02:10:00.0000000Z`,
  operators: ['tech1'],
  addresses: ['203.0.113.66'],
  reasons: [{code: 'ioc_address', text: 'tech1 connected from 203.0.113.66, listed as an indicator (iocs.txt:2)'}],
  connections: [{start_utc: `${day}T02:00:00.0000000Z`, operator: 'tech1', address: '203.0.113.66', suspicious: true, event_id: `${name}-c`}],
  commands: [{queued_utc: `${day}T02:01:00.0000000Z`, operator: 'tech1', text: 'net user x [REDACTED sha256:0123456789ab…] /add', meaning: 'creates a local user account', status: 'failed', output: 'Access is denied.', hidden: false, from_wal: true, suspicious: true, event_id: `${name}-q`}],
  files: [],
  hidden_rows: [],
  wal_only_rows: 3,
  evidence: [],
  ...extra,
})

const file = (affected: AffectedMachine[], routine: number): BlastRadiusFile => ({
  format: 'ratchet-blast-radius/1',
  case_dir: '/case',
  server: {},
  baseline: {incident_start_utc: affected.length ? '2023-10-20T01:04:00.0000000Z' : null, first_signal: affected.length ? 'contact from indicator address 203.0.113.66' : null, rule: 'r', operators: []},
  brute_force: [],
  affected,
  machines_total: affected.length + routine,
  routine_only: routine,
  routine_machines: [],
})

describe('report: blast radius view', () => {
  it('counts suspicious connections per UTC day, with empty days between', () => {
    const v = blastView(file([machine('A', '2023-10-20'), machine('B', '2023-10-20'), machine('C', '2023-10-23')], 7))!
    expect(v.chart.bars.map((b) => [b.title, b.count])).toEqual([
      ['2023-10-20: 2 suspicious connections', 2],
      ['2023-10-21: 0 suspicious connections', 0],
      ['2023-10-22: 0 suspicious connections', 0],
      ['2023-10-23: 1 suspicious connection', 1],
    ])
    expect(v.chart.max).toBe(2)
    expect(v.sentence).toContain('reached 3 customer machines out of 10')
    expect(v.routineSentence).toBe("7 machines saw only routine access (the vendor's usual accounts, from their usual addresses and hours, running ordinary maintenance) and are not listed.")
    expect(v.machines[0].commands[0]).toMatchObject({failed: true, meaning: 'creates a local user account', fromWal: true})
    expect(v.machines[0].customer).toBe('A customer · TX')
  })

  it('says so when no machine was reached, and is absent for a non-server case', () => {
    const v = blastView(file([], 1))!
    expect(v.sentence).toContain('no customer machine reached')
    expect(v.routineSentence.startsWith('1 machine saw only routine access')).toBe(true)
    expect(v.chart.empty).toBe(true)
    expect(blastView(null)).toBeNull()
  })
})
