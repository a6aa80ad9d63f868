import {open} from 'node:fs/promises'
import {hostname, platform, release, type} from 'node:os'
import {join} from 'node:path'
import {dateToIso7} from '../core/time.js'
import type {HostFacts} from '../evidence/manifest-types.js'

async function readSmall(path: string, max = 4096): Promise<string | null> {
  try {
    const fh = await open(path, 'r')
    try {
      const buf = Buffer.alloc(max)
      const {bytesRead} = await fh.read(buf, 0, max, 0)
      return buf.subarray(0, bytesRead).toString('utf8')
    } finally {
      await fh.close()
    }
  } catch {
    return null
  }
}

/** Facts about the running host (live collection). */
export function liveHostFacts(start: Date): HostFacts {
  return {
    hostname: hostname(),
    os: type(),
    platform: platform(),
    release: release(),
    time_zone: Intl.DateTimeFormat().resolvedOptions().timeZone ?? null,
    utc_offset_minutes: -start.getTimezoneOffset(),
    clock_utc_at_start: dateToIso7(start),
  }
}

/**
 * Facts readable from a mounted Linux root without parsing logs (host name, distribution, zone). A Windows
 * image keeps these in the registry, which ratchet does not parse yet: they stay null rather than guessed.
 */
export async function imageHostFacts(root: string, os: 'windows' | 'linux', start: Date): Promise<HostFacts> {
  const facts: HostFacts = {
    hostname: null,
    os: os === 'windows' ? 'Windows' : 'Linux',
    platform: os === 'windows' ? 'win32' : 'linux',
    release: null,
    time_zone: null,
    utc_offset_minutes: null,
    clock_utc_at_start: dateToIso7(start),
  }
  if (os === 'linux') {
    facts.hostname = (await readSmall(join(root, 'etc', 'hostname'), 256))?.trim().split('\n')[0] || null
    const rel = await readSmall(join(root, 'etc', 'os-release'))
    const m = rel ? /^PRETTY_NAME="?([^"\n]*)"?/m.exec(rel) : null
    facts.release = m?.[1] ?? null
    facts.time_zone = (await readSmall(join(root, 'etc', 'timezone'), 128))?.trim() || null
  }
  return facts
}
