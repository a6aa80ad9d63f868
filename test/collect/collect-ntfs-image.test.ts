import {execFileSync, spawnSync} from 'node:child_process'
import * as fs from 'node:fs'
import {open} from 'node:fs/promises'
import * as path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {ArtefactSchema, type Artefact} from '../../src/artefacts/schema.js'
import {type CollectOptions, collect} from '../../src/collect/collect.js'
import {openImageSource} from '../../src/collect/image-source.js'
import {readManifest} from '../../src/evidence/extract.js'
import type {Manifest} from '../../src/evidence/manifest-types.js'
import {verifyArchive} from '../../src/evidence/verify.js'
import {buildEwf, buildQemu} from '../parsers/image/build-images.js'
import {SKIP_SHARED, hasTool, materialise, ntfsIndex, sharedNtfsDir} from '../parsers/image/shared.js'
import {artefactsFor, cleanupTempDirs, lockedOpenError, sha256, tempDir} from './helpers.js'

/**
 * `collect --image` must store exactly what `collect --source` stores for the same files copied out by an
 * independent tool (TSK's tsk_recover, or the files we wrote into a volume with ntfs-3g's ntfscp): same
 * archive members, same SHA-256s — whatever the container (E01, VHDX).
 */
afterAll(cleanupTempDirs)

const members = (m: Manifest): Record<string, string> =>
  Object.fromEntries(m.items.filter((i) => i.archive_path && i.hashes).map((i) => [i.archive_path!, i.hashes!.sha256]))

async function run(out: string, extra: Partial<CollectOptions> & Pick<CollectOptions, 'root' | 'artefacts'>): Promise<Manifest> {
  const r = await collect({mode: 'image', os: 'windows', outDir: out, format: 'zip', caseId: 'IR-img', examiner: 'vitest', commandLine: ['ratchet'], profile: 'full', ...extra})
  expect((await verifyArchive(r.archive, {})).status).toBe('verified')
  return readManifest(r.archive)
}

async function viaImage(file: string, out: string, artefacts: Artefact[], partition?: number): Promise<Manifest> {
  const image = await openImageSource(file, partition)
  try {
    return await run(out, {root: file, artefacts, image})
  } finally {
    image.close()
  }
}

const dir = sharedNtfsDir()
if (!dir) console.warn(SKIP_SHARED)
const tsk = hasTool('tsk_recover')
if (!tsk) console.warn('tsk_recover not installed (Debian: sleuthkit): the shared-image collect comparison is skipped')

