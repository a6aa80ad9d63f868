import type {Indicator, IocType} from '../types.js'
import {classifyAs, classifyAuto, TYPE_ALIASES} from './classify.js'
import {iocParseError} from './errors.js'
import {refang} from './refang.js'

/**
 * Plain-text IOC lists: one indicator per line, `#` or `//` comments (whole line, or after whitespace),
 * optional `type:` prefix (`domain:text.xml`, `user:backup$`) and an optional description after a tab.
 * A line we cannot classify is an error naming file and line: silently dropping an indicator would make a
 * clean result meaningless.
 */
export function parseTextIocs(text: string, file: string): Indicator[] {
  const out: Indicator[] = []
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/)
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]
    const trimmed = line.trim()
    if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith('//') || trimmed.startsWith(';')) continue
    line = line.replace(/\s+(#|\/\/)\s.*$/, '').replace(/\s+#$/, '')
    let description: string | undefined
    const tab = line.indexOf('\t')
    if (tab >= 0) {
      description = line.slice(tab + 1).trim() || undefined
      line = line.slice(0, tab)
    }
    const raw = line.trim()
    if (/\s/.test(raw) && !/^(anydesk[_-]?(id)?:\s*)?\d[\d ]{8,12}$/i.test(raw)) {
      throw iocParseError(file, i + 1, 'one indicator per line expected (put a description after a tab or a " # ")', raw)
    }
    out.push(parseOne(raw, file, i + 1, description))
  }
  return out
}

/** One value with an optional `type:` prefix; used by the text and CSV readers. */
export function parseOne(raw: string, file: string, line: number, description?: string, explicitType?: string, source?: string): Indicator {
  let value = raw
  let typeName = explicitType?.trim().toLowerCase()
  if (typeName === undefined) {
    const m = /^([a-z][a-z0-9_:-]*?):(?!\/\/)(.+)$/i.exec(raw)
    if (m && TYPE_ALIASES[m[1].toLowerCase()] !== undefined) {
      typeName = m[1].toLowerCase()
      value = m[2]
    }
  }
  const {value: refanged, defanged} = refang(value)
  let result
  if (typeName === undefined || typeName === '') {
    result = classifyAuto(refanged, defanged)
  } else {
    const t = TYPE_ALIASES[typeName]
    if (t === undefined) throw iocParseError(file, line, `unknown indicator type "${typeName}" (known: ${Object.keys(TYPE_ALIASES).join(', ')})`, raw)
    result = classifyAs(t, refanged)
  }
  if (!result.ok) throw iocParseError(file, line, result.reason, raw)
  const ind: Indicator = {type: result.type as IocType, value: result.value, raw, source: source ?? `${file}:${line}`}
  if (description) ind.description = description
  return ind
}
