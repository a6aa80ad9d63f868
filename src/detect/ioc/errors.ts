import {RatchetError} from '../../core/errors.js'

/** A malformed IOC input: names the file and the 1-based line so the responder can fix it. */
export function iocParseError(file: string, line: number | undefined, reason: string, text?: string): RatchetError {
  const where = line === undefined ? file : `${file}:${line}`
  const shown = text === undefined ? '' : ` (${JSON.stringify(text.length > 120 ? `${text.slice(0, 120)}…` : text)})`
  return new RatchetError('E_IOC_PARSE', `${where}: ${reason}${shown}`, {file, ...(line === undefined ? {} : {line}), reason})
}
