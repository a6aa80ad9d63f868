import {execFileSync, spawnSync} from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {describe, expect, it} from 'vitest'
import {BufferSource} from '../../../src/parsers/image/slice.js'
import {walkUsn, type UsnRecord} from '../../../src/parsers/ntfs/usn.js'
import {FILE_ATTRIBUTE, USN_PAGE, USN_REASON as R, encodeUsnRecordV2, writeUsnJournal, type UsnRecordSpec} from '../../../src/writers/usn/index.js'

/**
 * The USN journal writer, checked against the USN_RECORD_V2 layout (winioctl.h: fixed part 0x3C bytes, name
 * right after it, RecordLength a multiple of 8, Usn = offset in $J), against ratchet's own $J parser, and against
 * the Sleuth Kit's `usnjls` reading the stream from an NTFS volume built with ntfs-3g (skipped where absent).
 */
const specs: UsnRecordSpec[] = [
  {file: {entry: 0x1_0000_0040, sequence: 3}, parent: {entry: 5, sequence: 5}, time: '2023-11-02T02:15:30.6712240Z', reason: R.FILE_CREATE, fileAttributes: FILE_ATTRIBUTE.ARCHIVE, name: 'text.xml'},
  {file: {entry: 77, sequence: 1}, parent: {entry: 70, sequence: 2}, time: '2023-11-02T02:16:02.5450187Z', reason: R.FILE_DELETE | R.CLOSE, fileAttributes: FILE_ATTRIBUTE.ARCHIVE, name: '0d7c3b8e-2f41-4a6d-b1c9-5e8a7f30d214run.cmd'},
  {file: {entry: 90, sequence: 7}, parent: {entry: 5, sequence: 5}, time: '2023-11-02T02:21:38.0000001Z', reason: R.RENAME_NEW_NAME, fileAttributes: FILE_ATTRIBUTE.DIRECTORY, name: 'Tëmp ✓'},
]

function parse(b: Buffer): {records: UsnRecord[]; garbage: number; zero: number} {
  const records: UsnRecord[] = []
  const r = walkUsn(new BufferSource(b), (x) => records.push(x))
  return {records, garbage: r.garbageBytes, zero: r.zeroBytes}
}

