import {createHash} from 'node:crypto'
import * as path from 'node:path'
import {beforeAll, describe, expect, it} from 'vitest'
import {listNames} from '../../../src/ntfs/list.js'
import {openMftFile} from '../../../src/ntfs/open-mft.js'
import {openNtfsVolume} from '../../../src/ntfs/open-volume.js'
import {FileSource} from '../../../src/parsers/image/file-source.js'
import {parseBoot} from '../../../src/parsers/ntfs/boot.js'
import {parseCatTarget, resolveCatTarget} from '../../../src/parsers/ntfs/target.js'
import {walkUsn, type UsnRecord} from '../../../src/parsers/ntfs/usn.js'
import {loadNtfsIndex, readNtfsReference, samplePath, sharedNtfsDir, SKIP_MESSAGE, type NtfsIndexFile} from './shared.js'

/**
 * The shared NTFS corpus: our listing against `fls -r -p -m /` on every image TSK listed, stream contents
 * against `icat` hashes, the generator's deleted files and ADS, standalone $MFT files against the structural
 * walk and pyfsntfs, $J files against the structural walk and Windows' own fsutil output.
 */
const dir = sharedNtfsDir()
if (!dir) console.warn(SKIP_MESSAGE)

const index = dir ? loadNtfsIndex(dir) : []
const ref = (name: string): string => readNtfsReference(path.join(dir!, 'reference'), name)
/** Containers ratchet reads (VMDK is not one: skipped with a message); the plaso E01s hold no NTFS. */
const readable = (f: NtfsIndexFile): boolean => ['raw-volume', 'mbr-disk', 'e01', 'vhdx'].includes(f.kind) && !f.file.startsWith('plaso_image')
const images = index.filter((f) => f.references?.fls_bodyfile && readable(f))
for (const f of index.filter((x) => x.references?.fls_bodyfile && !readable(x))) console.warn(`ntfs corpus: ${f.file} (${f.kind}) not read here: no reader for this container, or not NTFS`)

const paths = new Map<string, string>()
beforeAll(async () => {
  for (const f of index) if (f.file.endsWith('.gz')) paths.set(f.file, await samplePath(dir!, f))
}, 300_000)
const local = (f: NtfsIndexFile): string => paths.get(f.file) ?? path.join(dir!, f.file)

function bodyfile(f: NtfsIndexFile): string[] {
  const opened = openNtfsVolume(local(f))
  try {
    let out = ''
    listNames(opened.volume.mft, 'bodyfile', (c) => (out += c), {directoryIndex: (n) => opened.volume.indexedEntries(n)})
    return out.split('\n').filter(Boolean)
  } finally {
    opened.close()
  }
}

/** The mode field without its first character (the name type, which fls takes from the directory index). */
const withoutNameType = (line: string): string => line.split('|').map((v, i) => (i === 3 ? v.slice(1) : v)).join('|')

describe.skipIf(!dir)('NTFS corpus: bodyfile against fls -r -p -m /', () => {
  for (const f of images) {
    it(`${f.file}: same lines as fls (order aside; documented differences only)`, () => {
      const ours = bodyfile(f).sort()
      // Names that exist only in $I30 index slack (inode 0) come from fls reading indexes; we list from the MFT.
      const tsk = ref(path.basename(f.references!.fls_bodyfile!.output)).split('\n').filter(Boolean).filter((l) => l.split('|')[2] !== '0').sort()
      if (f.file.startsWith('gen_')) {
        expect(ours).toEqual(tsk)
        return
      }
      // Real images: a file whose name is missing from its directory's index (the Linux ntfs3 driver leaves
      // such) has name type "-" in fls; everything else must match exactly.
      expect(ours.map(withoutNameType)).toEqual(tsk.map(withoutNameType))
      const differing = ours.filter((l, i) => l !== tsk[i])
      expect(differing.length).toBeLessThanOrEqual(2)
    }, 120_000)
  }
})

describe.skipIf(!dir)('NTFS corpus: stream contents against icat', () => {
  for (const f of images.filter((x) => x.references?.icat_sha256)) {
    it(`${f.file}: every stream icat hashed, by address and by path`, () => {
      const rows = ref(path.basename(f.references!.icat_sha256!.output)).split('\n').slice(1).filter(Boolean)
      const opened = openNtfsVolume(local(f))
      let checked = 0
      try {
        for (const row of rows) {
          const [addr, size, sha, p] = row.split('\t') as [string, string, string, string]
          // icat prints nothing for $BadClus:$Bad (sparse, uninitialised); we read it as the zeros it describes.
          if (p === '$BadClus:$Bad') continue
          for (const spec of [addr, p]) {
            const r = resolveCatTarget(opened.volume, parseCatTarget(spec))
            if ('error' in r) throw new Error(`${spec}: ${r.message}`)
            const h = createHash('sha256')
            for (let o = 0; o < r.stream.size; o += 1 << 20) h.update(r.stream.read(o, 1 << 20))
            expect({spec, size: r.stream.size, sha: h.digest('hex')}).toEqual({spec, size: Number(size), sha})
            checked++
          }
        }
      } finally {
        opened.close()
      }
      expect(checked).toBeGreaterThan(0)
    }, 120_000)
  }
})

