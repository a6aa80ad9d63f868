import {spawnSync} from 'node:child_process'
import {createHash} from 'node:crypto'
import * as fs from 'node:fs'
import * as path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {openImage} from '../../../src/parsers/image/open.js'
import {verifyImage} from '../../../src/parsers/image/verify.js'
import {GPT_LAYOUT, MBR_LAYOUT, buildEwf, buildQemu, buildRaw, sfdiskJson} from './build-images.js'
import {hasTool, tempDir} from './shared.js'

/**
 * Images built here by the reference writers (ewfacquire, ewfacquirestream, qemu-img) from one small raw
 * disk partitioned by sfdisk: every container must give back the raw bytes, sfdisk's partitions, and (E01)
 * hashes that the writer computed while acquiring.
 */
const tmp = tempDir('image-built')
afterAll(() => fs.rmSync(tmp, {recursive: true, force: true}))
const repo = path.resolve(new URL('../../..', import.meta.url).pathname)
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex')
const say = (tool: string): void => console.warn(`${tool} not installed (Debian: ${tool === 'qemu-img' ? 'qemu-utils' : tool === 'sfdisk' ? 'fdisk' : 'ewf-tools'}): its images are skipped`)
for (const t of ['sfdisk', 'ewfacquire', 'ewfacquirestream', 'qemu-img']) if (!hasTool(t)) say(t)

function media(file: string): {sha256: string; size: number; md5: string} {
  const img = openImage(file)
  try {
    const h = createHash('sha256')
    const m = createHash('md5')
    // Odd-sized reads at odd offsets cross every block and chunk boundary.
    const step = 3 * 65536 + 4093
    for (let o = 0; o < img.media.size; o += step) {
      const b = img.media.read(o, step)
      h.update(b)
      m.update(b)
    }
    return {sha256: h.digest('hex'), size: img.media.size, md5: m.digest('hex')}
  } finally {
    img.close()
  }
}

let raw = ''
let gpt = ''
let rawBytes: Buffer
beforeAll(() => {
  raw = buildRaw(tmp, 'disk.raw', MBR_LAYOUT)
  gpt = buildRaw(tmp, 'gpt.raw', GPT_LAYOUT)
  rawBytes = fs.readFileSync(raw)
})

describe('containers written by ewfacquire and qemu-img give back the raw disk', () => {
  const cases: Array<[string, () => string | undefined, string]> = [
    ['E01 deflate best, SHA-1 digest', () => buildEwf(raw, tmp, 'best', ['-c', 'deflate:best', '-d', 'sha1']), 'ewf'],
    ['E01 uncompressed, 1 MiB segments (E01…E09), 128-sector chunks', () => buildEwf(raw, tmp, 'split', ['-c', 'none', '-S', '1048576', '-b', '128']), 'ewf'],
    ['E01 from ewfacquirestream (stdin), EnCase 5', () => buildEwf(raw, tmp, 'stream', ['-c', 'deflate:fast', '-f', 'encase5'], true), 'ewf'],
    ['SMART (.s01) format', () => buildEwf(raw, tmp, 'smart', ['-f', 'smart', '-c', 'deflate:fast']), 'ewf'],
    ['VHDX fixed', () => buildQemu(raw, path.join(tmp, 'fixed.vhdx'), 'vhdx', 'subformat=fixed'), 'vhdx'],
    ['VHDX dynamic, 1 MiB blocks', () => buildQemu(raw, path.join(tmp, 'dyn.vhdx'), 'vhdx', 'subformat=dynamic,block_size=1M'), 'vhdx'],
    ['VHD fixed', () => buildQemu(raw, path.join(tmp, 'fixed.vhd'), 'vpc', 'subformat=fixed,force_size=on'), 'vhd'],
    ['VHD dynamic', () => buildQemu(raw, path.join(tmp, 'dyn.vhd'), 'vpc', 'subformat=dynamic,force_size=on'), 'vhd'],
  ]
  for (const [label, build, container] of cases) {
    it(label, (ctx) => {
      const file = build()
      if (!file) return ctx.skip()
      const actual = fs.existsSync(file) ? file : file.replace(/\.E01$/, '.s01')
      const img = openImage(actual)
      try {
        expect(img.container).toBe(container)
        expect(img.diagnostics).toEqual([])
      } finally {
        img.close()
      }
      expect(media(actual)).toEqual({sha256: sha(rawBytes), size: rawBytes.length, md5: createHash('md5').update(rawBytes).digest('hex')})
    })
  }

  it('multi-segment E01: every segment found in order, stored MD5 and SHA-1 verified', async (ctx) => {
    const file = buildEwf(raw, tmp, 'seg', ['-c', 'none', '-S', '1048576', '-d', 'sha1'])
    if (!file) return ctx.skip()
    const img = openImage(file)
    try {
      expect(img.files.map((f) => path.basename(f))).toEqual(fs.readdirSync(tmp).filter((f) => f.startsWith('seg.')).sort())
      expect(img.files.length).toBeGreaterThan(5)
      const r = await verifyImage(img)
      expect(r.status).toBe('verified')
      expect(r.stored.map((s) => s.algorithm)).toEqual(['md5', 'sha1'])
      expect(r.computed.sha1).toBe(createHash('sha1').update(rawBytes).digest('hex'))
      expect(img.ewf!.metadata).toMatchObject({caseNumber: 'CASE-7', examiner: 'vitest', evidenceNumber: 'EV-1', notes: 'no notes'})
    } finally {
      img.close()
    }
  })
})

