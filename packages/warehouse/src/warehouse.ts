import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client'
import { createChdbConnection } from 'chdb/connection'

export interface WarehouseOptions {
  /** A ClickHouse server (HTTP). Unset: embedded chDB in `<dataDir>/clickhouse`. */
  url?: string | undefined
  user?: string | undefined
  password?: string | undefined
  database: string
  dataDir: string
  /** No client logging (a caller that reports the failures itself: `sillage doctor`). */
  quiet?: boolean
}

export interface Warehouse {
  readonly kind: 'chdb' | 'http'
  readonly database: string
  readonly client: ClickHouseClient
  close(): Promise<void>
}

type ClientConnection = NonNullable<NonNullable<Parameters<typeof createClient>[0]>['connection']>

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/

export function createWarehouse(options: WarehouseOptions): Warehouse {
  if (!IDENTIFIER.test(options.database)) {
    throw new Error(`invalid ClickHouse database name ${JSON.stringify(options.database)}`)
  }
  let client: ClickHouseClient
  let kind: Warehouse['kind']
  if (options.url) {
    kind = 'http'
    client = createClient({
      url: options.url,
      username: options.user ?? 'default',
      password: options.password ?? '',
      request_timeout: 60_000,
      ...(options.quiet && { log: { level: ClickHouseLogLevel.OFF } }),
      clickhouse_settings: { date_time_input_format: 'best_effort' },
    })
  } else {
    kind = 'chdb'
    const path = join(options.dataDir, 'clickhouse')
    mkdirSync(path, { recursive: true })
    client = createClient({
      // chdb implements @clickhouse/client-common 1.23.0's Connection; @clickhouse/client 1.23.1
      // bundles its own copy of the same interface, whose settings type differs only nominally.
      connection: createChdbConnection({ path }) as unknown as ClientConnection,
      clickhouse_settings: { date_time_input_format: 'best_effort' },
    })
  }
  return {
    kind,
    database: options.database,
    client,
    close: () => client.close(),
  }
}
