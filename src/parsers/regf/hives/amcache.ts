import type {Hive} from '../hive.js'
import {children, filetimeAt, keyTime, loc, num, openKey, str, valueMap, type RegLocator} from './common.js'

/**
 * Amcache.hve: programs and files Windows inventoried. Windows 10 (1607+) keeps
 * Root\InventoryApplicationFile (one key per file: LowerCaseLongPath, FileId = "0000" + SHA-1, Size,
 * LinkDate, Publisher, ProductName…) and Root\InventoryApplication (installed programs); Windows 8 / early 10
 * keep Root\File\<volume GUID>\<file reference> with numbered values (15 path, 101 "0000"+SHA-1, 6 size,
 * 17 last modified, 0 product, 1 company).
 */
export interface AmcacheFile {
  path: string
  /** SHA-1 of the first 31 MB of the file (lowercase hex, the "0000" prefix removed). */
  sha1?: string
  size?: number
  linkDate?: string
  publisher?: string
  product?: string
  version?: string
  /** Key last written: when Windows (re)recorded the file. */
  keyTime?: string
  layout: 'InventoryApplicationFile' | 'File'
  where: RegLocator
}

export interface AmcacheProgram {
  name: string
  version?: string
  publisher?: string
  installDate?: string
  rootDir?: string
  source?: string
  keyTime?: string
  where: RegLocator
}

export interface AmcacheData {
  files: AmcacheFile[]
  programs: AmcacheProgram[]
}

/** FileId / value 101: "0000" + 40 hex digits. */
export function amcacheSha1(v: string | undefined): string | undefined {
  if (!v) return undefined
  const m = /^(?:0000)?([0-9a-f]{40})$/i.exec(v.trim())
  return m ? m[1]!.toLowerCase() : undefined
}

export function readAmcache(h: Hive): AmcacheData {
  const out: AmcacheData = {files: [], programs: []}
  const iaf = openKey(h, 'Root\\InventoryApplicationFile')
  for (const f of iaf ? children(h, iaf) : []) {
    const v = valueMap(h, f)
    const path = str(v.get('LOWERCASELONGPATH'))
    if (!path) continue
    const size = v.get('SIZE')
    out.files.push({
      path,
      sha1: amcacheSha1(str(v.get('FILEID'))),
      size: num(size) ?? (size && size.type === 11 ? Number(Buffer.from(size.data).readBigUInt64LE(0)) : undefined),
      linkDate: str(v.get('LINKDATE')),
      publisher: str(v.get('PUBLISHER')),
      product: str(v.get('PRODUCTNAME')),
      version: str(v.get('VERSION')),
      keyTime: keyTime(f),
      layout: 'InventoryApplicationFile',
      where: loc(f, v.get('FILEID') ?? v.get('LOWERCASELONGPATH')),
    })
  }
  const ia = openKey(h, 'Root\\InventoryApplication')
  for (const p of ia ? children(h, ia) : []) {
    const v = valueMap(h, p)
    const name = str(v.get('NAME'))
    if (!name) continue
    out.programs.push({
      name,
      version: str(v.get('VERSION')),
      publisher: str(v.get('PUBLISHER')),
      installDate: str(v.get('INSTALLDATE')),
      rootDir: str(v.get('ROOTDIRPATH')),
      source: str(v.get('SOURCE')),
      keyTime: keyTime(p),
      where: loc(p, v.get('NAME')),
    })
  }
  const file = openKey(h, 'Root\\File')
  for (const vol of file ? children(h, file) : []) {
    for (const f of children(h, vol)) {
      const v = valueMap(h, f)
      const path = str(v.get('15'))
      if (!path) continue
      const mod = v.get('17')
      out.files.push({
        path,
        sha1: amcacheSha1(str(v.get('101'))),
        size: num(v.get('6')),
        linkDate: mod ? filetimeAt(mod.data, 0) : undefined,
        publisher: str(v.get('1')),
        product: str(v.get('0')),
        keyTime: keyTime(f),
        layout: 'File',
        where: loc(f, v.get('101') ?? v.get('15')),
      })
    }
  }
  return out
}
