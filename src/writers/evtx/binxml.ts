import {createHash} from 'node:crypto'
import {ByteSink} from './bytes.js'
import {ValueType, encodeValue, valueTypeByte, type EvtxValue} from './values.js'
import {TOK} from '../../parsers/evtx/binxml.js'

/**
 * BinXML encoding as Windows writes event records: every record is a fragment holding one template
 * instance; the template definition (an element tree whose variable parts are substitutions) is written
 * inline the first time it is used in a chunk and referenced by chunk offset afterwards. Element and
 * attribute names go into the chunk's common-string table the same way: inline once, by offset after.
 * Token and field layouts follow the libevtx format notes (§Binary XML).
 */

// Token values are the format's, shared with the parser so the two can never disagree.
const Token = TOK

export type TemplateText =
  | {kind: 'text'; text: string}
  | {kind: 'sub'; index: number; valueType: number; optional: boolean}

export interface TemplateElement {
  kind: 'element'
  name: string
  attrs: Array<{name: string; value: TemplateText}>
  children: Array<TemplateElement | TemplateText>
}

/** A template tree plus the values of one instance (index i fills substitution i). */
export interface TemplateInstance {
  root: TemplateElement
  values: TemplateValue[]
  /**
   * Identity of the template's shape, when the builder can name it more cheaply than by serialising the
   * tree. Two instances with the same key must have identical trees.
   */
  key?: string
}

/** A substitution value: a typed scalar, or a nested BinXML fragment holding another template instance. */
export type TemplateValue = EvtxValue | {type: 'binxml'; instance: TemplateInstance}

/** Per-chunk tables: names and template definitions already written, and the 64/32 hash bucket heads. */
export interface ChunkTables {
  strings: Map<string, number>
  stringBuckets: number[]
  templates: Map<string, number>
  templateBuckets: number[]
}

export function newChunkTables(): ChunkTables {
  return {strings: new Map(), stringBuckets: new Array(64).fill(0), templates: new Map(), templateBuckets: new Array(32).fill(0)}
}

export function cloneChunkTables(t: ChunkTables): ChunkTables {
  return {
    strings: new Map(t.strings),
    stringBuckets: [...t.stringBuckets],
    templates: new Map(t.templates),
    templateBuckets: [...t.templateBuckets],
  }
}

/** MS-EVEN6 name hash: hash = hash * 65599 + code unit (32-bit), stored as its low 16 bits. */
export function nameHash(name: string): number {
  let h = 0
  for (let i = 0; i < name.length; i++) h = (Math.imul(h, 65599) + name.charCodeAt(i)) >>> 0
  return h & 0xffff
}

function writeName(out: ByteSink, tables: ChunkTables, name: string): void {
  const known = tables.strings.get(name)
  if (known !== undefined) {
    out.u32(known)
    return
  }
  // Inline: the offset points just past itself, where the string node follows.
  const at = out.chunkOffset() + 4
  out.u32(at)
  const hash = nameHash(name)
  const bucket = hash % 64
  out.u32(tables.stringBuckets[bucket]) // next string in the same bucket (chain)
  out.u16(hash)
  out.u16(name.length)
  out.utf16(name)
  out.u16(0)
  tables.strings.set(name, at)
  tables.stringBuckets[bucket] = at
}

function writeText(out: ByteSink, t: TemplateText): void {
  if (t.kind === 'text') {
    out.u8(Token.Value)
    out.u8(0x01) // string value type
    out.u16(t.text.length)
    out.utf16(t.text)
  } else {
    out.u8(t.optional ? Token.OptionalSubstitution : Token.NormalSubstitution)
    out.u16(t.index)
    out.u8(t.valueType)
  }
}

function writeElement(out: ByteSink, tables: ChunkTables, el: TemplateElement): void {
  out.u8(el.attrs.length > 0 ? Token.OpenStartElement | Token.More : Token.OpenStartElement)
  out.u16(0xffff) // dependency identifier: not set
  const sizeAt = out.u32(0)
  const start = out.length
  writeName(out, tables, el.name)
  if (el.attrs.length > 0) {
    const listAt = out.u32(0)
    const listStart = out.length
    el.attrs.forEach((a, i) => {
      out.u8(i < el.attrs.length - 1 ? Token.Attribute | Token.More : Token.Attribute)
      writeName(out, tables, a.name)
      writeText(out, a.value)
    })
    out.patchU32(listAt, out.length - listStart)
  }
  if (el.children.length === 0) {
    out.u8(Token.CloseEmptyElement)
  } else {
    out.u8(Token.CloseStartElement)
    for (const c of el.children) {
      if (c.kind === 'element') writeElement(out, tables, c)
      else writeText(out, c)
    }
    out.u8(Token.EndElement)
  }
  out.patchU32(sizeAt, out.length - start)
}

