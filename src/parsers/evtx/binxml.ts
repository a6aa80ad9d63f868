import {u16, u32} from '../../binary/le.js'
import {XElement, XSpecial, type XNode} from './tree.js'
import {utf16} from './utf16.js'
import {VT, arrayItems, scalarText} from './values.js'

/**
 * BinXML (libfwevt "binary XML") token parser. A record's event data is a token stream: usually a
 * fragment header and one template instance whose definition (an element skeleton with substitution
 * slots) lives somewhere in the same chunk and is shared by many records. Definitions are parsed once
 * per chunk into TNode trees and cached by chunk offset; each record then only decodes its substitution
 * values and instantiates the cached tree.
 *
 * All offsets are chunk-relative; every read is checked against the chunk end (BinXmlError otherwise).
 */

export const TOK = {
  EOF: 0x00,
  OpenStartElement: 0x01,
  CloseStartElement: 0x02,
  CloseEmptyElement: 0x03,
  EndElement: 0x04,
  Value: 0x05,
  Attribute: 0x06,
  CDataSection: 0x07,
  CharRef: 0x08,
  EntityRef: 0x09,
  PITarget: 0x0a,
  PIData: 0x0b,
  TemplateInstance: 0x0c,
  NormalSubstitution: 0x0d,
  OptionalSubstitution: 0x0e,
  FragmentHeader: 0x0f,
  /** Flag on OpenStartElement (has attributes), Value/Attribute/CharRef/EntityRef (more follow). */
  More: 0x40,
} as const

export class BinXmlError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message)
    this.name = 'BinXmlError'
  }
}

/** Nesting limit for elements and BinXML-in-substitution: hostile files must not blow the stack. */
const MAX_DEPTH = 64
/** More substitution values than this in one template instance is damage (real templates use < 100). */
const MAX_VALUES = 2048

// Template node kinds.
export const K_ELEM = 0
export const K_TEXT = 1
export const K_SUB = 2
export const K_CDATA = 3
export const K_PI = 4
export const K_ENTITY = 5
export const K_TI = 6

export interface TAttr {
  name: string
  parts: TNode[]
}
export type TNode =
  | {k: typeof K_ELEM; name: string; attrs: TAttr[]; children: TNode[]}
  | {k: typeof K_TEXT; s: string}
  | {k: typeof K_SUB; idx: number; opt: boolean; type: number}
  | {k: typeof K_CDATA; s: string}
  | {k: typeof K_PI; target: string; data: string}
  | {k: typeof K_ENTITY; name: string}
  | {k: typeof K_TI; tpl: Template; values: Value[]}

export interface Template {
  offset: number
  nodes: TNode[]
  /** The JSON fast path for this template (plan.ts): undefined = not compiled yet, null = not eligible. */
  plan?: unknown
  /** Same for a template used as a BinXML payload value (an EventData element on its own). */
  payloadPlan?: unknown
}

/** A decoded substitution value: text, nothing (null), an array's items, or instantiated nested BinXML. */
export type Value = string | null | ValueArray | ValueXml
export class ValueArray {
  constructor(readonly items: string[]) {}
}
/**
 * A BinXML substitution value (typically a record's EventData/UserData). Kept as parsed tokens and
 * instantiated only when the element tree is wanted: the JSON plan can often read it directly.
 */
export class ValueXml {
  private rendered: XNode[] | null = null
  constructor(readonly tokens: TNode[]) {}

  get nodes(): XNode[] {
    if (!this.rendered) {
      const out: XNode[] = []
      instantiate(this.tokens, null, out)
      this.rendered = out
    }
    return this.rendered
  }
}

const ENTITIES: Record<string, string> = {amp: '&', lt: '<', gt: '>', quot: '"', apos: "'"}

export interface BinXmlWarning {
  message: string
  offset: number
}

/** Per-chunk parse state: the chunk bytes and its name and template caches. */
export class ChunkContext {
  private readonly names = new Map<number, string>()
  private readonly templates = new Map<number, Template>()
  /** Definitions being parsed: a definition that (indirectly) instantiates itself is damage, not recursion. */
  private readonly inProgress = new Set<number>()
  /** Recoverable oddities met while parsing the current record (reset by the caller). */
  warnings: BinXmlWarning[] = []

