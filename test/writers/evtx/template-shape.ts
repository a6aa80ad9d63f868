/**
 * Test helper: reads the template definitions used by the first record of a chunk and prints their shape
 * (elements, attributes, substitution index/type/optional, literal text as `"…"`), so our writer's templates
 * can be compared with those in real Windows logs. Independent of both the writer and ratchet's parser.
 */

const name = (c: Buffer, off: number): string => c.subarray(off + 8, off + 8 + c.readUInt16LE(off + 6) * 2).toString('utf16le')
const inlineNameSize = (c: Buffer, off: number): number => 8 + c.readUInt16LE(off + 6) * 2 + 2

export function templateShape(c: Buffer, defOffset: number): string[] {
  const size = c.readUInt32LE(defOffset + 20)
  const out: string[] = []
  let p = defOffset + 24
  const end = p + size
  let depth = 0
  while (p < end) {
    const t = c[p]
    const tok = t & 0x1f
    if (tok === 0x0f) p += 4
    else if (tok === 0x00) break
    else if (tok === 0x01) {
      const no = c.readUInt32LE(p + 7)
      let q = p + 11
      if (no === q) q += inlineNameSize(c, no)
      if (t & 0x40) q += 4
      out.push(`${'  '.repeat(depth)}<${name(c, no)}`)
      depth++
      p = q
    } else if (tok === 0x06) {
      const no = c.readUInt32LE(p + 1)
      let q = p + 5
      if (no === q) q += inlineNameSize(c, no)
      out.push(`${'  '.repeat(depth)}@${name(c, no)}`)
      p = q
    } else if (tok === 0x02) p += 1
    else if (tok === 0x03 || tok === 0x04) {
      depth--
      p += 1
    } else if (tok === 0x05) {
      const n = c.readUInt16LE(p + 2)
      out.push(`${'  '.repeat(depth)}"…"`)
      p += 4 + 2 * n
    } else if (tok === 0x0d || tok === 0x0e) {
      out.push(`${'  '.repeat(depth)}${tok === 0x0d ? 'SUB' : 'OPT'}${c.readUInt16LE(p + 1)}:0x${c[p + 3].toString(16)}`)
      p += 4
    } else throw new Error(`unexpected token 0x${t.toString(16)} at ${p}`)
  }
  return out
}

/** Outer and nested template shapes of the record at `recordOffset` in chunk `c`. */
export function recordTemplateShapes(c: Buffer, recordOffset: number): {outer: string[]; nested: string[] | null} {
  const inst = recordOffset + 24 + 4
  const def = c.readUInt32LE(inst + 6)
  const outer = templateShape(c, def)
  let q = def === inst + 10 ? def + 24 + c.readUInt32LE(def + 20) : inst + 10
  const n = c.readUInt32LE(q)
  q += 4
  const descs = Array.from({length: n}, (_, i) => [c.readUInt16LE(q + 4 * i), c[q + 4 * i + 2]] as const)
  q += 4 * n
  let nested: string[] | null = null
  for (const [size, type] of descs) {
    if (type === 0x21) {
      const pp = c[q] === 0x0f ? q + 4 : q
      nested = templateShape(c, c.readUInt32LE(pp + 6))
    }
    q += size
  }
  return {outer, nested}
}
