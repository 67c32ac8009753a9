import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { EnrichedEvent } from '@sillage/schemas'
import { createLogger, createMetricsRegistry } from '@sillage/runtime'
import { createCartAbandonmentDetector } from '@sillage/activation'
import {
  DETECTOR_OPTIONS,
  abandonedCarts,
  generateShop,
  openShopWarehouse,
  shopDetector,
  toEnriched,
  utcMidnight,
  type ShopWarehouse,
} from '../helpers/shop.js'

// The Cart Abandoned detector against chDB holding a generated shop: what it emits is inserted
// the way identity would (same row mapping, the person identity would find), and compared with
// the carts the generator abandoned. The end-to-end path (bus, identity, restarts) is in
// cart-abandonment.e2e.test.ts.
const shop = generateShop({ seed: 11, shoppers: 500, days: 150, end: utcMidnight() })
const options = DETECTOR_OPTIONS

let wh: ShopWarehouse
let run: ReturnType<typeof shopDetector>
beforeAll(async () => {
  wh = await openShopWarehouse()
  await wh.insert(shop.events.map((g) => ({ event: toEnriched(g), personId: g.personKey })))
  run = shopDetector(wh, shop)
})
afterAll(async () => {
  await wh?.close()
})
const personOf = (e: EnrichedEvent) => run.personOf(e)

interface CartProps {
  cart_id: string
  value: number
  item_count: number
  trigger_message_id: string
  last_activity_at: string
  products: Array<{ product_id: string; quantity: number; price: number }>
}

describe('Cart Abandoned', () => {
  it('fires exactly for the carts the generator abandoned, with their items and value', async () => {
    expect(await run.detector.tick()).toBe(shop.truth.abandonments.length)
    const actual = run.emitted
      .map((e) => {
        const p = (e as { properties: CartProps }).properties
        return {
          person: personOf(e),
          trigger: p.trigger_message_id,
          cart: p.cart_id,
          lastActivity: Date.parse(p.last_activity_at),
          at: Date.parse(e.timestamp),
          value: p.value,
          items: p.products.map((l) => [l.product_id, l.quantity, l.price]),
          source: e.sourceId,
          event: e.type === 'track' ? e.event : '',
        }
      })
      .sort((a, b) => a.lastActivity - b.lastActivity)
    const expected = shop.truth.abandonments.map((a) => ({
      person: a.personKey,
      trigger: a.triggerMessageId,
      cart: a.cartId,
      lastActivity: a.lastActivity,
      at: a.lastActivity + 30 * 60_000,
      value: a.value,
      items: a.items.map((l) => [l.product_id, l.quantity, l.price]),
      source: 'sillage',
      event: 'Cart Abandoned',
    }))
    expect(actual).toEqual(expected)
    // No property tells a checkout stage any more: a cart left at checkout is not abandoned.
    expect(run.emitted.every((e) => !('checkout_started' in (e.properties ?? {})))).toBe(true)
    // messageIds derived from the cart.
    expect(run.emitted.every((e) => /^ca-[0-9a-f]{32}$/.test(e.messageId))).toBe(true)
  })

  it('never fires for a cart left at checkout: a Checkout Started within the window suppresses it', () => {
    const left = new Set(shop.truth.leftAtCheckout)
    expect(left.size).toBeGreaterThan(5)
    const triggers = run.emitted.map((e) => (e as { properties: CartProps }).properties.trigger_message_id)
    expect(triggers.filter((t) => left.has(t))).toEqual([])
    // Each is a burst (events under 30 minutes apart) with a Checkout Started after its last
    // cart change, and no order.
    for (const id of left) {
      const i = shop.events.findIndex((g) => g.event.messageId === id)
      const add = shop.events[i]!
      expect(add.event.event).toBe('Product Added')
      const burst = [add]
      for (const g of shop.events.slice(i + 1)) {
        if (g.personKey !== add.personKey) continue
        if (g.at - burst.at(-1)!.at > 30 * 60_000) break
        burst.push(g)
      }
      const names = burst.map((g) => g.event.event)
      const lastChange = Math.max(names.lastIndexOf('Product Added'), names.lastIndexOf('Product Removed'))
      expect(names.lastIndexOf('Checkout Started')).toBeGreaterThan(lastChange)
      expect(names).not.toContain('Order Completed')
    }
  })

  it('never fires for a cart whose order came later within the window', () => {
    expect(shop.truth.lateOrders.length).toBeGreaterThan(5)
    const late = shop.truth.orders.filter((o) => shop.truth.lateOrders.includes(o.orderId))
    const at = new Map(shop.events.map((g) => [g.event.messageId, g.at]))
    for (const e of run.emitted) {
      const trigger = at.get((e as { properties: CartProps }).properties.trigger_message_id)!
      const abandonedAt = Date.parse(e.timestamp)
      // No late order of this person between the cart's first add and its abandonment.
      const within = late.filter((o) => o.personKey === personOf(e) && o.at > trigger && o.at <= abandonedAt)
      expect(within).toEqual([])
    }
  })

  it('emits nothing more on the next looks: the stored events are the state', async () => {
    expect(await run.detector.tick()).toBe(0)
    const fresh = createCartAbandonmentDetector({
      warehouse: wh.warehouse,
      log: createLogger({ level: 'silent' }),
      registry: createMetricsRegistry({ defaultMetrics: false }),
      options,
      emit: () => Promise.reject(new Error('a restarted detector must find nothing to emit')),
    })
    expect(await fresh.tick()).toBe(0)
  })

  it('judges a cart once its window has passed and its events have arrived, not before', async () => {
    const now = Date.now()
    const at = (minutesAgo: number) => new Date(now - minutesAgo * 60_000).toISOString()
    const event = (
      id: string,
      anon: string,
      name: string,
      minutesAgo: number,
      receivedMinutesAgo = minutesAgo,
    ) =>
      ({
        type: 'track',
        event: name,
        messageId: id,
        anonymousId: anon,
        timestamp: at(minutesAgo),
        receivedAt: at(receivedMinutesAgo),
        sourceId: 'web',
        properties: {
          cart_id: `cart-${anon}`,
          product_id: 'p-001',
          price: 10,
          quantity: 1,
          order_id: `o-${anon}`,
        },
      }) as EnrichedEvent
    await wh.insert(
      [
        event('live-a1', 'live-a', 'Product Added', 40), // left 40 minutes ago: abandoned
        event('live-b1', 'live-b', 'Product Added', 20), // 20 minutes ago: not yet
        event('live-c1', 'live-c', 'Product Added', 50), // ordered 15 minutes later: never
        event('live-c2', 'live-c', 'Order Completed', 35),
        event('live-d1', 'live-d', 'Product Added', 45, 0), // arrived just now: wait for the grace
        event('live-e1', 'live-e', 'Product Added', 50), // checkout 5 minutes later, no order: never
        event('live-e2', 'live-e', 'Checkout Started', 45),
        event('live-f1', 'live-f', 'Product Added', 55), // changed after its checkout: abandoned
        event('live-f2', 'live-f', 'Checkout Started', 50),
        event('live-f3', 'live-f', 'Product Added', 45),
      ].map((e) => ({ event: e, personId: `person-${e.anonymousId}` })),
    )
    const look = async (graceMs: number) => {
      const seen: EnrichedEvent[] = []
      const d = createCartAbandonmentDetector({
        warehouse: wh.warehouse,
        log: createLogger({ level: 'silent' }),
        registry: createMetricsRegistry({ defaultMetrics: false }),
        options: { ...options, graceMs, lookbackHours: 2 },
        emit: async (events) => {
          seen.push(...events)
          await wh.insert(events.map((e) => ({ event: e, personId: `person-${e.anonymousId}` })))
        },
      })
      await d.tick()
      return seen.map((e) => e.anonymousId)
    }
    expect(await look(60_000)).toEqual(['live-f', 'live-a'])
    expect(await look(60_000)).toEqual([])
    expect(await look(0)).toEqual(['live-d'])
  })
})

