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
// (flatCell writes them as the two characters `\r`/`\n`), and the bytes stay the oracle's.
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

/** One CSV record (cells joined by `,`, LF-terminated). */
export function csvLine(cells: readonly CsvCell[]): string {
  let out = cell(cells[0])
  for (let i = 1; i < cells.length; i++) out += ',' + cell(cells[i])
  return out + '\n'
}
