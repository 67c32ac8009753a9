import { headerFields, sniffDelimiter, type Delimiter } from '../domain/header-line.js'
import type { Row } from '../domain/values.js'
import { csvRecordsToSetAside, tsvRecordsToSetAside } from '../domain/refused-records.js'
import { fileChunks } from './file-chunks.js'
import { ImportFileError } from './import-file-error.js'
import type { QueryEngine } from './query-engine.js'
import { firstLine, ORDER, type Plan, type PlanParams } from './read-plan.js'
import { setAside as writeSetAside, type SetAside } from './set-aside.js'
import { scanText } from './text-scan.js'

/**
 * Past this many columns a header is not an export of receipts or contacts (Excel stops at
 * 16,384; the reader's structure would pass the engine's query size near 11,000): refused before
 * the engine builds a million columns.
 */
export const MAX_COLUMNS = 10_000

// Literals from this table, never from the file: the delimiter is one of four characters. A
// tab-separated `.csv` (Excel's "Text (Tab delimited)") is read as TSV: the engine's CSV takes no tab.
const DELIMITER_SQL: Record<Delimiter, string> = {
  ',': "format_csv_delimiter = ','",
  ';': "format_csv_delimiter = ';'",
  '\t': "format_csv_delimiter = ','",
  '|': "format_csv_delimiter = '|'",
}

/*
 * Every column is text (loyalty cards keep their leading zeros), by position, plus one column
 * past the header's: a row that fills it has more fields than the header (an unquoted separator)
 * and is refused alone. A row with fewer fields reads the missing ones as empty. A blank line
 * (c1 is NULL only there: an empty first field is '') is not a row. Lone CR line ends (old Mac
 * exports) end rows as CRLF and LF do. `\N` is text, not NULL.
 */
const settings = (delimiter: string) => `SETTINGS input_format_with_names_use_header = 0,
  input_format_csv_allow_variable_number_of_columns = 1,
  input_format_tsv_allow_variable_number_of_columns = 1,
  input_format_csv_empty_as_default = 0, input_format_csv_allow_cr_end_of_line = 1,
  input_format_tsv_crlf_end_of_line = 1,
  format_csv_null_representation = 'sil_import_no_null', format_tsv_null_representation = 'sil_import_no_null',
  ${delimiter}, ${ORDER}`
const headerSql = (
  delimiter: string,
) => `SELECT * FROM file({path:String}, {format:String}, 'auto', {compression:String}) LIMIT 1
  SETTINGS input_format_max_rows_to_read_for_schema_inference = 1,
  input_format_csv_use_best_effort_in_schema_inference = 0,
  input_format_tsv_use_best_effort_in_schema_inference = 0,
  input_format_csv_detect_header = 0, input_format_tsv_detect_header = 0,
  input_format_csv_allow_variable_number_of_columns = 1,
  input_format_tsv_allow_variable_number_of_columns = 1, input_format_csv_allow_cr_end_of_line = 1,
  input_format_tsv_crlf_end_of_line = 1, ${delimiter}, ${ORDER}`
const EXTRA = 'sil_extra'
const DELIMITER_NAME: Record<Delimiter, string> = {
  ',': 'a comma',
  ';': 'a semicolon',
  '\t': 'a tab',
  '|': 'a pipe',
}

/** The header's names: trimmed (`total ` is `total`), a repeated name refused (which one would be read?). */
function headerNames(header: Row, file: string): string[] {
  const names = Object.values(header).map((v, i) => {
    const s = String(v ?? '')
    return (i === 0 ? s.replace(/^\uFEFF/, '') : s).trim()
  })
  if (names.some((n) => n.includes('\u0000'))) {
    throw new ImportFileError('SIL_IMPORT_FILE_ENCODING', file, 'it is not UTF-8 text; save it as UTF-8')
  }
  const seen = new Map<string, number>()
  names.forEach((name, i) => {
    const before = seen.get(name)
    if (name !== '' && before !== undefined) {
      throw new ImportFileError(
        'SIL_IMPORT_FILE_UNREADABLE',
        file,
        `the header names ${JSON.stringify(name)} twice (columns ${before + 1} and ${i + 1}); rename one and import again`,
      )
    }
    seen.set(name, i)
  })
  return names
}

/**
 * Reads the file once before the engine does (scanText: from the disk, or decompressed through
 * node:zlib), and sets aside the records the engine cannot read as written (set-aside.ts): a CSV
 * record with text after a closing quote, a TSV record with a malformed escape. In the header,
 * such a record refuses the file. Blank lines before the header are left out of the copy: the
 * engine would take the first as the header. A zstd file is left to the engine alone.
 */