describe.skipIf(!dir)('NTFS corpus: deleted files and alternate data streams the generator wrote', () => {
  for (const f of images.filter((x) => x.expected?.generated?.deleted)) {
    it(`${f.file}: deleted files are listed and recoverable by MFT entry; every ADS reads back`, () => {
      const g = f.expected!.generated!
      const opened = openNtfsVolume(local(f))
      try {
        let listed = ''
        listNames(opened.volume.mft, 'jsonl', (c) => (listed += c), {deletedOnly: true})
        const deletedPaths = new Set(listed.split('\n').filter(Boolean).map((l) => (JSON.parse(l) as {path: string}).path))
        for (const d of g.deleted!) {
          expect(deletedPaths.has('/' + d.path)).toBe(true)
          const r = resolveCatTarget(opened.volume, parseCatTarget(String(d.inode)))
          if ('error' in r) throw new Error(r.message)
          expect(createHash('sha256').update(r.stream.read(0, r.stream.size)).digest('hex')).toBe(d.sha256)
        }
        for (const a of g.ads!) {
          const r = resolveCatTarget(opened.volume, parseCatTarget(`${a.path}:${a.stream}`))
          if ('error' in r) throw new Error(`${a.path}:${a.stream}: ${r.message}`)
          expect(createHash('sha256').update(r.stream.read(0, r.stream.size)).digest('hex')).toBe(a.sha256)
        }
        // Sequence checks: reading a deleted entry with its pre-deletion sequence number is refused.
        const gone = g.deleted![0]!
        const stale = resolveCatTarget(opened.volume, parseCatTarget(`${gone.inode}-1`))
        expect('error' in stale && stale.error).toBe('sequence')
      } finally {
        opened.close()
      }
    }, 60_000)
  }
})

interface PyRow {
  entry: number
  allocated: boolean
  names: string[]
}

function pyfsntfsRows(text: string): PyRow[] {
  return text
    .split('\n')
    .slice(1)
    .filter(Boolean)
    .map((l) => l.split('\t'))
    .filter((c) => c[1] !== '' && !c[14])
    .map((c) => ({entry: Number(c[0]), allocated: c[1] === '1', names: c[9] ? c[9].split(';').map((n) => n.split('|').slice(2).join('|')) : []}))
}

describe.skipIf(!dir)('NTFS corpus: standalone $MFT files', () => {
  for (const f of index.filter((x) => x.kind === 'mft')) {
    it(`${f.file}: record counts match the structural walk; names match pyfsntfs`, () => {
      const walk = f.expected!.structural_walk as {FILE: number; in_use?: number; in_use_directories?: number; record_size: number; BAAD?: number}
      const {mft, close} = openMftFile(local(f))
      try {
        expect(mft.recordSize).toBe(walk.record_size)
        let file = 0
        let inUse = 0
        let dirs = 0
        mft.forEachRecord((r) => {
          file++
          if (r.inUse) inUse++
          if (r.inUse && r.isDirectory) dirs++
        })
        expect(file).toBe(walk.FILE)
        expect(inUse).toBe(walk.in_use ?? 0)
        expect(dirs).toBe(walk.in_use_directories ?? 0)
        expect(mft.problems.filter((p) => p.status === 'baad').length).toBe(walk.BAAD ?? 0)
        let out = ''
        listNames(mft, 'jsonl', (c) => (out += c))
        const ours = new Map<number, Set<string>>()
        for (const l of out.split('\n').filter(Boolean)) {
          const r = JSON.parse(l) as {entry: number; name: string | null}
          if (r.name !== null) (ours.get(r.entry) ?? ours.set(r.entry, new Set()).get(r.entry)!).add(r.name)
        }
        const pyRef = f.references?.pyfsntfs?.output
        // pyfsntfs assumes 1 KiB records (wrong for 4 KiB-record files): compared only where it applies.
        if (!pyRef || walk.record_size !== 1024) return
        let compared = 0
        for (const row of pyfsntfsRows(ref(path.basename(pyRef)))) {
          // Our listing drops a DOS name that shadows a long name in the same directory.
          const want = row.names.filter((n) => !/~\d/.test(n) || row.names.length === 1)
          if (want.length === 0 || row.entry === 5) continue
          for (const n of want) expect(ours.get(row.entry)?.has(n), `entry ${row.entry} name ${n}`).toBe(true)
          compared++
        }
        expect(compared).toBeGreaterThan(0)
      } finally {
        close()
      }
    })
  }
})

