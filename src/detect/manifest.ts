import {existsSync, readdirSync, readFileSync, statSync} from 'node:fs'
import {join} from 'node:path'
import yauzl from 'yauzl'
import type {Manifest} from '../evidence/manifest-types.js'
import type {IocIndex, ValueHit} from './ioc/matcher.js'
import type {IocHit, ManifestCheck} from './types.js'

/** manifest.json is metadata; anything bigger than this is not one we wrote. */
const MAX_MANIFEST = 256 * 1024 * 1024

function readZipMember(path: string, name: string): Promise<Buffer | 'encrypted' | undefined> {
  return new Promise((resolve, reject) => {
    yauzl.open(path, {lazyEntries: true, autoClose: true}, (err, zip) => {
      if (err || !zip) return reject(err ?? new Error('cannot open zip'))
      let done = false
      zip.on('entry', (entry: yauzl.Entry) => {
        if (entry.fileName !== name) return zip.readEntry()
        done = true
        if (entry.isEncrypted()) {
          zip.close()
          return resolve('encrypted')
        }
        if (entry.uncompressedSize > MAX_MANIFEST) {
          zip.close()
          return reject(new Error(`manifest.json is ${entry.uncompressedSize} bytes (limit ${MAX_MANIFEST})`))
        }
        zip.openReadStream(entry, (e2, stream) => {
          if (e2 || !stream) return reject(e2 ?? new Error('cannot read manifest.json'))
          const chunks: Buffer[] = []
          let n = 0
          stream.on('data', (c: Buffer) => {
            n += c.length
            if (n > MAX_MANIFEST) stream.destroy(new Error('manifest.json larger than declared'))
            else chunks.push(c)
          })
          // A damaged member fails this archive's manifest check only; the zipfile is closed so no descriptor is left.
          stream.on('error', (se: Error) => {
            zip.close()
            reject(se)
          })
          stream.on('end', () => {
            zip.close()
            resolve(Buffer.concat(chunks))
          })
        })
      })
      zip.on('end', () => {
        if (!done) resolve(undefined)
      })
      zip.on('error', reject)
      zip.readEntry()
    })
  })
}

/**
 * Finds the evidence manifest for a case: `<case>/evidence/manifest.json` (a directory collection, one level
 * deep at most) or the `manifest.json` member of a zip archive in `<case>/evidence/`. 7z archives and
 * encrypted zips are reported as unreadable here (analyze reads them with the password; the hashes of the
 * members it parsed still reach hunt through each event's `evidence.sha256`).
 */
export async function findManifest(caseDir: string): Promise<{manifest?: Manifest; check: ManifestCheck}> {
  const dir = join(caseDir, 'evidence')
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return {check: {status: 'absent', items: 0, note: 'the case has no evidence/ folder'}}
  const candidates: string[] = []
  const top = readdirSync(dir).sort()
  if (top.includes('manifest.json')) candidates.push('manifest.json')
  for (const d of top) {
    const p = join(dir, d)
    if (statSync(p).isDirectory() && existsSync(join(p, 'manifest.json'))) candidates.push(join(d, 'manifest.json'))
  }
  const notes: string[] = []
  const parse = (buf: Buffer, location: string): {manifest?: Manifest; check: ManifestCheck} => {
    try {
      const m = JSON.parse(buf.toString('utf8')) as Manifest
      if (!m || !Array.isArray(m.items)) throw new Error('no items array')
      return {manifest: m, check: {status: 'checked', location, items: m.items.length}}
    } catch (e) {
      return {check: {status: 'unreadable', location, items: 0, note: `manifest.json is not valid: ${(e as Error).message}`}}
    }
  }
  for (const c of candidates) {
    const p = join(dir, c)
    if (statSync(p).size > MAX_MANIFEST) {
      notes.push(`${c} larger than ${MAX_MANIFEST} bytes`)
      continue
    }
    return parse(readFileSync(p), join('evidence', c))
  }
  for (const f of top.filter((x) => x.toLowerCase().endsWith('.zip'))) {
    try {
      const buf = await readZipMember(join(dir, f), 'manifest.json')
      if (buf === 'encrypted') notes.push(`${f}: manifest.json is encrypted`)
      else if (buf) return parse(buf, `evidence/${f}!manifest.json`)
      else notes.push(`${f}: no manifest.json member`)
    } catch (e) {
      notes.push(`${f}: ${(e as Error).message}`)
    }
  }
  for (const f of top.filter((x) => x.toLowerCase().endsWith('.7z'))) notes.push(`${f}: 7z archives are not opened by hunt`)
  if (notes.length > 0) return {check: {status: 'unreadable', items: 0, note: notes.join('; ')}}
  return {check: {status: 'absent', items: 0, note: 'no manifest.json or zip archive in evidence/'}}
}

/** Matches every manifest item's hashes and file name against the index. */
export function matchManifest(m: Manifest, index: IocIndex): IocHit[] {
  const hits: IocHit[] = []
  for (const item of m.items) {
    const member = item.archive_path ?? item.original_path
    const probe = (field: string, fn: (out: ValueHit[]) => void): void => {
      const vh: ValueHit[] = []
      fn(vh)
      for (const {indicator, matched} of vh) {
        const h: IocHit = {indicator: indicator.value, type: indicator.type, source: indicator.source, field, value: matched, member}
        if (indicator.description) h.description = indicator.description
        hits.push(h)
      }
    }
    const hs = item.hashes
    if (hs) {
      for (const k of ['sha256', 'sha1', 'md5'] as const) {
        const v = typeof hs[k] === 'string' ? hs[k].toLowerCase() : ''
        if (v) probe(`manifest.${k}`, (o) => index.matchHash(v, o))
      }
    }
    if (typeof item.original_path === 'string' && item.kind === 'file') {
      const b = item.original_path.slice(Math.max(item.original_path.lastIndexOf('\\'), item.original_path.lastIndexOf('/')) + 1).toLowerCase()
      if (b) probe('manifest.file_name', (o) => index.matchFileName(b, o))
    }
  }
  return hits
}
