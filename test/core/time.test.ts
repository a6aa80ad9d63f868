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
  it('isoToMicros: the fast path for mapper-shaped times equals the general conversion, and odd shapes fall back', () => {
    const general = (iso: string): number | undefined => {
      const u = isoToUnix100ns(iso)
      return u === undefined ? undefined : Number(u / 10n)
    }
    let seed = 7
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648
      return seed % n
    }
    const pad = (v: number, w: number): string => String(v).padStart(w, '0')
    const checked: string[] = ['1970-01-01T00:00:00Z', '1969-12-31T23:59:59.9999999Z', '2255-06-05T23:47:34.7409963Z', '2300-01-01T00:00:00Z', '2024-02-29T12:00:00.5Z', '2023-02-29T12:00:00Z', '2024-01-01T24:00:00Z', '2024-01-01T00:60:00Z', '2024-01-01T00:00:60Z', '2024-01-01T00:00:00.Z', '2024-01-01T00:00:00.1234567890Z', '2024-01-01 00:00:00Z', '2024-01-01T00:00:00+01:00', '2024-13-01T00:00:00Z', '0050-01-01T00:00:00Z', '2024-01-01T0a:00:00Z']
    for (let i = 0; i < 20_000; i++) {
      const frac = rnd(11)
      let iso = `${pad(1900 + rnd(500), 4)}-${pad(rnd(14), 2)}-${pad(rnd(33), 2)}T${pad(rnd(26), 2)}:${pad(rnd(62), 2)}:${pad(rnd(62), 2)}${frac ? `.${pad(rnd(10 ** Math.min(frac, 9)), frac)}` : ''}Z`
      if (rnd(8) === 0) {
        const at = rnd(iso.length)
        iso = iso.slice(0, at) + ' .:-TZ0a+'[rnd(9)] + iso.slice(at + 1)
      }
      checked.push(iso)
    }
    let fast = 0
    for (const iso of checked) {
      const want = general(iso)
      expect(isoToMicros(iso), iso).toBe(want)
      if (want !== undefined) fast++
    }
    expect(fast).toBeGreaterThan(1_000)
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
