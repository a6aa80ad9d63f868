import {RatchetError} from '../core/errors.js'
import {MANIFEST_FORMAT, type Manifest} from './manifest-types.js'

/** Fixed member names at the archive root (the contract with verify and analyze). */
export const Members = {
  manifest: 'manifest.json',
  sums: 'SHA256SUMS',
  log: 'collection.log.jsonl',
  signature: 'manifest.json.sig',
} as const

/** Largest manifest or SHA256SUMS verify/analyze will hold in memory. */
export const MAX_METADATA_BYTES = 256 * 1024 * 1024

/**
 * Escapes a file name the way GNU coreutils does in `sha256sum` output: a name holding a backslash or a
 * newline is written with `\\` / `\n` and the line gets a leading backslash.
 */
function sumsLine(sha256: string, name: string): string {
  if (/[\\\n\r]/.test(name)) {
    const esc = name.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r')
    return `\\${sha256}  ${esc}\n`
  }
  return `${sha256}  ${name}\n`
}

/** SHA256SUMS text for `entries` (archive path → sha256), sorted by name for byte-identical reruns. */
export function buildSha256Sums(entries: Map<string, string>): string {
  return [...entries.keys()]
    .sort()
    .map((k) => sumsLine(entries.get(k)!, k))
    .join('')
}

export interface SumsParse {
  entries: Map<string, string>
  /** Lines that are not `<64 hex>  <name>` (1-based line numbers). */
  badLines: number[]
}

export function parseSha256Sums(text: string): SumsParse {
  const entries = new Map<string, string>()
  const badLines: number[] = []
  const lines = text.split('\n')
  if (lines.at(-1) === '') lines.pop()
  lines.forEach((raw, i) => {
    let line = raw
    let escaped = false
    if (line.startsWith('\\')) {
      escaped = true
      line = line.slice(1)
    }
    const m = /^([0-9a-f]{64}) [ *](.+)$/.exec(line)
    if (!m) {
      badLines.push(i + 1)
      return
    }
    let name = m[2]!
    if (escaped) name = name.replace(/\\(\\|n|r)/g, (_s, c: string) => (c === 'n' ? '\n' : c === 'r' ? '\r' : '\\'))
    if (entries.has(name)) badLines.push(i + 1)
    entries.set(name, m[1]!)
  })
  return {entries, badLines}
}

/** `<archive>.sha256` content, in `sha256sum` format so `sha256sum -c` checks it in the archive's folder. */
export function sidecarText(sha256: string, archiveBaseName: string): string {
  return sumsLine(sha256, archiveBaseName)
}

/** Parses manifest.json bytes; throws E_INPUT_FORMAT naming the problem when it is not a ratchet manifest. */
export function parseManifest(bytes: Buffer | string): Manifest {
  let value: unknown
  try {
    value = JSON.parse(typeof bytes === 'string' ? bytes : bytes.toString('utf8'))
  } catch (e) {
    throw new RatchetError('E_INPUT_FORMAT', `manifest.json is not valid JSON: ${(e as Error).message}`, {member: Members.manifest})
  }
  const m = value as Partial<Manifest> | null
  if (!m || typeof m !== 'object' || m.format !== MANIFEST_FORMAT || !Array.isArray(m.items)) {
    throw new RatchetError('E_INPUT_FORMAT', `manifest.json is not a ${MANIFEST_FORMAT} manifest`, {member: Members.manifest})
  }
  for (const [i, it] of m.items.entries()) {
    if (!it || typeof it !== 'object' || typeof it.original_path !== 'string' || typeof it.artefact !== 'string') {
      throw new RatchetError('E_INPUT_FORMAT', `manifest.json item ${i} is malformed`, {member: Members.manifest, item: i})
    }
  }
  return m as Manifest
}

/** Serialises a manifest deterministically (2-space JSON, trailing newline). */
export function serializeManifest(m: Manifest): Buffer {
  return Buffer.from(JSON.stringify(m, null, 2) + '\n', 'utf8')
}
