import { statSync } from 'node:fs'
import { basename, extname } from 'node:path'
import type { Warehouse } from '@sillage/warehouse'
import { parseJsonExact } from '../domain/exact-json.js'
import type { Row } from '../domain/values.js'
import { checkEncoding, compressionOf, readHead } from './file-head.js'
import { ImportFileError } from './import-file-error.js'
import {
  createSessionEngine,
  createWarehouseEngine,
  type QueryEngine,
  type QueryParams,
} from './query-engine.js'

export const FILE_FORMATS = {
  csv: 'CSVWithNames',
  tsv: 'TSVWithNames',
  ndjson: 'JSONEachRow',
  parquet: 'Parquet',
} as const
export type FileFormat = keyof typeof FILE_FORMATS

const BY_EXTENSION: Record<string, FileFormat> = {
  '.csv': 'csv',
  '.tsv': 'tsv',
  '.ndjson': 'ndjson',
  '.jsonl': 'ndjson',
  '.json': 'ndjson',
  '.parquet': 'parquet',
}

const COMPRESSED = /\.(gz|zst)$/i

/** The format named by the file's extension (ignoring a trailing .gz or .zst: see compressionOf). */
export function formatOf(path: string): FileFormat | undefined {
  return BY_EXTENSION[extname(path.replace(COMPRESSED, '')).toLowerCase()]
}

export interface RowChunk {
  /** 0-based index of the chunk's first data row in the file. */
  first: number
  rows: Row[]
  /** Rows that could not be read whole (index in `rows` → why): refused, never mapped. */
  unreadable?: ReadonlyMap<number, string>
}

export interface FileReader {
  /** Data rows in the file (for the progress bar's ETA). */
  count(): Promise<number>
  /** The rows from `skip` on, in file order, in the engine's blocks. */
  chunks(skip: number): AsyncIterable<RowChunk>
  close(): void
}

/** How a format is read: its queries, and how one engine row becomes a file row. */
interface Plan {
  countSql: string
  rowsSql: string
  params: QueryParams
  decode(raw: Row): { row: Row; problem?: string }
}

// One thread, in file order, so that a checkpoint ("rows done") means the same rows on a resume.
const ORDER = 'max_threads = 1, input_format_parquet_preserve_order = 1'

/*
 * CSV and TSV: every column is text (loyalty cards keep their leading zeros), by position, plus
 * one column past the header's: a row that fills it has more fields than the header (an unquoted
 * separator) and is refused alone. A row with fewer fields reads the missing ones as empty.
 */
const TEXT_SETTINGS = `SETTINGS input_format_with_names_use_header = 0,
  input_format_csv_allow_variable_number_of_columns = 1,
  input_format_tsv_allow_variable_number_of_columns = 1,
  input_format_csv_empty_as_default = 0, ${ORDER}`
const HEADER_SQL = `SELECT * FROM file({path:String}, {format:String}, 'auto', {compression:String}) LIMIT 1
  SETTINGS input_format_max_rows_to_read_for_schema_inference = 1,
  input_format_csv_use_best_effort_in_schema_inference = 0,
  input_format_tsv_use_best_effort_in_schema_inference = 0,
  input_format_csv_detect_header = 0, input_format_tsv_detect_header = 0,
  input_format_csv_allow_variable_number_of_columns = 1,
  input_format_tsv_allow_variable_number_of_columns = 1, ${ORDER}`
const EXTRA = 'sil_extra'

// NDJSON: each object as its own JSON text, parsed here. No type inference over the first rows,
// so a string in a column of numbers is one bad value, and dates stay as written; an integer past
// 2^53 (a 64-bit id) is kept as its exact digits (parseJsonExact).
const JSON_FILE = `file({path:String}, 'JSONAsString', 'json String', {compression:String})`

// Int64 columns come as bare numbers, read exactly past 2^53 by the engine's row parser (query-engine.ts).
const PARQUET_SETTINGS = `SETTINGS schema_inference_make_columns_nullable = 1,
  output_format_json_quote_64bit_integers = 0, ${ORDER}`

const isObject = (v: unknown): v is Row => typeof v === 'object' && v !== null && !Array.isArray(v)

async function textPlan(
  engine: QueryEngine,
  params: { path: string; compression: string },
  format: 'csv' | 'tsv',
  file: string,
): Promise<Plan> {
  const plain = format === 'csv' ? 'CSV' : 'TSV'
  let header: Row = {}
  for await (const block of engine.blocks(HEADER_SQL, { ...params, format: plain }))
    header = block[0] ?? header
  const names = Object.values(header).map((v, i) =>
    i === 0 ? String(v ?? '').replace(/^\uFEFF/, '') : String(v ?? ''),
  )
  if (names.some((n) => n.includes('\u0000'))) {
    throw new ImportFileError('SIL_IMPORT_FILE_ENCODING', file, 'it is not UTF-8 text; save it as UTF-8')
  }
  const columns = [...names.map((_, i) => `c${i + 1}`), EXTRA]
  const source = `file({path:String}, {format:String}, {structure:String}, {compression:String})`
  return {
    countSql: `SELECT count() AS n FROM ${source} ${TEXT_SETTINGS}`,
    rowsSql: `SELECT * FROM ${source} OFFSET {skip:UInt64} ${TEXT_SETTINGS}`,
    params: {
      ...params,
      format: FILE_FORMATS[format],
      structure: columns.map((c) => `${c} Nullable(String)`).join(', '),
    },
    decode(raw) {
      const row: Row = Object.fromEntries(names.map((name, i) => [name, raw[`c${i + 1}`] ?? null]))
      const extra = raw[EXTRA]
      if (extra === null || extra === undefined) return { row }
      const sep = format === 'csv' ? 'a comma or a quote' : 'a tab'
      return {
        row,
        problem: `more fields than the header's ${names.length}, from ${JSON.stringify(extra)} on (a value with ${sep} must be quoted)`,
      }
    },
  }
}

