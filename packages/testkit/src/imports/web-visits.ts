import type { Rng } from '../prng.js'
import type { Product } from '../shop/catalogue.js'
import type { ImportPerson, ScenarioOrder } from './import-types.js'
import { DAY, HOUR, iso, lines } from './receipts.js'

/** The live web events of the import scenario: a product page, a view, a login, maybe an order. */

const SHOP = 'https://shop.sillage.example'

export interface WebSink {
  events: Array<Record<string, unknown>>
  orders: ScenarioOrder[]
  views: Array<{ personKey: string; productId: string; at: number }>
}

/** One evening visit per day of `webDays` (days since `start`), in order. */
export function webVisits(
  rng: Rng,
  person: ImportPerson,
  id: string,
  webDays: readonly number[],
  start: number,
  catalogue: readonly Product[],
  sink: WebSink,
): void {
  const { events, orders, views } = sink
  for (const [n, day] of webDays.entries()) {
    const t0 = start + day * DAY + 20 * HOUR
    const product = rng.pick(catalogue)
    const web = {
      library: { name: 'sillage.js', version: '0.1.0' },
      page: { url: `${SHOP}/p/${product.product_id}`, path: `/p/${product.product_id}` },
    }
    const who = { anonymousId: person.anonymousId, ...(person.userId ? { userId: person.userId } : {}) }
    events.push({
      type: 'page',
      messageId: `web-${id}-${n}-page`,
      anonymousId: person.anonymousId,
      timestamp: iso(t0),
      context: web,
      properties: { url: web.page.url, path: web.page.path },
    })
    events.push({
      type: 'track',
      event: 'Product Viewed',
      messageId: `web-${id}-${n}-view`,
      anonymousId: person.anonymousId,
      timestamp: iso(t0 + 60_000),
      context: web,
      properties: { product_id: product.product_id, name: product.name, price: product.price },
    })
    views.push({ personKey: person.key, productId: product.product_id, at: t0 + 60_000 })
    if (person.userId) {
      events.push({
        type: 'identify',
        messageId: `web-${id}-${n}-identify`,
        ...who,
        timestamp: iso(t0 + 120_000),
        traits: { email: person.email },
        context: web,
      })
    }
    if (rng.chance(0.7)) {
      const { items, cents } = lines(rng, catalogue)
      const orderId = `W-${id}-${n}`
      const at = t0 + 180_000
      events.push({
        type: 'track',
        event: 'Order Completed',
        messageId: `web-${id}-${n}-order`,
        ...who,
        timestamp: iso(at),
        context: web,
        properties: {
          order_id: orderId,
          revenue: cents / 100,
          total: cents / 100,
          currency: 'EUR',
          products: items,
        },
      })
      orders.push({ orderId, personKey: person.key, channel: 'web', at, totalCents: cents })
    }
  }
}
