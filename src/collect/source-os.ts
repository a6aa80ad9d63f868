import {readdir} from 'node:fs/promises'
import {RatchetError} from '../core/errors.js'
import type {SourceOs} from '../artefacts/expand.js'

/** Guesses whether a mounted root is a Windows volume (has Windows\System32) or a Linux root (has etc/). */
export async function detectSourceOs(root: string): Promise<SourceOs> {
  const names = await readdir(root).catch(() => [] as string[])
  const win = names.find((n) => n.toLowerCase() === 'windows')
  if (win) {
    const sub = await readdir(`${root}/${win}`).catch(() => [] as string[])
    if (sub.some((n) => n.toLowerCase() === 'system32')) return 'windows'
  }
  if (names.includes('etc')) return 'linux'
  throw new RatchetError('E_USAGE', `cannot tell the OS of ${root} (no Windows\\System32, no etc/): give --os windows|linux`)
}

/** The live host's OS and collection root. */
export function liveSource(): {os: SourceOs; root: string; drive?: string} {
  if (process.platform === 'win32') {
    const drive = (process.env.SystemDrive ?? 'C:').replace(/:$/, '')
    return {os: 'windows', root: `${drive}:\\`, drive}
  }
  if (process.platform === 'linux') return {os: 'linux', root: '/'}
  throw new RatchetError('E_USAGE', `live collection supports Windows and Linux, not ${process.platform}`)
}
