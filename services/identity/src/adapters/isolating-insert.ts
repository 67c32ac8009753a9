import { createHash } from 'node:crypto'
import { isDataError } from './clickhouse-errors.js'

/** A row ClickHouse refused on its own, with the engine's error. */
export interface RefusedRow<T> {
  row: T
  error: unknown
}

export type InsertRows<T> = (rows: readonly T[], token: string) => Promise<void>

/**
 * The deduplication token of a part of a batch: the batch's token and a digest of the part's row
 * keys. A part retried with the same rows gets the same token (ClickHouse drops the copy); a part
 * with other rows (a redelivery that found some rows stored) never reuses one.
 */
export function partToken(token: string, keys: readonly string[]): string {
  const digest = createHash('sha256')
  for (const k of keys) digest.update(k).update('\0')
  return `${token}:part-${digest.digest('hex').slice(0, 24)}`
}

/**
 * The token of one insert that carries several batches (call-group.ts): a digest of theirs, in a
 * stable order; a lone batch keeps its own.
 */
export function groupToken(tokens: readonly string[]): string {
  if (tokens.length === 1) return tokens[0]!
  const digest = createHash('sha256')
  for (const t of [...tokens].sort()) digest.update(t).update('\0')
  return `group-${digest.digest('hex').slice(0, 32)}`
}

/**
 * Inserts `rows`, isolating the rows ClickHouse refuses: on a data error (clickhouse-errors.ts)
 * the part is split in two and each half inserted on its own, down to single rows; those that
 * still fail are returned. One bad row among n costs about 2·log2(n) inserts. An infrastructure
 * error anywhere is thrown (the caller retries the whole batch; the part tokens make the parts
 * already inserted no-ops).
 */
export async function insertIsolating<T>(
  rows: readonly T[],
  token: string,
  insert: InsertRows<T>,
  keyOf: (row: T) => string,
): Promise<RefusedRow<T>[]> {
  const refused: RefusedRow<T>[] = []
  const attempt = async (part: readonly T[]): Promise<void> => {
    if (part.length === 0) return
    try {
      await insert(part, partToken(token, part.map(keyOf)))
    } catch (err) {
      if (!isDataError(err)) throw err
      const [only] = part
      if (part.length === 1 && only !== undefined) {
        refused.push({ row: only, error: err })
        return
      }
      const mid = part.length >> 1
      await attempt(part.slice(0, mid))
      await attempt(part.slice(mid))
    }
  }
  await attempt(rows)
  return refused
}
