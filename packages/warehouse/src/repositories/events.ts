import type { Warehouse } from '../warehouse.js'
import { insertUniformRows, JSON_TEXT_AS_OBJECTS } from './insert-rows.js'
import { dayCondition, daysOf, type MessageKey } from './message-keys.js'

export type { MessageKey } from './message-keys.js'

/** Message ids per IN list: keeps each query's parameter well under ClickHouse's limits. */
const ID_CHUNK = 2000

/** A row of `events`, as the identity service writes it (the columns it fills). */
export type EventRowValues = { readonly message_id: string } & object

/**
 * The `events` context: the stored events and their dedup index (message_ids). Every value goes
 * as a query parameter or as JSONEachRow data.
 */
export function createEventsRepository(warehouse: Warehouse) {
  const { client, database: db } = warehouse
  return {
    /**
     * The message ids among `keys` already stored the same day (docs/identity.md): the dedup check
     * before every insert. It reads message_ids, sorted by (day of the client timestamp,
     * message_id), so a live batch reads the granules of its day only (message-keys.ts). With
     * `receivedBetween` it also reads `events` itself over that range of received_at
     * (minmax-indexed), by message id alone: for a batch that may have been half-stored by a crash
     * or a failed insert, where the events rows could exist without their message_ids rows.
     */
    async existingMessageIds(
      keys: readonly MessageKey[],
      receivedBetween?: readonly [from: string, to: string],
    ): Promise<Set<string>> {
      const found = new Set<string>()
      for (let i = 0; i < keys.length; i += ID_CHUNK) {
        const chunk = keys.slice(i, i + ID_CHUNK)
        const { where, params } = dayCondition(chunk, await daysOf(warehouse, chunk))
        const rs = await client.query({
          query: `SELECT message_id FROM ${db}.message_ids WHERE ${where}`,
          query_params: params,
          format: 'JSONCompactEachRow',
        })
        for (const [id] of await rs.json<[string]>()) found.add(id)
        if (!receivedBetween) continue
        const direct = await client.query({
          query: `SELECT message_id FROM ${db}.events
                  WHERE received_at BETWEEN parseDateTime64BestEffort({from:String}, 3)
                                        AND parseDateTime64BestEffort({to:String}, 3)
                    AND message_id IN {ids:Array(String)}`,
          query_params: {
            ids: chunk.map((k) => k.messageId),
            from: receivedBetween[0],
            to: receivedBetween[1],
          },
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
