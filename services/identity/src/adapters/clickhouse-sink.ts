import type { Warehouse } from '@sillage/warehouse'
import type { EventRow } from '../domain/event-row.js'
import type { IdentityRow, OverrideRow } from '../domain/resolver.js'

const ID_CHUNK = 2000

/** Everything identity reads from and writes to ClickHouse. All values go as query parameters. */
export function createClickHouseSink(warehouse: Warehouse) {
  const { client, database: db } = warehouse
  const at = (version: number) => new Date(version).toISOString()

  return {
    /** The message ids among `ids` already stored: the dedup check before every insert. */
    async existingMessageIds(ids: readonly string[]): Promise<Set<string>> {
      const found = new Set<string>()
      for (let i = 0; i < ids.length; i += ID_CHUNK) {
        const rs = await client.query({
          query: `SELECT message_id FROM ${db}.event_ids WHERE message_id IN {ids:Array(String)}`,
          query_params: { ids: ids.slice(i, i + ID_CHUNK) },
          format: 'JSONCompactEachRow',
        })
        for (const [id] of await rs.json<[string]>()) found.add(id)
      }
      return found
    },

    /** `token` makes a retried insert of the same batch a no-op (insert_deduplication_token). */
    async insertEvents(rows: readonly EventRow[], token: string): Promise<void> {
      await client.insert({
        table: `${db}.events`,
        values: rows,
        format: 'JSONEachRow',
        clickhouse_settings: { insert_deduplication_token: token },
      })
    },

    async insertIdentities(rows: readonly IdentityRow[]): Promise<void> {
      await client.insert({
        table: `${db}.identities`,
        values: rows.map((r) => ({ ...r, updated_at: at(r.version) })),
        format: 'JSONEachRow',
      })
    },

    async insertOverrides(rows: readonly OverrideRow[]): Promise<void> {
      await client.insert({
        table: `${db}.person_overrides`,
        values: rows.map((r) => ({ ...r, created_at: at(r.version) })),
        format: 'JSONEachRow',
      })
    },

    /** anonymous id -> person, to rebuild the resolver's state after a restart. */
    async loadAnonymousLinks(): Promise<Array<[string, string]>> {
      const rs = await client.query({
        query: `SELECT id_value, argMax(person_id, version) FROM ${db}.identities
                WHERE id_type = {t:String} GROUP BY id_value`,
        query_params: { t: 'anonymous_id' },
        format: 'JSONCompactEachRow',
      })
      return rs.json<[string, string]>()
    },
  }
}

export type ClickHouseSink = ReturnType<typeof createClickHouseSink>
