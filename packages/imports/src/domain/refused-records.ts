import type { MalformedRecord } from './csv-quotes.js'
import type { TsvEscapeProblem, TsvMalformedRecord } from './tsv-escapes.js'

/** A record of the file to refuse alone (its bytes, up to its line end, become one refused row). */
export interface RecordToSetAside {
  start: number
  end: number
  /** Where the fault is (byte offset): the bytes from there (up to 24) are given to `reason`. */
  at: number
  reason(after: string): string
}

/** CSV records with text after a closing quote (createCsvQuoteScan). */
export function csvRecordsToSetAside(
  records: readonly MalformedRecord[],
  delimiterName: string,
): RecordToSetAside[] {
  return records.map((r) => ({
    start: r.start,
    end: r.end,
    at: r.at,
    reason(bytes) {
      const after = bytes.replace(/[\r\n].*$/s, '').replace(/\uFFFD+$/, '')
      return `line ${r.line}: a closing quote is followed by ${JSON.stringify(after)} instead of ${delimiterName} or the line's end; a value holding a quote is written whole in quotes, the quote doubled ("ab""c" for ab"c)`
    },
  }))
}

const TSV_WHY: Record<TsvEscapeProblem, (escape: string) => string> = {
  hex: (e) =>
    `${e} would be read as one byte in hexadecimal (TSV's \\xHH, taking the next two characters whatever they are), not as written`,
  'null-inside': (e) =>
    `${e} inside a value would be dropped (TSV's \\N is "no value", only as a whole field)`,
  control: (e) =>
    `${e} would be read as a control character (${e === '\\a' ? 'bell' : 'escape'}), not as written`,
  'before-tab': () =>
    'a backslash before a tab would take the tab into the value and shift the columns after it',
  'line-end': () =>
    "a backslash at the end of the line would join the next line to this value (at the file's end, stop the reader)",
}

/** TSV records with an escape the engine would read otherwise than written (createTsvEscapeScan). */
export function tsvRecordsToSetAside(
  records: readonly TsvMalformedRecord[],
  names: readonly string[],
): RecordToSetAside[] {
  return records.map((r) => {
    const name = names[r.column - 1]
    const column = `column ${r.column}${name ? ` (${name})` : ''}`
    const why = TSV_WHY[r.problem](r.escape)
    return {
      start: r.start,
      end: r.end,
      at: r.start,
      reason: () =>
        `line ${r.line}, ${column}: ${why}; a backslash in a TSV value is written \\\\ (two), or export the file as CSV`,
    }
  })
}