function writeFragmentHeader(out: ByteSink): void {
  out.u8(Token.FragmentHeader)
  out.u8(1) // major
  out.u8(1) // minor
  out.u8(0) // flags
}

const guidCache = new Map<string, Buffer>()

/** Deterministic template GUID derived from the template's shape (same shape → same GUID). */
function templateGuid(key: string): Buffer {
  let g = guidCache.get(key)
  if (!g) {
    g = createHash('md5').update(key).digest()
    if (guidCache.size >= 4096) guidCache.clear() // bounded: a long-running writer of many shapes stays small
    guidCache.set(key, g)
  }
  return g
}

function countSubstitutions(el: TemplateElement): number {
  let max = -1
  const visit = (e: TemplateElement): void => {
    for (const a of e.attrs) if (a.value.kind === 'sub') max = Math.max(max, a.value.index)
    for (const c of e.children) {
      if (c.kind === 'element') visit(c)
      else if (c.kind === 'sub') max = Math.max(max, c.index)
    }
  }
  visit(el)
  return max + 1
}

/** Writes a template instance: token, template reference (or inline definition), value descriptors, values. */
function writeTemplateInstance(out: ByteSink, tables: ChunkTables, inst: TemplateInstance): void {
  const key = inst.key ?? JSON.stringify(inst.root)
  const guid = templateGuid(key)
  const count = inst.values.length
  if (inst.key === undefined && countSubstitutions(inst.root) !== count) {
    throw new RangeError(`template has ${countSubstitutions(inst.root)} substitutions but ${count} values were given`)
  }
  out.u8(Token.TemplateInstance)
  out.u8(0x01)
  out.bytes(guid.subarray(0, 4)) // template identifier = first 32 bits of the template GUID
  const known = tables.templates.get(key)
  if (known !== undefined) {
    out.u32(known)
  } else {
    const at = out.chunkOffset() + 4
    out.u32(at)
    const bucket = guid.readUInt32LE(0) % 32
    out.u32(tables.templateBuckets[bucket]) // next template definition in the same bucket
    out.bytes(guid)
    const sizeAt = out.u32(0)
    const start = out.length
    writeFragmentHeader(out)
    writeElement(out, tables, inst.root)
    out.u8(Token.EOF)
    out.patchU32(sizeAt, out.length - start)
    tables.templates.set(key, at)
    tables.templateBuckets[bucket] = at
  }
  out.u32(count)
  // Values are encoded before their descriptors are written because a nested BinXML value needs to know the
  // chunk offset it will land at (its names and template definition are referenced by chunk offset).
  let at = out.chunkOffset() + 4 * count
  const encoded: Buffer[] = []
  const types: number[] = []
  for (const val of inst.values) {
    let bytes: Buffer
    if (val.type === 'binxml') {
      const nested = new ByteSink(at, 512)
      writeFragment(nested, tables, val.instance)
      bytes = nested.toBuffer()
      types.push(ValueType.BinXml)
    } else {
      bytes = encodeValue(val)
      types.push(valueTypeByte(val))
    }
    if (bytes.length > 0xffff) throw new RangeError(`substitution ${encoded.length} is longer than 65535 bytes`)
    encoded.push(bytes)
    at += bytes.length
  }
  encoded.forEach((bytes, i) => {
    out.u16(bytes.length)
    out.u8(types[i])
    out.u8(0)
  })
  for (const e of encoded) out.bytes(e)
}

/** A BinXML document: fragment header, template instance, end-of-file token (MS-EVEN6 BinXMLDocument). */
function writeFragment(out: ByteSink, tables: ChunkTables, inst: TemplateInstance): void {
  writeFragmentHeader(out)
  writeTemplateInstance(out, tables, inst)
  out.u8(Token.EOF)
}

/**
 * Writes a record's event data into `out`, whose base is the chunk offset where it starts. Windows writes
 * the System part as one template and the EventData/UserData part as a second template instance carried in
 * a BinXML-typed substitution value of the first; this does the same. Updates `tables` with every name and
 * template definition written inline.
 */
export function writeEventBinXml(out: ByteSink, tables: ChunkTables, inst: TemplateInstance): void {
  writeFragment(out, tables, inst)
}
