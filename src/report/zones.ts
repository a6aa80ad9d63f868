import {isValidTimeZone} from '../core/time.js'

/**
 * Windows time-zone names (what `tzutil /g` and the registry report) → IANA, for the zones responders
 * meet most. Taken from the CLDR windowsZones table ("001" territory rows). A name not listed here is
 * shown as a fixed offset from the manifest instead, and the report says so.
 */
const WINDOWS_TO_IANA: Record<string, string> = {
  'Dateline Standard Time': 'Etc/GMT+12',
  'Hawaiian Standard Time': 'Pacific/Honolulu',
  'Alaskan Standard Time': 'America/Anchorage',
  'Pacific Standard Time': 'America/Los_Angeles',
  'US Mountain Standard Time': 'America/Phoenix',
  'Mountain Standard Time': 'America/Denver',
  'Central Standard Time': 'America/Chicago',
  'Central America Standard Time': 'America/Guatemala',
  'Canada Central Standard Time': 'America/Regina',
  'Eastern Standard Time': 'America/New_York',
  'US Eastern Standard Time': 'America/Indianapolis',
  'Atlantic Standard Time': 'America/Halifax',
  'Newfoundland Standard Time': 'America/St_Johns',
  'E. South America Standard Time': 'America/Sao_Paulo',
  'Argentina Standard Time': 'America/Buenos_Aires',
  UTC: 'Etc/UTC',
  'GMT Standard Time': 'Europe/London',
  'Greenwich Standard Time': 'Atlantic/Reykjavik',
  'W. Europe Standard Time': 'Europe/Berlin',
  'Central Europe Standard Time': 'Europe/Budapest',
  'Romance Standard Time': 'Europe/Paris',
  'Central European Standard Time': 'Europe/Warsaw',
  'GTB Standard Time': 'Europe/Bucharest',
  'FLE Standard Time': 'Europe/Kiev',
  'E. Europe Standard Time': 'Europe/Chisinau',
  'Israel Standard Time': 'Asia/Jerusalem',
  'South Africa Standard Time': 'Africa/Johannesburg',
  'Russian Standard Time': 'Europe/Moscow',
  'Turkey Standard Time': 'Europe/Istanbul',
  'Arabian Standard Time': 'Asia/Dubai',
  'India Standard Time': 'Asia/Calcutta',
  'SE Asia Standard Time': 'Asia/Bangkok',
  'China Standard Time': 'Asia/Shanghai',
  'Singapore Standard Time': 'Asia/Singapore',
  'Tokyo Standard Time': 'Asia/Tokyo',
  'Korea Standard Time': 'Asia/Seoul',
  'AUS Eastern Standard Time': 'Australia/Sydney',
  'E. Australia Standard Time': 'Australia/Brisbane',
  'Cen. Australia Standard Time': 'Australia/Adelaide',
  'W. Australia Standard Time': 'Australia/Perth',
  'New Zealand Standard Time': 'Pacific/Auckland',
}

export type HostZone =
  | {kind: 'iana'; zone: string; label: string}
  | {kind: 'offset'; minutes: number; label: string}
  | {kind: 'unknown'; label: string}

const offsetLabel = (min: number): string => {
  const a = Math.abs(min)
  return `UTC${min < 0 ? '−' : '+'}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`
}

/** Resolves the host zone recorded at collection: IANA name, Windows name, or just the offset then. */
export function resolveHostZone(timeZone: string | null | undefined, offsetMinutes: number | null | undefined): HostZone {
  if (timeZone) {
    if (isValidTimeZone(timeZone) && timeZone.includes('/')) return {kind: 'iana', zone: timeZone, label: timeZone}
    const mapped = WINDOWS_TO_IANA[timeZone]
    if (mapped) return {kind: 'iana', zone: mapped, label: `${timeZone} (${mapped})`}
    if (timeZone === 'UTC' || timeZone === 'Etc/UTC') return {kind: 'iana', zone: 'Etc/UTC', label: 'UTC'}
  }
  if (typeof offsetMinutes === 'number' && Number.isFinite(offsetMinutes) && Math.abs(offsetMinutes) <= 14 * 60) {
    return {kind: 'offset', minutes: offsetMinutes, label: `${offsetLabel(offsetMinutes)} (offset at collection time; daylight saving not known)`}
  }
  return {kind: 'unknown', label: 'unknown'}
}

export {offsetLabel}
