import {describe, expect, it} from 'vitest'
import {dotnetTicksToIso, filetimeToIso, formatInZone, isoToMicros, isoToUnix100ns, localToUtcIso, normaliseIso, parseDuration} from '../../src/core/time.js'

describe('time', () => {
  it('formats FILETIME exactly to 100 ns', () => {
    // 2023-10-28T12:34:56.1234567Z
    const unix100ns = BigInt(Date.UTC(2023, 9, 28, 12, 34, 56)) * 10_000n + 1_234_567n
    expect(filetimeToIso(unix100ns + 116_444_736_000_000_000n)).toBe('2023-10-28T12:34:56.1234567Z')
  })
  it('formats the FILETIME epoch and rejects out-of-range values', () => {
    expect(filetimeToIso(0n)).toBe('1601-01-01T00:00:00.0000000Z')
    expect(filetimeToIso(0xffffffffffffffffn)).toBeUndefined()
  })
  it('converts .NET ticks', () => {
    expect(dotnetTicksToIso(621_355_968_000_000_000n)).toBe('1970-01-01T00:00:00.0000000Z')
  })
  it('parses ISO with offsets exactly', () => {
    expect(normaliseIso('2023-11-01T10:00:00.5+02:00')).toBe('2023-11-01T08:00:00.5000000Z')
    expect(isoToMicros('1970-01-01T00:00:01.0000019Z')).toBe(1_000_001)
    expect(isoToUnix100ns('not a time')).toBeUndefined()
  })
  it('renders and converts local time across zones', () => {
    expect(formatInZone('2023-11-01T15:00:00Z', 'America/Chicago')).toBe('2023-11-01 10:00:00-05:00')
    expect(formatInZone('2023-11-06T15:00:00Z', 'America/Chicago')).toBe('2023-11-06 09:00:00-06:00')
    expect(localToUtcIso({year: 2023, month: 11, day: 6, hour: 9, minute: 0, second: 0}, 'America/Chicago')).toBe('2023-11-06T15:00:00.0000000Z')
  })
  it('parses durations', () => {
    expect(parseDuration('30m')).toBe(1_800_000)
    expect(parseDuration('2h')).toBe(7_200_000)
    expect(parseDuration('x')).toBeUndefined()
  })
})
