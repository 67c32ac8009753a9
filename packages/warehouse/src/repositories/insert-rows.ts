import type { Warehouse } from '../warehouse.js'
import { toArrowColumns } from './arrow-columns.js'

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
  settings?: InsertSettings,
): Promise<void> {
  if (values.length === 0) return
  const all = { ...settings, ...(token !== undefined && { insert_deduplication_token: token }) }
  await warehouse.client.insert({
    table: `${warehouse.database}.${table}`,
    values,
    format: 'JSONEachRow',
    ...(Object.keys(all).length > 0 && { clickhouse_settings: all }),
  })
}

/** Input-format settings of an insert (numbers as ClickHouse takes them: 0 or 1). */
export type InsertSettings = Readonly<Record<string, string | number>>

/**
 * For rows whose String columns of JSON text are given as the objects themselves: the engine
 * stores the text of an object or array it reads into a String column, as it was written (the
 * default since ClickHouse 23.1; set so that a server profile cannot turn it off). The row is
 * then encoded once, instead of each object's text being escaped again inside the row.
 */
export const JSON_TEXT_AS_OBJECTS: InsertSettings = {
  input_format_json_read_objects_as_strings: 1,
  input_format_json_read_arrays_as_strings: 1,
}

/**
 * Inserts rows that all have the same keys (a fixed row mapping, such as identity's events), as
 * one insert, with no key names for the engine to parse. One row mapping, two encodings:
 * - on chDB, as Arrow columns that the engine reads in place (Warehouse.insertColumns): no text
 *   is parsed. bench/insert-formats.mjs measured 15–20% less CPU per events row than the text
 *   below (docs/benchmarks.md, "Round of 2026-12-07, night");
 * - over HTTP (or a column of mixed kinds, see arrow-columns.ts) as JSONCompactEachRow: arrays in
 *   the order of the first row's keys, with that column list, encoded here in one pass and handed
 *   over as bytes (Warehouse.insertEncoded). On chDB that measured +40% rows/s over objects, and
 *   +14–36% again for the bytes (2026-12-06).
 * A batch whose rows do not share the first row's keys goes as JSONEachRow, as `insertRows`.
 */
export async function insertUniformRows(
  warehouse: Warehouse,
  table: string,
  values: readonly object[],
  token?: string,
  settings?: InsertSettings,
): Promise<void> {
  const first = values[0]
  if (first === undefined) return
  const columns = Object.keys(first)
  for (let i = 0; i < values.length; i++) {
    // The same keys as the first row: each of its keys is one of those, and as many (no array of
    // keys is built per row).
    let keys = 0
    for (const key in values[i]) {
      if (!(key in first)) return insertRows(warehouse, table, values, token, settings)
      keys++
    }
    if (keys !== columns.length) return insertRows(warehouse, table, values, token, settings)
  }
  const all = { ...settings, ...(token !== undefined && { insert_deduplication_token: token }) }
  const arrow = warehouse.insertColumns && toArrowColumns(values, columns)
  if (arrow) {
    await warehouse.insertColumns!({ table: `${warehouse.database}.${table}`, columns: arrow, settings: all })
    return
  }
  const lines: string[] = new Array<string>(values.length)
  const array = new Array<unknown>(columns.length)
  for (let i = 0; i < values.length; i++) {
    const row = values[i] as Record<string, unknown>
    for (let c = 0; c < columns.length; c++) array[c] = row[columns[c]!]
    lines[i] = JSON.stringify(array)
  }
  await warehouse.insertEncoded({
    table: `${warehouse.database}.${table}`,
    columns,
    format: 'JSONCompactEachRow',
    payload: Buffer.from(lines.join('\n') + '\n'),
    settings: all,
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
