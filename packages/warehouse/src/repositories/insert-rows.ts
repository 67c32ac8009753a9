import type { Warehouse } from '../warehouse.js'

/**
 * Inserts `values` into `<database>.<table>` as JSONEachRow data, as one insert; nothing when
 * there are no rows. With `token`, a retried insert of the same rows is a no-op
 * (insert_deduplication_token). Throws on any error: callers that isolate refused rows do it
 * around this call.
 */
export async function insertRows(
  warehouse: Warehouse,
  table: string,
  values: readonly object[],
  token?: string,
): Promise<void> {
  if (values.length === 0) return
  await warehouse.client.insert({
    table: `${warehouse.database}.${table}`,
    values,
    format: 'JSONEachRow',
    ...(token !== undefined && { clickhouse_settings: { insert_deduplication_token: token } }),
  })
}

/** The rows of a parameterised SELECT, as JSON objects. */
export async function selectRows<T>(
  warehouse: Warehouse,
  query: string,
  params: Record<string, unknown> = {},
): Promise<T[]> {
  const rs = await warehouse.client.query({ query, query_params: params, format: 'JSONEachRow' })
  return rs.json<T>()
}
