import {readFile} from 'node:fs/promises'
import {Flags} from '@oclif/core'
import type {Artefact} from '../artefacts/schema.js'
import {passwordFromFile, passwordFromPrompt} from '../collect/password.js'
import {detectSourceOs, liveSource} from '../collect/source-os.js'
import {RatchetError, errorMessage} from '../core/errors.js'

/** Flags shared by `collect` and `triage` (triage takes all of collect's options). */
export const collectFlags = {
  source: Flags.string({description: 'mounted image root (a Windows volume such as a mounted C:, or a Linux root)', exactlyOne: ['source', 'live']}),
  live: Flags.boolean({description: 'collect the running host', exactlyOne: ['source', 'live']}),
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
  profile: string
  artefact?: string[]
  format?: string
  'password-file'?: string
  'password-prompt'?: boolean
  'sign-key'?: string
  os?: string
  'drive-letter': string
  'artefacts-dir'?: string
}

export interface ResolvedCollection {
  mode: 'live' | 'image'
  root: string
  os: 'windows' | 'linux'
  driveLetter: string
  artefacts: Artefact[]
  profile: string | null
  format: 'zip' | '7z'
  password: string | undefined
  signKeyPem: Buffer | undefined
}

/** Turns collect's flags into collection options: source and OS, artefact selection, password, signing key. */
export async function resolveCollection(flags: CollectFlagValues): Promise<ResolvedCollection> {
  let password: string | undefined
  if (flags['password-file']) password = await passwordFromFile(flags['password-file'])
  else if (flags['password-prompt']) password = await passwordFromPrompt()
  const format = (flags.format ?? (password !== undefined ? '7z' : 'zip')) as 'zip' | '7z'
  if (password !== undefined && format === 'zip') throw new RatchetError('E_USAGE', 'a password needs --format 7z (zip cannot encrypt headers)')

  let root: string
  let os: 'windows' | 'linux'
  let drive = flags['drive-letter']
  if (flags.live) {
    const live = liveSource()
    root = live.root
    os = live.os
    drive = live.drive ?? drive
  } else {
    root = flags.source!
    os = (flags.os as 'windows' | 'linux' | undefined) ?? (await detectSourceOs(root))
  }
  // imported here, not at the top: collectFlags is read when oclif builds its manifest and help, which need
  // no YAML or schema library (start-up; see README "Start-up")
  const {loadDefinitions, requireValid, selectArtefacts} = await import('../artefacts/load.js')
  const defs = await loadDefinitions(flags['artefacts-dir'])
  requireValid(defs)
  const sel = selectArtefacts(defs, {profile: flags.profile, ids: flags.artefact, os})
  let signKeyPem: Buffer | undefined
  if (flags['sign-key']) {
    signKeyPem = await readFile(flags['sign-key']).catch((e: unknown) => {
      throw new RatchetError('E_SIGNATURE', `cannot read --sign-key ${flags['sign-key']}: ${errorMessage(e)}`)
    })
  }
  return {mode: flags.live ? 'live' : 'image', root, os, driveLetter: drive, artefacts: sel.artefacts, profile: sel.profile, format, password, signKeyPem}
}
