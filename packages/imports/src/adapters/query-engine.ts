import { Session } from 'chdb'
import type { Warehouse } from '@sillage/warehouse'
import { parseJsonExact } from '../domain/exact-json.js'
import type { Row } from '../domain/values.js'

export type QueryParams = Record<string, string | number>

/**
 * One JSONEachRow line, with a 64-bit integer past 2^53 (a Parquet Int64 customer id) kept as its
 * exact digits: JSON.parse, which chDB's rows() and the client's json() use, would round it.
 */
const row = (line: string): Row => parseJsonExact(line) as Row

/** Where the file queries run: a chDB session of their own, or a warehouse's embedded chDB. */
export interface QueryEngine {
  /** A query's rows (JSONEachRow), in the engine's blocks; integers past 2^53 as exact strings. */
  blocks(sql: string, params: QueryParams): AsyncIterable<Row[]>
  close(): void
}

/** A short-lived chDB session in a temporary directory. */
export function createSessionEngine(): QueryEngine {
  const session = new Session()
  return {
    async *blocks(sql, params) {
      for await (const chunk of session.queryStreamBind(sql, params, { format: 'JSONEachRow' })) {
        const text = chunk.text().replace(/\n$/, '')
        yield text.length > 0 ? text.split('\n').map(row) : []
      }
    },
    close: () => session.close(),
  }
}

/**
 * An embedded (chDB) warehouse already open in this process (`sillage start`'s admin upload).
 * Not for a ClickHouse server: its file() reads the server's disk.
 */
export function createWarehouseEngine(warehouse: Warehouse): QueryEngine {
  return {
    async *blocks(sql, params) {
      const res = await warehouse.client.query({ query: sql, query_params: params, format: 'JSONEachRow' })
      for await (const batch of res.stream<Row>()) yield batch.map((r) => row(r.text))
    },
    close: () => undefined,
  }
}