describe('USN journal writer', () => {
  it('lays out USN_RECORD_V2 as winioctl.h defines it', () => {
    const b = encodeUsnRecordV2(specs[0]!, 4096)
    expect(b.length).toBe(0x50) // 0x3C + 16 name bytes = 0x4C, padded to 8
    expect(b.readUInt32LE(0)).toBe(b.length)
    expect(b.readUInt16LE(4)).toBe(2)
    expect(b.readUInt16LE(6)).toBe(0)
    expect(b.readBigUInt64LE(8)).toBe((3n << 48n) | 0x1_0000_0040n)
    expect(b.readBigUInt64LE(16)).toBe((5n << 48n) | 5n)
    expect(b.readBigUInt64LE(24)).toBe(4096n)
    expect(b.readBigUInt64LE(32)).toBe(133433649306712240n) // (1698891330 s × 10^7) + 116444736000000000 + 6712240
    expect(b.readUInt32LE(40)).toBe(0x100)
    expect(b.readUInt32LE(52)).toBe(0x20)
    expect(b.readUInt16LE(56)).toBe(16)
    expect(b.readUInt16LE(58)).toBe(0x3c)
    expect(b.subarray(0x3c, 0x4c).toString('utf16le')).toBe('text.xml')
    expect(b.subarray(0x4c).every((x) => x === 0)).toBe(true)
  })

  it('reads back through ratchet\'s $J parser: USN = offset, sparse lead and page fill skipped as zeros', () => {
    const many: UsnRecordSpec[] = Array.from({length: 120}, (_, i) => ({...specs[i % 3]!, name: `${specs[i % 3]!.name}-${i}`}))
    const j = writeUsnJournal(many, {leadingZeroBytes: 8 * USN_PAGE})
    const {records, garbage} = parse(j)
    expect(garbage).toBe(0)
    expect(records).toHaveLength(many.length)
    expect(records[0]!.usn).toBe(8 * USN_PAGE)
    for (const [i, r] of records.entries()) {
      const s = many[i]!
      expect(r.usn).toBe(r.offset)
      expect(r.offset % 8).toBe(0)
      // No record crosses a 4 KiB page.
      expect(Math.floor(r.offset / USN_PAGE)).toBe(Math.floor((r.offset + encodeUsnRecordV2(s, 0).length - 1) / USN_PAGE))
      expect({name: r.name, entry: r.entry, sequence: r.sequence, parent: [r.parentEntry, r.parentSequence], time: r.timestamp, reason: r.reason, attrs: r.fileAttributes}).toEqual({
        name: s.name,
        entry: s.file.entry,
        sequence: s.file.sequence,
        parent: [s.parent.entry, s.parent.sequence],
        time: s.time,
        reason: s.reason >>> 0,
        attrs: s.fileAttributes,
      })
    }
  })

  it('refuses what a record cannot hold', () => {
    expect(() => encodeUsnRecordV2({...specs[0]!, name: ''}, 0)).toThrow(RangeError)
    expect(() => encodeUsnRecordV2({...specs[0]!, name: 'x'.repeat(256)}, 0)).toThrow(RangeError)
    expect(() => encodeUsnRecordV2({...specs[0]!, file: {entry: 2 ** 48, sequence: 1}}, 0)).toThrow(RangeError)
    expect(() => writeUsnJournal(specs, {leadingZeroBytes: 100})).toThrow(RangeError)
  })

  const have = (cmd: string): boolean => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0
  const oracle = have('usnjls') && have('ifind') && have('mkntfs') && have('ntfscp')
  if (!oracle) console.warn('usnjls/ifind (Debian sleuthkit) or mkntfs/ntfscp (ntfs-3g) not found: the USN writer oracle test is skipped')

  // usnjls reads the default $DATA of the inode it is given, so the stream is stored as an ordinary file.
  it.skipIf(!oracle)('usnjls (the Sleuth Kit) lists every record with the same references, USN, time, reason and name', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ratchet-usnw-'))
    try {
      const image = path.join(tmp, 'vol.img')
      fs.writeFileSync(image, Buffer.alloc(0))
      fs.truncateSync(image, 8 * 1024 * 1024)
      execFileSync('mkntfs', ['-F', '-f', '-q', image], {stdio: 'ignore'})
      const j = writeUsnJournal(specs, {leadingZeroBytes: 2 * USN_PAGE})
      fs.writeFileSync(path.join(tmp, 'J'), j)
      execFileSync('ntfscp', ['-q', image, path.join(tmp, 'J'), 'J'], {stdio: 'ignore'})
      const inode = execFileSync('ifind', ['-n', '/J', image], {encoding: 'utf8'}).trim()
      const long = execFileSync('usnjls', ['-l', image, inode], {encoding: 'utf8'})
      const blocks = long.split(/^(?=Version:)/m).filter((b) => b.startsWith('Version:'))
      expect(blocks).toHaveLength(specs.length)
      const ours = parse(j).records
      for (const [i, block] of blocks.entries()) {
        const s = specs[i]!
        const field = (k: string): string => new RegExp(`^${k}: (.*)$`, 'm').exec(block)?.[1]?.trim() ?? ''
        expect(field('Version')).toMatch(/^2\.0 Length: \d+$/)
        expect(field('Reference Number')).toBe(`${s.file.entry}-${s.file.sequence}`)
        expect(field('Parent Reference Number')).toBe(`${s.parent.entry}-${s.parent.sequence}`)
        expect(Number(field('Update Sequence Number'))).toBe(ours[i]!.usn)
        // usnjls prints seconds with 9 digits: the 100-ns FILETIME resolution with two zeros.
        expect(field('Time')).toBe(`${s.time.slice(0, 10)} ${s.time.slice(11, 27)}00 (UTC)`)
        expect(field('Name')).toBe(s.name)
      }
      expect(blocks[0]).toMatch(/Reason: FILE_CREATE\s*$/m)
      expect(blocks[1]).toMatch(/Reason: FILE_DELETE CLOSE\s*$/m)
    } finally {
      fs.rmSync(tmp, {recursive: true, force: true})
    }
  })
})
