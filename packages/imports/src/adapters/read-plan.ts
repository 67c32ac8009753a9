import type { Row } from '../domain/values.js'
import { fileChunks } from './file-chunks.js'
import { firstLineIn, firstLineOf, type Compression } from './file-head.js'
import type { QueryEngine, QueryParams } from './query-engine.js'

/** How a format is read: its queries, and how one engine row becomes a file row. */
export interface Plan {
  countSql: string
  rowsSql: string
  params: QueryParams
  decode(raw: Row): { row: Row; problem?: string }
  /** Removes what the plan wrote (a CSV's copy with its malformed records set aside). */
  dispose?(): void
}

/** The file, and how the engine must decompress it. */
export type PlanParams = QueryParams & {
  path: string
  compression: Compression
}

// One thread, in file order, so that a checkpoint ("rows done") means the same rows on a resume.
export const ORDER = 'max_threads = 1, input_format_parquet_preserve_order = 1'

/** A compressed file's first non-blank line, through the engine (which decompresses it). */
const FIRST_LINE_SQL = `SELECT line FROM file({path:String}, 'LineAsString', 'line String', {compression:String})
  WHERE match(line, '\\\\S') LIMIT 1 SETTINGS ${ORDER}`

/**
 * The file's first non-blank line: from the disk when it is not compressed (firstLineOf), through
 * node:zlib for gzip (a broken gzip stream refused with a SIL_ code), else through the engine.
 */
export async function firstLine(engine: QueryEngine, params: PlanParams, file: string): Promise<string> {
  if (params.compression === 'none') return firstLineOf(params.path)
  const chunks = fileChunks(params.path, params.compression, file)
  if (chunks) return firstLineIn(chunks)
  let line = ''
  // LIMIT 1: one block; read to its end, so that the engine's stream closes.
  for await (const block of engine.blocks(FIRST_LINE_SQL, params)) line = String(block[0]?.['line'] ?? line)
  return line
}