describe.skipIf(!dir || !tsk)('collect --image of the shared gen_dev disk (E01, VHDX) equals collect --source of the files tsk_recover copied out', () => {
  let artefacts: Artefact[]
  let fromDir: Manifest
  const tmp = tempDir('ntfs-collect')
  beforeAll(async () => {
    artefacts = await artefactsFor('windows', 'full')
    const raw = await materialise(dir!, 'gen_dev_disk.raw.gz')
    const rec = path.join(tmp, 'recovered')
    fs.mkdirSync(rec)
    execFileSync('tsk_recover', ['-a', '-o', '2048', raw, rec], {stdio: 'ignore'})
    fromDir = await run(tempDir('out-dir'), {root: rec, artefacts})
  })
  const splitMeta = (all: Record<string, string>): {$meta: Record<string, string>; rest: Record<string, string>} => {
    const $meta: Record<string, string> = {}
    const rest: Record<string, string> = {}
    for (const [k, v] of Object.entries(all)) (k.startsWith('files/C/$') ? $meta : rest)[k] = v
    return {$meta, rest}
  }
  const icatSha256 = (p: string): string =>
    fs
      .readFileSync(path.join(dir!, 'reference', 'gen_dev_disk.raw.icat-sha256.tsv'), 'utf8')
      .split('\n')
      .map((l) => l.split('\t'))
      .find((c) => c[3] === p)![2]!

  it('a mounted --source cannot show NTFS metadata: $MFT and $J are searched, logged as not applicable, no item', () => {
    // tsk_recover copies files, not the NTFS metadata files; the copies-in-a-folder patterns find nothing either.
    expect(fromDir.items.filter((i) => i.artefact.startsWith('windows.filesystem.'))).toEqual([])
    expect(fromDir.searched!.filter((x) => x.artefact.startsWith('windows.filesystem.')).map((x) => x.matches)).toEqual([0, 0, 0, 0])
  })

  for (const name of ['gen_dev_disk.E01', 'gen_dev_disk.vhdx.gz']) {
    it(`${name}: same members and SHA-256s, every item with its MFT reference and eight times, the image hashed`, async () => {
      const file = await materialise(dir!, name)
      const m = await viaImage(file, tempDir('out-img'), artefacts)
      // NTFS metadata ($MFT, $UsnJrnl:$J) is only visible through NTFS: compared with TSK's icat instead.
      const {$meta, rest} = splitMeta(members(m))
      expect(Object.keys(rest).length).toBeGreaterThanOrEqual(8)
      expect(rest).toEqual(members(fromDir))
      expect($meta).toEqual({'files/C/$MFT': icatSha256('$MFT'), 'files/C/$Extend/$UsnJrnl%3A$J': icatSha256('$Extend/$UsnJrnl:$J')})
      // (mkntfs leaves $MFT's own $STANDARD_INFORMATION times zero: null, as TSK's 2076-11-29 wrap shows.)
      for (const it of m.items.filter((i) => i.archive_path && !i.archive_path.startsWith('files/C/$'))) {
        expect(it.read_method).toBe('ntfs')
        expect(it.ntfs!.mft_ref).toMatch(/^\d+-\d+$/)
        expect(Object.values(it.ntfs!.si!).every((t) => typeof t === 'string')).toBe(true)
        expect(Object.values(it.ntfs!.fn!).every((t) => typeof t === 'string')).toBe(true)
      }
      // run.cmd: created/modified/accessed set back to 2019; only the MFT-modified time tells (README of the set).
      const run = m.items.find((i) => i.original_path.endsWith('\\run.cmd'))!
      expect(run.ntfs!.si).toEqual({created: '2019-03-19T07:31:09.0000000Z', modified: '2019-03-19T07:31:09.0000000Z', mft_modified: '2024-05-14T09:12:33.0000000Z', accessed: '2019-03-19T07:31:09.0000000Z'})
      expect(run.times).toEqual({modified: '2019-03-19T07:31:09.0000000Z', accessed: '2019-03-19T07:31:09.0000000Z', changed: '2024-05-14T09:12:33.0000000Z', born: '2019-03-19T07:31:09.0000000Z'})
      const stored = ntfsIndex(dir!).find((e) => e.file === name)!
      expect(m.image).toMatchObject({path: file, partition: 1, volume_offset: 1048576, media_size: 67108864})
      expect(m.image!.files[0]!.sha256).toBe(stored.content_sha256)
    })
  }

  const repo = path.resolve(new URL('../..', import.meta.url).pathname)
  it.skipIf(!fs.existsSync(path.join(repo, 'dist', 'commands', 'collect.js')))('ratchet collect --image --partition: the command wires through (needs npm run build)', () => {
    const out = tempDir('out-cli')
    const r = spawnSync(process.execPath, [path.join(repo, 'bin', 'run.js'), 'collect', '--image', path.join(dir!, 'gen_dev_disk.E01'), '--partition', '1', '--out', out, '--json'], {encoding: 'utf8'})
    expect(r.status, r.stderr).toBe(0)
    const res = JSON.parse(r.stdout) as {summary: {collected: number; errors: number}; source: {mode: string; root: string}}
    expect(res.summary).toMatchObject({errors: 0})
    expect(res.summary.collected).toBeGreaterThanOrEqual(8)
    expect(res.source).toMatchObject({mode: 'image', root: path.join(dir!, 'gen_dev_disk.E01')})
  })
})

const ntfs3g = hasTool('mkntfs') && hasTool('ntfscp')
if (!ntfs3g) console.warn('mkntfs/ntfscp not installed (Debian: ntfs-3g): the built-volume collect tests are skipped')