describe('partition tables written by sfdisk', () => {
  it.skipIf(!hasTool('sfdisk'))('MBR with an extended partition: numbers, starts, sizes and types as sfdisk reads them', () => {
    const img = openImage(raw)
    try {
      const want = sfdiskJson(raw).filter((p) => p.type !== '5')
      expect(img.scheme).toBe('mbr')
      expect(img.partitions.map((p) => ({node: `${raw}${p.number}`, start: p.startSector, size: p.sectorCount, type: p.type.replace(/^0x0?/, '')}))).toEqual(
        want.map((p) => ({node: p.node, start: p.start, size: p.size, type: p.type})),
      )
      expect(img.partitions.map((p) => p.number)).toEqual([1, 5, 6])
      expect(img.partitions.filter((p) => p.logical).map((p) => p.number)).toEqual([5, 6])
    } finally {
      img.close()
    }
  })

  it.skipIf(!hasTool('sfdisk'))('GPT: entries, type GUIDs and names as sfdisk reads them; the backup header rescues a damaged primary', () => {
    const want = sfdiskJson(gpt)
    const check = (file: string): ReturnType<typeof openImage> => {
      const img = openImage(file)
      expect(img.scheme).toBe('gpt')
      expect(img.partitions.map((p) => ({node: `${gpt}${p.number}`, start: p.startSector, size: p.sectorCount, type: p.type.slice(1, -1), name: p.name}))).toEqual(
        want.map((p) => ({node: p.node, start: p.start, size: p.size, type: p.type, name: p.name})),
      )
      return img
    }
    check(gpt).close()
    const broken = path.join(tmp, 'gpt-broken.raw')
    const b = fs.readFileSync(gpt)
    b[512 + 40] ^= 0xff // first usable LBA of the primary header: its CRC no longer matches
    fs.writeFileSync(broken, b)
    const img = check(broken)
    expect(img.diagnostics.map((d) => d.code)).toEqual(['IMAGE_GPT_HEADER_CRC', 'IMAGE_GPT_BACKUP_USED'])
    img.close()
  })
})

describe('ratchet verify-image', () => {
  const run = (file: string): {status: number | null; json: {status: string; exit_code: number; diagnostics: Array<{code: string}>}} => {
    const r = spawnSync(process.execPath, [path.join(repo, 'bin', 'run.js'), 'verify-image', file, '--json'], {encoding: 'utf8'})
    return {status: r.status, json: JSON.parse(r.stdout) as never}
  }
  const hasBuild = fs.existsSync(path.join(repo, 'dist', 'commands', 'verify-image.js'))
  if (!hasBuild) console.warn('dist/ not built (npm run build): the verify-image CLI tests are skipped')

  it.skipIf(!hasBuild || !hasTool('ewfacquire'))('exit 0 on a good E01, 5 when a stored hash or a chunk was changed, 4 on a non-image', async () => {
    const good = buildEwf(raw, tmp, 'cli', ['-c', 'none', '-d', 'sha1'])!
    expect(run(good)).toMatchObject({status: 0, json: {status: 'verified', exit_code: 0}})

    const bytes = fs.readFileSync(good)
    const md5 = Buffer.from(createHash('md5').update(rawBytes).digest())
    // Change the stored MD5 wherever it is (hash and digest sections): the data no longer matches it.
    const storedBad = Buffer.from(bytes)
    for (let at = storedBad.indexOf(md5); at >= 0; at = storedBad.indexOf(md5, at + 1)) storedBad[at] ^= 1
    fs.writeFileSync(path.join(tmp, 'cli-md5.E01'), storedBad)
    expect(run(path.join(tmp, 'cli-md5.E01'))).toMatchObject({status: 5, json: {status: 'mismatch', exit_code: 5}})

    // Flip one media byte inside an uncompressed chunk: its Adler-32 and the stored hashes disagree.
    const chunkBad = Buffer.from(bytes)
    // Page 6 holds random bytes (makeDiskBytes: page % 5 === 1), so the 64 bytes occur once.
    const at = chunkBad.indexOf(rawBytes.subarray(6 * 4096, 6 * 4096 + 64))
    expect(at).toBeGreaterThan(0)
    chunkBad[at + 10] ^= 0x55
    fs.writeFileSync(path.join(tmp, 'cli-chunk.E01'), chunkBad)
    const img = openImage(path.join(tmp, 'cli-chunk.E01'))
    try {
      const r = await verifyImage(img)
      expect(r.status).toBe('mismatch')
      expect(r.diagnostics.map((d) => d.code)).toEqual(['EWF_CHUNK_CHECKSUM'])
    } finally {
      img.close()
    }

    fs.writeFileSync(path.join(tmp, 'not-an-image.E01'), 'EVF2\r\n\x81\x00 not a v1 segment')
    expect(run(path.join(tmp, 'not-an-image.E01')).status).toBe(4)
  })
})
