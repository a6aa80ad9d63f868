/**
 * Time conversions. Everything ratchet emits is UTC. JS Date is millisecond-precise but FILETIME is
 * 100 ns, so exact values are carried as bigint "ticks of 100 ns since 1601-01-01" and formatted here.
 */

/** 100-ns intervals between 1601-01-01 and 1970-01-01. */
export const FILETIME_UNIX_EPOCH = 116_444_736_000_000_000n
/** .NET DateTime ticks (100 ns since 0001-01-01) at 1970-01-01. */
export const DOTNET_UNIX_EPOCH_TICKS = 621_355_968_000_000_000n

const pad = (n: number, w = 2): string => String(n).padStart(w, '0')

/**
 * Formats 100-ns units since the Unix epoch as `YYYY-MM-DDTHH:MM:SS.fffffffZ` (7 fractional digits).
 * Returns undefined for values outside the range Date can represent.
 */
export function formatUnix100ns(units: bigint): string | undefined {
  const ms = units / 10_000n
  let rem = units % 10_000_000n
  let msFloor = ms
  if (rem < 0n) {
    rem += 10_000_000n
    msFloor = (units - rem) / 10_000n
  }
  const d = new Date(Number(msFloor))
  if (Number.isNaN(d.getTime())) return undefined
  const year = d.getUTCFullYear()
  if (year < 1 || year > 9999) return undefined
  return (
    `${pad(year, 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${String(rem).padStart(7, '0')}Z`
  )
}

/** FILETIME (100 ns since 1601) → ISO-8601 UTC with 7 fractional digits. */
export function filetimeToIso(filetime: bigint): string | undefined {
  return formatUnix100ns(filetime - FILETIME_UNIX_EPOCH)
}

/** .NET ticks (100 ns since 0001-01-01, UTC) → ISO-8601 UTC with 7 fractional digits. */
export function dotnetTicksToIso(ticks: bigint): string | undefined {
  return formatUnix100ns(ticks - DOTNET_UNIX_EPOCH_TICKS)
}

/** Date → ISO-8601 UTC with 7 fractional digits (ms precision padded). */
export function dateToIso7(d: Date): string {
  return formatUnix100ns(BigInt(d.getTime()) * 10_000n) ?? d.toISOString()
}

/**
 * Parses an ISO-8601 timestamp (any fraction length, `Z` or ±HH:MM) into 100-ns units since the Unix epoch,
 * exactly (no float rounding). Returns undefined when the text is not such a timestamp.
 */
export function isoToUnix100ns(iso: string): bigint | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?$/.exec(iso)
  if (!m) return undefined
  const [, y, mo, d, h, mi, s, frac = '', zone = 'Z'] = m
  // Date.UTC rolls 25:00 over into the next day and Feb 30 into March: out-of-range fields are not a time
  if (+mo! < 1 || +mo! > 12 || +d! < 1 || +h! > 23 || +mi! > 59 || +s! > 59) return undefined
  const base = Date.UTC(+y!, +mo! - 1, +d!, +h!, +mi!, +s!)
  if (Number.isNaN(base) || new Date(base).getUTCDate() !== +d!) return undefined
  let units = BigInt(base) * 10_000n + BigInt((frac + '0000000').slice(0, 7))
  if (zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1n : 1n
    const z = zone.slice(1).replace(':', '')
    if (+z.slice(0, 2) > 23 || +z.slice(2, 4) > 59) return undefined
    const offMin = BigInt(+z.slice(0, 2) * 60 + +z.slice(2, 4))
    units -= sign * offMin * 60n * 10_000_000n
  }
  return units
}

/** ISO-8601 → microseconds since the Unix epoch (the Timesketch `timestamp`). */
export function isoToMicros(iso: string): number | undefined {
  const fast = utcMicrosFast(iso)
  if (fast !== undefined) return fast
  const u = isoToUnix100ns(iso)
  return u === undefined ? undefined : Number(u / 10n)
}

/** The day (`YYYY-MM-DD`) utcMicrosFast saw last, as ms since the epoch: a log's events share few days. */
let fastDay = ''
let fastDayMs = -1

const digit = (s: string, i: number): number => {
  const c = s.charCodeAt(i) - 48
  return c >= 0 && c <= 9 ? c : -1
}
const two = (s: string, i: number): number => {
  const a = digit(s, i)
  const b = digit(s, i + 1)
  return a < 0 || b < 0 ? -1 : a * 10 + b
}

/**
 * isoToMicros of the form every mapper writes (`YYYY-MM-DDTHH:MM:SS[.fraction]Z`, 1970 on) without a
 * regular expression or BigInt: the day goes through isoToUnix100ns once (same validation), the time of
 * day is added as integers, exact below 2^53 µs (year 2255). Anything else: undefined, and the caller
 * takes the general path, so results are the same.
 */
