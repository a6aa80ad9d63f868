import {readdir, stat} from 'node:fs/promises'
import {join} from 'node:path'
import {RatchetError, errorMessage} from '../core/errors.js'
import type {SourceOs} from '../artefacts/expand.js'

/** Top-level folders only a Windows volume has (compared case-insensitively). */
const WINDOWS_TOP = ['windows', 'program files', 'program files (x86)', 'programdata', 'users']

/** The source of an image collection must be a readable folder: anything else is unusable input (exit 4). */
export async function requireSourceDir(root: string): Promise<void> {
  let st
  try {
    st = await stat(root)
  } catch (e) {
    throw new RatchetError('E_INPUT_MISSING', `source missing: ${root} (${errorMessage(e)})`, {source: root})
  }
  if (!st.isDirectory()) throw new RatchetError('E_INPUT_MISSING', `source is not a folder: ${root} (give the root of a mounted volume)`, {source: root})
}

/**
 * Guesses whether a mounted root is a Windows volume or a Linux root. Windows\System32 (any letter case,
 * any of several case-variant `Windows` folders, as extracted images have) is certain; a volume with only
 * Windows-shaped top folders (Program Files, ProgramData, Users, Windows without System32 — a partial image,
 * a server's data volume) is Windows too, with a note saying why. `etc/` means Linux.
 */
export async function detectSourceOs(root: string): Promise<{os: SourceOs; note?: string}> {
  await requireSourceDir(root)
  const names = await readdir(root).catch(() => [] as string[])
  for (const win of names.filter((n) => n.toLowerCase() === 'windows')) {
    const sub = await readdir(join(root, win)).catch(() => [] as string[])
    if (sub.some((n) => n.toLowerCase() === 'system32')) return {os: 'windows'}
  }
  const winTop = names.filter((n) => WINDOWS_TOP.includes(n.toLowerCase()))
  if (winTop.length > 0) {
    return {os: 'windows', note: `${root} has no Windows\\System32 but has ${winTop.join(', ')}: treated as a Windows volume (partial image or data volume); give --os to override`}
  }
  if (names.includes('etc')) return {os: 'linux'}
  throw new RatchetError('E_USAGE', `cannot tell the OS of ${root} (no Windows\\System32, no Windows-shaped folders, no etc/): give --os windows|linux`, {source: root})
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
