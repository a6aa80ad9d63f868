import {createHash} from 'node:crypto'

/**
 * ScreenConnect client launch parameters as they appear in a service ImagePath or a process command line:
 * `"…\ScreenConnect Client (<16-hex thumbprint>)\ScreenConnect.ClientService.exe" "?e=Access&y=Guest&h=<relay>&p=<port>&s=<session guid>&k=<key>…"`.
 * The `k` value is replaced by its SHA-256 wherever we emit the text (the conventions say: never the key).
 */
export interface ScreenConnectParams {
  instance?: string
  relay_host?: string
  relay_port?: number
  session_guid?: string
  session_type?: string
  key_sha256?: string
}

export function screenConnectParams(text: string | undefined): ScreenConnectParams | undefined {
  if (!text || !/screenconnect|[?&]h=[^&]+&p=\d+/i.test(text)) return undefined
  const out: ScreenConnectParams = {}
  const inst = /ScreenConnect Client \(([0-9a-f]{16})\)/i.exec(text)
  if (inst) out.instance = inst[1]!.toLowerCase()
  const q = /\?([^"\s]*)/.exec(text)
  if (q) {
    for (const part of q[1]!.split('&')) {
      const eq = part.indexOf('=')
      if (eq < 0) continue
      const k = part.slice(0, eq)
      const v = safeDecode(part.slice(eq + 1))
      if (k === 'h' && v) out.relay_host = v
      else if (k === 'p' && /^\d+$/.test(v)) out.relay_port = Number(v)
      else if (k === 's' && v) out.session_guid = v.toLowerCase()
      else if (k === 'e' && v) out.session_type = v
      else if (k === 'k' && v) out.key_sha256 = createHash('sha256').update(v).digest('hex')
    }
  }
  return Object.keys(out).length ? out : undefined
}

/** The text with any ScreenConnect `k=` parameter value replaced by `<sha256:…>`. */
export function redactScreenConnectKey(text: string): string {
  return text.replace(/([?&]k=)([^&"\s]+)/g, (_m, p: string, v: string) => `${p}<sha256:${createHash('sha256').update(safeDecode(v)).digest('hex')}>`)
}

function safeDecode(v: string): string {
  try {
    return decodeURIComponent(v.replace(/\+/g, ' '))
  } catch {
    return v
  }
}
