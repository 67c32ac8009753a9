import type { EnrichedEvent } from '@sillage/schemas'

/** The source id of the events Sillage derives itself; analyst models leave them out of activity. */
export const SILLAGE_SOURCE_ID = 'sillage'
export const CART_ABANDONED = 'Cart Abandoned'

/** One row of `cart_episodes` (schemas/clickhouse/migrations/0027_cart_abandonment_checkout.sql), as JSONEachRow. */
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

/** ClickHouse's 'YYYY-MM-DD hh:mm:ss.sss' (UTC) as ISO-8601. */
export function isoFromClickHouse(value: string): string {
  const ms = Date.parse(value.includes('T') ? value : `${value.replace(' ', 'T')}Z`)
  if (!Number.isFinite(ms)) throw new Error(`not a ClickHouse DateTime64: ${JSON.stringify(value)}`)
  return new Date(ms).toISOString()
}

/**
 * The `Cart Abandoned` event for an abandoned cart, as it travels on events.raw. Pure. It names the
 * person by one identifier only (userId, else anonymousId), so that it never links two
 * identifiers: identity stitches it to the person who left the cart. Its messageId is the
 * cart_episodes one, derived from the burst's first add, so that a re-run dedupes.
 */
export function toCartAbandonedEvent(
  row: AbandonedCartRow,
  opts: { receivedAt: string; windowMinutes: number; libraryVersion?: string },
): EnrichedEvent {
  const products = row.products.map(([product_id, sku, name, category, brand, price, quantity]) => ({
    product_id,
    sku,
    name,
    category,
    brand,
    price,
    quantity,
  }))
  const who = row.user_id !== '' ? { userId: row.user_id } : { anonymousId: row.anonymous_id }
  return {
    type: 'track',
    event: CART_ABANDONED,
    messageId: row.abandonment_message_id,
    ...who,
    timestamp: isoFromClickHouse(row.abandoned_at),
    receivedAt: opts.receivedAt,
    sourceId: SILLAGE_SOURCE_ID,
    properties: {
      cart_id: row.cart_id,
      products,
      value: row.value,
      currency: row.currency,
      item_count: row.item_count,
      last_activity_at: isoFromClickHouse(row.last_activity_at),
      window_minutes: opts.windowMinutes,
      trigger_message_id: row.trigger_message_id,
    },
    context: {
      library: { name: 'sillage-cart-abandonment', version: opts.libraryVersion ?? '0.1.0' },
    },
  }
}

/** The bus key: the collector's (anonymousId, else userId), so the event joins its person's partition. */
export function partitionKeyOf(event: EnrichedEvent): string | null {
  return event.anonymousId ?? event.userId ?? null
}
