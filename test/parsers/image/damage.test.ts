import {createHash} from 'node:crypto'
import * as fs from 'node:fs'
import * as path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {rng} from '../../../bench/evtx-fuzz-lib.js'
import {isRatchetError} from '../../../src/core/errors.js'
import {crc32c} from '../../../src/parsers/image/checksums.js'
import {EwfImage} from '../../../src/parsers/image/ewf.js'
import {openImage} from '../../../src/parsers/image/open.js'
import {readPartitionTable} from '../../../src/parsers/image/partitions.js'
import {BufferSource} from '../../../src/parsers/image/slice.js'
import type {ByteSource} from '../../../src/parsers/image/types.js'
import {openVhd} from '../../../src/parsers/image/vhd.js'
import {VhdxImage} from '../../../src/parsers/image/vhdx.js'
import {GPT_LAYOUT, MBR_LAYOUT, buildEwf, buildQemu, buildRaw, makeDiskBytes} from './build-images.js'
import {hasTool, tempDir} from './shared.js'

const tmp = tempDir('image-damage')
afterAll(() => fs.rmSync(tmp, {recursive: true, force: true}))
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex')
const whole = (s: ByteSource): Uint8Array => s.read(0, s.size)
const ewfTools = hasTool('ewfacquire')
const qemu = hasTool('qemu-img')

let raw = ''
let rawBytes: Buffer
beforeAll(() => {
  raw = buildRaw(tmp, 'disk.raw', MBR_LAYOUT)
  rawBytes = fs.readFileSync(raw)
})

/** Offsets of the section descriptors of `type` in an EWF segment (their type string, NUL-padded to 16). */
function sections(b: Buffer, type: string): number[] {
  const key = Buffer.alloc(16)
  key.write(type, 'latin1')
  const out: number[] = []
  for (let at = b.indexOf(key); at >= 0; at = b.indexOf(key, at + 1)) out.push(at)
  return out
}

describe.skipIf(!ewfTools)('EWF damage is reported, never thrown, and good data stays readable', () => {
  it('a damaged table header falls back to its table2 copy: the media is still exact', () => {
    const file = buildEwf(raw, tmp, 'tbl', ['-c', 'deflate:fast'])!
    const b = fs.readFileSync(file)
    const [table] = sections(b, 'table')
    b[table! + 76 + 20] ^= 0xff // the table header's Adler-32
    const img = new EwfImage([new BufferSource(b)], ['tbl.E01'])
    expect(sha(whole(img))).toBe(sha(rawBytes))
    expect(img.diagnostics.map((d) => d.code)).toEqual(['EWF_TABLE_CHECKSUM', 'EWF_TABLE2_USED'])
  })

  it('a missing last segment: no "done", the absent chunks read as zeros with a diagnostic', () => {
    const file = buildEwf(raw, tmp, 'miss', ['-c', 'none', '-S', '1048576'])!
    const segs = fs.readdirSync(tmp).filter((f) => f.startsWith('miss.')).sort()
    const kept = segs.slice(0, -1).map((f) => fs.readFileSync(path.join(tmp, f)))
    const img = new EwfImage(kept.map((k) => new BufferSource(k)), segs.slice(0, -1))
    const data = whole(img)
    expect(data.length).toBe(rawBytes.length)
    expect(img.diagnostics.map((d) => d.code)).toEqual(['EWF_NO_DONE', 'EWF_CHUNKS_MISSING'])
    // Everything the kept segments hold is exact.
    const firstMissing = img.diagnostics[1]!.chunk as number
    expect(firstMissing).toBeGreaterThan(0)
    const cut = firstMissing * img.info.chunkSize
    expect(sha(data.subarray(0, cut))).toBe(sha(rawBytes.subarray(0, cut)))
    expect(data.subarray(cut).every((v) => v === 0)).toBe(true)
    expect(file).toMatch(/miss\.E01$/)
  })

  it('a corrupt compressed chunk reads as zeros, once reported with its chunk number and offset', async () => {
    const file = buildEwf(raw, tmp, 'cz', ['-c', 'deflate:best'])!
    const b = fs.readFileSync(file)
    const [sectors] = sections(b, 'sectors')
    b.fill(0xa5, sectors! + 76 + 100, sectors! + 76 + 400)
    const img = new EwfImage([new BufferSource(b)], ['cz.E01'])
    whole(img)
    whole(img)
    expect(img.diagnostics).toHaveLength(1)
    expect(img.diagnostics[0]).toMatchObject({code: 'EWF_CHUNK_INFLATE', severity: 'error', chunk: 0, file: 'cz.E01'})
    expect(typeof img.diagnostics[0]!.offset).toBe('number')
    // The thread-pool path (verify-image) reports the same damage the same way.
    const again = new EwfImage([new BufferSource(b)], ['cz.E01'])
    const [a, c] = await Promise.all([again.chunkAsync(0), again.chunkAsync(0)])
    expect(a!.every((v) => v === 0) && c!.length === again.info.chunkSize).toBe(true)
    expect(sha(await again.chunkAsync(1))).toBe(sha(rawBytes.subarray(again.info.chunkSize, 2 * again.info.chunkSize)))
    expect(again.diagnostics).toEqual(img.diagnostics)
  })
})

