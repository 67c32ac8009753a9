import type { Warehouse } from '@sillage/warehouse'

const RETURNS_ROWS = /^\s*(\(|select|with|show|describe|desc|explain|exists)\b/i

/** Runs an analyst's SQL; rows come back as JSON lines, statements without rows as ''. */
export async function runQuery(warehouse: Warehouse, sql: string): Promise<string> {
  const trimmed = sql.trim().replace(/;\s*$/, '')
  if (RETURNS_ROWS.test(trimmed)) {
    const rs = await warehouse.client.query({ query: trimmed, format: 'JSONEachRow' })
    return rs.text()
  }
  await warehouse.client.command({ query: trimmed })
  return ''
}
