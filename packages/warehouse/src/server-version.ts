import type { Warehouse } from './warehouse.js'

/**
 * The oldest ClickHouse the migrations and the pipeline run on: they use query parameters,
 * `insert_deduplication_token`, window functions and lightweight settings of the 23.x line.
 * 23.8 is the LTS release of that line; chDB and docker/compose.yaml are far newer.
 */
export const MIN_CLICKHOUSE_VERSION: readonly [number, number] = [23, 8]

export class ClickHouseVersionError extends Error {
  readonly code = 'SIL_CLICKHOUSE_TOO_OLD'
  constructor(readonly version: string) {
    super(
      `ClickHouse ${version} is too old: Sillage needs ${MIN_CLICKHOUSE_VERSION.join('.')} or later ` +
        '(query parameters, insert deduplication tokens)',
    )
    this.name = 'ClickHouseVersionError'
  }
}

/** "23.8.2.7" → [23, 8]; anything unparsable → undefined. */
export function parseVersion(version: string): [number, number] | undefined {
  const m = /^(\d+)\.(\d+)/.exec(version.trim())
  return m ? [Number(m[1]), Number(m[2])] : undefined
}

export function isSupportedVersion(version: string): boolean {
  const v = parseVersion(version)
  if (!v) return false
  const [major, minor] = MIN_CLICKHOUSE_VERSION
  return v[0] > major || (v[0] === major && v[1] >= minor)
}

/**
 * Reads the server's version and refuses one the schema cannot run on, with an error that says
 * so (instead of the first migration failing on an unknown setting or function).
 */
export async function checkServerVersion(warehouse: Warehouse): Promise<string> {
  const result = await warehouse.client.query({ query: 'SELECT version() AS version', format: 'JSONEachRow' })
  const [row] = await result.json<{ version: string }>()
  const version = String(row?.version ?? '')
  if (!isSupportedVersion(version)) throw new ClickHouseVersionError(version || 'of an unknown version')
  return version
}
