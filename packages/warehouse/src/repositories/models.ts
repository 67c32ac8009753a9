import type { Warehouse } from '../warehouse.js'

/** A row of cart_episodes that the abandonment query returns: one abandoned cart. */
export interface AbandonedCartRow {
  person_id: string
  user_id: string
  anonymous_id: string
  last_activity_at: string
  abandoned_at: string
  trigger_message_id: string
  abandonment_message_id: string
  cart_id: string
  /** [product_id, sku, name, category, brand, price, quantity] */
  products: Array<[string, string, string, string, string, number, number]>
  value: number
  item_count: number
  currency: string
}

export interface AbandonedCartQuery {
  windowMinutes: number
  /** Events before it are not looked at (the lookback). */
  since: Date
  /** A cart is judged only when its burst ended, and its last event was received, this long ago. */
  graceMs: number
  limit: number
}

/** 'YYYY-MM-DD hh:mm:ss.sss', the DateTime64 text ClickHouse parses in query parameters. */
const chDateTime = (d: Date) => d.toISOString().replace('T', ' ').replace('Z', '')

/**
 * The models context: reads of the derived models (views and parameterised views of the
 * migrations). `abandonedCarts`: the carts that cart_episodes (0027_cart_abandonment_checkout.sql) finds abandoned, whose window has passed, and
 * whose Cart Abandoned event is not stored yet. All values go as query parameters.
 */
export function createModelsRepository(warehouse: Warehouse) {
  const { client, database: db } = warehouse
  return {
    async abandonedCarts(q: AbandonedCartQuery): Promise<AbandonedCartRow[]> {
      const rs = await client.query({
        query: `
          SELECT
            person_id, user_id, anonymous_id, last_activity_at, abandoned_at,
            trigger_message_id, abandonment_message_id, cart_id, products, value, item_count, currency
          FROM ${db}.cart_episodes(window_minutes = {window:UInt32}, since = {since:DateTime64(3)})
          WHERE abandoned_at <= now64(3) - toIntervalMillisecond({grace:UInt64})
            AND last_received_at <= now64(3) - toIntervalMillisecond({grace:UInt64})
            AND abandonment_message_id NOT IN
            (
              SELECT message_id FROM ${db}.events
              WHERE source_id = 'sillage' AND type = 'track' AND event = 'Cart Abandoned'
                AND timestamp >= {since:DateTime64(3)}
            )
          ORDER BY abandoned_at, abandonment_message_id
          LIMIT {limit:UInt32}`,
        query_params: {
          window: q.windowMinutes,
          since: chDateTime(q.since),
          grace: q.graceMs,
          limit: q.limit,
        },
        format: 'JSONEachRow',
      })
      return rs.json<AbandonedCartRow>()
    },
  }
}

export type ModelsRepository = ReturnType<typeof createModelsRepository>
