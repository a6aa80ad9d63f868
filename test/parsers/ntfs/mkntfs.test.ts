import {execFileSync, spawnSync} from 'node:child_process'
import {createHash, randomBytes} from 'node:crypto'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {listNames} from '../../../src/ntfs/list.js'
import {openNtfsVolume} from '../../../src/ntfs/open-volume.js'
import {parseCatTarget, resolveCatTarget} from '../../../src/parsers/ntfs/target.js'

/**
 * A volume made here with ntfs-3g's mkntfs and ntfscp (no mount): files of several sizes (resident, one run,
 * many clusters) and an alternate data stream, read back and listed; the listing is compared with `fls -r -m /`
 * when the Sleuth Kit is installed. Skips with a message where ntfs-3g is absent (CI installs it).
 */
const have = (cmd: string): boolean => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0
const ntfs3g = have('mkntfs') && have('ntfscp')
if (!ntfs3g) console.warn('mkntfs/ntfscp (Debian ntfs-3g) not found: the generated-volume NTFS test is skipped')

describe.skipIf(!ntfs3g)('NTFS volume built with mkntfs + ntfscp', () => {
  let tmp = ''
  let image = ''
  const files: Record<string, Buffer> = {
    'tiny.txt': Buffer.from('resident content, well under the record size\n'),
    'one-cluster.bin': randomBytes(3000),
    'big.bin': randomBytes(700_000),
  }
  const ads = Buffer.from('[ZoneTransfer]\r\nZoneId=3\r\n')

  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ratchet-mkntfs-'))
    image = path.join(tmp, 'vol.img')
    fs.writeFileSync(image, Buffer.alloc(0))
    fs.truncateSync(image, 16 * 1024 * 1024)
    execFileSync('mkntfs', ['-F', '-f', '-q', '-L', 'TEST', image], {stdio: 'ignore'})
    for (const [name, bytes] of Object.entries(files)) {
      const src = path.join(tmp, name)
      fs.writeFileSync(src, bytes)
      execFileSync('ntfscp', ['-q', image, src, name], {stdio: 'ignore'})
    }
    const adsSrc = path.join(tmp, 'zone')
    fs.writeFileSync(adsSrc, ads)
    execFileSync('ntfscp', ['-q', '-N', 'Zone.Identifier', image, adsSrc, 'big.bin'], {stdio: 'ignore'})
  }, 60_000)
  afterAll(() => fs.rmSync(tmp, {recursive: true, force: true}))

  it('reads back every file and the ADS, by path (any case) and by MFT reference', () => {
    const opened = openNtfsVolume(image)
    try {
      const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex')
      for (const [name, bytes] of Object.entries(files)) {
        for (const spec of [name, name.toUpperCase(), `/${name}`]) {
          const r = resolveCatTarget(opened.volume, parseCatTarget(spec))
          if ('error' in r) throw new Error(`${spec}: ${r.message}`)
          expect(sha(r.stream.read(0, r.stream.size))).toBe(sha(bytes))
          const byRef = resolveCatTarget(opened.volume, parseCatTarget(`${r.entry.entry}-${r.entry.sequence}`))
          if ('error' in byRef) throw new Error(byRef.message)
          expect(byRef.stream.size).toBe(bytes.length)
        }
      }
      const r = resolveCatTarget(opened.volume, parseCatTarget('big.bin:Zone.Identifier'))
      if ('error' in r) throw new Error(r.message)
      expect(Buffer.from(r.stream.read(0, r.stream.size)).equals(ads)).toBe(true)
      const missing = resolveCatTarget(opened.volume, parseCatTarget('nope.txt'))
      expect('error' in missing && missing.error).toBe('not-found')
    } finally {
      opened.close()
    }
  })

  it.skipIf(!have('fls'))('lists exactly what fls -r -m / lists', () => {
    const opened = openNtfsVolume(image)
    let ours = ''
    try {
      listNames(opened.volume.mft, 'bodyfile', (c) => (ours += c), {directoryIndex: (n) => opened.volume.indexedEntries(n)})
    } finally {
      opened.close()
    }
    const fls = execFileSync('fls', ['-r', '-m', '/', image], {encoding: 'utf8'})
    const sort = (s: string): string[] => s.split('\n').filter(Boolean).sort()
    expect(sort(ours)).toEqual(sort(fls))
  })
})