  constructor(
    /** The chunk's bytes; offsets in the chunk are indices into this array. */
    readonly b: Uint8Array,
  ) {}

  get end(): number {
    return this.b.length
  }

  private need(p: number, n: number, what: string): void {
    if (p < 0 || p + n > this.b.length) throw new BinXmlError(`${what} at chunk offset ${p} runs past the chunk end`, p)
  }

  /** Name string: u32 next-in-hash-chain, u16 hash, u16 character count, UTF-16 characters, NUL. */
  private name(off: number): string {
    const cached = this.names.get(off)
    if (cached !== undefined) return cached
    this.need(off, 8, 'name')
    const count = u16(this.b, off + 6)
    this.need(off + 8, count * 2, 'name characters')
    const s = utf16(this.b, off + 8, count)
    this.names.set(off, s)
    return s
  }

  /** Reads a name reference at p; skips the name when it is stored inline (its offset is p + 4). */
  private nameRef(p: number): {name: string; next: number} {
    this.need(p, 4, 'name offset')
    const off = u32(this.b, p)
    const name = this.name(off)
    let next = p + 4
    if (off === next) next += 10 + name.length * 2
    return {name, next}
  }

  template(off: number, depth: number): Template {
    const cached = this.templates.get(off)
    if (cached) return cached
    // Template definition: u32 next, 16-byte GUID, u32 data size, then the BinXML fragment.
    this.need(off, 24, 'template definition')
    const size = u32(this.b, off + 20)
    const start = off + 24
    // An incomplete definition at the end of a chunk is bounded by the chunk; the fragment's own EOF
    // token normally ends it before that.
    const end = Math.min(start + size, this.b.length)
    if (this.inProgress.has(off)) throw new BinXmlError(`template definition at ${off} refers to itself`, off)
    const nodes: TNode[] = []
    const tpl: Template = {offset: off, nodes}
    this.inProgress.add(off)
    try {
      this.parseContent(start, end, nodes, false, depth + 1, this.b.length)
    } finally {
      this.inProgress.delete(off)
    }
    this.templates.set(off, tpl)
    return tpl
  }

