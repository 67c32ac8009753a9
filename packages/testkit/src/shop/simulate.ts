import { rngFor } from '../prng.js'
import { createCatalogue, type Product } from './catalogue.js'
import { DAY } from './pages.js'
import { simulateShopper } from './shopper-sessions.js'
import { createShoppers, type Shopper } from './shoppers.js'
import type { GeneratedEvent, ShopTruth } from './types.js'

export { SHOP_URL, sourceOf } from './pages.js'

/**
 * A deterministic shop: shoppers visit over `days` days (web, app, shops), browse, fill carts,
 * order or leave. Every run with the same options yields the same events, and the ground truth
 * (sessions, orders, abandoned carts) is recorded as the simulation decides it, not recomputed
 * from the events, so that the warehouse models can be checked against it.
 *
 * Guarantees the ground truth relies on:
 * - within a session, events are 4 s to 150 s apart, except one pause of 20–28 minutes before
 *   some orders (so they arrive "later, within the window");
 * - a shopper's sessions are at least 3 hours apart, and run between 07:00 and 23:00 UTC, so no
 *   session crosses midnight; the last ends at least 3 hours before `end`.
 * Any inactivity window between 29 minutes and 3 hours therefore gives the same sessions and the
 * same abandoned carts.
 */
export interface ShopOptions {
  seed: number
  shoppers: number
  /** Length of the simulated period. */
  days: number
  /** Exclusive end of the period (a UTC midnight). Default 2026-01-01. */
  end?: Date | string | number
}

export interface Shop {
  seed: number
  start: number
  end: number
  catalogue: Product[]
  shoppers: Shopper[]
  /** Sorted by time. */
  events: GeneratedEvent[]
  truth: ShopTruth
}

export function generateShop(options: ShopOptions): Shop {
  const end = new Date(options.end ?? '2026-01-01T00:00:00Z').getTime()
  const start = end - options.days * DAY
  const catalogue = createCatalogue(rngFor(options.seed, 'catalogue'))
  const shoppers = createShoppers(options.seed, options.shoppers, start, end)
  const events: GeneratedEvent[] = []
  const truth: ShopTruth = { sessions: [], orders: [], abandonments: [], lateOrders: [], leftAtCheckout: [] }
  for (const shopper of shoppers) {
    simulateShopper(
      { rng: rngFor(options.seed, `visits:${shopper.index}`), catalogue, end, events, truth },
      shopper,
    )
  }
  events.sort((a, b) => a.at - b.at || (a.event.messageId < b.event.messageId ? -1 : 1))
  // Orders and sessions in time order; orders keep pointing at their session.
  const order = truth.sessions
    .map((_, i) => i)
    .sort((a, b) => truth.sessions[a]!.start - truth.sessions[b]!.start)
  const newIndex = new Map(order.map((old, i) => [old, i]))
  truth.sessions = order.map((i) => truth.sessions[i]!)
  for (const o of truth.orders) o.session = newIndex.get(o.session) ?? -1
  truth.orders.sort((a, b) => a.at - b.at)
  truth.abandonments.sort((a, b) => a.lastActivity - b.lastActivity)
  return { seed: options.seed, start, end, catalogue, shoppers, events, truth }
}
