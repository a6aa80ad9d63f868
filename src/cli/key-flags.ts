import {createPrivateKey, createPublicKey} from 'node:crypto'
import {readFile} from 'node:fs/promises'
import {RatchetError, errorMessage} from '../core/errors.js'

/**
 * Reads and checks an Ed25519 key given on the command line, before any work starts: an unreadable file or
 * a key that is not Ed25519 PEM is a usage error (exit 2), not a failed verification found at the end.
 */
export async function readKeyFlag(flag: string, path: string, kind: 'private' | 'public'): Promise<Buffer> {
  let pem: Buffer
  try {
    pem = await readFile(path)
  } catch (e) {
    throw new RatchetError('E_USAGE', `cannot read ${flag} ${path}: ${errorMessage(e)}`, {flag, path})
  }
  try {
    const key = kind === 'private' ? createPrivateKey(pem) : createPublicKey(pem)
    if (key.asymmetricKeyType !== 'ed25519') throw new Error(`key type is ${key.asymmetricKeyType ?? 'unknown'}, not ed25519`)
  } catch (e) {
    throw new RatchetError('E_USAGE', `${flag} ${path} is not an Ed25519 ${kind} key in PEM: ${errorMessage(e)}`, {flag, path})
  }
  return pem
}