describe('abandoned_carts', () => {
  it('lists each Cart Abandoned with its cart and whether the order followed within 7 days', async () => {
    const rows = await wh.rows<{
      person_id: string
      cart_id: string
      abandoned_at: string
      value: number
      item_count: number
      products: Array<{ product_id: string; quantity: number }>
      recovered: number
      recovered_order_id: string
    }>(
      "SELECT * FROM sillage.abandoned_carts WHERE person_id LIKE 'shopper-%' ORDER BY abandoned_at, person_id",
    )
    const truth = abandonedCarts(shop, 30)
    expect(
      rows.map((r) => ({
        person: r.person_id,
        cart: r.cart_id,
        at: Date.parse(`${r.abandoned_at.replace(' ', 'T')}Z`),
        value: r.value,
        items: Number(r.item_count),
        products: r.products.map((p) => p.product_id),
        recovered: r.recovered ? r.recovered_order_id : undefined,
      })),
    ).toEqual(
      truth
        .sort((a, b) => a.abandonedAt - b.abandonedAt || (a.personKey < b.personKey ? -1 : 1))
        .map((a) => ({
          person: a.personKey,
          cart: a.cartId,
          at: a.abandonedAt,
          value: a.value,
          items: a.items.reduce((n, l) => n + l.quantity, 0),
          products: a.items.map((l) => l.product_id),
          recovered: a.recoveredOrderId,
        })),
    )
    expect(truth.some((a) => a.recoveredOrderId) && truth.some((a) => !a.recoveredOrderId)).toBe(true)
  })
})
