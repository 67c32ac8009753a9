import { isUtf8 } from 'node:buffer'
import { createCsvQuoteScan, type MalformedRecord } from '../domain/csv-quotes.js'
import { countLineEnds, endsWithCR } from '../domain/line-ends.js'
import { createTsvEscapeScan, type TsvMalformedRecord } from '../domain/tsv-escapes.js'
import { ImportFileError } from './import-file-error.js'

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

/** What to look for besides UTF-8: a CSV's quotes (its delimiter), or a TSV's escapes. */
export type TextScanOptions = { csvDelimiter: string } | { tsv: true } | Record<string, never>

export interface TextScan {
  /** CSV records the engine's reader cannot parse (set-aside.ts). */
  csv: readonly MalformedRecord[]
  /** TSV records with an escape the engine would read otherwise than written (set-aside.ts). */
  tsv: readonly TsvMalformedRecord[]
  /** Bytes of the blank lines (spaces and tabs at most) before the first line with text: the header's offset. */
  lead: number
}

/**
 * Reads a text file once before importing it, from its chunks (fileChunks: from the disk, or
 * decompressed): a byte that is not UTF-8 (Windows-1252 or Latin-1 `é` as 0xE9, which the reader
 * would turn into `�` in every value) refuses the file with SIL_IMPORT_FILE_ENCODING; in a CSV, a
 * quote never closed (createCsvQuoteScan) refuses it with SIL_IMPORT_FILE_UNREADABLE, and so does
 * a TSV whose lines end with a lone CR, which the engine's TSV reader does not take as line ends.
 * Both name the line (a lone CR ends one, as LF and CRLF do). Returns the records the engine's
 * reader cannot read as written, to be refused alone.
 */
export async function scanText(
  chunks: AsyncIterable<Buffer>,
  file: string,
  options: TextScanOptions = {},
): Promise<TextScan> {
  const quotes =
    'csvDelimiter' in options ? createCsvQuoteScan(options.csvDelimiter.charCodeAt(0)) : undefined
  const escapes = 'tsv' in options ? createTsvEscapeScan() : undefined
  let carry = Buffer.alloc(0)
  let lines = 0
  let afterCR = false
  let bytes = 0
  let lead = -1
  let lineStart = 0
  const take = (next: Buffer, last: boolean) => {
    const all = carry.length === 0 ? next : Buffer.concat([carry, next])
    const keep = last ? 0 : incompleteTail(all)
    const whole = all.subarray(0, all.length - keep)
    if (!isUtf8(whole)) {
      throw new ImportFileError(
        'SIL_IMPORT_FILE_ENCODING',
        file,
        `it is not UTF-8 text (${whereNotUtf8(whole, lines, afterCR)}; Windows-1252 or Latin-1, as older Excel writes "é"?); save it as UTF-8 (Excel: "CSV UTF-8") and import it again`,
      )
    }
    quotes?.push(whole)
    escapes?.push(whole)
    lines += countLineEnds(whole, afterCR)
    afterCR = endsWithCR(whole, afterCR)
    carry = Buffer.from(all.subarray(all.length - keep))
  }
  for await (const chunk of chunks) {
    if (lead === -1) {
      // The header's line starts after the last line end before the first byte of text.
      const text = chunk.findIndex((b) => b !== 0x0a && b !== 0x0d && b !== 0x20 && b !== 0x09)
      const upto = text === -1 ? chunk.length : text
      const end =
        upto === 0 ? -1 : Math.max(chunk.lastIndexOf(0x0a, upto - 1), chunk.lastIndexOf(0x0d, upto - 1))
      if (end !== -1) lineStart = bytes + end + 1
      if (text !== -1) lead = lineStart
    }
    bytes += chunk.length
    take(chunk, false)
  }
  take(Buffer.alloc(0), true)
  const open = quotes?.end()
  if (open !== undefined) {
    throw new ImportFileError(
      'SIL_IMPORT_FILE_UNREADABLE',
      file,
      `the quote that opens a value on line ${open} is never closed, so every line after it would be read as that one value; close it (a quote inside a value is written "") and import again`,
    )
  }
  if (escapes?.end().oldMac) {
    throw new ImportFileError(
      'SIL_IMPORT_FILE_UNREADABLE',
      file,
      `its lines end with a lone CR (old Mac line ends), which a TSV reader takes as one line; save it with LF or CRLF line ends (or as CSV) and import it again`,
    )
  }
  return { csv: quotes?.malformed() ?? [], tsv: escapes?.malformed() ?? [], lead: Math.max(0, lead) }
}
