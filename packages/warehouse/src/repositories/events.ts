import type { Warehouse } from '../warehouse.js'
import { insertUniformRows, JSON_TEXT_AS_OBJECTS } from './insert-rows.js'

/** Message ids per IN list: keeps each query's parameter well under ClickHouse's limits. */
const ID_CHUNK = 2000

/** A row of `events`, as the identity service writes it (the columns it fills). */
export type EventRowValues = { readonly message_id: string } & object

/**
 * The `events` context: the stored events and their message-id index (event_ids). Every value
 * goes as a query parameter or as JSONEachRow data.
 */
export function createEventsRepository(warehouse: Warehouse) {
  const { client, database: db } = warehouse
  return {
    /**
     * The message ids among `ids` already stored: the dedup check before every insert. It reads
     * event_ids (sorted by message_id). With `receivedBetween` it also reads `events` itself over
     * that range of received_at (minmax-indexed): for a batch that may have been half-stored by a
     * crash or a failed insert, where the events rows could exist without their event_ids rows.
     */
    async existingMessageIds(
      ids: readonly string[],
      receivedBetween?: readonly [from: string, to: string],
    ): Promise<Set<string>> {
      const found = new Set<string>()
      for (let i = 0; i < ids.length; i += ID_CHUNK) {
        const chunk = ids.slice(i, i + ID_CHUNK)
        const rs = await client.query({
          query: `SELECT message_id FROM ${db}.event_ids WHERE message_id IN {ids:Array(String)}`,
          query_params: { ids: chunk },
          format: 'JSONCompactEachRow',
        })
        for (const [id] of await rs.json<[string]>()) found.add(id)
        if (!receivedBetween) continue
        const direct = await client.query({
          query: `SELECT message_id FROM ${db}.events
                  WHERE received_at BETWEEN parseDateTime64BestEffort({from:String}, 3)
                                        AND parseDateTime64BestEffort({to:String}, 3)
                    AND message_id IN {ids:Array(String)}`,
          query_params: { ids: chunk, from: receivedBetween[0], to: receivedBetween[1] },
          format: 'JSONCompactEachRow',
        })
        for (const [id] of await direct.json<[string]>()) found.add(id)
      }
      return found
    },

    /**
     * Inserts events as one insert, deduplicated by `token`; throws on any error. JSONCompactEachRow
     * (insertUniformRows): every row has the same columns. The JSON text columns (properties,
     * traits, context, consent) may be given as objects (JSON_TEXT_AS_OBJECTS).
     */
    insertEvents: (rows: readonly EventRowValues[], token: string): Promise<void> =>
      insertUniformRows(warehouse, 'events', rows, token, JSON_TEXT_AS_OBJECTS),
  }
}

export type EventsRepository = ReturnType<typeof createEventsRepository>
