import { createHash } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { checkServerVersion } from './server-version.js'
import type { Warehouse } from './warehouse.js'

export interface Migration {
  version: number
  name: string
  statements: string[]
  checksum: string
}

interface MigrateLog {
  info(obj: object, msg: string): void
}

const FILE = /^(\d{4})_([a-z0-9_]+)\.sql$/

export function migrationsDir(): string {
  const require = createRequire(import.meta.url)
  return join(dirname(require.resolve('@sillage/schemas/package.json')), 'clickhouse', 'migrations')
}

/** Reads the versioned migrations, with `{{db}}` replaced by the (validated) database name. */
export function loadMigrations(database: string, dir = migrationsDir()): Migration[] {
  return readdirSync(dir)
    .filter((f) => FILE.test(f))
    .sort()
    .map((file) => {
      const [, version, name] = FILE.exec(file) ?? []
      const sql = readFileSync(join(dir, file), 'utf8')
      return {
        version: Number(version),
        name: name ?? file,
        checksum: createHash('sha256').update(sql).digest('hex').slice(0, 16),
        statements: splitStatements(sql.replaceAll('{{db}}', database)),
      }
    })
}

export function splitStatements(sql: string): string[] {
  return sql
    .split(/;\s*(?:\n|$)/)
    .map((s) =>
      s
        .split('\n')
        .filter((line) => !line.trim().startsWith('--'))
        .join('\n')
        .trim(),
    )
    .filter((s) => s.length > 0)
}

/**
 * Applies the migrations not yet recorded in `schema_migrations`, in order. Idempotent: every
 * statement is `IF NOT EXISTS`, so a crash between a statement and its record is harmless.
 * A server older than MIN_CLICKHOUSE_VERSION is refused first (ClickHouseVersionError), with
 * nothing created.
 */
export async function migrate(warehouse: Warehouse, log?: MigrateLog): Promise<number[]> {
  const { client, database } = warehouse
  await checkServerVersion(warehouse)
  await client.command({ query: `CREATE DATABASE IF NOT EXISTS ${database}` })
  await client.command({
    query: `CREATE TABLE IF NOT EXISTS ${database}.schema_migrations
      (version UInt32, name String, checksum String, applied_at DateTime DEFAULT now())
      ENGINE = ReplacingMergeTree ORDER BY version`,
  })
  const result = await client.query({
    query: `SELECT DISTINCT version FROM ${database}.schema_migrations`,
    format: 'JSONEachRow',
  })
  const applied = new Set((await result.json<{ version: number }>()).map((r) => Number(r.version)))
  const done: number[] = []
  for (const m of loadMigrations(database)) {
    if (applied.has(m.version)) continue
    for (const statement of m.statements) await client.command({ query: statement })
    await client.insert({
      table: `${database}.schema_migrations`,
      values: [{ version: m.version, name: m.name, checksum: m.checksum }],
      format: 'JSONEachRow',
    })
    log?.info({ version: m.version, migration: m.name }, 'migration applied')
    done.push(m.version)
  }
  return done
}

/**
 * The checksum of each migration recorded in `schema_migrations` (the latest record per version),
 * by version. Throws when the table does not exist (nothing applied yet).
 */
export async function appliedMigrations(warehouse: Warehouse): Promise<Map<number, string>> {
  const rs = await warehouse.client.query({
    query: `SELECT version, argMax(checksum, applied_at) AS checksum FROM ${warehouse.database}.schema_migrations GROUP BY version`,
    format: 'JSONEachRow',
  })
  return new Map(
    (await rs.json<{ version: number; checksum: string }>()).map((r) => [Number(r.version), r.checksum]),
  )
}
