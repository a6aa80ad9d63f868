import {createHash} from 'node:crypto'

/**
 * ScreenConnect client launch parameters (ARTEFACTS.md §2): the query string in the service ImagePath,
 * `ClientLaunchParametersConstraint`, or `ClientLaunchParameters.txt`:
 * `?e=Access&y=Guest&h=relay.example&p=8041&s=<guid>&k=<base64 key>&t=<name>&c=<prop>&c=…`.
 * The key `k` is hashed (SHA-256 of the text as written, URL-decoded); the key itself is never returned.
 */
export interface LaunchParams {
  session_type?: string
  process_type?: string
  relay_host?: string
  relay_port?: number
  session_guid?: string
  session_name?: string
  custom_properties?: string[]
  key_sha256?: string
  /** 16-hex instance thumbprint (lower case), from `ScreenConnect Client (<id>)` in the path, when present. */
  instance?: string
}

const INSTANCE = /ScreenConnect Client \(([0-9a-fA-F]{16})\)|(?:screenconnect|connectwisecontrol)-([0-9a-fA-F]{16})/i

export function instanceFromText(text: string): string | undefined {
  const m = INSTANCE.exec(text)
  return (m?.[1] ?? m?.[2])?.toLowerCase()
}

function decode(v: string): string {
  try {
    return decodeURIComponent(v.replace(/\+/g, ' '))
  } catch {
    return v
  }
}

/** Finds and parses the first launch-parameter query in `text`; undefined when there is none. */
export function parseLaunchParams(text: string): LaunchParams | undefined {
  const q = text.indexOf('?')
  const start = q >= 0 ? q + 1 : 0
  let query = text.slice(start)
  const end = query.search(/["\s<]/)
  if (end >= 0) query = query.slice(0, end)
  const out: LaunchParams = {}
  let known = 0
  for (const part of query.split('&')) {
    const eq = part.indexOf('=')
    if (eq <= 0) continue
    const key = part.slice(0, eq)
    const value = decode(part.slice(eq + 1))
    switch (key) {
      case 'e': out.session_type = value; known++; break
      case 'y': out.process_type = value; known++; break
      case 'h': out.relay_host = value; known++; break
      case 'p': { const n = Number(value); if (Number.isInteger(n) && n > 0 && n < 65536) out.relay_port = n; known++; break }
      case 's': out.session_guid = value.toLowerCase(); known++; break
      case 't': out.session_name = value; known++; break
      case 'c': (out.custom_properties ??= []).push(value); known++; break
      case 'k': out.key_sha256 = createHash('sha256').update(value).digest('hex'); known++; break
      default: break
    }
  }
  if (!known || (!out.relay_host && !out.session_guid && !out.key_sha256)) return undefined
  const inst = instanceFromText(text)
  if (inst) out.instance = inst
  return out
}

/**
 * Replaces the key value in any launch-parameter query inside `text` with `k=[sha256:<hex>]`, so the key is
 * never printed while the rest of the text (relay, session) stays readable. Text without a key is returned as is.
 */
export function redactLaunchKey(text: string): string {
  if (!text.includes('k=')) return text
  return text.replace(/([?&]k=)([^&"\s<]+)/g, (_m, pre: string, key: string) => {
    let k = key
    try {
      k = decodeURIComponent(key.replace(/\+/g, ' '))
    } catch {
      /* hash as written */
    }
    return `${pre}[sha256:${createHash('sha256').update(k).digest('hex')}]`
  })
}
