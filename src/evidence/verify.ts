import {createHash, createPublicKey, verify as edVerify} from 'node:crypto'
import {access, readFile, stat} from 'node:fs/promises'
import {basename} from 'node:path'
import type {Readable} from 'node:stream'
import {RatchetError, errorMessage, isRatchetError} from '../core/errors.js'
import {hashFile} from './hash-file.js'
import {MAX_METADATA_BYTES, Members, parseManifest, parseSha256Sums} from './manifest.js'
import type {Manifest} from './manifest-types.js'
import {ArchiveMemberError, type ArchiveFormat, visitMembers} from './archive-reader.js'
import {unsafeName} from './extract.js'

export type MemberStatus = 'ok' | 'mismatch' | 'missing' | 'extra' | 'unreadable'

export interface MemberReport {
  member: string
  status: MemberStatus
  /** SHA-256 of the bytes in the archive (absent when missing). */
  actual_sha256?: string
  /** What manifest.json says (files and the log). */
  manifest_sha256?: string
  /** What SHA256SUMS says. */
  sums_sha256?: string
  /** Sentence naming what disagrees. */
  detail?: string
}

export type CheckState = 'ok' | 'failed' | 'absent' | 'not-checked'

export interface VerifyReport {
  archive: string
  format: ArchiveFormat | null
  status: 'verified' | 'failed' | 'incomplete'
  members: MemberReport[]
  manifest: {state: CheckState; detail?: string}
  sha256sums: {state: CheckState; detail?: string}
  sidecar: {state: CheckState; expected?: string; actual?: string; detail?: string}
  signature: {state: CheckState; detail?: string}
  /** One line per problem (member and what was wrong); empty when verified. */
  problems: string[]
  counts: {ok: number; mismatch: number; missing: number; extra: number; unreadable: number}
  /** Case facts from the manifest, when it could be read. */
  case_id: string | null
  manifest_data?: Manifest
}

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex')

async function readBounded(data: Readable, max: number): Promise<Buffer> {
  const parts: Buffer[] = []
  let n = 0
  for await (const c of data as AsyncIterable<Buffer>) {
    n += c.length
    if (n > max) {
      data.destroy()
      throw new RatchetError('E_INPUT_FORMAT', `metadata member larger than ${max} bytes`)
    }
    parts.push(c)
  }
  return Buffer.concat(parts)
}

const METADATA = new Set<string>([Members.manifest, Members.sums, Members.log, Members.signature])

/**
 * Re-hashes every member of an evidence archive and checks it against manifest.json and SHA256SUMS, the
 * sidecar `<archive>.sha256` when present, and the Ed25519 signature when a public key is given.
 * Never throws for evidence problems: they are in the report. Throws only when the archive cannot be
 * opened at all (missing, not an archive, wrong password).
 */
