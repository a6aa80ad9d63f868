/**
 * RFC 4180 CSV rows written directly (the timeline's hot path: a million rows through csv-stringify took
 * most of the timeline stage). Same bytes as csv-stringify 6 with `escape_formulas: true,
 * record_delimiter: 'unix'` for the cells the timeline produces (strings, numbers, undefined) — tested
 * against it on hostile strings:
 *
 * - formula-safe: a string cell starting with `=`, `+`, `-`, `@`, TAB, CR or their full-width forms
 *   (U+FF1D, U+FF0B, U+FF0D, U+FF20) gets a leading `'`, so a spreadsheet shows it as text; numbers,
 *   negative ones included, are written as numbers;
 * - a cell holding `,`, `"` or LF is quoted and its `"` doubled; undefined is an empty cell;
 * - every row ends with LF.
 */
export type CsvCell = string | number | undefined

// csv-stringify (record_delimiter 'unix') quotes on LF but not on a lone CR; the timeline never has either
// (oneLine writes them as the two characters `\r`/`\n`), and the bytes stay the oracle's.
const NEEDS_QUOTES = /[",\n]/

function formulaPrefix(first: string): boolean {
  switch (first) {
    case '=':
    case '+':
    case '-':
    case '@':
    case '\t':
    case '\r':
    case '\uFF1D':
    case '\uFF0B':
    case '\uFF0D':
    case '\uFF20':
      return true
    default:
      return false
  }
}

function cell(v: CsvCell): string {
  if (v === undefined) return ''
  if (typeof v === 'number') return String(v)
  if (v === '') return ''
  const text = formulaPrefix(v[0]!) ? `'${v}` : v
  if (!NEEDS_QUOTES.test(text)) return text
  return `"${text.includes('"') ? text.replaceAll('"', '""') : text}"`
}

/** Control characters (and the Unicode line separators) a one-line cell cannot hold as they are. */
const UNSAFE_IN_LINE = /\r\n|[\u0000-\u0008\u000a-\u001f\u007f\u0085\u2028\u2029]/g

const lineSafe = (c: string): string => (c === '\r\n' ? '\\r\\n' : c === '\n' ? '\\n' : c === '\r' ? '\\r' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)

/**
 * A value as text that never spans lines: CR/LF become the two characters `\r`/`\n`, other control
 * characters (and the Unicode line separators) `\uXXXX`, so a row is always one physical line —
 * Timesketch's CSV importer and `grep` both rely on that. Tab stays (it is ordinary cell text).
 */
export const oneLine = (s: string): string => s.replace(UNSAFE_IN_LINE, lineSafe)

/**
 * Whether an events.jsonl line may decode to text oneLine would change. A decoded JSON string can hold a
 * control character only through an escape (`\b \f \n \r \uXXXX`; JSON forbids them raw), and DEL, NEL
 * and the line separators either raw or through `\u`: a line with none of these holds no value oneLine
 * changes, so its cells skip it.
 */
export const mayNeedOneLine = (jsonLine: string): boolean => MAY_NEED_ONE_LINE.test(jsonLine)
// an escape is a backslash after an even run of backslashes (`\\\\n` is a backslash, then `n`)
const MAY_NEED_ONE_LINE = /(?:^|[^\\])(?:\\\\)*\\[bfnru]|[\u007f\u0085\u2028\u2029]/

/**
 * The cell of any JSON value: null/undefined empty, a finite number as a number, anything else (an object as
 * compact JSON) as one-line text (oneLine) through `cell`: formula-safe and RFC 4180-quoted. `lineSafe`: the
 * value is known to need no oneLine (see mayNeedOneLine).
 */
export function valueCell(v: unknown, lineSafe = false): string {
  if (v === undefined || v === null) return ''
  if (typeof v === 'number' && Number.isFinite(v)) return String(v)
  const text = typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v)
  return cell(lineSafe ? text : oneLine(text))
}

/** One CSV record (cells joined by `,`, LF-terminated). */
export function csvLine(cells: readonly CsvCell[]): string {
  let out = cell(cells[0])
  for (let i = 1; i < cells.length; i++) out += ',' + cell(cells[i])
  return out + '\n'
}
