import { rngFor } from '../prng.js'
import type { Product } from './catalogue.js'
import { SHOP_URL, type Shop } from './simulate.js'
import type { CartLine, GeneratedEvent, ShopEvent, TruthSession } from './types.js'

/**
 * Planted affinities for recommendation tests: extra web buyers who view product A then its
 * partner B in one visit and order both together, so that B is A's first "bought together" and
 * "viewed together" product whatever the background shoppers did. Kept apart from the simulation
 * (simulate.ts): the base shop's events and truth are unchanged, the planted ones are appended
 * with their own ground truth (sessions, orders) so every truth function still holds.
 */
export interface AffinityOptions {
  /** Number of (A, B) pairs, taken from the catalogue (A = products[2k], B = products[len-1-2k]). */
  pairs?: number
  /** Planted buyers per pair. */
  buyersPerPair?: number
}

export interface PlantedShop extends Shop {
  /** product A -> its planted partner B. */
  partners: Map<string, string>
}

const MINUTE = 60_000
const DAY = 86_400_000
const round2 = (x: number) => Math.round(x * 100) / 100

export function plantAffinities(shop: Shop, options: AffinityOptions = {}): PlantedShop {
  const pairs = options.pairs ?? 2
  const buyers = options.buyersPerPair ?? 40
  const rng = rngFor(shop.seed, 'affinities')
  const partners = new Map<string, string>()
  const events: GeneratedEvent[] = [...shop.events]
  const sessions = [...shop.truth.sessions]
  const orders = [...shop.truth.orders]
  const products = shop.catalogue
  for (let k = 0; k < pairs; k++) {
    const a = products[2 * k]
    const b = products[products.length - 1 - 2 * k]
    if (!a || !b || a === b) break
    partners.set(a.product_id, b.product_id)
    for (let i = 0; i < buyers; i++) {
      const key = `planted-${k}-${String(i).padStart(3, '0')}`
      // A visit between 3 and 40 days before the end, in shopping hours.
      const day = Math.floor((shop.end - rng.int(3, 40) * DAY) / DAY) * DAY
      let t = day + 8 * 3_600_000 + Math.round(rng.next() * 10 * 3_600_000)
      const start = t
      const anonymousId = `anon-${key}`
      const userId = `user-${key}`
      let seq = 0
      const truth: TruthSession = {
        personKey: key,
        channel: 'web',
        sessionId: String(start),
        start,
        end: start,
        events: 0,
        pages: 0,
        productViews: 0,
        landingPage: `/p/${a.product_id}`,
        exitPage: `/p/${b.product_id}`,
        referrer: '',
        utmSource: '',
        utmMedium: '',
        utmCampaign: '',
        source: '(direct)',
        deviceType: 'desktop',
        added: true,
        checkoutStarted: false,
        orderIds: [],
        revenue: 0,
        bounced: false,
      }
      const emit = (fields: Partial<ShopEvent>): ShopEvent => {
        const event: ShopEvent = {
          type: 'track',
          ...fields,
          messageId: `m-${key}-${String(seq++).padStart(3, '0')}`,
          timestamp: new Date(t).toISOString(),
          anonymousId,
          userId,
          context: {
            library: { name: 'sillage.js', version: '0.1.0' },
            sessionId: start,
            consent: { categories: ['necessary', 'analytics', 'marketing'], policyVersion: '2025-06' },
          },
        }
        events.push({ at: t, source: 'web', personKey: key, event })
        truth.events++
        truth.end = t
        t += Math.round(rng.between(4, 60) * 1000)
        return event
      }
      for (const p of [a, b]) {
        emit({
          type: 'page',
          name: 'Product',
          properties: { path: `/p/${p.product_id}`, url: `${SHOP_URL}/p/${p.product_id}` },
        })
        truth.pages++
        emit({ event: 'Product Viewed', properties: { ...line(p), currency: 'EUR' } })
        truth.productViews++
      }
      for (const p of [a, b]) emit({ event: 'Product Added', properties: { ...line(p), quantity: 1 } })
      const items: CartLine[] = [a, b].map((p) => ({ ...line(p), quantity: 1 }))
      const revenue = round2(a.price + b.price)
      const orderId = `o-${key}`
      const e = emit({
        event: 'Order Completed',
        properties: { order_id: orderId, revenue, total: revenue, currency: 'EUR', products: items },
      })
      truth.orderIds.push(orderId)
      truth.revenue = revenue
      orders.push({
        orderId,
        personKey: key,
        at: Date.parse(e.timestamp),
        revenue,
        channel: 'web',
        session: sessions.length,
        items,
        messageId: e.messageId,
      })
      sessions.push(truth)
      t += 5 * MINUTE
    }
  }
  events.sort((x, y) => x.at - y.at || (x.event.messageId < y.event.messageId ? -1 : 1))
  orders.sort((x, y) => x.at - y.at)
  return { ...shop, events, truth: { ...shop.truth, sessions, orders }, partners }
}

function line(p: Product): Omit<CartLine, 'quantity'> {
  return {
    product_id: p.product_id,
    sku: p.sku,
    name: p.name,
    category: p.category,
    brand: p.brand,
    price: p.price,
  }
}