describe.skipIf(!qemu)('VHDX and VHD damage', () => {
  it('a header with a bad CRC is ignored for the other; a pending log is reported, not replayed', () => {
    const file = buildQemu(raw, path.join(tmp, 'd.vhdx'), 'vhdx', 'subformat=dynamic,block_size=1M')!
    const b = fs.readFileSync(file)
    b[64 * 1024 + 100] ^= 0xff
    b[128 * 1024 + 100] ^= 0xff
    // Header 2 becomes current with a log GUID set, its CRC-32C recomputed: a disk closed uncleanly.
    const h2 = 128 * 1024
    b.writeUInt32LE(0, h2 + 4)
    b.writeUInt32LE(b.readUInt32LE(h2 + 8) + 10, h2 + 8)
    b.fill(0x11, h2 + 48, h2 + 64)
    b.writeUInt32LE(crc32c(b.subarray(h2, h2 + 4096)), h2 + 4)
    const img = new VhdxImage(new BufferSource(b), 'd.vhdx')
    expect(sha(whole(img))).toBe(sha(rawBytes))
    expect(img.diagnostics.map((d) => d.code)).toEqual(['VHDX_HEADER_CRC', 'VHDX_LOG_NOT_REPLAYED'])
    expect(img.info.logPending).toBe(true)
  })

  it('a dynamic VHD whose end footer is gone opens from the copy at offset 0', () => {
    const file = buildQemu(raw, path.join(tmp, 'd.vhd'), 'vpc', 'subformat=dynamic,force_size=on')!
    const b = fs.readFileSync(file)
    b.fill(0, b.length - 512)
    const v = openVhd(new BufferSource(b), 'd.vhd')
    expect(sha(whole(v.media))).toBe(sha(rawBytes))
    expect(v.diagnostics.map((d) => d.code)).toEqual(['VHD_FOOTER_DAMAGED'])
  })
})

describe('partition table damage', () => {
  it('an extended partition chain that loops ends with a diagnostic', () => {
    const b = new Uint8Array(1 << 20)
    b[510] = 0x55
    b[511] = 0xaa
    const entry = (at: number, type: number, lba: number, count: number): void => {
      b[at + 4] = type
      new DataView(b.buffer).setUint32(at + 8, lba, true)
      new DataView(b.buffer).setUint32(at + 12, count, true)
    }
    entry(0x1be, 0x05, 64, 1024)
    const ebr = 64 * 512
    b[ebr + 510] = 0x55
    b[ebr + 511] = 0xaa
    entry(ebr + 0x1be, 0x83, 8, 16)
    entry(ebr + 0x1ce, 0x05, 0, 1024) // "next" EBR is itself (relative 0 means none) …
    entry(ebr + 0x1ce, 0x05, 128, 1024) // … so point at one that points back
    const ebr2 = (64 + 128) * 512
    b[ebr2 + 510] = 0x55
    b[ebr2 + 511] = 0xaa
    entry(ebr2 + 0x1be, 0x83, 8, 16)
    entry(ebr2 + 0x1ce, 0x05, 0x7fffffff, 1024)
    new DataView(b.buffer).setUint32(ebr2 + 0x1ce + 8, 128, true)
    const t = readPartitionTable(new BufferSource(b))
    expect(t.partitions.map((p) => p.number)).toEqual([5, 6])
    expect(t.diagnostics.map((d) => d.code)).toEqual(['IMAGE_MBR_EBR_LOOP'])
  })

  it('a bare volume image is not mistaken for a partitioned disk', () => {
    const b = new Uint8Array(4096)
    b.set(new TextEncoder().encode('NTFS    '), 3)
    b[0x1be + 4] = 0x07 // boot code bytes that look like a partition entry
    b[510] = 0x55
    b[511] = 0xaa
    expect(readPartitionTable(new BufferSource(b))).toMatchObject({scheme: 'none', partitions: []})
  })
})

/**
 * Fixed-seed fuzzing of the container and partition parsers: mutations concentrated on the structures
 * (headers, section descriptors, tables, BAT, metadata, partition entries). The only exception allowed is
 * a RatchetError (the input is unusable as a whole); each parse and bounded read < 2 s.
 */
