import type { Warehouse } from '../warehouse.js'
import {
  erasurePredicate,
  exportPredicate,
  personTables,
  quote,
  scopeParams,
  type ColumnInfo,
  type PersonScope,
  type PersonTable,
} from './person-tables.js'

/** An identifier in its stored (normalised) form. */
export interface StoredIdentifier {
  type: string
  value: string
}

/** Who a privacy request is about: an identifier in its stored form, or a person id. */
export type PrivacySubject =
  { kind: 'identifier'; id: StoredIdentifier } | { kind: 'person'; personId: string }

export type Row = Record<string, unknown>

/** A row of deletion_requests. */
export interface DeletionRequestRow {
  request_id: string
  subject_type: string
  subject_key: string
  reference: string
  status: 'requested' | 'completed' | 'failed'
  requested_at: string
  completed_at: string | null
  persons: number
  identifiers: number
  /** JSON: rows deleted per table. */
  deleted_rows: string
  error: string
  version: number
}

/** Bound on the override closure: chains are flattened when written, so two rounds are the norm. */
const MAX_CLOSURE_ROUNDS = 20

/**
 * The privacy context: everything the admin API reads from and deletes in ClickHouse to resolve,
 * export and erase a person, and its own tables (suppressions, deletion_requests). Every value
 * travels as a query parameter; table and column names come from system tables (person-tables.ts).
 */
