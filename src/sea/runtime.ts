import {createHash} from 'node:crypto'
import {existsSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import * as sea from 'node:sea'
import {Config, flush, Help} from '@oclif/core'

/**
 * Entry of the standalone executable (Node single-executable application). oclif's command discovery reads
 * command files from disk, which a single executable does not have, so the build (bin/build-exe.js)
 * generates an entry with one loader per command class (and each command's summary from the manifest) and
 * hands them to runStandalone(): only the command that runs is evaluated.
 *
 * Templates, artefact definitions and other data travel as SEA assets. They are extracted once beside the
 * executable (`ratchet-assets/`, i.e. onto the responder's USB stick, not the host's disk) and, when that
 * folder is not writable, into the temp folder; RATCHET_HOME then points at them (see core/version.ts).
 */
export type CommandClass = {
  id?: string
  summary?: string
  description?: string
  run(argv: string[], config: Config): Promise<unknown>
}

const INDEX_ASSET = 'assets.json'

function assetIndex(): string[] {
  return JSON.parse(Buffer.from(sea.getAsset(INDEX_ASSET)).toString('utf8')) as string[]
}

function tryExtract(base: string, keys: string[], stamp: string): string | undefined {
  const home = join(base, `ratchet-assets-${stamp}`)
  const marker = join(home, '.complete')
  try {
    if (existsSync(marker)) return home
    for (const key of keys) {
      // keys are relative POSIX paths written by our own build; refuse anything else
      if (key.startsWith('/') || key.split('/').includes('..')) continue
      const target = join(home, ...key.split('/'))
      mkdirSync(dirname(target), {recursive: true})
      writeFileSync(target, Buffer.from(sea.getAsset(key)))
    }
    writeFileSync(marker, stamp)
    return home
  } catch {
    return undefined
  }
}

/** Extracts the embedded assets (once per build) and returns the folder they are in. */
export function prepareHome(): string {
  if (!sea.isSea()) return process.env.RATCHET_HOME ?? process.cwd()
  const keys = assetIndex()
  const stamp = createHash('sha256').update(Buffer.from(sea.getAsset(INDEX_ASSET))).update(Buffer.from(sea.getAsset('package.json'))).digest('hex').slice(0, 12)
  const home = tryExtract(dirname(process.execPath), keys, stamp) ?? tryExtract(tmpdir(), keys, stamp)
  if (!home) throw new Error('ratchet: cannot extract embedded assets beside the executable or into the temp folder')
  return home
}

function versionLine(home: string): string {
  const pkg = JSON.parse(readFileSync(join(home, 'package.json'), 'utf8')) as {version: string}
  return `ratchet/${pkg.version} ${process.platform}-${process.arch} node-${process.version}`
}

/** Loads one command class on demand (a lazily evaluated module of the bundle). */
export type CommandLoader = () => Promise<CommandClass>

function usage(summaries: Record<string, string>, home: string): string {
  const ids = Object.keys(summaries).sort()
  const width = Math.max(...ids.map((i) => i.length))
  const lines = ids.map((id) => `  ${id.padEnd(width)}  ${(summaries[id] ?? '').split('\n')[0]}`)
  return `${versionLine(home)}\n\nUSAGE\n  $ ratchet COMMAND [FLAGS]\n\nCOMMANDS\n${lines.join('\n')}\n\nRun \`ratchet COMMAND --help\` for a command's flags.\n`
}

export async function runStandalone(commands: Record<string, CommandLoader>, summaries: Record<string, string>, argv: string[]): Promise<void> {
  const home = prepareHome()
  process.env.RATCHET_HOME = home
  if (argv[0] === '--version' || argv[0] === '-v' || argv[0] === 'version') {
    process.stdout.write(versionLine(home) + '\n')
    return
  }
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || (argv[0] === 'help' && argv.length === 1)) {
    process.stdout.write(usage(summaries, home))
    return
  }
  const args = argv[0] === 'help' ? [...argv.slice(1), '--help'] : argv
  let id: string | undefined
  let n = Math.min(3, args.length)
  for (; n > 0; n--) {
    const candidate = args.slice(0, n).join(' ')
    if (commands[candidate]) {
      id = candidate
      break
    }
  }
  if (!id) {
    process.stderr.write(`ratchet: unknown command "${args[0]}"\n\n${usage(summaries, home)}`)
    process.exitCode = 2
    return
  }
  try {
    const config = await Config.load({root: home})
    const rest = args.slice(n)
    if (rest.includes('--help') || rest.includes('-h')) {
      await new Help(config).showHelp([...args.slice(0, n), ...rest.filter((a) => a !== '--help' && a !== '-h')])
      return
    }
    const Cmd = await commands[id]!()
    Cmd.id = id
    await Cmd.run(rest, config)
  } catch (error) {
    // oclif's handle() would try to show help through its command registry, which the executable lacks:
    // print the message and use the exit code the error carries (2 for flag errors, ours for RatchetErrors).
    const err = error as Error & {oclif?: {exit?: number}; code?: string}
    if (err.code === 'EEXIT') {
      process.exitCode = err.oclif?.exit ?? 0
    } else {
      process.stderr.write(`ratchet: ${err.message}\n`)
      process.exitCode = err.oclif?.exit ?? 1
    }
  } finally {
    await flush()
  }
}
