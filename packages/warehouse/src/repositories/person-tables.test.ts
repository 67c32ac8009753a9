import { describe, expect, it } from 'vitest'
import { erasurePredicate, exportPredicate, personTables, quote, type ColumnInfo } from './person-tables.js'

const col = (table: string, name: string, type = 'String', engine = 'ReplacingMergeTree'): ColumnInfo => ({
  table,
  engine,
  name,
  type,
})

describe('person tables', () => {
  const columns: ColumnInfo[] = [
    col('events', 'message_id'),
    col('events', 'person_id'),
    col('events', 'user_id'),
    col('events', 'anonymous_id'),
    col('events', 'previous_id'),
    col('events', 'revenue', 'Nullable(Float64)'),
    col('identities', 'id_type', 'LowCardinality(String)'),
    col('identities', 'id_value'),
    col('identities', 'person_id'),
    col('identity_merges', 'person_id'),
    col('identity_merges', 'other_person_id'),
    col('identity_merges', 'id_type', 'LowCardinality(String)'),
    col('identity_merges', 'id_value'),
    col('identity_merges', 'other_id_type', 'LowCardinality(String)'),
    col('identity_merges', 'other_id_value'),
    col('event_ids', 'message_id'),
    col('events_resolved', 'person_id', 'String', 'View'),
    col('deletion_requests', 'person_id'),
    col('daily_kpis', 'visitors', 'UInt64', 'SummingMergeTree'),
    col('.inner_id.1234', 'person_id', 'String', 'AggregatingMergeTree'),
  ]

  it('includes the EmbeddedRocksDB profile store (0050), whose rows name a person', () => {
    const tables = personTables([
      col('profiles', 'person_id', 'String', 'EmbeddedRocksDB'),
      col('profile_state', 'name', 'String', 'EmbeddedRocksDB'),
    ])
    expect(tables.map((t) => [t.table, t.person])).toEqual([['profiles', ['person_id']]])
  })

  it("includes Memory tables (jobs' working rows, the refresher's kept states) as transient, not views", () => {
    const tables = personTables([
      col('profile_refresh_merged', 'person_id', 'String', 'Memory'),
      col('profile_refresh_merged', 'run_id', 'String', 'Memory'),
      col('persons', 'person_id', 'String', 'View'),
      col('profiles', 'person_id', 'String', 'EmbeddedRocksDB'),
    ])
    expect(tables.map((t) => [t.table, t.person, t.transient])).toEqual([
      ['profile_refresh_merged', ['person_id'], true],
      ['profiles', ['person_id'], undefined],
    ])
  })

  it('finds the MergeTree tables naming a person or an identifier, by their columns', () => {
    expect(personTables(columns)).toEqual([
      {
        table: '.inner_id.1234',
        person: ['person_id'],
        user: [],
        anonymous: [],
        either: [],
        pairs: [],
        message: [],
      },
      {
        table: 'event_ids',
        person: [],
        user: [],
        anonymous: [],
        either: [],
        pairs: [],
        message: ['message_id'],
      },
      {
        table: 'events',
        person: ['person_id'],
        user: ['user_id'],
        anonymous: ['anonymous_id'],
        either: ['previous_id'],
        pairs: [],
        message: ['message_id'],
      },
      {
        table: 'identities',
        person: ['person_id'],
        user: [],
        anonymous: [],
        either: [],
        pairs: [['id_type', 'id_value']],
        message: [],
      },
      {
        table: 'identity_merges',
        person: ['other_person_id', 'person_id'],
        user: [],
        anonymous: [],
        either: [],
        pairs: [
          ['id_type', 'id_value'],
          ['other_id_type', 'other_id_value'],
        ],
        message: [],
      },
    ])
  })

  it('erases any row naming the person; exports only rows naming nobody else', () => {
    const merges = personTables(columns).find((t) => t.table === 'identity_merges')!
    expect(erasurePredicate(merges)).toBe(
      '`other_person_id` IN {persons:Array(String)} OR `person_id` IN {persons:Array(String)} OR ' +
        "concat(`id_type`, ':', `id_value`) IN {keys:Array(String)} OR " +
        "concat(`other_id_type`, ':', `other_id_value`) IN {keys:Array(String)}",
    )
    expect(exportPredicate(merges)).toBe(
      '(`other_person_id` IN {persons:Array(String)} OR `person_id` IN {persons:Array(String)}) AND ' +
        "(ifNull(`other_person_id`, '') = '' OR `other_person_id` IN {persons:Array(String)}) AND " +
        "(ifNull(`person_id`, '') = '' OR `person_id` IN {persons:Array(String)})",
    )
  })

  it('quotes names it did not choose', () => {
    expect(quote('a`b\\c')).toBe('`a\\`b\\\\c`')
  })
})
