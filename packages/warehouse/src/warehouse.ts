import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { ClickHouseLogLevel, createClient, parseError, type ClickHouseClient } from '@clickhouse/client'
import { createChdbConnection } from 'chdb/connection'
import { createChdbArrowInserter, type ArrowInsert } from './chdb-arrow.js'
import { IDENTIFIER } from './identifier.js'

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
  /**
   * Inserts rows already encoded in a text format, as bytes: on chDB through the connection's
   * zero-copy raw insert (`.chdb.rawInsert`: no string copy, chDB's parallel parser), over HTTP as
   * the request body. The same payload either way.
   */
  insertEncoded(params: EncodedInsert): Promise<void>
  /**
   * On chDB only: inserts columns already in Arrow's layout (repositories/arrow-columns.ts), read
   * in place by the engine (`arrowstream`), with no text to parse. Over HTTP it is absent, and rows
   * go as text (insertEncoded).
   */
  insertColumns?(params: ArrowInsert): Promise<void>
  close(): Promise<void>
}

export interface EncodedInsert {
  /** `<database>.<table>`. */
  table: string
  columns: readonly string[]
  format: 'JSONCompactEachRow'
  payload: Buffer
  settings?: Record<string, string | number>
}

type ClientConnection = NonNullable<NonNullable<Parameters<typeof createClient>[0]>['connection']>

export function createWarehouse(options: WarehouseOptions): Warehouse {
  if (!IDENTIFIER.test(options.database)) {
    throw new Error(`invalid ClickHouse database name ${JSON.stringify(options.database)}`)
  }
  let client: ClickHouseClient
  let kind: Warehouse['kind']
  let connection: ReturnType<typeof createChdbConnection> | undefined
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
    connection = createChdbConnection({ path })
    client = createClient({
      // chdb implements @clickhouse/client-common 1.23.0's Connection; @clickhouse/client 1.23.1
      // bundles its own copy of the same interface, whose settings type differs only nominally.
      connection: connection as unknown as ClientConnection,
      clickhouse_settings: { date_time_input_format: 'best_effort' },
    })
  }
  const chdb = connection?.chdb
  const arrow = kind === 'chdb' ? createChdbArrowInserter(join(options.dataDir, 'clickhouse')) : undefined
  return {
    kind,
    database: options.database,
    client,
    async insertEncoded({ table, columns, format, payload, settings }) {
      if (payload.length === 0) return
      if (chdb) {
        // Errors in clickhouse-js's shape (code, type), as the client's own calls throw them.
        await chdb
          .rawInsert({
            table,
            columns: [...columns],
            format,
            values: payload,
            settings: { date_time_input_format: 'best_effort', ...settings },
          })
          .catch((err: unknown) => {
            throw parseError(err instanceof Error ? err.message : String(err))
          })
        return
      }
      await client.insert({
        table,
        columns: columns as [string, ...string[]],
        format,
        values: Readable.from([payload], { objectMode: false }),
        ...(settings && { clickhouse_settings: settings }),
      })
    },
    ...(arrow && { insertColumns: (params: ArrowInsert) => arrow.insert(params) }),
    async close() {
      arrow?.close()
      await client.close()
    },
  }
}
