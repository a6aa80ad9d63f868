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
 * Appends the element's text to `acc`. Built with `+` per record: V8 makes cheap rope nodes that are
 * flattened once when the chunk's text is joined (measured faster than collecting pieces and joining).
 */
function renderElement(el: XElement, depth: number, acc: string, first: boolean): string {
  const indent = indentOf(depth)
  let s = (first ? indent : '\n' + indent) + '<' + el.name
  const a = el.attrs
  for (let i = 0; i < a.length; i += 2) s += ' ' + a[i]! + '="' + escAttr(a[i + 1]!) + '"'
  const ch = el.children
  if (ch.length === 0) return acc + s + '/>'
  let onlyText = true
  for (let i = 0; i < ch.length; i++) if (ch[i] instanceof XElement) onlyText = false
  if (onlyText) {
    s += '>'
    for (let i = 0; i < ch.length; i++) s += inline(ch[i]!)
    return acc + s + '</' + el.name + '>'
  }
  acc += s + '>'
  const inner = indentOf(depth + 1)
  for (let i = 0; i < ch.length; i++) {
    const c = ch[i]!
    if (c instanceof XElement) acc = renderElement(c, depth + 1, acc, false)
    else acc += '\n' + inner + inline(c)
  }
  return acc + '\n' + indent + '</' + el.name + '>'
}

/** Renders a record's top-level nodes (normally the single Event element). No trailing newline. */
export function renderNodesXml(nodes: XNode[]): string {
  let acc = ''
  let first = true
  for (const n of nodes) {
    if (n instanceof XElement) acc = renderElement(n, 0, acc, first)
    else acc += (first ? '' : '\n') + inline(n)
    first = false
  }
  return acc
}
