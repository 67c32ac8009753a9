import { createRequire } from 'node:module'
import { threadId } from 'node:worker_threads'
import { parseError } from '@clickhouse/client'
import { IDENTIFIER, QUALIFIED_TABLE } from './identifier.js'
import type { ArrowColumn } from './repositories/arrow-columns.js'

/**
 * chdb's Arrow C Data Interface input (chdb 3.4.0): columns registered on a connection are read
 * in place by `arrowstream('<name>')`. The binding exports it as `_arrowRegisterColumns` /
 * `_arrowUnregister`; its own helper (`registerArrowTable`) looks for a session handle under a name
 * that `Session` does not have, and copies every string into a Buffer of its own, so the raw
 * pair is used, with the columns encoded once (arrow-columns.ts). Pinned by
 * services/identity/src/adapters/events-arrow.int.test.ts, which fails when the events stop going
 * in this way.
 */
interface ChdbSession {
  connection: unknown
  queryAsync(sql: string, opts?: { format?: string }): Promise<{ text(): string }>
  queryBindAsync(sql: string, params: object, opts?: { format?: string }): Promise<{ text(): string }>
  close(): void
}
interface ChdbArrow {
  Session: new (path: string) => ChdbSession
  _arrowRegisterColumns(connection: unknown, name: string, columns: readonly ArrowColumn[]): void
  _arrowUnregister(connection: unknown, name: string): void
}

/** Registered names, unique in the process whichever thread or warehouse registers them. */
let seq = 0

/** A setting's value as a ClickHouse literal: a finite number, or a quoted, escaped string. */
function literal(value: string | number): string {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`setting value ${value} is not a finite number`)
    return String(value)
  }
  return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`
}

/**
 * How a Utf8 column goes into a column of `type`: a date-time text is parsed as the text formats
 * parse it (date_time_input_format = best_effort), refusing what they refuse
 * (CANNOT_PARSE_DATETIME). A plain CAST would store 1970-01-01 for text it cannot read. A null
 * stays null: the engine runs a function over a nullable column's nested values too, and a null's
 * is an empty text, which it cannot parse.
 */
function fromText(name: string, type: string): string {
  const m = /^(Nullable\()?(DateTime64|DateTime)(?:\((?:(\d), ?)?(?:'([A-Za-z0-9_/+-]+)')?\))?\)?$/.exec(type)
  if (!m) return name
  const [, nullable, kind, precision, zone = 'UTC'] = m
  const parse = (v: string) =>
    kind === 'DateTime64'
      ? `parseDateTime64BestEffort(${v}, ${precision ?? 3}, '${zone}')`
      : `parseDateTimeBestEffort(${v}, '${zone}')`
  return nullable ? `if(isNull(${name}), NULL, ${parse(`ifNull(${name}, '1970-01-01')`)})` : parse(name)
}

export interface ArrowInsert {
  /** `<database>.<table>`. */
  table: string
  columns: readonly ArrowColumn[]
  settings?: Record<string, string | number>
}

export interface ChdbArrowInserter {
  insert(params: ArrowInsert): Promise<void>
  close(): void
}

/**
 * Inserts Arrow columns on chDB, on a session of its own at `path` (the warehouse's: chdb lets
 * several connections share one data directory). A String value goes into a DateTime64 column
 * as the text formats take it (fromText).
 * Errors are clickhouse-js's (numeric `code`, `type`), as the client's own calls throw them.
 * Undefined when the binding has no Arrow input (chdb's README lists it as a follow-up: a later
 * version may move it): the rows then go as text.
 */
export function createChdbArrowInserter(path: string): ChdbArrowInserter | undefined {
  const chdb = createRequire(import.meta.url)('chdb') as Partial<ChdbArrow>
  const { Session, _arrowRegisterColumns: register, _arrowUnregister: unregister } = chdb
  if (typeof Session !== 'function' || typeof register !== 'function' || typeof unregister !== 'function')
    return undefined
  let session: ChdbSession | undefined
  /** Per table: each column's type, read once (system.columns). */
  const types = new Map<string, Map<string, string>>()
  /** A column not seen yet (added since the last read) reads them again. */
  const typesOf = async (s: ChdbSession, table: string, columns: readonly ArrowColumn[]) => {
    let known = types.get(table)
    if (!known || columns.some((c) => !known!.has(c.name))) {
      const [db, name] = table.split('.') as [string, string]
      const rs = await s.queryBindAsync(
        'SELECT name, type FROM system.columns WHERE database = {db:String} AND table = {t:String}',
        { db, t: name },
        { format: 'JSONCompactEachRow' },
      )
      const rows = rs
        .text()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as [string, string])
      known = new Map(rows)
      types.set(table, known)
    }
    return known
  }
  return {
    async insert({ table, columns, settings }) {
      if (!QUALIFIED_TABLE.test(table)) throw new Error(`invalid table ${JSON.stringify(table)}`)
      const names = columns.map((c) => {
        if (!IDENTIFIER.test(c.name)) throw new Error(`invalid column ${JSON.stringify(c.name)}`)
        return c.name
      })
      const clause = Object.entries(settings ?? {}).map(([k, v]) => {
        if (!IDENTIFIER.test(k)) throw new Error(`invalid setting ${JSON.stringify(k)}`)
        return `${k} = ${literal(v)}`
      })
      const s = (session ??= new Session(path))
      const name = `sillage_arrow_${threadId}_${++seq}`
      let registered = false
      try {
        const known = await typesOf(s, table, columns)
        const select = columns.map((c) =>
          c.format === 'u' ? fromText(c.name, known.get(c.name) ?? '') : c.name,
        )
        register(s.connection, name, columns)
        registered = true
        await s.queryAsync(
          `INSERT INTO ${table} (${names.join(', ')}) SELECT ${select.join(', ')} FROM arrowstream('${name}')` +
            (clause.length > 0 ? ` SETTINGS ${clause.join(', ')}` : ''),
        )
      } catch (err) {
        throw parseError(err instanceof Error ? err.message : String(err))
      } finally {
        if (registered) unregister(s.connection, name)
      }
    },
    close() {
      session?.close()
      session = undefined
    },
  }
}
