import {isoToUnix100ns, zoneOffsetMinutes} from '../core/time.js'
import {offsetLabel, type HostZone} from './zones.js'

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
const pad = (n: number): string => String(n).padStart(2, '0')

export function isoToMs(iso: string | null | undefined): number | undefined {
  if (!iso) return undefined
  const u = isoToUnix100ns(iso)
  return u === undefined ? undefined : Number(u / 10_000n)
}

/** `2023-10-28 14:02:11` from an instant shifted by `offsetMin`. */
function wall(ms: number, offsetMin: number): {date: string; time: string; long: string} {
  const d = new Date(ms + offsetMin * 60_000)
  const date = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`
  const time = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`
  const long = `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`
  return {date, time, long}
}

export function hostOffset(zone: HostZone, ms: number): number | undefined {
  if (zone.kind === 'iana') return zoneOffsetMinutes(zone.zone, new Date(ms))
  if (zone.kind === 'offset') return zone.minutes
  return undefined
}

export interface TimeView {
  iso: string
  /** `2023-10-28 14:02:11 UTC` */
  utc: string
  /** `2023-10-28 09:02:11 (UTC−05:00)` or '' when the host zone is unknown */
  local: string
  /** `28 Oct 2023 14:02 UTC` */
  prose: string
  /** `28 Oct 2023, 09:02 host time (UTC−05:00)` */
  proseLocal: string
}

export function timeView(iso: string | null | undefined, zone: HostZone): TimeView | null {
  const ms = isoToMs(iso)
  if (ms === undefined || !iso) return null
  const u = wall(ms, 0)
  const off = hostOffset(zone, ms)
  const l = off === undefined ? undefined : wall(ms, off)
  return {
    iso,
    utc: `${u.date} ${u.time} UTC`,
    local: l && off !== undefined ? `${l.date} ${l.time} (${offsetLabel(off)})` : '',
    prose: `${u.long}, ${u.time.slice(0, 5)} UTC`,
    proseLocal: l && off !== undefined ? `${l.long}, ${l.time.slice(0, 5)} host time (${offsetLabel(off)})` : 'host local time unknown',
  }
}

/**
 * An event's time. A time the source wrote in the host's local time, when the zone is unknown, is not UTC:
 * it is shown as written, labelled host-local with the zone unknown, never with a "UTC" suffix.
 */
export function eventTimeView(e: {datetime: string; attributes?: Record<string, unknown>}, zone: HostZone): TimeView | null {
  const t = timeView(e.datetime, zone)
  if (!t || e.attributes?.original_time_zone !== 'host-local:unknown') return t
  const asWritten = typeof e.attributes.original_time === 'string' ? ` (written as “${e.attributes.original_time}”)` : ''
  const wallText = t.utc.replace(/ UTC$/, '')
  return {...t, utc: `${wallText} host-local, zone unknown`, local: '', prose: `${t.prose.replace(/ UTC$/, '')} host-local time (zone unknown)${asWritten}`, proseLocal: 'host local time, zone unknown'}
}

export function durationText(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return 'unknown'
  const s = Math.round(seconds)
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  const r = s % 60
  if (h > 0) return `${h} h ${pad(m)} min`
  if (m > 0) return `${m} min ${pad(r)} s`
  return `${r} s`
}