export async function verifyArchive(path: string, opts: {password?: string; pubkey?: string | Buffer} = {}): Promise<VerifyReport> {
  const report: VerifyReport = {
    archive: path,
    format: null,
    status: 'failed',
    members: [],
    manifest: {state: 'absent'},
    sha256sums: {state: 'absent'},
    sidecar: {state: 'absent'},
    signature: {state: opts.pubkey ? 'absent' : 'not-checked'},
    problems: [],
    counts: {ok: 0, mismatch: 0, missing: 0, extra: 0, unreadable: 0},
    case_id: null,
  }
  await stat(path).catch((e: unknown) => {
    throw new RatchetError('E_INPUT_MISSING', `archive not found: ${path} (${errorMessage(e)})`, {archive: path})
  })
  if (path.endsWith('.partial')) {
    report.status = 'incomplete'
    report.problems.push(`${basename(path)}: incomplete archive left by an interrupted collection (.partial)`)
    return report
  }

  // Sidecar first: it covers the archive file as a whole.
  const sidecarPath = `${path}.sha256`
  const hasSidecar = await access(sidecarPath).then(
    () => true,
    () => false,
  )
  if (hasSidecar) {
    const text = (await readFile(sidecarPath, 'utf8')).slice(0, 4096)
    const parsed = parseSha256Sums(text)
    const expected = parsed.entries.get(basename(path)) ?? [...parsed.entries.values()][0]
    const actual = (await hashFile(path)).sha256
    report.sidecar = {state: expected === actual ? 'ok' : 'failed', expected, actual}
    if (expected !== actual) report.problems.push(`${basename(sidecarPath)}: archive SHA-256 ${actual} does not match ${expected ?? '(unreadable)'}`)
  }

  const actual = new Map<string, string>()
  const unreadable = new Map<string, string>()
  const meta = new Map<string, Buffer>()
  const kinds = new Map<string, string>()
  const duplicates = new Set<string>()
  report.format = await visitMembers(path, {password: opts.password}, {
    want: (m) => {
      kinds.set(m.name, m.kind)
      return m.kind === 'file'
    },
    read: async (m, data) => {
      if (actual.has(m.name) || unreadable.has(m.name)) {
        // A second member with the same name could shadow the first on extraction.
        data.resume()
        duplicates.add(m.name)
        return
      }
      try {
        if (METADATA.has(m.name)) {
          const buf = await readBounded(data, MAX_METADATA_BYTES)
          meta.set(m.name, buf)
          actual.set(m.name, sha256(buf))
        } else {
          const h = createHash('sha256')
          for await (const c of data as AsyncIterable<Buffer>) h.update(c)
          actual.set(m.name, h.digest('hex'))
        }
      } catch (e) {
        // Size or CRC lies and read errors name their kind, so the report says what was wrong with the member.
        if (e instanceof ArchiveMemberError) unreadable.set(m.name, `${e.problem === 'SIZE_MISMATCH' ? 'size mismatch: ' : e.problem === 'READ_ERROR' ? 'read error: ' : ''}${e.message}`)
        else unreadable.set(m.name, isRatchetError(e) ? e.message : errorMessage(e))
      }
    },
  })

  for (const d of duplicates) report.problems.push(`${d}: duplicate member name in the archive`)

  // manifest.json
  let manifest: Manifest | undefined
  const mBytes = meta.get(Members.manifest)
  if (!mBytes) {
    report.manifest = {state: 'absent', detail: 'manifest.json is missing'}
    report.problems.push('manifest.json: missing')
  } else {
    try {
      manifest = parseManifest(mBytes)
      report.manifest = {state: 'ok'}
      report.case_id = manifest.case_id
      report.manifest_data = manifest
    } catch (e) {
      report.manifest = {state: 'failed', detail: errorMessage(e)}
      report.problems.push(`manifest.json: ${errorMessage(e)}`)
    }
  }

  // SHA256SUMS
  let sums = new Map<string, string>()
  const sBytes = meta.get(Members.sums)
  if (!sBytes) {
    report.sha256sums = {state: 'absent', detail: 'SHA256SUMS is missing'}
    report.problems.push('SHA256SUMS: missing')
  } else {
    const parsed = parseSha256Sums(sBytes.toString('utf8'))
    sums = parsed.entries
    report.sha256sums = {state: 'ok'}
    if (parsed.badLines.length) {
      report.sha256sums = {state: 'failed', detail: `malformed line(s) ${parsed.badLines.join(', ')}`}
      report.problems.push(`SHA256SUMS: malformed line(s) ${parsed.badLines.join(', ')}`)
    }
  }

  // What the manifest expects.
  const fromManifest = new Map<string, string>()
  if (manifest) {
    for (const it of manifest.items) if (it.archive_path && it.hashes?.sha256) fromManifest.set(it.archive_path, it.hashes.sha256)
    if (manifest.collection_log) fromManifest.set(manifest.collection_log.archive_path, manifest.collection_log.sha256)
  }

  const names = new Set<string>([...actual.keys(), ...unreadable.keys(), ...fromManifest.keys(), ...sums.keys()])
  for (const k of kinds.keys()) if (kinds.get(k) !== 'directory') names.add(k)
  names.delete(Members.sums)
  names.delete(Members.signature)
  let sumsBlamed = false
  // A name that would land outside the extraction folder fails verification whatever the lists say:
  // `analyze` refuses such members, so an archive holding one cannot be VERIFIED either.
  for (const name of [...names, ...duplicates].sort()) {
    const bad = unsafeName(name)
    if (bad) report.problems.push(`${JSON.stringify(name)}: unsafe member name (${bad.reason}: ${bad.detail})`)
  }
  for (const name of [...names].sort()) {
    const r: MemberReport = {member: name, status: 'ok'}
    const a = actual.get(name)
    const fm = fromManifest.get(name)
    const fs = sums.get(name)
    if (a) r.actual_sha256 = a
    if (fm) r.manifest_sha256 = fm
    if (fs) r.sums_sha256 = fs
    const kind = kinds.get(name)
    if (unreadable.has(name)) {
      r.status = 'unreadable'
      r.detail = unreadable.get(name)
    } else if (kind && kind !== 'file') {
      r.status = 'extra'
      r.detail = `unexpected ${kind} member`
    } else if (!a) {
      r.status = 'missing'
      r.detail = 'listed in ' + [fm && 'manifest.json', fs && 'SHA256SUMS'].filter(Boolean).join(' and ') + ' but not in the archive'
    } else if (!fm && !fs) {
      r.status = 'extra'
      r.detail = 'in the archive but in neither manifest.json nor SHA256SUMS'
    } else if (fm && fm !== a) {
      r.status = 'mismatch'
      r.detail = `SHA-256 ${a} differs from manifest.json (${fm})`
    } else if (fs && fs !== a) {
      // The member matches the manifest, so the SHA256SUMS line is what changed — unless only SUMS covers it.
      if (fm || name !== Members.manifest) {
        sumsBlamed = true
        if (fm) {
          report.problems.push(`SHA256SUMS: line for ${name} says ${fs}, the member and manifest.json say ${a}`)
          r.detail = 'member matches manifest.json; SHA256SUMS disagrees'
        } else {
          r.status = 'mismatch'
          r.detail = `SHA-256 ${a} differs from SHA256SUMS (${fs})`
        }
      } else {
        r.status = 'mismatch'
        r.detail = `SHA-256 ${a} differs from SHA256SUMS (${fs})`
      }
    } else if (fm && !fs && sBytes) {
      sumsBlamed = true
      report.problems.push(`SHA256SUMS: no line for ${name}`)
    } else if (!fm && manifest && name !== Members.manifest && name !== Members.log) {
      r.status = 'extra'
      r.detail = 'listed in SHA256SUMS but not in manifest.json'
    }
    if (r.status !== 'ok') report.problems.push(`${name}: ${r.status}${r.detail ? ` — ${r.detail}` : ''}`)
    report.counts[r.status]++
    report.members.push(r)
  }
  if (sumsBlamed && report.sha256sums.state === 'ok') report.sha256sums = {state: 'failed', detail: 'SHA256SUMS disagrees with the members'}

  // Signature over manifest.json's exact bytes.
  const sig = meta.get(Members.signature)
  if (opts.pubkey) {
    if (!sig || !mBytes) {
      report.signature = {state: 'absent', detail: 'manifest.json.sig is missing'}
      report.problems.push('manifest.json.sig: missing (a public key was given)')
    } else {
      try {
        const key = createPublicKey(opts.pubkey)
        const ok = edVerify(null, mBytes, key, Buffer.from(sig.toString('utf8').trim(), 'base64'))
        report.signature = {state: ok ? 'ok' : 'failed'}
        if (!ok) report.problems.push('manifest.json.sig: signature does not verify with the given public key')
      } catch (e) {
        report.signature = {state: 'failed', detail: errorMessage(e)}
        report.problems.push(`manifest.json.sig: ${errorMessage(e)}`)
      }
    }
  } else if (sig) {
    report.signature = {state: 'not-checked', detail: 'signed; give --pubkey to check'}
  }

  report.status = report.problems.length === 0 ? 'verified' : 'failed'
  return report
}