function utcMicrosFast(iso: string): number | undefined {
  const n = iso.length
  if (n < 20 || n > 30 || iso.charCodeAt(n - 1) !== 90 || iso.charCodeAt(10) !== 84 || iso.charCodeAt(13) !== 58 || iso.charCodeAt(16) !== 58) return undefined
  const h = two(iso, 11)
  const mi = two(iso, 14)
  const sec = two(iso, 17)
  if (h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59) return undefined
  let frac7 = 0
  if (n > 20) {
    // `.` and 1 to 9 digits; the first 7 count (100 ns units), as in isoToUnix100ns
    if (iso.charCodeAt(19) !== 46 || n === 21) return undefined
    for (let i = 20, k = 0; i < n - 1; i++, k++) {
      const c = digit(iso, i)
      if (c < 0) return undefined
      if (k < 7) frac7 = frac7 * 10 + c
    }
    for (let k = n - 21; k < 7; k++) frac7 *= 10
  }
  const day = iso.slice(0, 10)
  if (day !== fastDay) {
    const d = isoToUnix100ns(`${day}T00:00:00Z`)
    if (d === undefined || d < 0n) return undefined
    fastDay = day
    fastDayMs = Number(d / 10_000n)
  }
  const micros = fastDayMs * 1000 + ((h * 60 + mi) * 60 + sec) * 1_000_000 + Math.floor(frac7 / 10)
  return micros <= Number.MAX_SAFE_INTEGER ? micros : undefined
}

/** Normalises any ISO-8601 input to UTC with 7 fractional digits. */
export function normaliseIso(iso: string): string | undefined {
  const u = isoToUnix100ns(iso)
  return u === undefined ? undefined : formatUnix100ns(u)
}

/** An Intl formatter giving a zone's wall-clock fields (reuse it: building one costs tens of microseconds). */
export function zoneFieldsFormatter(timeZone: string): Intl.DateTimeFormat {
  return new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  })
}

/** Offset in minutes (positive east of UTC) at `ms` (whole seconds are used) given a zoneFieldsFormatter. */
export function offsetMinutesWith(fmt: Intl.DateTimeFormat, ms: number): number {
  const at = Math.floor(ms / 1000) * 1000
  const parts = fmt.formatToParts(new Date(at))
  const get = (t: string): number => Number(parts.find((p) => p.type === t)?.value)
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'))
  return Math.round((asUtc - at) / 60_000)
}

/**
 * Offset in minutes of an IANA zone at an instant (positive east of UTC), via Intl (Node ships full ICU).
 * Throws RangeError for an unknown zone; callers validate zones first with isValidTimeZone.
 */
export function zoneOffsetMinutes(timeZone: string, at: Date): number {
  return offsetMinutesWith(zoneFieldsFormatter(timeZone), at.getTime())
}

export function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', {timeZone: tz})
    return true
  } catch {
    return false
  }
}

/** Formats an instant in a zone as `YYYY-MM-DD HH:MM:SS±HH:MM` (for local-time columns and reports). */
export function formatInZone(iso: string, timeZone: string): string | undefined {
  const u = isoToUnix100ns(iso)
  if (u === undefined) return undefined
  const at = new Date(Number(u / 10_000n))
  const off = zoneOffsetMinutes(timeZone, at)
  const local = new Date(at.getTime() + off * 60_000)
  const sign = off < 0 ? '-' : '+'
  const abs = Math.abs(off)
  return (
    `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())} ` +
    `${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}` +
    `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`
  )
}

/**
 * Converts a wall-clock time in a zone (fields as written on the host) to UTC ISO. Uses two passes so DST
 * transitions resolve to the offset in force at that wall time.
 */
export function localToUtcIso(
  fields: {year: number; month: number; day: number; hour: number; minute: number; second: number; ms?: number},
  timeZone: string,
): string | undefined {
  const wall = Date.UTC(fields.year, fields.month - 1, fields.day, fields.hour, fields.minute, fields.second, fields.ms ?? 0)
  if (Number.isNaN(wall)) return undefined
  let guess = wall - zoneOffsetMinutes(timeZone, new Date(wall)) * 60_000
  guess = wall - zoneOffsetMinutes(timeZone, new Date(guess)) * 60_000
  return dateToIso7(new Date(guess))
}

/** Parses durations like `30m`, `2h`, `90s`, `1d` into milliseconds. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+)\s*(ms|s|m|h|d)$/.exec(text.trim())
  if (!m) return undefined
  const n = Number(m[1])
  const unit = {ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000}[m[2] as 'ms' | 's' | 'm' | 'h' | 'd']
  return n * unit
}