  /**
   * Parses a token stream from p until EOF (or EndElement when inElement) into `out`. `end` bounds the
   * tokens; `valEnd` bounds substitution value data (the record end for record-level streams).
   * Returns the position after the terminating token.
   */
  parseContent(p: number, end: number, out: TNode[], inElement: boolean, depth: number, valEnd: number): number {
    if (depth > MAX_DEPTH) throw new BinXmlError('BinXML nesting too deep', p)
    const b = this.b
    for (;;) {
      if (p >= end) {
        if (!inElement) return p // a fragment that ends without EOF token: tolerated at its bound
        throw new BinXmlError(`element content runs past its end (${end})`, p)
      }
      const tok = b[p]!
      switch (tok & ~TOK.More) {
        case TOK.EOF:
          return p + 1
        case TOK.OpenStartElement:
          p = this.parseElement(p, end, out, depth + 1, valEnd)
          break
        case TOK.EndElement:
          if (inElement) return p + 1
          throw new BinXmlError('end element token outside an element', p)
        case TOK.Value: {
          this.need(p, 4, 'value token')
          const t = b[p + 1]!
          const count = u16(b, p + 2)
          this.need(p + 4, count * 2, 'value text')
          if (t === VT.String) out.push({k: K_TEXT, s: utf16(b, p + 4, count)})
          else throw new BinXmlError(`value token of unsupported type 0x${t.toString(16)}`, p)
          p += 4 + count * 2
          break
        }
        case TOK.CDataSection: {
          this.need(p, 3, 'CDATA')
          const count = u16(b, p + 1)
          this.need(p + 3, count * 2, 'CDATA text')
          out.push({k: K_CDATA, s: utf16(b, p + 3, count)})
          p += 3 + count * 2
          break
        }
        case TOK.CharRef:
          this.need(p, 3, 'character reference')
          out.push({k: K_TEXT, s: String.fromCharCode(u16(b, p + 1))})
          p += 3
          break
        case TOK.EntityRef: {
          const r = this.nameRef(p + 1)
          const known = ENTITIES[r.name]
          out.push(known !== undefined ? {k: K_TEXT, s: known} : {k: K_ENTITY, name: r.name})
          p = r.next
          break
        }
        case TOK.PITarget: {
          const r = this.nameRef(p + 1)
          p = r.next
          let data = ''
          if (p < end && b[p] === TOK.PIData) {
            this.need(p, 3, 'PI data')
            const count = u16(b, p + 1)
            this.need(p + 3, count * 2, 'PI data text')
            data = utf16(b, p + 3, count)
            p += 3 + count * 2
          }
          out.push({k: K_PI, target: r.name, data})
          break
        }
        case TOK.PIData: {
          // PI data without a target: keep the text rather than fail the record.
          this.need(p, 3, 'PI data')
          const count = u16(b, p + 1)
          this.need(p + 3, count * 2, 'PI data text')
          out.push({k: K_PI, target: '', data: utf16(b, p + 3, count)})
          p += 3 + count * 2
          break
        }
        case TOK.TemplateInstance:
          p = this.parseTemplateInstance(p, out, depth + 1, valEnd)
          break
        case TOK.NormalSubstitution:
        case TOK.OptionalSubstitution:
          this.need(p, 4, 'substitution')
          out.push({k: K_SUB, idx: u16(b, p + 1), opt: tok === TOK.OptionalSubstitution, type: b[p + 3]!})
          p += 4
          break
        case TOK.FragmentHeader:
          this.need(p, 4, 'fragment header')
          p += 4
          break
        default:
          throw new BinXmlError(`unexpected BinXML token 0x${tok.toString(16)}`, p)
      }
    }
  }

  private parseElement(p: number, end: number, out: TNode[], depth: number, valEnd: number): number {
    if (depth > MAX_DEPTH) throw new BinXmlError('element nesting too deep', p)
    const b = this.b
    const tok = b[p]!
    this.need(p, 11, 'open start element')
    // u16 dependency identifier, u32 data size, u32 name offset. Some writers (WEC-forwarded events)
    // omit the dependency identifier: detect it by where the name offset points. A name offset is valid
    // when it points just past itself (inline name) or back into the records area (a name defined
    // earlier in the chunk).
    let q = p + 3
    const std = u32(b, p + 7)
    if (std !== p + 11) {
      const alt = u32(b, p + 5)
      if (alt === p + 9 || ((std < 512 || std >= p) && alt >= 512 && alt < p)) q = p + 1
    }
    // The element's data size is not needed: its tokens end it, bounded by `end`.
    const r = this.nameRef(q + 4)
    p = r.next
    if (tok & TOK.More) p += 4 // attribute list size
    const attrs: TAttr[] = []
    for (;;) {
      this.need(p, 1, 'element')
      const t = b[p]!
      if ((t & ~TOK.More) !== TOK.Attribute) break
      const an = this.nameRef(p + 1)
      p = an.next
      const parts: TNode[] = []
      p = this.parseAttrValue(p, end, parts, depth, valEnd)
      attrs.push({name: an.name, parts})
    }
    const children: TNode[] = []
    const t = b[p]
    if (t === TOK.CloseStartElement) {
      p = this.parseContent(p + 1, end, children, true, depth, valEnd)
    } else if (t === TOK.CloseEmptyElement) {
      p += 1
    } else {
      throw new BinXmlError(`element <${r.name}> not closed (token 0x${(t ?? 0).toString(16)})`, p)
    }
    out.push({k: K_ELEM, name: r.name, attrs, children})
    return p
  }

