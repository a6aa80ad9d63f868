import {execFileSync} from 'node:child_process'
import {existsSync} from 'node:fs'
import {readFile, readdir, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {extractArchive, unsafeName} from '../../src/evidence/extract.js'
import {cleanupTempDirs, tempDir} from '../collect/helpers.js'

afterAll(cleanupTempDirs)

/**
 * Hostile zips are built with Python's zipfile (it writes any name, a symlink mode and no zip64), and the
 * "lying" bomb by patching the central directory's uncompressed size after the fact.
 */
function pyZip(path: string, script: string): void {
  execFileSync('python3', ['-c', `import zipfile,sys\nz=zipfile.ZipFile(sys.argv[1],'w',zipfile.ZIP_DEFLATED)\n${script}\nz.close()`, path])
}

describe('extractArchive', () => {
  it('judges names', () => {
    expect(unsafeName('files/C/Windows/x.evtx')).toBeNull()
    expect(unsafeName('/etc/passwd')?.reason).toBe('ABSOLUTE_PATH')
    expect(unsafeName('C:/Windows/x')?.reason).toBe('ABSOLUTE_PATH')
    expect(unsafeName('\\\\server\\share')?.reason).toBe('ABSOLUTE_PATH')
    expect(unsafeName('files/../../x')?.reason).toBe('PARENT_COMPONENT')
    expect(unsafeName('files\\..\\x')?.reason).toBe('PARENT_COMPONENT')
  })

  it('rejects traversal, absolute names, links and oversized members with typed reasons, and writes the rest', async () => {
    const dir = tempDir('hostile')
    const zip = join(dir, 'h.zip')
    pyZip(
      zip,
      `z.writestr('files/ok.txt', b'fine')
z.writestr('../escape.txt', b'x')
z.writestr('files/../../up.txt', b'x')
z.writestr('/abs.txt', b'x')
i=zipfile.ZipInfo('files/link'); i.external_attr=(0o120777<<16); z.writestr(i, '/etc/passwd')
z.writestr('files/big.bin', b'\\0'*(2*1024*1024))`,
    )
    const dest = join(dir, 'out')
    const r = await extractArchive(zip, dest, {maxMemberBytes: 1024 * 1024, maxTotalBytes: 64 * 1024 * 1024})
    expect(r.extracted.map((e) => e.member)).toEqual(['files/ok.txt'])
    expect(await readFile(join(dest, 'files/ok.txt'), 'utf8')).toBe('fine')
    const reasons = Object.fromEntries(r.rejected.map((x) => [x.member, x.reason]))
    expect(reasons).toEqual({
      '../escape.txt': 'PARENT_COMPONENT',
      'files/../../up.txt': 'PARENT_COMPONENT',
      '/abs.txt': 'ABSOLUTE_PATH',
      'files/link': 'LINK',
      'files/big.bin': 'MEMBER_TOO_LARGE',
    })
    expect(existsSync(join(dir, 'escape.txt'))).toBe(false)
    expect(existsSync('/abs.txt')).toBe(false)
    expect((await readdir(join(dest, 'files'))).sort()).toEqual(['ok.txt'])
  })

  it('stops a member whose actual size exceeds its declared size (lying zip bomb)', async () => {
    const dir = tempDir('bomb')
    const zip = join(dir, 'b.zip')
    pyZip(zip, `z.writestr('files/bomb.bin', b'A'*(4*1024*1024))`)
    // Patch the central directory: declared uncompressed size 4 MiB → 100 bytes.
    const buf = await readFile(zip)
    const cd = buf.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]))
    expect(cd).toBeGreaterThan(0)
    buf.writeUInt32LE(100, cd + 24)
    await writeFile(zip, buf)
    const r = await extractArchive(zip, join(dir, 'out'), {maxMemberBytes: 1024 * 1024, maxTotalBytes: 8 * 1024 * 1024})
    expect(r.extracted).toEqual([])
    expect(r.rejected).toHaveLength(1)
    expect(r.rejected[0]!.reason).toBe('SIZE_MISMATCH')
    expect(existsSync(join(dir, 'out/files/bomb.bin'))).toBe(false)
  })

  it('throws E_ARCHIVE_UNSAFE_MEMBER when the total would exceed the limit', async () => {
    const dir = tempDir('total')
    const zip = join(dir, 't.zip')
    pyZip(zip, `for i in range(5): z.writestr('files/f%d.bin' % i, b'B'*(300*1024))`)
    await expect(extractArchive(zip, join(dir, 'out'), {maxMemberBytes: 1 << 20, maxTotalBytes: 1 << 20})).rejects.toMatchObject({
      code: 'E_ARCHIVE_UNSAFE_MEMBER',
      details: {reason: 'TOTAL_TOO_LARGE'},
    })
  })
})
