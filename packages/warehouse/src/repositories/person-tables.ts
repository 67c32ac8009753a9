/**
 * Which warehouse tables hold rows about a person, and how to find those rows: decided from the
 * columns each table has, so that tables added by later migrations (derived and materialised
 * models) are covered without a list to keep up to date. Pure: the caller reads system.columns.
 *
 * Column conventions (docs/privacy.md, for whoever adds a table):
 * - `person_id`, `*_person_id` (old_person_id, other_person_id, stamped_person_id…): a person id;
 * - `user_id`; `anonymous_id`; `previous_id` (an alias's previous id: a user or anonymous id);
 * - `<x>_type` + `<x>_value` pairs ending in `id_type`/`id_value` (identities, identity_merges):
 *   an identifier in its stored form;
 * - `message_id`: one of the person's events (message_ids, identity_warnings).
 */

export interface ColumnInfo {
  table: string
  engine: string
  name: string
  type: string
}

export interface PersonTable {
  table: string
  person: string[]
  user: string[]
  anonymous: string[]
  /** User or anonymous id (previous_id). */
  either: string[]
  /** [type column, value column] */
  pairs: Array<[string, string]>
  /** message_id: an event of the person. */
  message: string[]
  /**
   * A Memory table: working rows of a job (the profile refresher's, among them the merged states
   * it keeps between runs). Erased like the others; not exported (copies of the stored tables).
   */
  transient?: true
}

/** Tables of the privacy machinery itself, and bookkeeping: never searched or erased. */
export const PRIVACY_TABLES: ReadonlySet<string> = new Set([
  'deletion_requests',
  'suppressions',
  'schema_migrations',
])

const STRING_TYPE = /^(LowCardinality\()?(Nullable\()?String\)?\)?$/

/**
 * The MergeTree tables, the EmbeddedRocksDB key-value tables (the profile store, 0050) and the
 * Memory tables (jobs' working rows, `transient`) that have at least one column naming a person or
 * an identifier.
 */
export function personTables(columns: readonly ColumnInfo[]): PersonTable[] {
  const byTable = new Map<string, ColumnInfo[]>()
  for (const c of columns) {
    const erasable = c.engine.endsWith('MergeTree') || c.engine === 'EmbeddedRocksDB' || c.engine === 'Memory'
    if (!erasable || PRIVACY_TABLES.has(c.table) || !STRING_TYPE.test(c.type)) continue
    let list = byTable.get(c.table)
    if (!list) byTable.set(c.table, (list = []))
    list.push(c)
  }
  const tables: PersonTable[] = []
  for (const [table, cols] of [...byTable.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const names = new Set(cols.map((c) => c.name))
    const t: PersonTable = { table, person: [], user: [], anonymous: [], either: [], pairs: [], message: [] }
    if (cols[0]!.engine === 'Memory') t.transient = true
    for (const name of [...names].sort()) {
      if (name === 'person_id' || name.endsWith('_person_id')) t.person.push(name)
      else if (name === 'user_id') t.user.push(name)
      else if (name === 'anonymous_id') t.anonymous.push(name)
      else if (name === 'previous_id') t.either.push(name)
      else if (name === 'message_id') t.message.push(name)
      else if (name.endsWith('id_value')) {
        const typeColumn = `${name.slice(0, -'value'.length)}type`
        if (names.has(typeColumn)) t.pairs.push([typeColumn, name])
      }
    }
    const columns = t.person.length + t.user.length + t.anonymous.length + t.either.length + t.pairs.length
    if (columns + t.message.length > 0) tables.push(t)
  }
  return tables
}

/** A quoted identifier (names come from system tables, never from a request). */
export const quote = (name: string): string => `\`${name.replace(/\\/g, '\\\\').replace(/`/g, '\\`')}\``

/**
 * The query parameters every predicate uses: person ids, user ids, anonymous ids, both, and the
 * identifiers as `type:value` keys.
 */
export interface PersonScope {
  persons: string[]
  users: string[]
  anonymous: string[]
  keys: string[]
  /** The message ids of the person's events. */
  messages: string[]
}

export const scopeParams = (s: PersonScope): Record<string, string[]> => ({
  persons: s.persons,
  users: s.users,
  anonymous: s.anonymous,
  either: [...new Set([...s.users, ...s.anonymous])],
  keys: s.keys,
  messages: s.messages,
})

/** Erasure: any row that names one of the person's ids, identifiers or events. */
export function erasurePredicate(t: PersonTable): string {
  const any: string[] = []
  for (const c of t.person) any.push(`${quote(c)} IN {persons:Array(String)}`)
  for (const c of t.user) any.push(`${quote(c)} IN {users:Array(String)}`)
  for (const c of t.anonymous) any.push(`${quote(c)} IN {anonymous:Array(String)}`)
  for (const c of t.either) any.push(`${quote(c)} IN {either:Array(String)}`)
  for (const [type, value] of t.pairs)
    any.push(`concat(${quote(type)}, ':', ${quote(value)}) IN {keys:Array(String)}`)
  for (const c of t.message) any.push(`${quote(c)} IN {messages:Array(String)}`)
  return any.join(' OR ')
}

/**
 * Access and portability: rows of the person and of no one else. Where a table names persons,
 * at least one must be the person and none another (a merge refused between two people is not
 * exported to either); elsewhere, any of the person's identifiers.
 */
export function exportPredicate(t: PersonTable): string {
  if (t.person.length > 0) {
    const some = t.person.map((c) => `${quote(c)} IN {persons:Array(String)}`).join(' OR ')
    const none = t.person.map(
      (c) => `(ifNull(${quote(c)}, '') = '' OR ${quote(c)} IN {persons:Array(String)})`,
    )
    return [`(${some})`, ...none].join(' AND ')
  }
  return erasurePredicate(t)
}
