import {createHash} from 'node:crypto'
import * as fs from 'node:fs'
import * as path from 'node:path'
import {beforeAll, describe, expect, it} from 'vitest'
import {openImage, selectNtfsVolume} from '../../../src/parsers/image/open.js'
import {verifyImage} from '../../../src/parsers/image/verify.js'
import {SKIP_SHARED, materialise, mmlsPartitions, ntfsIndex, sharedNtfsDir} from './shared.js'

/**
 * Every container of the shared set must yield exactly the logical media its INDEX records (SHA-256 of the
 * whole media), the partitions mmls found, and (E01) stored hashes that match the data.
 */
const dir = sharedNtfsDir()
if (!dir) console.warn(SKIP_SHARED)

const mediaSha256 = (file: string): {sha256: string; size: number} => {
  const img = openImage(file)
  try {
    const h = createHash('sha256')
    for (let o = 0; o < img.media.size; o += 1 << 20) h.update(img.media.read(o, 1 << 20))
    return {sha256: h.digest('hex'), size: img.media.size}
  } finally {
    img.close()
  }
}

describe.skipIf(!dir)('containers of the shared NTFS set', () => {
  const files: Record<string, string> = {}
  beforeAll(async () => {
    for (const n of ['gen_dev_disk.raw.gz', 'gen_dev_disk.vhdx.gz', 'gen_dev_volume.raw.gz', 'dfirntfs_ntfs_index.raw.gz']) files[n] = await materialise(dir!, n)
  })
  const index = dir ? ntfsIndex(dir) : []
  const entry = (f: string) => index.find((e) => e.file === f)!

  for (const name of ['gen_dev_disk.E01', 'gen_dev_disk.vhdx.gz', 'plaso_image.E01', 'plaso_image-split.E01']) {
    it(`${name}: the logical media hashes to INDEX media_sha256`, () => {
      const e = entry(name)
      const got = mediaSha256(files[name] ?? path.join(dir!, name))
      expect(got).toEqual({sha256: e.expected!.media_sha256, size: e.expected!.media_size_bytes})
    })
  }

  it('gen_dev_disk.raw: raw media is the file itself, equal to what the E01 and VHDX hold', () => {
    const e = entry('gen_dev_disk.raw.gz')
    expect(mediaSha256(files['gen_dev_disk.raw.gz']!).sha256).toBe(e.content_sha256)
    expect(entry('gen_dev_disk.E01').expected!.media_sha256).toBe(e.content_sha256)
  })

  for (const [name, ref] of [
    ['gen_dev_disk.raw.gz', 'gen_dev_disk.raw.mmls.txt'],
    ['gen_dev_disk.E01', 'gen_dev_disk.E01.mmls.txt'],
    ['gen_dev_disk.vhdx.gz', 'gen_dev_disk.vhdx.mmls.txt'],
    ['dfirntfs_ntfs_index.raw.gz', 'dfirntfs_ntfs_index.raw.mmls.txt'],
    ['plaso_image-split.E01', 'plaso_image-split.E01.mmls.txt'],
  ]) {
    it(`${name}: partitions equal mmls (${ref})`, () => {
      const img = openImage(files[name!] ?? path.join(dir!, name!))
      try {
        const want = mmlsPartitions(fs.readFileSync(path.join(dir!, 'reference', ref!), 'utf8'))
        expect(want.length).toBeGreaterThan(0)
        expect(img.scheme).toBe('mbr')
        expect(img.partitions.map((p) => ({start: p.startSector, length: p.sectorCount, type: p.type}))).toEqual(want)
        expect(img.diagnostics).toEqual([])
      } finally {
        img.close()
      }
    })
  }

  it('picks the NTFS partition at the offset INDEX records, and a bare volume as itself', () => {
    for (const name of ['gen_dev_disk.E01', 'gen_dev_disk.vhdx.gz', 'dfirntfs_ntfs_index.raw.gz']) {
      const img = openImage(files[name] ?? path.join(dir!, name))
      try {
        const v = selectNtfsVolume(img)
        expect(v.offset, name).toBe(entry(name).expected!.ntfs_partition_offset_bytes)
        expect(new TextDecoder().decode(v.source.read(3, 8))).toBe('NTFS    ')
      } finally {
        img.close()
      }
    }
    const vol = openImage(files['gen_dev_volume.raw.gz']!)
    try {
      expect(vol.scheme).toBe('none')
      expect(vol.volumeFilesystem).toBe('ntfs')
      expect(selectNtfsVolume(vol).offset).toBe(0)
      expect(() => selectNtfsVolume(vol, 1)).toThrow(/no partition 1/)
    } finally {
      vol.close()
    }
    const ext = openImage(path.join(dir!, 'plaso_image-split.E01'))
    try {
      expect(() => selectNtfsVolume(ext)).toThrow(/holds no NTFS volume/)
      expect(selectNtfsVolume(ext, 5).offset).toBe(352 * 512)
    } finally {
      ext.close()
    }
  })

  it('E01 stored hashes match the data (ewfverify agrees), header metadata is read', async () => {
    const img = openImage(path.join(dir!, 'gen_dev_disk.E01'))
    try {
      const r = await verifyImage(img)
      expect(r.status).toBe('verified')
      expect(r.stored).toEqual([{algorithm: 'md5', stored: '357234d9ad2aa2e2b21990616784bd9c', computed: '357234d9ad2aa2e2b21990616784bd9c', match: true}])
      expect(img.ewf).toMatchObject({bytesPerSector: 512, sectorsPerChunk: 64, metadata: {caseNumber: 'NTFS-TEST-001', acquiredAt: '2024-06-01T12:00:00.000Z'}})
    } finally {
      img.close()
    }
    const split = openImage(path.join(dir!, 'plaso_image-split.E01'))
    try {
      expect(split.files.map((f) => path.basename(f))).toEqual(['plaso_image-split.E01', 'plaso_image-split.E02'])
      const ewfverify = fs.readFileSync(path.join(dir!, 'reference', 'plaso_image-split.E01.ewfverify.txt'), 'utf8')
      const stored = /MD5 hash stored in file:\s+([0-9a-f]{32})/.exec(ewfverify)![1]
      expect(await verifyImage(split)).toMatchObject({status: 'verified', stored: [{algorithm: 'md5', stored, match: true}]})
    } finally {
      split.close()
    }
  })

  it('VHDX facts: dynamic, qemu-img default block size, nothing to replay', () => {
    const img = openImage(files['gen_dev_disk.vhdx.gz']!)
    try {
      expect(img.container).toBe('vhdx')
      expect(img.vhdx).toMatchObject({logicalSectorSize: 512, virtualSize: 67108864, logPending: false})
      expect(img.vhdx!.allocatedBlocks).toBeLessThan(67108864 / img.vhdx!.blockSize + 1)
    } finally {
      img.close()
    }
  })
})
