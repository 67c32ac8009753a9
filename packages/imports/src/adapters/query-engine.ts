import { Session } from 'chdb'
import type { Warehouse } from '@sillage/warehouse'
import type { Row } from '../domain/values.js'

export type QueryParams = Record<string, string | number>

/** Where the file queries run: a chDB session of their own, or a warehouse's embedded chDB. */
export interface QueryEngine {
  /** A query's rows (JSONEachRow), in the engine's blocks. */
  blocks(sql: string, params: QueryParams): AsyncIterable<Row[]>
  close(): void
}

/** A short-lived chDB session in a temporary directory. */
export function createSessionEngine(): QueryEngine {
  const session = new Session()
  return {
    async *blocks(sql, params) {
      for await (const chunk of session.queryStreamBind(sql, params, { format: 'JSONEachRow' })) {
        yield chunk.rows<Row>()
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
      for await (const batch of res.stream<Row>()) yield batch.map((r) => r.json<Row>())
    },
    close: () => undefined,
  }
}
