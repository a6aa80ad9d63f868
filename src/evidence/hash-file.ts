import {createReadStream} from 'node:fs'
import {type Hashes, MultiHasher} from '../core/hashing.js'

/** Hashes a whole file by streaming it (bounded memory). */
export async function hashFile(path: string): Promise<Hashes & {bytes: number}> {
  const h = new MultiHasher()
  for await (const chunk of createReadStream(path, {highWaterMark: 1 << 20}) as AsyncIterable<Buffer>) h.update(chunk)
  return {...h.digest(), bytes: h.bytes}
}
