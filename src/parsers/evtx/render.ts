import {XElement, XSpecial, type XNode} from './tree.js'

/**
 * XML rendering in the shape Windows (and evtxexport) print an event: two-space indentation, one element
 * per line, `<X/>` for empty elements, text-only elements on one line.
 */
// Escaping: most values need none, and a charCode scan is cheaper than a regex test per string.
function escText(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c === 38 || c === 60 || c === 62) return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
  }
  return s
}

function escAttr(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c === 38 || c === 60 || c === 62 || c === 34) {
      return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
    }
  }
  return s
}

function inline(n: XNode): string {
  if (typeof n === 'string') return escText(n)
  if (n instanceof XSpecial) {
    switch (n.kind) {
      case 'cdata':
        return `<![CDATA[${n.text}]]>`
      case 'pi':
        return `<?${n.target}${n.text ? ' ' + n.text : ''}?>`
      case 'entity':
        return `&${n.text};`
      case 'array':
        return escText(n.items.join(','))
    }
  }
  return ''
}

const INDENT: string[] = ['']
function indentOf(depth: number): string {
  while (INDENT.length <= depth) INDENT.push(INDENT[INDENT.length - 1] + '  ')
  return INDENT[depth]!
}

/**
 * Pushes the element's text pieces onto `out` (joined once per record: a flat string, not thousands of
 * rope nodes for the garbage collector to trace). `first` is true for the very first line.
 */
function renderElement(el: XElement, depth: number, out: string[], first: boolean): void {
  const indent = indentOf(depth)
  if (!first) out.push('\n')
  out.push(indent, '<', el.name)
  const a = el.attrs
  for (let i = 0; i < a.length; i += 2) out.push(' ', a[i]!, '="', escAttr(a[i + 1]!), '"')
  const ch = el.children
  if (ch.length === 0) {
    out.push('/>')
    return
  }
  let onlyText = true
  for (let i = 0; i < ch.length; i++) if (ch[i] instanceof XElement) onlyText = false
  if (onlyText) {
    out.push('>')
    for (let i = 0; i < ch.length; i++) out.push(inline(ch[i]!))
    out.push('</', el.name, '>')
    return
  }
  out.push('>')
  const inner = indentOf(depth + 1)
  for (let i = 0; i < ch.length; i++) {
    const c = ch[i]!
    if (c instanceof XElement) renderElement(c, depth + 1, out, false)
    else out.push('\n', inner, inline(c))
  }
  out.push('\n', indent, '</', el.name, '>')
}

/** Renders a record's top-level nodes (normally the single Event element) onto `out`. No trailing newline. */
export function renderNodesXmlInto(nodes: XNode[], out: string[]): void {
  let first = true
  for (const n of nodes) {
    if (n instanceof XElement) renderElement(n, 0, out, first)
    else out.push(first ? '' : '\n', inline(n))
    first = false
  }
}

/** Renders a record's top-level nodes (normally the single Event element). No trailing newline. */
export function renderNodesXml(nodes: XNode[]): string {
  const out: string[] = []
  renderNodesXmlInto(nodes, out)
  return out.join('')
}
