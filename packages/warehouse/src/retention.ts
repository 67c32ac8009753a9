import type { Warehouse } from './warehouse.js'

export interface RetentionSettings {
  /** TTL, in months, of every table whose migration declares one in months (events, derived tables). */
  months: number
  /** TTL, in days, of the dead-letter tables (DEAD_LETTER_TABLES). */
  deadLetterDays: number
}

interface RetentionLog {
  info(obj: object, msg: string): void
  warn(obj: object, msg: string): void
}

export interface RetentionChange {
  table: string
  from: string
  to: string
}

/** Tables of dead letters: their TTL is in days, shorter than the data's (docs/privacy.md). */
export const DEAD_LETTER_TABLES: ReadonlySet<string> = new Set(['invalid_events'])

/** `TTL <expression> + toIntervalMonth(25)` as ClickHouse prints it, at the end of the DDL or before SETTINGS. */
const SIMPLE_TTL = / TTL (.+?) \+ toInterval(Month|Day)\((\d+)\)(?= SETTINGS |$)/
const TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/

/**
 * Sets the retention of the warehouse to the configured one: every MergeTree table whose TTL is
 * `<date expression> + INTERVAL n MONTH` gets n = `months`; dead-letter tables with a TTL in days
 * get `deadLetterDays`. Tables are found in system.tables, so the derived tables added by later
 * migrations are covered as long as they declare their TTL that way. Idempotent: only a table
 * whose TTL differs is altered (ALTER TABLE … MODIFY TTL, which also applies it to existing
 * parts). Other TTL forms are left alone, with a warning.
 */
export async function applyRetention(
  warehouse: Warehouse,
  settings: RetentionSettings,
  log?: RetentionLog,
): Promise<RetentionChange[]> {
  const { client, database } = warehouse
  for (const [name, value] of Object.entries(settings)) {
    if (!Number.isInteger(value) || value < 1)
      throw new RangeError(`retention ${name} must be a positive integer`)
  }
  const rs = await client.query({
    query: `SELECT name, create_table_query FROM system.tables
            WHERE database = {db:String} AND engine LIKE '%MergeTree' AND create_table_query LIKE '% TTL %'`,
    query_params: { db: database },
    format: 'JSONEachRow',
  })
  const changes: RetentionChange[] = []
  for (const { name, create_table_query: ddl } of await rs.json<{
    name: string
    create_table_query: string
  }>()) {
    const ttl = SIMPLE_TTL.exec(ddl)
    if (!TABLE_NAME.test(name) || !ttl) {
      log?.warn(
        { table: name },
        'retention: TTL not of the form `<date> + INTERVAL n MONTH|DAY`; left as it is',
      )
      continue
    }
    const [, expression, unit, current] = ttl as unknown as [string, string, 'Month' | 'Day', string]
    let wanted: number
    if (DEAD_LETTER_TABLES.has(name)) wanted = settings.deadLetterDays
    else if (unit === 'Month') wanted = settings.months
    else continue // a table's own day-based TTL (e.g. identity_warnings) is part of its design
    const target = DEAD_LETTER_TABLES.has(name) ? 'Day' : 'Month'
    if (unit === target && Number(current) === wanted) continue
    const to = `${expression} + toInterval${target}(${wanted})`
    // DDL cannot take query parameters: the table name comes from system.tables (checked above),
    // the expression from the table's own definition, the number is a validated integer.
    await client.command({ query: `ALTER TABLE ${database}.${name} MODIFY TTL ${to}` })
    const change = { table: name, from: `${expression} + toInterval${unit}(${current})`, to }
    log?.info(change, 'retention: TTL changed')
    changes.push(change)
  }
  return changes
}
