import { extname } from 'node:path'
import { Session } from 'chdb'
import type { Warehouse } from '@sillage/warehouse'
import type { Row } from '../domain/values.js'

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

/** The format named by the file's extension (ignoring a trailing .gz, which ClickHouse reads). */
export function formatOf(path: string): FileFormat | undefined {
  return BY_EXTENSION[extname(path.replace(/\.(gz|zst)$/i, '')).toLowerCase()]
}

export interface RowChunk {
  /** 0-based index of the chunk's first data row in the file. */
  first: number
  rows: Row[]
}

export interface FileReader {
  /** Data rows in the file (for the progress bar's ETA). */
  count(): Promise<number>
  /** The rows from `skip` on, in file order, in the engine's blocks. */
  chunks(skip: number): AsyncIterable<RowChunk>
  close(): void
}

/*
 * CSV columns are read as text (no type inference: loyalty cards keep their leading zeros);
 * NDJSON keeps its JSON values; Parquet its types. One thread, in file order, so that a checkpoint
 * ("rows done") means the same rows on a resume.
 */
export const READ_SETTINGS = `SETTINGS input_format_csv_use_best_effort_in_schema_inference = 0,
  input_format_tsv_use_best_effort_in_schema_inference = 0,
  input_format_json_read_objects_as_strings = 1,
  input_format_json_read_arrays_as_strings = 1,
  input_format_json_infer_incomplete_types_as_strings = 1,
  schema_inference_make_columns_nullable = 1,
  input_format_parquet_preserve_order = 1,
  output_format_json_quote_64bit_integers = 0,
  max_threads = 1`

const COUNT_SQL = `SELECT count() AS n FROM file({path:String}, {format:String}) ${READ_SETTINGS}`
const ROWS_SQL = `SELECT * FROM file({path:String}, {format:String}) OFFSET {skip:UInt64} ${READ_SETTINGS}`

/**
 * Reads an import file with ClickHouse's own parsers (a short-lived chDB session in a temporary
 * directory), streaming blocks; the path and format are query parameters. chDB allows one data
 * directory per process: a process with an embedded warehouse open uses createWarehouseFileReader.
 */
export function createFileReader(path: string, format: FileFormat): FileReader {
  const session = new Session()
  const params = { path, format: FILE_FORMATS[format] }
  return {
    async count() {
      const res = await session.queryBindAsync(COUNT_SQL, params, { format: 'JSONEachRow' })
      return Number((JSON.parse(res.text()) as { n: number | string }).n)
    },
    async *chunks(skip) {
      const stream = session.queryStreamBind(ROWS_SQL, { ...params, skip }, { format: 'JSONEachRow' })
      let first = skip
      for await (const chunk of stream) {
        const rows = chunk.rows<Row>()
        yield { first, rows }
        first += rows.length
      }
    },
    close: () => session.close(),
  }
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
  const params = { path, format: FILE_FORMATS[format] }
  return {
    async count() {
      const res = await warehouse.client.query({
        query: COUNT_SQL,
        query_params: params,
        format: 'JSONEachRow',
      })
      const [row] = await res.json<{ n: number | string }>()
      return Number(row?.n ?? 0)
    },
    async *chunks(skip) {
      const res = await warehouse.client.query({
        query: ROWS_SQL,
        query_params: { ...params, skip },
        format: 'JSONEachRow',
      })
      let first = skip
      for await (const batch of res.stream<Row>()) {
        const rows = batch.map((r) => r.json<Row>())
        yield { first, rows }
        first += rows.length
      }
    },
    close: () => undefined,
  }
}
