import type { Warehouse } from '@sillage/warehouse'

/**
 * Runs an analyst's SQL; rows come back as JSON lines, statements without rows as ''.
 *
 * ClickHouse itself decides whether the statement returns rows: the SQL is sent as is with
 * `default_format = JSONEachRow` (the format of every statement that has no FORMAT clause), and
 * whatever it answers is returned. No guess from the first word, so a leading comment, a
 * parenthesis or a `SET … ;` before the statement never drops its rows.
 */
export async function runQuery(warehouse: Warehouse, sql: string): Promise<string> {
  const query = sql.trim().replace(/;\s*$/, '')
  const { stream } = await warehouse.client.exec({
    query,
    clickhouse_settings: { default_format: 'JSONEachRow' },
  })
  let out = ''
  for await (const chunk of stream as AsyncIterable<Buffer | string>) out += chunk.toString()
  return out
}