describe.skipIf(!ntfs3g)('an NTFS volume built with mkntfs + ntfscp, wrapped by ewfacquire and qemu-img', () => {
  const tmp = tempDir('ntfs-built')
  const vol = path.join(tmp, 'vol.raw')
  const src = path.join(tmp, 'files')
  let artefacts: Artefact[]
  let fromDir: Manifest
  beforeAll(async () => {
    fs.mkdirSync(src)
    // 300 KB that do not compress and a run of a pattern that does: both chunk kinds of an E01.
    const big = Buffer.alloc(300_000)
    for (let i = 0; i < big.length; i++) big[i] = (Math.imul(i, 2654435761) >>> 13) & 0xff
    big.fill(0x41, 100_000, 160_000)
    fs.writeFileSync(path.join(src, 'evidence.bin'), big)
    fs.writeFileSync(path.join(src, 'notes.txt'), 'resident: a few bytes inside the MFT record\n')
    fs.writeFileSync(vol, Buffer.alloc(0))
    fs.truncateSync(vol, 16 << 20)
    execFileSync('mkntfs', ['-F', '-f', '-q', '-s', '512', '-c', '4096', '-L', 'TEST', vol], {stdio: 'ignore'})
    for (const f of ['evidence.bin', 'notes.txt']) execFileSync('ntfscp', ['-f', vol, path.join(src, f), f], {stdio: 'ignore'})
    artefacts = [
      ArtefactSchema.parse({
        id: 'test.root-files',
        title: 'files at the volume root',
        description: 'The files the test wrote into the volume with ntfscp.',
        os: 'windows',
        sources: [{collector: 'file', paths: ['C:\\*.bin', 'C:\\notes.txt']}],
      }),
    ]
    fromDir = await run(tempDir('out-src'), {root: src, artefacts})
  })

  const wrappers: Array<[string, () => string | undefined]> = [
    ['raw volume', () => vol],
    ['E01 (ewfacquire)', () => buildEwf(vol, tmp, 'vol', ['-c', 'deflate:fast'])],
    ['VHDX dynamic (qemu-img)', () => buildQemu(vol, path.join(tmp, 'vol.vhdx'), 'vhdx', 'subformat=dynamic,block_size=1M')],
    ['VHD fixed (qemu-img)', () => buildQemu(vol, path.join(tmp, 'vol.vhd'), 'vpc', 'subformat=fixed,force_size=on')],
  ]
  for (const [label, build] of wrappers) {
    it(`${label}: same members and SHA-256s as collect --source`, async (ctx) => {
      const file = build()
      if (!file) return ctx.skip()
      const m = await viaImage(file, tempDir('out-vol'), artefacts)
      expect(members(m)).toEqual(members(fromDir))
      expect(Object.keys(members(m)).sort()).toEqual(['files/C/evidence.bin', 'files/C/notes.txt'])
    })
  }

  const mftArtefact = ArtefactSchema.parse({
    id: 'test.mft',
    title: 'the MFT',
    description: 'NTFS metadata that only the NTFS reader sees.',
    os: 'windows',
    sources: [{collector: 'file', read: 'ntfs', paths: ['C:\\$MFT']}],
  })

  /** Live Windows over the copied files, `evidence.bin` locked (EBUSY), the raw volume at `rawVolume`. */
  const liveWithLockedFile = (rawVolume: string) =>
    collect({
      mode: 'live',
      root: src,
      os: 'windows',
      outDir: tempDir('out-live'),
      format: 'zip',
      commandLine: ['ratchet'],
      artefacts: [...artefacts, mftArtefact],
      profile: null,
      noVolatile: true,
      rawVolumePath: () => rawVolume,
      hooks: {
        open: async (p, flags) => {
          if (p.endsWith('evidence.bin')) throw lockedOpenError('EBUSY')
          return open(p, flags)
        },
      },
    })

  it('live Windows: a locked file is read through the raw volume (raw-ntfs), the others normally', async () => {
    const r = await liveWithLockedFile(vol)
    const m = await readManifest(r.archive)
    expect(r.exit_code).toBe(0)
    const locked = m.items.find((i) => i.original_path === 'C:\\evidence.bin')!
    expect(locked).toMatchObject({read_method: 'raw-ntfs', status: 'collected', hashes: {sha256: sha256(fs.readFileSync(path.join(src, 'evidence.bin')))}})
    // NTFS metadata (`read: ntfs`) comes through the raw volume too.
    const mft = m.items.find((i) => i.original_path === 'C:\\$MFT')!
    expect(mft).toMatchObject({read_method: 'raw-ntfs', status: 'collected', ntfs: {mft_ref: '0-1'}})
    expect(locked.ntfs!.mft_ref).toMatch(/^\d+-\d+$/)
    expect(m.items.find((i) => i.original_path === 'C:\\notes.txt')!.read_method).toBe('read')
  })

  it('live Windows: when the raw volume cannot be read either, the item says both reasons', async () => {
    const r = await liveWithLockedFile(path.join(src, 'notes.txt'))
    const m = await readManifest(r.archive)
    expect(r.exit_code).toBe(3)
    const locked = m.items.find((i) => i.original_path === 'C:\\evidence.bin')!
    expect(locked.status).toBe('error')
    expect(locked.reason).toMatch(/^OPEN_FAILED: locked \(EBUSY\) and the raw volume could not be read .*NTFS boot sector/)
  })
})
