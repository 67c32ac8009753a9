import { statSync } from 'node:fs'
import { basename, extname } from 'node:path'
import type { Warehouse } from '@sillage/warehouse'
import type { Row } from '../domain/values.js'
import { checkEncoding, compressionOf, readHead } from './file-head.js'
import { ImportFileError } from './import-file-error.js'
import { ndjsonPlan } from './ndjson-plan.js'
import { createSessionEngine, createWarehouseEngine, type QueryEngine } from './query-engine.js'
import { ORDER, type Plan } from './read-plan.js'
import { textPlan } from './text-plan.js'

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

// Int64 columns come as bare numbers, read exactly past 2^53 by the engine's row parser (query-engine.ts).
const PARQUET_SETTINGS = `SETTINGS schema_inference_make_columns_nullable = 1,
  output_format_json_quote_64bit_integers = 0, ${ORDER}`

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
  let made: Plan | undefined
  const plan = () =>
    (planned ??= (async () => {
      if (statSync(path).size === 0) return undefined
      const head = readHead(path)
      const params = { path, compression: compressionOf(head) }
      // Of a compressed file, the CSV or TSV header is checked (textPlan).
      if (format !== 'parquet' && params.compression === 'none') checkEncoding(head, file)
      if (format === 'csv' || format === 'tsv') return (made = await textPlan(engine, params, format, file))
      return format === 'ndjson' ? ndjsonPlan(engine, params, file) : { ...PARQUET_PLAN, params }
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
    close: () => {
      engine.close()
      made?.dispose?.()
    },
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
