import type {EvtxRecord} from '../../../src/parsers/evtx/record-types.js'
import {compileRuleSet, createMatcher, evtxRecordEvent, parseSigmaYaml, type CompiledRuleSet, type SigmaEvent} from '../../../src/detect/sigma/index.js'

/** A Security-log record with the given EventData (System fields overridable). */
export function record(data: EvtxRecord['data'], sys: Partial<EvtxRecord> = {}): EvtxRecord {
  return {
    recordId: 1,
    headerRecordNumber: 1,
    timeCreated: '2026-01-01T00:00:00.0000000Z',
    writtenTime: null,
    eventId: 4688,
    qualifiers: null,
    version: 2,
    level: 0,
    task: 0,
    opcode: 0,
    keywords: '0x8020000000000000',
    provider: 'Microsoft-Windows-Security-Auditing',
    providerGuid: null,
    channel: 'Security',
    computer: 'HOST1',
    userId: null,
    processId: 4,
    threadId: 8,
    activityId: null,
    data,
    chunk: 0,
    offset: 0,
    recovered: false,
    ...sys,
  }
}

export const ev = (data: EvtxRecord['data'], sys: Partial<EvtxRecord> = {}): SigmaEvent => evtxRecordEvent(record(data, sys), 'test.evtx')

/** Compiles one YAML text; throws when any rule was skipped (tests of supported forms). */
export function compile(yaml: string): CompiledRuleSet {
  const p = parseSigmaYaml(yaml, 'test.yml')
  if (p.skipped.length) throw new Error(`skipped: ${p.skipped.map((s) => s.reason).join('; ')}`)
  const set = compileRuleSet(p.rules, {placeholders: {admins: ['root', 'Admin*']}})
  if (set.skipped.length) throw new Error(`skipped: ${set.skipped.map((s) => s.reason).join('; ')}`)
  return set
}

/** Why a rule is skipped ('' when it compiles). */
export function skipReason(yaml: string): string {
  const p = parseSigmaYaml(yaml, 'test.yml')
  if (p.skipped.length) return p.skipped[0]!.reason
  const set = compileRuleSet(p.rules)
  return set.skipped[0]?.reason ?? ''
}

/** A detection rule over the Security log with the given detection block (YAML, indented 2). */
export function rule(detection: string, logsource = 'product: windows\n  service: security'): string {
  return `title: t\nid: 00000000-0000-4000-8000-000000000001\nlogsource:\n  ${logsource}\ndetection:\n${detection}\n`
}

export function matches(yaml: string, e: SigmaEvent): boolean {
  return createMatcher(compile(yaml)).push(e).length > 0
}
