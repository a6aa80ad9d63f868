import {Command, Errors} from '@oclif/core'
import {clip, clipDeep} from '../core/clip.js'
import {errorMessage, isRatchetError} from '../core/errors.js'
import {ExitCode, type ExitCodeValue} from '../core/exit-codes.js'

/** Longest error message printed (a message can quote several values, each clipped on its own). */
const MESSAGE_MAX = 2000

/**
 * Base of every ratchet command. Commands stay thin: parse flags, call one library function, return its
 * typed result. With `--json` that result is printed on stdout (the command's contract); without it the
 * command prints a human summary. Every failure becomes one documented exit code and, with --json, one
 * `{"error": {code, message, details}}` object: RatchetErrors carry their own code, oclif's flag and
 * argument errors are E_USAGE (2), anything else is E_INTERNAL (1).
 */
export abstract class BaseCommand extends Command {
  static override enableJsonFlag = true

  /**
   * Ends a command whose work completed but whose outcome is not clean (partial input, failed verification):
   * the result is still printed (and is the --json object), and the process exits with `code`.
   */
  protected setExitCode(code: ExitCodeValue): void {
    process.exitCode = code
  }

  /** Human output goes to stderr when --json is on, so stdout holds nothing but the JSON object. */
  protected say(message: string): void {
    if (this.jsonEnabled()) return
    this.log(message)
  }

  protected warnLine(message: string): void {
    if (this.jsonEnabled()) return
    this.logToStderr(message)
  }

  /**
   * Plain JSON.stringify: oclif's colouring runs regular expressions over the whole text, which overflows
   * the stack on a multi-megabyte value, and colour codes do not belong in a machine contract anyway.
   */
  override logJson(json: unknown): void {
    process.stdout.write(JSON.stringify(json, null, 2) + '\n')
  }

  private fail(code: string, message: string, details: Record<string, unknown>, exit: ExitCodeValue, extra?: string): never {
    const msg = clip(message, MESSAGE_MAX)
    if (this.jsonEnabled()) this.logJson({error: {code, message: msg, details: clipDeep(details)}})
    else this.logToStderr(`ratchet: error ${code}: ${msg}${extra ? `\n${extra}` : ''}`)
    throw new Errors.ExitError(exit)
  }

  protected override async catch(err: Error & {exitCode?: number}): Promise<unknown> {
    if (isRatchetError(err)) this.fail(err.code, err.message, err.details, err.exitCode)
    if (err instanceof Errors.ExitError) throw err
    // oclif's own parse errors (unknown or missing flag, bad option value, missing argument)
    if (isUsageError(err)) this.fail('E_USAGE', usageMessage(err), {}, ExitCode.USAGE, `See: ${this.config.bin} ${this.id ?? ''} --help`.replace(/ +--help/, ' --help'))
    this.fail('E_INTERNAL', errorMessage(err), {}, ExitCode.INTERNAL, this.jsonEnabled() ? undefined : err?.stack)
  }
}

function isUsageError(err: unknown): boolean {
  if (err instanceof Errors.CLIError && (err as {oclif?: {exit?: number}}).oclif?.exit === 2) return true
  const name = (err as {constructor?: {name?: string}})?.constructor?.name ?? ''
  return /ParseError|Failed.*Error|Required|Unexpected|NonExistent|Nonexistent/i.test(name) || (err as {parse?: unknown})?.parse !== undefined
}

/** oclif's message without its long help dump (the flag list it appends to some parse errors). */
function usageMessage(err: Error): string {
  return err.message.split('\nSee more help')[0]!.trim()
}
