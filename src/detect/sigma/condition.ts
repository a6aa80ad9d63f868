import {CompileError} from './values.js'

/**
 * Sigma condition expressions (rules specification, "Condition"): `and`, `or`, `not`, parentheses,
 * `1 of <pattern>`, `all of <pattern>`, `1 of them`, `all of them`. Precedence, least to most binding:
 * or, and, not, x of, parentheses. The deprecated aggregation syntax (`| count() > 5`, `near`) is rejected
 * with a reason: correlation rules replace it.
 */

export type CondNode =
  | {op: 'ref'; name: string}
  | {op: 'and' | 'or'; args: CondNode[]}
  | {op: 'not'; arg: CondNode}
  | {op: 'of'; quantifier: 'one' | 'all'; names: string[]}

const TOKEN = /\s*(\(|\)|[^\s()]+)/y

function tokenize(s: string): string[] {
  const out: string[] = []
  TOKEN.lastIndex = 0
  let m: RegExpExecArray | null
  while (TOKEN.lastIndex < s.length && (m = TOKEN.exec(s))) out.push(m[1]!)
  if (s.slice(TOKEN.lastIndex).trim()) throw new CompileError(`condition: cannot read '${s.slice(TOKEN.lastIndex)}'`)
  return out
}

function patternToRe(p: string): RegExp {
  return new RegExp('^' + p.split('*').map((x) => x.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*') + '$')
}

/** Parses `condition` against the rule's search identifiers (used to resolve `x of` patterns). */
export function parseCondition(src: string, searchNames: string[]): CondNode {
  if (src.includes('|')) throw new CompileError("condition uses the deprecated aggregation syntax ('|'); use a correlation rule")
  const toks = tokenize(src)
  let i = 0
  const peek = (): string | undefined => toks[i]
  const lower = (t: string | undefined): string | undefined => t?.toLowerCase()

  const orExpr = (): CondNode => {
    const args = [andExpr()]
    while (lower(peek()) === 'or') {
      i++
      args.push(andExpr())
    }
    return args.length === 1 ? args[0]! : {op: 'or', args}
  }
  const andExpr = (): CondNode => {
    const args = [notExpr()]
    while (lower(peek()) === 'and') {
      i++
      args.push(notExpr())
    }
    return args.length === 1 ? args[0]! : {op: 'and', args}
  }
  const notExpr = (): CondNode => {
    if (lower(peek()) === 'not') {
      i++
      return {op: 'not', arg: notExpr()}
    }
    return primary()
  }
  const primary = (): CondNode => {
    const t = peek()
    if (t === undefined) throw new CompileError(`condition '${src}' ends too early`)
    if (t === '(') {
      i++
      const e = orExpr()
      if (peek() !== ')') throw new CompileError(`condition '${src}': missing ')'`)
      i++
      return e
    }
    if (t === ')') throw new CompileError(`condition '${src}': unexpected ')'`)
    const lt = t.toLowerCase()
    if ((lt === '1' || lt === 'all' || lt === 'any') && lower(toks[i + 1]) === 'of') {
      const target = toks[i + 2]
      if (target === undefined) throw new CompileError(`condition '${src}': '${t} of' needs a pattern`)
      i += 3
      const names = target.toLowerCase() === 'them' ? searchNames.filter((n) => !n.startsWith('_')) : searchNames.filter((n) => patternToRe(target).test(n))
      if (names.length === 0) throw new CompileError(`condition '${src}': '${target}' matches no search identifier`)
      return {op: 'of', quantifier: lt === 'all' ? 'all' : 'one', names}
    }
    if (/^\d+$/.test(lt) && lower(toks[i + 1]) === 'of') throw new CompileError(`condition '${src}': only '1 of' and 'all of' are defined`)
    if (['and', 'or', 'not', 'near'].includes(lt)) throw new CompileError(`condition '${src}': unexpected '${t}'`)
    if (!searchNames.includes(t)) throw new CompileError(`condition '${src}': unknown search identifier '${t}'`)
    i++
    return {op: 'ref', name: t}
  }
  const node = orExpr()
  if (i !== toks.length) throw new CompileError(`condition '${src}': unexpected '${toks[i]}'`)
  return node
}