describe('fuzz (fixed seed): container and partition parsers', () => {
  function mutateAt(src: Buffer, hot: Array<[number, number]>, r: () => number): Buffer {
    const b = Buffer.from(src)
    const rounds = 1 + Math.floor(r() * 6)
    for (let i = 0; i < rounds; i++) {
      const [lo, hi] = hot[Math.floor(r() * hot.length)]!
      const p = lo + Math.floor(r() * Math.max(1, Math.min(hi, b.length) - lo))
      const kind = Math.floor(r() * 4)
      if (kind === 0) for (let k = 0; k < 1 + r() * 8 && p + k < b.length; k++) b[p + k] = Math.floor(r() * 256)
      else if (kind === 1 && p + 4 <= b.length) b.writeUInt32LE([0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 76, 512, 65536][Math.floor(r() * 8)]!, p)
      else if (kind === 2 && p + 8 <= b.length) b.writeBigUInt64LE(BigInt(Math.floor(r() * 2 ** 40)), p)
      else b.fill(0, p, Math.min(b.length, p + Math.floor(r() * 512)))
    }
    return b
  }

  function exercise(open: () => ByteSource): {threw?: unknown; ms: number} {
    const t = Date.now()
    try {
      const s = open()
      // Bounded reads: the first 2 MiB, the last 64 KiB, and a read far past the end.
      s.read(0, 2 << 20)
      if (s.size > 65536) s.read(s.size - 65536, 65536)
      expect(s.read(s.size + 10, 100).length).toBe(0)
      s.close()
    } catch (e) {
      if (!isRatchetError(e)) return {threw: e, ms: Date.now() - t}
    }
    return {ms: Date.now() - t}
  }

  const runFuzz = (label: string, src: Buffer, hot: Array<[number, number]>, open: (b: Buffer) => ByteSource, n: number, seed: number): void => {
    const r = rng(seed)
    for (let i = 0; i < n; i++) {
      const out = exercise(() => open(mutateAt(src, hot, r)))
      expect(out.threw, `${label} iteration ${i}`).toBeUndefined()
      expect(out.ms).toBeLessThan(2000)
    }
  }

  it.skipIf(!ewfTools)('EWF: 120 mutated segments', () => {
    const file = buildEwf(buildRaw(tmp, 'fz.raw', MBR_LAYOUT), tmp, 'fz', ['-c', 'deflate:fast', '-d', 'sha1'])!
    const src = fs.readFileSync(file)
    const hot: Array<[number, number]> = [[0, 13]]
    for (const t of ['header2', 'header', 'volume', 'sectors', 'table', 'table2', 'digest', 'hash', 'done']) for (const at of sections(src, t)) hot.push([at, at + 76 + 64])
    runFuzz('ewf', src, hot, (b) => new EwfImage([new BufferSource(b)], ['fz.E01']), 120, 0x5eed)
  })

  it.skipIf(!qemu)('VHDX and VHD: 80 mutated files each', () => {
    const small = path.join(tmp, 'fz2.raw')
    fs.writeFileSync(small, makeDiskBytes(2 << 20))
    const vhdx = fs.readFileSync(buildQemu(small, path.join(tmp, 'fz.vhdx'), 'vhdx', 'subformat=dynamic,block_size=1M')!)
    const regions: Array<[number, number]> = [[0, 1024], [64 * 1024, 64 * 1024 + 128], [128 * 1024, 128 * 1024 + 128], [192 * 1024, 192 * 1024 + 96], [256 * 1024, 256 * 1024 + 96]]
    for (let i = 0; i < 2; i++) {
      const off = Number(vhdx.readBigUInt64LE(192 * 1024 + 16 + i * 32 + 16))
      regions.push([off, off + 256])
    }
    runFuzz('vhdx', vhdx, regions, (b) => new VhdxImage(new BufferSource(b)), 80, 0xd15c)
    const vhd = fs.readFileSync(buildQemu(small, path.join(tmp, 'fz.vhd'), 'vpc', 'subformat=dynamic,force_size=on')!)
    const batAt = Number(vhd.readBigUInt64BE(512 + 16))
    runFuzz('vhd', vhd, [[0, 512], [512, 1024 + 64], [batAt, batAt + 64], [vhd.length - 512, vhd.length]], (b) => openVhd(new BufferSource(b)).media, 80, 0xbeef)
  })

  it.skipIf(!hasTool('sfdisk'))('MBR and GPT: 150 mutated tables each', () => {
    const mbr = fs.readFileSync(raw).subarray(0, 8 << 20)
    const gpt = fs.readFileSync(buildRaw(tmp, 'fzgpt.raw', GPT_LAYOUT))
    const asTable = (b: Buffer): ByteSource => {
      const t = readPartitionTable(new BufferSource(b))
      for (const p of t.partitions) expect(p.offset).toBeGreaterThanOrEqual(0)
      return new BufferSource(new Uint8Array(0))
    }
    runFuzz('mbr', Buffer.from(mbr), [[0x1be, 0x200], [6144 * 512 + 0x1be, 6144 * 512 + 0x200], [10240 * 512 + 0x1be, 10240 * 512 + 0x200]], asTable, 150, 0x3b3)
    runFuzz('gpt', gpt, [[512, 604], [1024, 1024 + 256], [gpt.length - 512, gpt.length - 420]], asTable, 150, 0x69f)
  })
})

it('openImage on a file that is not an image reads it raw and finds no table', () => {
  const f = path.join(tmp, 'plain.bin')
  fs.writeFileSync(f, Buffer.alloc(3000, 0x41))
  const img = openImage(f)
  expect({container: img.container, scheme: img.scheme, size: img.media.size}).toEqual({container: 'raw', scheme: 'none', size: 3000})
  img.close()
})