export function createPrivacyRepository(warehouse: Warehouse) {
  const { client, database: db } = warehouse

  async function rows<T = Row>(query: string, query_params: Record<string, unknown> = {}): Promise<T[]> {
    const rs = await client.query({ query, query_params, format: 'JSONEachRow' })
    return rs.json<T>()
  }

  async function exists(name: string): Promise<boolean> {
    const [row] = await rows<{ n: string }>(
      'SELECT count() AS n FROM system.tables WHERE database = {db:String} AND name = {name:String}',
      { db, name },
    )
    return Number(row?.n ?? 0) > 0
  }

  /** Person ids an identifier (or a person id) leads to, before the override closure. */
  async function seeds(subject: PrivacySubject): Promise<Set<string>> {
    if (subject.kind === 'person') return new Set([subject.personId])
    const found = new Set<string>()
    const { type, value } = subject.id
    for (const r of await rows<{ p: string }>(
      `SELECT argMax(person_id, version) AS p FROM ${db}.identities
       WHERE id_type = {type:String} AND id_value = {value:String}`,
      { type, value },
    ))
      found.add(r.p)
    const column = type === 'user_id' ? 'user_id' : type === 'anonymous_id' ? 'anonymous_id' : undefined
    if (column) {
      for (const r of await rows<{ p: string }>(
        `SELECT DISTINCT person_id AS p FROM ${db}.events WHERE ${column} = {value:String}`,
        { value },
      ))
        found.add(r.p)
    }
    found.delete('')
    return found
  }

  /** Adds every person merged into, or merged from, one of `persons` (latest override wins). */
  async function closeOverOverrides(persons: Set<string>): Promise<void> {
    for (let round = 0; round < MAX_CLOSURE_ROUNDS && persons.size > 0; round++) {
      const before = persons.size
      for (const r of await rows<{ old: string; p: string }>(
        `SELECT old, p FROM
         (SELECT old_person_id AS old, argMax(person_id, version) AS p FROM ${db}.person_overrides GROUP BY old)
         WHERE old IN {persons:Array(String)} OR p IN {persons:Array(String)}`,
        { persons: [...persons] },
      )) {
        if (r.old) persons.add(r.old)
        if (r.p) persons.add(r.p)
      }
      if (persons.size === before) return
    }
  }

  /** The identifiers of `persons`: those identities maps to them now, and those on their events. */
  async function identifiersOf(persons: readonly string[]): Promise<StoredIdentifier[]> {
    if (persons.length === 0) return []
    const out = new Map<string, StoredIdentifier>()
    const add = (type: string, value: string) => {
      if (value !== '') out.set(`${type}:${value}`, { type, value })
    }
    for (const r of await rows<{ id_type: string; id_value: string }>(
      `SELECT id_type, id_value FROM ${db}.identities GROUP BY id_type, id_value
       HAVING argMax(person_id, version) IN {persons:Array(String)}`,
      { persons },
    ))
      add(r.id_type, r.id_value)
    for (const r of await rows<{ user_id: string; anonymous_id: string; previous_id: string; type: string }>(
      `SELECT DISTINCT user_id, anonymous_id, previous_id, type FROM ${db}.events
       WHERE person_id IN {persons:Array(String)}`,
      { persons },
    )) {
      add('user_id', r.user_id)
      add('anonymous_id', r.anonymous_id)
      if (r.type === 'alias') add('anonymous_id', r.previous_id)
    }
    return [...out.values()]
  }

  async function tables(): Promise<PersonTable[]> {
    const columns = await rows<ColumnInfo>(
      `SELECT c.table AS table, t.engine AS engine, c.name AS name, c.type AS type
       FROM system.columns AS c INNER JOIN system.tables AS t ON c.database = t.database AND c.table = t.name
       WHERE c.database = {db:String}`,
      { db },
    )
    return personTables(columns)
  }

  const table = (name: string) => `${db}.${quote(name)}`

  /** Rows matching the person in each table (erasure predicate); tables with none are left out. */
  async function count(targets: readonly PersonTable[], scope: PersonScope): Promise<Record<string, number>> {
    const counts: Record<string, number> = {}
    for (const t of targets) {
      const [r] = await rows<{ n: string }>(
        `SELECT count() AS n FROM ${table(t.table)} WHERE ${erasurePredicate(t)}`,
        scopeParams(scope),
      )
      const n = Number(r?.n ?? 0)
      if (n > 0) counts[t.table] = n
    }
    return counts
  }

  return {
    database: db,

    /** The person (all their ids, through the overrides) and every identifier they hold. */
    async resolve(subject: PrivacySubject): Promise<{ persons: string[]; identifiers: StoredIdentifier[] }> {
      const persons = await seeds(subject)
      await closeOverOverrides(persons)
      const list = [...persons].sort()
      return { persons: list, identifiers: await identifiersOf(list) }
    },

    tables,
    count,

    /**
     * Deletes the person's rows from each table: a synchronous mutation (ALTER TABLE … DELETE,
     * mutations_sync = 2) that rewrites the parts holding them, so the rows are gone from disk, not
     * only hidden. Returns the rows deleted per table.
     */
    async erase(targets: readonly PersonTable[], scope: PersonScope): Promise<Record<string, number>> {
      const counts = await count(targets, scope)
      for (const t of targets) {
        if (!counts[t.table]) continue
        await client.command({
          query: `ALTER TABLE ${table(t.table)} DELETE WHERE ${erasurePredicate(t)}`,
          query_params: scopeParams(scope),
          clickhouse_settings: { mutations_sync: '2' },
        })
      }
      return counts
    },

    /** The person's rows of each table (export predicate: nothing of anyone else). */
    async exportRows(targets: readonly PersonTable[], scope: PersonScope): Promise<Record<string, Row[]>> {
      const out: Record<string, Row[]> = {}
      for (const t of targets) {
        const order = t.table === 'events' ? ' ORDER BY timestamp, message_id' : ''
        const found = await rows(
          `SELECT * FROM ${table(t.table)} WHERE ${exportPredicate(t)}${order}`,
          scopeParams(scope),
        )
        if (found.length > 0) out[t.table] = found
      }
      return out
    },

    /** The message ids of the events the erasure predicate finds (before they are deleted). */
    async messageIds(targets: readonly PersonTable[], scope: PersonScope): Promise<string[]> {
      const events = targets.find((t) => t.table === 'events')
      if (!events) return []
      const found = await rows<{ message_id: string }>(
        `SELECT DISTINCT message_id FROM ${table('events')} WHERE ${erasurePredicate(events)}`,
        scopeParams(scope),
      )
      return found.map((r) => r.message_id)
    },

    /** A view's rows for the person, or undefined when the view does not exist (yet). */
    async viewRows(view: string, persons: readonly string[], orderBy?: string): Promise<Row[] | undefined> {
      if (!(await exists(view))) return undefined
      if (persons.length === 0) return []
      return rows(
        `SELECT * FROM ${table(view)} WHERE person_id IN {persons:Array(String)}${orderBy ? ` ORDER BY ${orderBy}` : ''}`,
        { persons },
      )
    },

    async insertSuppressions(
      rows: ReadonlyArray<{
        suppression_key: string
        id_type: string
        request_id: string
        suppressed_at: string
      }>,
    ): Promise<void> {
      if (rows.length === 0) return
      await client.insert({ table: `${db}.suppressions`, values: rows, format: 'JSONEachRow' })
    },

    async recordRequest(row: DeletionRequestRow): Promise<void> {
      await client.insert({ table: `${db}.deletion_requests`, values: [row], format: 'JSONEachRow' })
    },

    async getRequest(requestId: string): Promise<DeletionRequestRow | undefined> {
      const [row] = await rows<DeletionRequestRow>(
        `SELECT * FROM ${db}.deletion_requests FINAL WHERE request_id = {id:String}`,
        { id: requestId },
      )
      return row
    },
  }
}

export type PrivacyRepository = ReturnType<typeof createPrivacyRepository>