  /** Attribute value: value text, substitutions, character/entity references until the next token kind. */
  private parseAttrValue(p: number, end: number, parts: TNode[], depth: number, valEnd: number): number {
    const b = this.b
    for (;;) {
      this.need(p, 1, 'attribute value')
      const base = b[p]! & ~TOK.More
      if (
        base !== TOK.Value &&
        base !== TOK.NormalSubstitution &&
        base !== TOK.OptionalSubstitution &&
        base !== TOK.CharRef &&
        base !== TOK.EntityRef &&
        base !== TOK.CDataSection
      ) {
        return p
      }
      // Reuse the content parser for exactly one token: it stops at the next token boundary.
      const one: TNode[] = []
      const next = this.oneToken(p, end, one, depth, valEnd)
      for (const n of one) parts.push(n)
      p = next
    }
  }

  /** Parses exactly one content token: the content parser is run with its end bound at the token's size. */
  private oneToken(p: number, end: number, out: TNode[], depth: number, valEnd: number): number {
    const b = this.b
    const base = b[p]! & ~TOK.More
    let size: number
    switch (base) {
      case TOK.Value:
        this.need(p, 4, 'value token')
        size = 4 + u16(b, p + 2) * 2
        break
      case TOK.CDataSection:
        this.need(p, 3, 'CDATA')
        size = 3 + u16(b, p + 1) * 2
        break
      case TOK.CharRef:
        size = 3
        break
      case TOK.EntityRef: {
        this.need(p, 5, 'entity reference')
        const off = u32(b, p + 1)
        size = off === p + 5 ? 5 + 10 + this.name(off).length * 2 : 5
        break
      }
      default:
        size = 4
    }
    this.parseContent(p, Math.min(p + size, end), out, false, depth, valEnd)
    return p + size
  }

  /**
   * Template instance: u8 unknown, u32 template id, u32 definition offset; the definition follows inline
   * when its offset is the current position. Then u32 value count, count × (u16 size, u8 type, u8 pad),
   * and the values back to back.
   */
  private parseTemplateInstance(p: number, out: TNode[], depth: number, valEnd: number): number {
    const b = this.b
    this.need(p, 10, 'template instance')
    const defOff = u32(b, p + 6)
    p += 10
    let tpl: Template
    if (defOff === p) {
      this.need(p, 24, 'template definition')
      const size = u32(b, p + 20)
      tpl = this.template(defOff, depth)
      p = defOff + 24 + size
      if (p > this.b.length) throw new BinXmlError('template definition runs past the chunk end', defOff)
    } else {
      tpl = this.template(defOff, depth)
    }
    // A record whose template definition ends exactly at the record end carries no values.
    if (p + 4 > valEnd) {
      out.push({k: K_TI, tpl, values: []})
      return valEnd
    }
    const count = u32(b, p)
    p += 4
    if (count > MAX_VALUES || p + count * 4 > valEnd) {
      throw new BinXmlError(`template instance declares ${count} values, more than the record holds`, p - 4)
    }
    const values: Value[] = new Array(count)
    let v = p + count * 4
    for (let i = 0; i < count; i++) {
      const size = u16(b, p + i * 4)
      const type = b[p + i * 4 + 2]!
      if (v + size > valEnd) throw new BinXmlError(`substitution value ${i} runs past the record end`, v)
      values[i] = this.decodeValue(type, v, size, depth)
      v += size
    }
    out.push({k: K_TI, tpl, values})
    return v
  }

  private decodeValue(type: number, p: number, size: number, depth: number): Value {
    if (type === VT.Null || size === 0) return null
    if (type === VT.BinXml) {
      const nodes: TNode[] = []
      this.parseContent(p, p + size, nodes, false, depth + 1, p + size)
      return new ValueXml(nodes)
    }
    if (type & VT.ArrayFlag) {
      const items = arrayItems(this.b, type & 0x7f, p, size)
      if (items) return new ValueArray(items)
      this.warnings.push({message: `array value of type 0x${type.toString(16)} with size ${size} rendered as hex`, offset: p})
      return scalarText(this.b, VT.Binary, p, size)!
    }
    const s = scalarText(this.b, type, p, size)
    if (s !== undefined) return s
    this.warnings.push({message: `value of type 0x${type.toString(16)} with size ${size} rendered as hex`, offset: p})
    return scalarText(this.b, VT.Binary, p, size)!
  }

