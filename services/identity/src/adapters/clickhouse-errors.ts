/**
 * ClickHouse errors sorted by what a retry can do about them. clickhouse-js (and chDB's connection)
 * keep the server's numeric `code` and its name (`type`) on the error.
 *
 * A data error is about the rows: the same rows fail again however often they are retried, so
 * the failing rows are isolated (clickhouse-sink.ts) instead. Anything else (a refused connection,
 * a timeout, too many parts, memory, an unknown column after a bad deploy) is an infrastructure
 * error: the batch is retried as it is and its offsets are not committed.
 */
const DATA_ERRORS: ReadonlyMap<string, number> = new Map([
  ['CANNOT_PARSE_TEXT', 6],
  ['CANNOT_PARSE_ESCAPE_SEQUENCE', 25],
  ['CANNOT_PARSE_QUOTED_STRING', 26],
  ['CANNOT_PARSE_INPUT_ASSERTION_FAILED', 27],
  ['ATTEMPT_TO_READ_AFTER_EOF', 32],
  ['CANNOT_READ_ALL_DATA', 33],
  ['CANNOT_PARSE_DATE', 38],
  ['CANNOT_PARSE_DATETIME', 41],
  ['TYPE_MISMATCH', 53],
  ['ARGUMENT_OUT_OF_BOUND', 69],
  ['CANNOT_CONVERT_TYPE', 70],
  ['CANNOT_PARSE_NUMBER', 72],
  ['INCORRECT_DATA', 117],
  ['TOO_LARGE_STRING_SIZE', 131],
  ['TOO_DEEP_RECURSION', 306],
  ['VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE', 321],
  ['CANNOT_INSERT_NULL_IN_ORDINARY_COLUMN', 349],
  ['DECIMAL_OVERFLOW', 407],
  ['CANNOT_PARSE_UUID', 441],
  ['CANNOT_PARSE_BOOL', 467],
])
const DATA_CODES = new Set([...DATA_ERRORS.values()].map(String))

/** The engine's error as clickhouse-js shapes it. */
export interface EngineError {
  code: string
  type: string | undefined
  message: string
}

/** The ClickHouse code and name of `err`, when it is an engine error (not a network error). */
export function engineError(err: unknown): EngineError | undefined {
  if (!(err instanceof Error)) return undefined
  const { code, type } = err as Error & { code?: unknown; type?: unknown }
  // Node's own errors carry string codes too (ECONNREFUSED, ETIMEDOUT): engine codes are numbers.
  if (typeof code !== 'string' || !/^\d+$/.test(code)) return undefined
  return { code, type: typeof type === 'string' ? type : undefined, message: err.message }
}

/**
 * TOO_MANY_PARTS (252) is backpressure, except this form: one insert spanning more partitions
 * (months of received_at) than max_partitions_per_insert_block, which smaller parts avoid.
 */
const TOO_MANY_PARTITIONS = /too many partitions for (a )?single insert block/i

/** True when `err` is ClickHouse refusing the rows themselves (see above). */
export function isDataError(err: unknown): boolean {
  const e = engineError(err)
  if (!e) return false
  if (e.code === '252') return TOO_MANY_PARTITIONS.test(e.message)
  return e.type !== undefined && DATA_ERRORS.has(e.type) ? true : DATA_CODES.has(e.code)
}

const MAX_REASON_CHARS = 2000

/** The engine's message for a dead letter: its name, then its text, bounded. */
export function engineMessage(err: unknown): string {
  const e = engineError(err)
  const text = e ? `${e.type ?? `code ${e.code}`}: ${e.message}` : String(err)
  return text.length > MAX_REASON_CHARS ? `${text.slice(0, MAX_REASON_CHARS)}…` : text
}
