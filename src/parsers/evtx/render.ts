import {XElement, XSpecial, type XNode} from './tree.js'

/**
 * XML rendering in the shape Windows (and evtxexport) print an event: two-space indentation, one element
 * per line, `<X/>` for empty elements, text-only elements on one line.
 */
function escText(s: string): string {
  if (!/[&<>]/.test(s)) return s
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

function escAttr(s: string): string {
  if (!/[&<>"]/.test(s)) return s
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
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

function renderElement(el: XElement, indent: string, out: string[]): void {
  let open = indent + '<' + el.name
  const a = el.attrs
  for (let i = 0; i < a.length; i += 2) open += ' ' + a[i] + '="' + escAttr(a[i + 1]!) + '"'
  const ch = el.children
  if (ch.length === 0) {
    out.push(open + '/>')
    return
  }
  let onlyText = true
  for (const c of ch) if (c instanceof XElement) onlyText = false
  if (onlyText) {
    let s = ''
    for (const c of ch) s += inline(c)
    out.push(open + '>' + s + '</' + el.name + '>')
    return
  }
  out.push(open + '>')
  const inner = indent + '  '
  for (const c of ch) {
    if (c instanceof XElement) renderElement(c, inner, out)
    else out.push(inner + inline(c))
  }
  out.push(indent + '</' + el.name + '>')
}

/** Renders a record's top-level nodes (normally the single Event element). No trailing newline. */
export function renderNodesXml(nodes: XNode[]): string {
  const out: string[] = []
  for (const n of nodes) {
    if (n instanceof XElement) renderElement(n, '', out)
    else out.push(inline(n))
  }
  return out.join('\n')
}
