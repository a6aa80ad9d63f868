import {stringify} from 'csv-stringify/sync'
import {describe, expect, it} from 'vitest'
import {csvLine, type CsvCell} from '../../src/timeline/csv.js'

/**
 * The timeline formats its CSV rows itself; the bytes must stay those csv-stringify wrote before
 * (escape_formulas, unix record delimiter), RFC 4180 quoting included. csv-stringify is the oracle.
 */
const oracle = (rows: CsvCell[][]): string => stringify(rows, {escape_formulas: true, record_delimiter: 'unix', eof: true})
const mine = (rows: CsvCell[][]): string => rows.map((r) => csvLine(r)).join('')

describe('csvLine', () => {
  it('quotes, doubles quotes and neutralises formulas like csv-stringify', () => {
    const rows: CsvCell[][] = [
      ['plain', 'a,b', 'say "hi"', 'line\nbreak', 'cr\rx', '', undefined, 0, -5, 3.25, 1e21],
      ['=SUM(A1)', '+1', '-1', '@cmd', '\tTab', '\rCR', '\uFF1Dx', '\uFF0Bx', '\uFF0Dx', '\uFF20x', '=a,"b"'],
      ["'already", '"', ',', '""', 'x\r\n', 'ünïcødé 😀', '\u2028', ' lead', 'trail '],
      [undefined, undefined, ''],
    ]
    expect(mine(rows)).toBe(oracle(rows))
  })

  it('matches csv-stringify on 5 000 random rows of hostile characters', () => {
    const alphabet = ['a', 'Z', '0', ',', '"', '\n', '\r', '\t', '=', '+', '-', '@', ' ', "'", '\uFF1D', '\uFF0D', 'é', '😀', '\u0000', ';']
    let seed = 20231102
    const rnd = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
      return seed % n
    }
    const rows: CsvCell[][] = []
    for (let r = 0; r < 5000; r++) {
      const row: CsvCell[] = []
      for (let c = 0; c < 6; c++) {
        const kind = rnd(10)
        if (kind === 0) row.push(undefined)
        else if (kind === 1) row.push(rnd(2) ? -rnd(1000) : rnd(1e6) / 7)
        else row.push(Array.from({length: rnd(8)}, () => alphabet[rnd(alphabet.length)]).join(''))
      }
      rows.push(row)
    }
    expect(mine(rows)).toBe(oracle(rows))
  })
})
