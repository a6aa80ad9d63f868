import {Command, Errors} from '@oclif/core'
import {errorMessage, isRatchetError} from '../core/errors.js'
import {ExitCode, type ExitCodeValue} from '../core/exit-codes.js'

/**
 * Base of every ratchet command. Commands stay thin: parse flags, call one library function, return its
 * typed result. With `--json` oclif prints that result on stdout (the command's contract); without it the
 * command prints a human summary. RatchetErrors become their documented exit codes.
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

  protected override async catch(err: Error & {exitCode?: number}): Promise<unknown> {
    if (isRatchetError(err)) {
      if (this.jsonEnabled()) {
        this.logJson({error: err.toJSON()})
      } else {
        this.logToStderr(`ratchet: error ${err.code}: ${err.message}`)
      }
      throw new Errors.ExitError(err.exitCode)
    }
    if (err instanceof Errors.ExitError) throw err
    // oclif's own parse errors (unknown flag, missing arg) carry exit code 2 already.
    if (err && typeof err === 'object' && 'oclif' in err) return super.catch(err)
    if (this.jsonEnabled()) {
      this.logJson({error: {code: 'E_INTERNAL', message: errorMessage(err), details: {}}})
    } else {
      this.logToStderr(`ratchet: internal error: ${err?.stack ?? errorMessage(err)}`)
    }
    throw new Errors.ExitError(ExitCode.INTERNAL)
  }
}
