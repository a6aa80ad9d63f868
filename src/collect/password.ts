import {readFile} from 'node:fs/promises'
import {RatchetError, errorMessage} from '../core/errors.js'

/**
 * Archive passwords come from a file or an interactive prompt, never from a flag (flags land in shell
 * history, process lists and ratchet's own recorded command line). The value is only ever handed to
 * 7-Zip's stdin.
 */
export async function passwordFromFile(path: string): Promise<string> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (e) {
    throw new RatchetError('E_PASSWORD', `cannot read the password file ${path}: ${errorMessage(e)}`)
  }
  const pw = text.split(/\r?\n/)[0] ?? ''
  if (!pw) throw new RatchetError('E_PASSWORD', `the password file ${path} is empty (the first line is the password)`)
  return pw
}

/** Reads a password from the terminal without echoing it. */
export function passwordFromPrompt(prompt = 'Archive password: '): Promise<string> {
  const stdin = process.stdin
  if (!stdin.isTTY) return Promise.reject(new RatchetError('E_PASSWORD', '--password-prompt needs a terminal; use --password-file'))
  return new Promise((resolve, reject) => {
    process.stderr.write(prompt)
    let pw = ''
    stdin.setRawMode(true)
    stdin.resume()
    const done = (err?: Error): void => {
      stdin.setRawMode(false)
      stdin.pause()
      stdin.off('data', onData)
      process.stderr.write('\n')
      if (err) reject(err)
      else if (!pw) reject(new RatchetError('E_PASSWORD', 'empty password'))
      else resolve(pw)
    }
    const onData = (d: Buffer): void => {
      for (const ch of d.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return done()
        if (ch === '\u0003') return done(new RatchetError('E_PASSWORD', 'password prompt interrupted'))
        if (ch === '\u007f' || ch === '\b') pw = pw.slice(0, -1)
        else pw += ch
      }
    }
    stdin.on('data', onData)
  })
}