const NDJSON_PLAN: Omit<Plan, 'params'> = {
  countSql: `SELECT count() AS n FROM ${JSON_FILE} SETTINGS ${ORDER}`,
  rowsSql: `SELECT json FROM ${JSON_FILE} OFFSET {skip:UInt64} SETTINGS ${ORDER}`,
  decode(raw) {
    const json = String(raw['json'] ?? '')
    let value: unknown
    try {
      value = parseJsonExact(json)
    } catch {
      return { row: { json }, problem: 'not valid JSON' }
    }
    return isObject(value) ? { row: value } : { row: { json }, problem: 'not a JSON object' }
  },
}

const PARQUET_FILE = `file({path:String}, 'Parquet', 'auto', {compression:String})`
const PARQUET_PLAN: Omit<Plan, 'params'> = {
  countSql: `SELECT count() AS n FROM ${PARQUET_FILE} ${PARQUET_SETTINGS}`,
  rowsSql: `SELECT * FROM ${PARQUET_FILE} OFFSET {skip:UInt64} ${PARQUET_SETTINGS}`,
  decode: (raw) => ({ row: raw }),
}

/** The engine's message without its code prefix, the file's path or its line breaks. */
function engineMessage(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err)
  return message
    .replace(/Code: \d+\. DB::Exception: /g, '')
    .replace(/\(in file\/uri [^)]*\)|\(version [^)]*\)|You can specify the structure manually:/g, '')
    .replace(/\s+/g, ' ')
    .replace(/(\s[.:])+/g, '')
    .trim()
    .slice(0, 500)
}

function createReader(engine: QueryEngine, path: string, format: FileFormat): FileReader {
  const file = basename(path)
  const unreadable = (err: unknown) =>
    err instanceof ImportFileError
      ? err
      : new ImportFileError(
          'SIL_IMPORT_FILE_UNREADABLE',
          file,
          `not a readable ${format} file: ${engineMessage(err)}`,
          {
            cause: err,
          },
        )
  /** undefined: an empty file, 0 rows (also a CSV or TSV with its header only). */
  let planned: Promise<Plan | undefined> | undefined
  const plan = () =>
    (planned ??= (async () => {
      if (statSync(path).size === 0) return undefined
      const head = readHead(path)
      const params = { path, compression: compressionOf(head) }
      // Of a compressed file, the CSV or TSV header is checked (textPlan).
      if (format !== 'parquet' && params.compression === 'none') checkEncoding(head, file)
      if (format === 'csv' || format === 'tsv') return textPlan(engine, params, format, file)
      return { ...(format === 'ndjson' ? NDJSON_PLAN : PARQUET_PLAN), params }
    })())
  return {
    async count() {
      try {
        const p = await plan()
        if (!p) return 0
        let n = 0
        for await (const block of engine.blocks(p.countSql, p.params)) n = Number(block[0]?.['n'] ?? n)
        return n
      } catch (err) {
        throw unreadable(err)
      }
    },
    async *chunks(skip) {
      try {
        const p = await plan()
        if (!p) return
        let first = skip
        for await (const block of engine.blocks(p.rowsSql, { ...p.params, skip })) {
          const rows: Row[] = []
          const problems = new Map<number, string>()
          for (const raw of block) {
            const { row, problem } = p.decode(raw)
            if (problem !== undefined) problems.set(rows.length, problem)
            rows.push(row)
          }
          yield { first, rows, ...(problems.size > 0 && { unreadable: problems }) }
          first += rows.length
        }
      } catch (err) {
        throw unreadable(err)
      }
    },
    close: () => engine.close(),
  }
}

/**
 * Reads an import file with ClickHouse's own parsers (a short-lived chDB session in a temporary
 * directory), streaming blocks; the path, format and structure are query parameters. chDB allows
 * one data directory per process: a process with an embedded warehouse open uses
 * createWarehouseFileReader. A file that cannot be read fails with an ImportFileError.
 */
export function createFileReader(path: string, format: FileFormat): FileReader {
  return createReader(createSessionEngine(), path, format)
}

/**
 * The same reader through an embedded (chDB) warehouse already open in this process (`sillage
 * start`'s admin upload). Not for a ClickHouse server: its file() reads the server's disk.
 */
export function createWarehouseFileReader(
  warehouse: Warehouse,
  path: string,
  format: FileFormat,
): FileReader {
  return createReader(createWarehouseEngine(warehouse), path, format)
}
