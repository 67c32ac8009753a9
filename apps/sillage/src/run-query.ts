import type { Warehouse } from '@sillage/warehouse'

/** A value for a `{name:Type}` placeholder of the SQL. */
export type QueryParam = string | number | boolean | readonly string[]

/** `params` of a request: an object of query parameters, or undefined when it is not one. */
export function queryParamsOf(value: unknown): Record<string, QueryParam> | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined
  const out: Record<string, QueryParam> = {}
  for (const [k, v] of Object.entries(value)) {
    const ok =
      typeof v === 'string' ||
      typeof v === 'number' ||
      typeof v === 'boolean' ||
      (Array.isArray(v) && v.every((x) => typeof x === 'string'))
    if (!ok) return undefined
    out[k] = v as QueryParam
  }
  return out
}

/**
 * Runs an analyst's SQL (with `params` for its `{name:Type}` placeholders); rows come back as JSON lines, statements without rows as ''.
 *
 * ClickHouse itself decides whether the statement returns rows: the SQL is sent as is with
 * `default_format = JSONEachRow` (the format of every statement that has no FORMAT clause), and
 * whatever it answers is returned. No guess from the first word, so a leading comment, a
 * parenthesis or a `SET … ;` before the statement never drops its rows.
 */
export async function runQuery(
  warehouse: Warehouse,
  sql: string,
  params?: Record<string, QueryParam>,
): Promise<string> {
  const query = sql.trim().replace(/;\s*$/, '')
  const { stream } = await warehouse.client.exec({
    query,
    ...(params && { query_params: params }),
    clickhouse_settings: { default_format: 'JSONEachRow' },
  })
  let out = ''
  for await (const chunk of stream as AsyncIterable<Buffer | string>) out += chunk.toString()
  return out
}
