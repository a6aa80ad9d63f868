import {readFile} from 'node:fs/promises'
import {Readable} from 'node:stream'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {sha256Hex} from '../../src/core/hashing.js'
import {verifyArchive} from '../../src/evidence/verify.js'
import {PartialMemberError, ZipWriter} from '../../src/evidence/writer.js'
import {cleanupTempDirs, tempDir} from '../collect/helpers.js'
import {readAllMembers, writeZip} from './helpers.js'

afterAll(cleanupTempDirs)

describe('ZipWriter', () => {
  it('keeps and hashes the bytes read before a source read error, and the archive stays valid', async () => {
    const path = join(tempDir('writer'), 'w.zip')
    const w = new ZipWriter(path)
    const first = Buffer.from('first part of the file\n')
    const failing = new Readable({
      read() {
        if (!this.readableLength && !(this as {sent?: boolean}).sent) {
          ;(this as {sent?: boolean}).sent = true
          this.push(first)
        } else {
          this.destroy(Object.assign(new Error('EIO: i/o error, read'), {code: 'EIO'}))
        }
      },
    })
    const err = await w.addStream('files/a.bin', failing).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(PartialMemberError)
    const pe = err as PartialMemberError
    expect(pe.written.size).toBe(first.length)
    expect(pe.written.hashes.sha256).toBe(sha256Hex(first))
    expect((pe.cause as {code: string}).code).toBe('EIO')
    await w.addBuffer('files/b.txt', Buffer.from('b'))
    await w.addBuffer('files/c.log.gz', Buffer.from('stored as is'))
    await expect(w.addBuffer('files/b.txt', Buffer.from('again'))).rejects.toMatchObject({code: 'E_INTERNAL'})
    await expect(w.addBuffer('../evil', Buffer.from('x'))).rejects.toMatchObject({code: 'E_INTERNAL'})
    const fin = await w.finalize()
    expect(fin.bytes).toBeGreaterThan(0)
    const members = await readAllMembers(path)
    expect(members.map((m) => [m.name, m.data.toString()])).toEqual([
      ['files/a.bin', first.toString()],
      ['files/b.txt', 'b'],
      ['files/c.log.gz', 'stored as is'],
    ])
    // Compression method 0 (stored) in the central directory entry of the .gz member.
    const raw = await readFile(path)
    const cd = raw.lastIndexOf(Buffer.concat([Buffer.from([0x50, 0x4b, 0x01, 0x02])]), raw.indexOf(Buffer.from('files/c.log.gz'), raw.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]))))
    expect(raw.readUInt16LE(cd + 10)).toBe(0)
  })

  it('verify flags duplicate member names', async () => {
    const path = join(tempDir('dup'), 'd.zip')
    await writeZip(path, [
      {name: 'files/x', data: Buffer.from('1')},
      {name: 'files/x', data: Buffer.from('2')},
    ])
    const r = await verifyArchive(path)
    expect(r.status).toBe('failed')
    expect(r.problems).toContain('files/x: duplicate member name in the archive')
  })
})