async function setAsideMalformed(
  params: PlanParams,
  file: string,
  delimiter: Delimiter,
  headerLine: string,
): Promise<SetAside | undefined> {
  const chunks = () => fileChunks(params.path, params.compression, file)
  const first = chunks()
  if (!first) return undefined
  const tsv = delimiter === '\t'
  const scan = await scanText(first, file, tsv ? { tsv: true } : { csvDelimiter: delimiter })
  const header = scan.csv[0]?.header ? scan.csv[0] : scan.tsv[0]?.header ? scan.tsv[0] : undefined
  if (header) {
    throw new ImportFileError(
      'SIL_IMPORT_FILE_UNREADABLE',
      file,
      tsv
        ? `its header (line ${header.line}) has a backslash escape that would not read as written; write each name without a backslash`
        : `its header (line ${header.line}) has text after a closing quote; write each name whole in quotes, or without quotes`,
    )
  }
  const names = headerLine
    .replace(/^\uFEFF/, '')
    .split('\t')
    .map((n) => n.trim())
  const records = tsv
    ? tsvRecordsToSetAside(scan.tsv, names)
    : csvRecordsToSetAside(scan.csv, DELIMITER_NAME[delimiter])
  if (records.length === 0 && scan.lead === 0) return undefined
  return writeSetAside(chunks() as AsyncIterable<Buffer>, params.path, records, scan.lead)
}

/**
 * CSV (its delimiter told from the header line) and TSV, read as text columns. A record the engine
 * cannot read as written is refused alone, from a copy of the file (setAsideMalformed). undefined:
 * a file of blank lines (also the gzip of an empty file), 0 rows.
 */
export async function textPlan(
  engine: QueryEngine,
  given: PlanParams,
  format: 'csv' | 'tsv',
  file: string,
): Promise<Plan | undefined> {
  let params = given
  const line = await firstLine(engine, params, file)
  if (line.replace(/^\uFEFF/, '').trim() === '') return undefined
  const delimiter: Delimiter = format === 'csv' ? sniffDelimiter(line) : '\t'
  const reading = delimiter === '\t' ? 'tsv' : 'csv'
  const fields = headerFields(line, delimiter)
  if (fields > MAX_COLUMNS) {
    throw new ImportFileError(
      'SIL_IMPORT_FILE_UNREADABLE',
      file,
      `its header has ${fields.toLocaleString('en-US')} columns, more than ${MAX_COLUMNS.toLocaleString('en-US')}; is it the right file?`,
    )
  }
  const setAside = await setAsideMalformed(params, file, delimiter, line)
  // The copy is the file's text, decompressed.
  if (setAside) params = { ...params, path: setAside.path, compression: 'none' }
  const plain = reading === 'csv' ? 'CSV' : 'TSV'
  let header: Row = {}
  let names: string[]
  try {
    for await (const block of engine.blocks(headerSql(DELIMITER_SQL[delimiter]), {
      ...params,
      format: plain,
    }))
      header = block[0] ?? header
    names = headerNames(header, file)
  } catch (err) {
    setAside?.dispose()
    throw err
  }
  const columns = [...names.map((_, i) => `c${i + 1}`), EXTRA]
  const source = `file({path:String}, {format:String}, {structure:String}, {compression:String})`
  const s = settings(DELIMITER_SQL[delimiter])
  return {
    countSql: `SELECT count() AS n FROM ${source} WHERE c1 IS NOT NULL ${s}`,
    rowsSql: `SELECT * FROM ${source} WHERE c1 IS NOT NULL OFFSET {skip:UInt64} ${s}`,
    params: {
      ...params,
      format: reading === 'csv' ? 'CSVWithNames' : 'TSVWithNames',
      structure: columns.map((c) => `${c} Nullable(String)`).join(', '),
    },
    decode(raw) {
      const refused = setAside?.refusal(raw['c1'])
      if (refused) return { row: { text: refused.text }, problem: refused.reason }
      const row: Row = Object.fromEntries(names.map((name, i) => [name, raw[`c${i + 1}`] ?? null]))
      const extra = raw[EXTRA]
      if (extra === null || extra === undefined) return { row }
      const sep = reading === 'csv' ? `${DELIMITER_NAME[delimiter]} or a quote` : 'a tab'
      return {
        row,
        problem: `more fields than the header's ${names.length}, from ${JSON.stringify(extra)} on (a value with ${sep} must be quoted)`,
      }
    },
    ...(setAside && { dispose: setAside.dispose }),
  }
}