function usnRecords(file: string): {records: UsnRecord[]; garbage: number} {
  const src = new FileSource(file)
  try {
    const records: UsnRecord[] = []
    const r = walkUsn(src, (x) => records.push(x))
    return {records, garbage: r.garbageBytes}
  } finally {
    src.close()
  }
}

describe.skipIf(!dir)('NTFS corpus: $UsnJrnl:$J files', () => {
  for (const f of index.filter((x) => x.kind === 'usnjrnl')) {
    it(`${f.file}: records, versions, USN range, times and reasons match the structural walk`, () => {
      const w = f.expected!.structural_walk as {
        records: number
        records_by_major_version: Record<string, number>
        first_usn: number
        last_usn: number
        min_timestamp: string | null
        max_timestamp: string | null
        reason_flag_counts: Record<string, number>
      }
      const {records} = usnRecords(local(f))
      expect(records.length).toBe(w.records)
      const byVersion: Record<string, number> = {}
      const reasons: Record<string, number> = {}
      for (const r of records) {
        byVersion[r.majorVersion] = (byVersion[r.majorVersion] ?? 0) + 1
        for (const x of r.reasons) reasons[x] = (reasons[x] ?? 0) + 1
      }
      expect(byVersion).toEqual(w.records_by_major_version)
      // The walk's reason table stops at STREAM_CHANGE; winioctl.h defines more (DESIRED_STORAGE_CLASS_CHANGE
      // 0x01000000 occurs in real journals): every reason it counted must match, and any extra must be one of those.
      for (const [k, v] of Object.entries(w.reason_flag_counts)) expect(reasons[k], k).toBe(v)
      for (const k of Object.keys(reasons)) if (!(k in w.reason_flag_counts)) expect(['TRANSACTED_CHANGE', 'INTEGRITY_CHANGE', 'DESIRED_STORAGE_CLASS_CHANGE']).toContain(k)
      expect(records[0]!.usn).toBe(w.first_usn)
      expect(records.at(-1)!.usn).toBe(w.last_usn)
      const times = records.map((r) => r.timestamp).filter((t): t is string => !!t).sort()
      expect(times[0] ?? null).toBe(w.min_timestamp)
      expect(times.at(-1) ?? null).toBe(w.max_timestamp)
    })
  }

  it('dfirntfs_usnjrnlj.bin: every record Windows fsutil printed (USN, name, reason, references, time)', () => {
    const f = index.find((x) => x.file === 'dfirntfs_usnjrnlj.bin')!
    const text = ref('dfirntfs_usnjrnlj.bin.upstream-fsutil.txt')
    const blocks = text.split(/^(?=Usn\s*:)/m).filter((b) => /^Usn\s*:/.test(b))
    const ours = new Map(usnRecords(local(f)).records.map((r) => [r.usn, r]))
    expect(blocks.length).toBe(268)
    for (const b of blocks) {
      const field = (k: string): string => new RegExp(`^\\s*${k}\\s*:\\s*(.*)$`, 'm').exec(b)?.[1]?.trim() ?? ''
      const usn = Number(field('Usn'))
      const r = ours.get(usn)
      expect(r, `usn ${usn}`).toBeDefined()
      const name = field('File name')
      if (name) expect(r!.name).toBe(name)
      expect(r!.reason).toBe(Number(/0x[0-9a-f]+/i.exec(field('Reason'))![0]))
      expect(r!.entry).toBe(Number(BigInt('0x' + field('File ID')) & 0xffffffffffffn))
      expect(r!.parentEntry).toBe(Number(BigInt('0x' + field('Parent file ID')) & 0xffffffffffffn))
    }
  })

  it('gontfs_usn_sample.bin: the truncated last record is reported, not dropped silently', () => {
    const f = index.find((x) => x.file === 'gontfs_usn_sample.bin')!
    expect(usnRecords(local(f)).garbage).toBeGreaterThan(0)
  })
})

describe.skipIf(!dir)('NTFS corpus: boot sectors', () => {
  for (const f of index.filter((x) => x.kind === 'boot-sector')) {
    it(`${f.file}: BPB fields`, () => {
      const want = f.expected!.boot_sector as Record<string, number | string>
      const src = new FileSource(local(f))
      const b = parseBoot(src.read(0, 512))
      src.close()
      expect({
        bytes_per_sector: b.bytesPerSector,
        cluster_size: b.clusterSize,
        mft_lcn: b.mftLcn,
        mftmirr_lcn: b.mftMirrLcn,
        mft_record_size: b.mftRecordSize,
        index_record_size: b.indexRecordSize,
        total_sectors: b.totalSectors,
        serial_number: b.serial,
      }).toEqual({
        bytes_per_sector: want.bytes_per_sector,
        cluster_size: want.cluster_size,
        mft_lcn: want.mft_lcn,
        mftmirr_lcn: want.mftmirr_lcn,
        mft_record_size: want.mft_record_size,
        index_record_size: want.index_record_size,
        total_sectors: want.total_sectors,
        serial_number: want.serial_number,
      })
    })
  }
})
