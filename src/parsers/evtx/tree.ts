/**
 * The rendered element tree of one record: what a template instance becomes once its substitution values
 * are filled in. Both the EvtxRecord fields and the XML rendering are derived from it.
 */
export class XElement {
  constructor(
    readonly name: string,
    /** Flat [name, value, name, value, …]: cheaper than an object per attribute. */
    readonly attrs: string[],
    readonly children: XNode[],
  ) {}
}

/** CDATA section, processing instruction, unresolved entity reference, or an array substitution value. */
export class XSpecial {
  constructor(
    readonly kind: 'cdata' | 'pi' | 'entity' | 'array',
    readonly text: string,
    readonly target = '',
    readonly items: string[] = [],
  ) {}
}

export type XNode = XElement | XSpecial | string

export function attr(el: XElement, name: string): string | undefined {
  const a = el.attrs
  for (let i = 0; i < a.length; i += 2) if (a[i] === name) return a[i + 1]
  return undefined
}

export function child(el: XElement, name: string): XElement | undefined {
  for (const c of el.children) if (c instanceof XElement && c.name === name) return c
  return undefined
}

/** Concatenated text content of the element's direct text children (what the XML shows between tags). */
export function text(el: XElement): string {
  const ch = el.children
  if (ch.length === 1 && typeof ch[0] === 'string') return ch[0]
  let s = ''
  for (const c of ch) {
    if (typeof c === 'string') s += c
    else if (c instanceof XSpecial) s += c.kind === 'array' ? c.items.join(',') : c.kind === 'pi' ? '' : c.text
  }
  return s
}
