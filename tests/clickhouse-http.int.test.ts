import { execFile } from 'node:child_process'
import { tmpdir } from 'node:os'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ClickHouseVersionError, createWarehouse, migrate, type Warehouse } from '@sillage/warehouse'
import { describeWarehouseContract } from '@sillage/warehouse/testing'
import { startClickHouseServer, type ClickHouseServer } from './helpers/clickhouse-server.js'
import { cliMain, repoRoot, tempDir } from './helpers/pipeline.js'

// The warehouse's HTTP path (CLICKHOUSE_URL) against a real server: Debian's clickhouse-server,
// which is 18.16. Too old for Sillage's schema, so this covers the transport (connection,
// settings, JSONEachRow both ways, errors) and the version gate that says so.
// dataDir is chDB's: unused with a URL.
let server: ClickHouseServer
let warehouse: Warehouse
const database = `sil_http_${process.pid}`

beforeAll(async () => {
  server = await startClickHouseServer()
  warehouse = createWarehouse({ url: server.url, database, dataDir: tmpdir() })
}, 90_000)
afterAll(async () => {
  await warehouse?.close()
  await server?.stop()
})

describe('ClickHouse over HTTP (a real clickhouse-server)', () => {
  it('inserts JSONEachRow rows as identity does (ISO-8601 times, nulls, JSON text) and reads them back', async () => {
    const { client } = warehouse
    await client.command({ query: `CREATE DATABASE IF NOT EXISTS ${database}` })
    await client.command({
      query: `CREATE TABLE ${database}.events_http (message_id String, timestamp DateTime, revenue Nullable(Float64), properties String)
        ENGINE = MergeTree ORDER BY message_id`,
    })
    const rows = [
      { message_id: 'm1', timestamp: '2026-01-01T10:00:00.000Z', revenue: 42.5, properties: '{"sku":"mug"}' },
      { message_id: 'm2', timestamp: '2026-01-01T10:00:05.250Z', revenue: null, properties: '{}' },
    ]
    await client.insert({ table: `${database}.events_http`, values: rows, format: 'JSONEachRow' })
    const result = await client.query({
      query: `SELECT message_id, toUnixTimestamp(timestamp) AS ts, revenue, properties FROM ${database}.events_http ORDER BY message_id`,
      format: 'JSONEachRow',
    })
    expect(await result.json()).toEqual([
      {
        message_id: 'm1',
        ts: Date.UTC(2026, 0, 1, 10, 0, 0) / 1000,
        revenue: 42.5,
        properties: '{"sku":"mug"}',
      },
      { message_id: 'm2', ts: Date.UTC(2026, 0, 1, 10, 0, 5) / 1000, revenue: null, properties: '{}' },
    ])
  })

  it("refuses a wrong password with the server's own error", async () => {
    const wrong = createWarehouse({
      url: server.url,
      user: 'default',
      password: 'not-the-password',
      database,
      dataDir: tmpdir(),
      quiet: true,
    })
    try {
      await expect(wrong.client.query({ query: 'SELECT 1', format: 'JSONEachRow' })).rejects.toThrow(
        /password/i,
      )
    } finally {
      await wrong.close()
    }
  })

  it('migrate refuses a server older than 23.8, naming its version, before creating anything', async () => {
    const gated = createWarehouse({
      url: server.url,
      database: `${database}_m`,
      dataDir: tmpdir(),
    })
    try {
      const err: unknown = await migrate(gated).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(ClickHouseVersionError)
      expect((err as ClickHouseVersionError).code).toBe('SIL_CLICKHOUSE_TOO_OLD')
      expect((err as Error).message).toMatch(
        /ClickHouse 18\.16\.\d+ is too old: Sillage needs 23\.8 or later/,
      )
      const dbs = await (
        await gated.client.query({ query: 'SHOW DATABASES', format: 'JSONEachRow' })
      ).json<{
        name: string
      }>()
      expect(dbs.map((d) => d.name)).not.toContain(`${database}_m`)
    } finally {
      await gated.close()
    }
  })

  it('sillage migrate and doctor say the server is too old, and exit 1', async () => {
    const dir = tempDir('sillage-ch-http-cli-')
    const cli = async (command: string) => {
      try {
        await promisify(execFile)(process.execPath, [cliMain, command], {
          cwd: repoRoot,
          env: { ...process.env, CLICKHOUSE_URL: server.url, SILLAGE_DATA_DIR: dir.path },
        })
        return { code: 0, out: '' }
      } catch (err) {
        const e = err as { code: number; stdout: string; stderr: string }
        return { code: e.code, out: e.stdout + e.stderr }
      }
    }
    try {
      const migrated = await cli('migrate')
      expect(migrated.code).toBe(1)
      expect(migrated.out).toMatch(/ClickHouse 18\.16\.\d+ is too old: Sillage needs 23\.8 or later/)
      const doctor = await cli('doctor')
      expect(doctor.code).toBe(1)
      expect(doctor.out).toMatch(
        /FAIL {2}clickhouse: .*ClickHouse 18\.16\.\d+, too old \(needs 23\.8 or later\)/,
      )
    } finally {
      dir.remove()
    }
  })
})

// The transport part of the warehouse contract (packages/warehouse/test/contract.ts); its schema
// part needs query parameters and the migrated schema, which 18.16 lacks (docs/clickhouse.md).
describeWarehouseContract('HTTP, clickhouse-server 18.16', { warehouse: () => warehouse, schema: false })