  /**
   * Parses a record's event data into template nodes with decoded values, without instantiating the
   * top level (the JSON fast path may not need the element tree). Resets the node budget.
   */
  parseRecordTokens(p: number, end: number): TNode[] {
    budget.left = NODE_BUDGET
    const nodes: TNode[] = []
    this.parseContent(p, end, nodes, false, 0, end)
    return nodes
  }
}

function valueText(v: Value | undefined): string {
  if (v === null || v === undefined) return ''
  if (typeof v === 'string') return v
  if (v instanceof ValueArray) return v.items.join(',')
  let s = ''
  for (const n of v.nodes) if (typeof n === 'string') s += n
  return s
}

/**
 * Upper bound on rendered nodes per record. Templates may instantiate other templates, so a hostile chunk
 * could make a small record expand exponentially; real records render a few hundred nodes.
 */
const NODE_BUDGET = 200_000
/** Shared empty attribute/child list: most elements have one or the other empty. Never mutated. */
const NONE: never[] = []
const budget = {left: NODE_BUDGET}

/** Fills template nodes with substitution values, appending the rendered nodes to `out`. */
export function instantiate(nodes: TNode[], values: Value[] | null, out: XNode[]): void {
  budget.left -= nodes.length
  if (budget.left < 0) throw new BinXmlError('record expands to more than 200000 XML nodes', 0)
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i]!
    switch (n.k) {
      case K_ELEM: {
        const attrs: string[] = n.attrs.length ? [] : NONE
        for (const a of n.attrs) {
          const parts = a.parts
          if (parts.length === 1) {
            const only = parts[0]!
            if (only.k === K_SUB) {
              const v = values ? values[only.idx] : undefined
              // Windows omits an attribute whose optional substitution is empty.
              if ((v === null || v === undefined || v === '') && only.opt) continue
              attrs.push(a.name, valueText(v))
              continue
            }
            if (only.k === K_TEXT) {
              attrs.push(a.name, only.s)
              continue
            }
          }
          let s = ''
          for (const part of parts) {
            if (part.k === K_TEXT) s += part.s
            else if (part.k === K_SUB) s += valueText(values ? values[part.idx] : undefined)
            else if (part.k === K_ENTITY) s += `&${part.name};`
            else if (part.k === K_CDATA) s += part.s
          }
          attrs.push(a.name, s)
        }
        const kids = n.children
        if (kids.length === 1 && kids[0]!.k === K_SUB) {
          const sub = kids[0]!
          const v = values ? values[sub.idx] : undefined
          // Windows omits an element whose only content is an empty optional substitution…
          if (sub.opt && (v === null || v === undefined || v === '')) break
          // …and repeats the element once per item of an array substitution.
          if (v instanceof ValueArray) {
            for (const item of v.items) out.push(new XElement(n.name, attrs, item === '' ? NONE : [item]))
            break
          }
          // The common case (<EventID>%1</EventID>): one text child, no recursion.
          if (typeof v === 'string') {
            out.push(new XElement(n.name, attrs, v === '' ? NONE : [v]))
            break
          }
        }
        let children: XNode[] = NONE
        if (kids.length) {
          children = []
          instantiate(kids, values, children)
          if (children.length === 0) children = NONE
        }
        out.push(new XElement(n.name, attrs, children))
        break
      }
      case K_TEXT:
        out.push(n.s)
        break
      case K_SUB: {
        const v = values ? values[n.idx] : undefined
        if (v === null || v === undefined || v === '') break
        if (typeof v === 'string') out.push(v)
        else if (v instanceof ValueArray) out.push(new XSpecial('array', '', '', v.items))
        else for (const x of v.nodes) out.push(x)
        break
      }
      case K_TI:
        instantiate(n.tpl.nodes, n.values, out)
        break
      case K_CDATA:
        out.push(new XSpecial('cdata', n.s))
        break
      case K_PI:
        out.push(new XSpecial('pi', n.data, n.target))
        break
      case K_ENTITY:
        out.push(new XSpecial('entity', n.name))
        break
    }
  }
}
