import {createWriteStream} from 'node:fs'
import {ZipArchive} from 'archiver'
import {visitMembers} from '../../src/evidence/archive-reader.js'

/** Every member of a zip as bytes, in archive order. */
export async function readAllMembers(zipPath: string): Promise<{name: string; data: Buffer}[]> {
  const out: {name: string; data: Buffer}[] = []
  await visitMembers(zipPath, {}, {
    want: () => true,
    read: async (m, data) => {
      const parts: Buffer[] = []
      for await (const c of data) parts.push(c as Buffer)
      out.push({name: m.name, data: Buffer.concat(parts)})
    },
  })
  return out
}

/** Writes a zip of `members` (names as given, even hostile ones). */
export async function writeZip(path: string, members: {name: string; data: Buffer; symlink?: string}[]): Promise<void> {
  const a = new ZipArchive({zlib: {level: 1}})
  const file = createWriteStream(path)
  const closed = new Promise<void>((r) => file.on('close', () => r()))
  a.pipe(file)
  for (const m of members) {
    if (m.symlink) a.symlink(m.name, m.symlink)
    else a.append(m.data, {name: m.name})
  }
  await a.finalize()
  await closed
}

/** Copies a zip with the byte at `offset` of member `name` changed (xor 0x01). */
export async function tamperMember(src: string, dest: string, name: string, offset = 0): Promise<void> {
  const members = await readAllMembers(src)
  for (const m of members) {
    if (m.name !== name) continue
    m.data = Buffer.from(m.data)
    m.data[Math.min(offset, m.data.length - 1)]! ^= 0x01
  }
  await writeZip(dest, members)
}
