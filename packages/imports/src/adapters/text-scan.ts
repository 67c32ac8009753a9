import { isUtf8 } from 'node:buffer'
import { closeSync, openSync, readSync } from 'node:fs'
import { createCsvQuoteScan, type MalformedRecord } from '../domain/csv-quotes.js'
import { countLineEnds, endsWithCR } from '../domain/line-ends.js'
import { ImportFileError } from './import-file-error.js'

const CHUNK = 1 << 20

/** Bytes at the end of `b` that begin a UTF-8 sequence the next chunk completes (0 to 3). */
function incompleteTail(b: Buffer): number {
  for (let back = 1; back <= Math.min(3, b.length); back++) {
    const byte = b[b.length - back] as number
    if ((byte & 0xc0) !== 0x80) {
      const need = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1
      return need > back ? back : 0
    }
  }
  return 0
}

/** The 1-based line and the text around the first byte that is not UTF-8 in `b` (afterCR: see countLineEnds). */
function whereNotUtf8(b: Buffer, linesBefore: number, afterCR: boolean): string {
  const text = b.toString('utf8')
  const at = text.indexOf('\ufffd')
  const line = linesBefore + countLineEnds(Buffer.from(text.slice(0, at)), afterCR) + 1
  const around = text.slice(Math.max(0, at - 20), at + 20).replace(/\s+/g, ' ')
  return `line ${line}: ${JSON.stringify(around)}`
}

/**
 * Reads an uncompressed text file once before importing it: a byte that is not UTF-8 (Windows-1252
 * or Latin-1 `é` as 0xE9, which the reader would turn into `�` in every value) refuses the file
 * with SIL_IMPORT_FILE_ENCODING; with a CSV delimiter, a quote never closed (createCsvQuoteScan)
 * refuses it with SIL_IMPORT_FILE_UNREADABLE. Both name the line (a lone CR ends one, as LF and
 * CRLF do). Returns the CSV records the engine's reader cannot parse (csv-set-aside.ts).
 */
export function scanTextFile(
  path: string,
  file: string,
  csvDelimiter?: string,
): { malformed: readonly MalformedRecord[] } {
  const quotes = csvDelimiter === undefined ? undefined : createCsvQuoteScan(csvDelimiter.charCodeAt(0))
  const fd = openSync(path, 'r')
  try {
    let carry = Buffer.alloc(0)
    let lines = 0
    let afterCR = false
    for (;;) {
      const buf = Buffer.alloc(CHUNK)
      const n = readSync(fd, buf, 0, CHUNK, null)
      const bytes = Buffer.concat([carry, buf.subarray(0, n)])
      const keep = n === 0 ? 0 : incompleteTail(bytes)
      const whole = bytes.subarray(0, bytes.length - keep)
      if (!isUtf8(whole)) {
        throw new ImportFileError(
          'SIL_IMPORT_FILE_ENCODING',
          file,
          `it is not UTF-8 text (${whereNotUtf8(whole, lines, afterCR)}; Windows-1252 or Latin-1, as older Excel writes "é"?); save it as UTF-8 (Excel: "CSV UTF-8") and import it again`,
        )
      }
      quotes?.push(whole)
      if (n === 0) break
      lines += countLineEnds(whole, afterCR)
      afterCR = endsWithCR(whole, afterCR)
      carry = Buffer.from(bytes.subarray(bytes.length - keep))
    }
    const open = quotes?.end()
    if (open !== undefined) {
      throw new ImportFileError(
        'SIL_IMPORT_FILE_UNREADABLE',
        file,
        `the quote that opens a value on line ${open} is never closed, so every line after it would be read as that one value; close it (a quote inside a value is written "") and import again`,
      )
    }
    return { malformed: quotes?.malformed() ?? [] }
  } finally {
    closeSync(fd)
  }
}
