import type { Warehouse } from '@sillage/warehouse'
import type { StoredAudience } from '../domain/merge-definitions.js'
import { chDateTime } from './clickhouse-audiences.js'

export type { StoredAudience }

/** The admin API's audiences in ClickHouse (activation_audiences): every version kept. */
export function createAudienceDefStore(warehouse: Warehouse) {
  const { client, database: db } = warehouse
  return {
    /** The latest version of every API audience, deleted ones included. */
    async latest(): Promise<StoredAudience[]> {
      const rs = await client.query({
        query: `SELECT a.id AS id, max(a.version) AS v, argMax(a.definition, a.version) AS def,
                  argMax(a.deleted, a.version) AS del, toString(argMax(a.updated_at, a.version)) AS at
                FROM ${db}.activation_audiences AS a GROUP BY a.id ORDER BY a.id`,
        format: 'JSONEachRow',
      })
      const rows = await rs.json<{ id: string; v: number; def: string; del: number; at: string }>()
      return rows.map((r) => ({
        id: r.id,
        version: Number(r.v),
        definition: JSON.parse(r.def) as Record<string, unknown>,
        deleted: Number(r.del) === 1,
        updatedAt: new Date(`${r.at.replace(' ', 'T')}Z`).toISOString(),
      }))
    },

    async write(
      id: string,
      version: number,
      definition: Record<string, unknown>,
      deleted: boolean,
      now: number,
    ) {
      await client.insert({
        table: `${db}.activation_audiences`,
        format: 'JSONEachRow',
        values: [
          {
            id,
            version,
            definition: JSON.stringify(definition),
            deleted: deleted ? 1 : 0,
            updated_at: chDateTime(new Date(now).toISOString()),
          },
        ],
      })
    },
  }
}

export type AudienceDefStore = ReturnType<typeof createAudienceDefStore>
