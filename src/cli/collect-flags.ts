import {constants} from 'node:fs'
import {access, stat} from 'node:fs/promises'
import {Flags} from '@oclif/core'
import type {Artefact} from '../artefacts/schema.js'
import {passwordFromFile, passwordFromPrompt} from '../collect/password.js'
import {detectSourceOs, liveSource, requireSourceDir} from '../collect/source-os.js'
import {RatchetError, errorMessage} from '../core/errors.js'
import {type GuardedPath, refuseWritingOnInputs, requireDirOrAbsent} from '../core/output-guard.js'
import {readKeyFlag} from './key-flags.js'

/** Flags shared by `collect` and `triage` (triage takes all of collect's options). */
export const collectFlags = {
  source: Flags.string({description: 'mounted image root (a Windows volume such as a mounted C:, or a Linux root)', exactlyOne: ['source', 'live', 'image']}),
  live: Flags.boolean({description: 'collect the running host', exactlyOne: ['source', 'live', 'image']}),
  image: Flags.string({description: 'disk or volume image (raw, E01, VHDX, VHD) read through NTFS without mounting', exactlyOne: ['source', 'live', 'image']}),
  partition: Flags.integer({description: 'with --image: the partition holding the NTFS volume (default: the only NTFS one)', min: 1, dependsOn: ['image']}),
  profile: Flags.string({description: 'artefact profile (artefacts/profiles/*.yaml)', default: 'triage'}),
  artefact: Flags.string({description: 'artefact id or glob (repeatable); overrides --profile', multiple: true}),
  format: Flags.string({description: 'archive format (7z when a password is given)', options: ['zip', '7z']}),
  'password-file': Flags.string({description: 'file whose first line is the archive password (7z only)', exclusive: ['password-prompt']}),
  'password-prompt': Flags.boolean({description: 'ask for the archive password on the terminal (7z only)'}),
  case: Flags.string({description: 'case identifier recorded in the manifest'}),
  examiner: Flags.string({description: 'examiner name recorded in the manifest'}),
  'sign-key': Flags.string({description: 'Ed25519 private key (PEM) to sign manifest.json'}),
  os: Flags.string({description: 'OS of a --source image when it cannot be detected', options: ['windows', 'linux']}),
  'drive-letter': Flags.string({description: 'drive letter of a Windows --source in original paths', default: 'C'}),
  'no-volatile': Flags.boolean({description: 'skip volatile capture (processes, network…) in --live mode'}),
  'artefacts-dir': Flags.string({description: 'read artefact definitions from this folder instead of the built-in ones'}),
  level: Flags.integer({description: 'compression level (zip 0-9, 7z 0-9)', min: 0, max: 9, default: 1}),
}

export interface CollectFlagValues {
  source?: string
  live?: boolean
  image?: string
  partition?: number
  profile: string
  artefact?: string[]
  format?: string
  'password-file'?: string
  'password-prompt'?: boolean
  'sign-key'?: string
  os?: string
  'drive-letter': string
  'artefacts-dir'?: string
  out: string
}

export interface ResolvedCollection {
  mode: 'live' | 'image'
  root: string
  /** `--image`: the image file (root is then the same path) and the chosen partition. */
  image?: string
  partition?: number
  os: 'windows' | 'linux'
  driveLetter: string
  artefacts: Artefact[]
  profile: string | null
  format: 'zip' | '7z'
  password: string | undefined
  signKeyPem: Buffer | undefined
  /** What the examiner should know about the source (e.g. why it was taken for Windows); recorded in the collection log. */
  notes: string[]
}

/**
 * Turns collect's flags into collection options: source and OS, artefact selection, password, signing key.
 * Every flag is checked here, before anything is created or a byte of the source is read: usage errors
 * (exit 2) first, then the source (exit 4). `extraInputs` are further files the command reads (--iocs).
 */
export async function resolveCollection(flags: CollectFlagValues, extraInputs: GuardedPath[] = []): Promise<ResolvedCollection> {
  requireDirOrAbsent('--out', flags.out)
  refuseWritingOnInputs(
    [{what: '--out', path: flags.out}],
    [
      // a live host's root holds everything, the output folder included: only an image source is guarded
      {what: 'the --source', path: flags.live ? undefined : flags.source},
      {what: '--password-file', path: flags['password-file']},
      {what: '--sign-key', path: flags['sign-key']},
      {what: '--artefacts-dir', path: flags['artefacts-dir']},
      ...extraInputs,
    ],
  )
  for (const i of extraInputs) if (i.path) await requireReadableFile(i.what, i.path)
  let password: string | undefined
  if (flags['password-file']) password = await passwordFromFile(flags['password-file'])
  else if (flags['password-prompt']) password = await passwordFromPrompt()
  const format = (flags.format ?? (password !== undefined ? '7z' : 'zip')) as 'zip' | '7z'
  if (password !== undefined && format === 'zip') throw new RatchetError('E_USAGE', 'a password needs --format 7z (zip cannot encrypt headers)')
  const signKeyPem = flags['sign-key'] ? await readKeyFlag('--sign-key', flags['sign-key'], 'private') : undefined

  let root: string
  let os: 'windows' | 'linux'
  let drive = flags['drive-letter']
  const notes: string[] = []
  if (flags.live) {
    const live = liveSource()
    root = live.root
    os = live.os
    drive = live.drive ?? drive
  } else if (flags.image) {
    // ratchet reads NTFS inside images: the source is a Windows volume.
    if (flags.os === 'linux') throw new RatchetError('E_USAGE', '--image reads NTFS volumes: --os linux does not apply')
    root = flags.image
    os = 'windows'
  } else {
    root = flags.source!
    if (flags.os) {
      await requireSourceDir(root)
      os = flags.os as 'windows' | 'linux'
    } else {
      const detected = await detectSourceOs(root)
      os = detected.os
      if (detected.note) notes.push(detected.note)
    }
  }
  // imported here, not at the top: collectFlags is read when oclif builds its manifest and help, which need
  // no YAML or schema library (start-up; see README "Start-up")
  const {loadDefinitions, requireValid, selectArtefacts} = await import('../artefacts/load.js')
  const defs = await loadDefinitions(flags['artefacts-dir'])
  requireValid(defs)
  const sel = selectArtefacts(defs, {profile: flags.profile, ids: flags.artefact, os})
  return {
    mode: flags.live ? 'live' : 'image',
    root,
    ...(flags.image ? {image: flags.image, ...(flags.partition !== undefined ? {partition: flags.partition} : {})} : {}),
    os,
    driveLetter: drive,
    artefacts: sel.artefacts,
    profile: sel.profile,
    format,
    password,
    signKeyPem,
    notes,
  }
}

/** A file the run will read later (an IOC list): missing or a folder is a usage error now, not after collecting. */
async function requireReadableFile(what: string, path: string): Promise<void> {
  const st = await stat(path).catch((e: unknown) => {
    throw new RatchetError('E_USAGE', `${what} ${path}: ${errorMessage(e)}`, {path})
  })
  if (!st.isFile()) throw new RatchetError('E_USAGE', `${what} ${path} is not a file`, {path})
  await access(path, constants.R_OK).catch((e: unknown) => {
    throw new RatchetError('E_USAGE', `${what} ${path} is not readable: ${errorMessage(e)}`, {path})
  })
}
