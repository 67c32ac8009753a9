/**
 * Ground truth of the profile attributes (docs/profiles.md), from the generator's events and its
 * recorded orders and sessions, independently of any SQL.
 */
import { customers, round2, type Shop } from '../../packages/testkit/src/index.js'

const DAY = 86_400_000

export interface ProfileTruth {
  firstSeen: number
  lastSeen: number
  sessions: { '1d': number; '7d': number; '30d': number }
  pageViews: { '1d': number; '7d': number; '30d': number }
  cart: Array<{
    product_id: string
    sku: string
    name: string
    category: string
    price: number
    quantity: number
  }>
  cartValue: number
  viewedNotBought: string[]
  orders: number
  revenue: number
  averageBasket: number | null
  firstOrderAt: number | null
  lastOrderAt: number | null
  lastOrderId: string | null
  traits: Record<string, unknown>
  consent: string[]
}

const PII = new Set([
  'email',
  'phone',
  'first_name',
  'last_name',
  'firstName',
  'lastName',
  'name',
  'address',
  'birthday',
  'loyalty_card',
])

/** Order time = its event's timestamp. */
export function orderTimes(shop: Shop): Map<string, number> {
  return new Map(shop.events.map((g) => [g.event.messageId, g.at]))
}

export function profileTruth(shop: Shop, now: number): Map<string, ProfileTruth> {
  const out = new Map<string, ProfileTruth>()
  const windows = (times: number[]) => {
    const w = (d: number) => times.filter((t) => now - t >= 0 && now - t < d * DAY).length
    return { '1d': w(1), '7d': w(7), '30d': w(30) }
  }
  const byPerson = new Map<string, Shop['events']>()
  for (const g of shop.events) {
    let list = byPerson.get(g.personKey)
    if (!list) byPerson.set(g.personKey, (list = []))
    list.push(g)
  }
  const base = customers(shop)
  const eventAt = new Map(shop.events.map((g) => [g.event.messageId, g.at]))
  for (const [key, events] of byPerson) {
    const c = base.get(key)
    if (!c) continue
    // Time then messageId: the order the SQL replays a person's events in.
    events.sort((a, b) => a.at - b.at || (a.event.messageId < b.event.messageId ? -1 : 1))
    const cart = new Map<string, ProfileTruth['cart'][number]>()
    const viewed = new Map<string, number>()
    const pages: number[] = []
    for (const g of events) {
      const e = g.event
      const p = (e.properties ?? {}) as Record<string, unknown>
      if (e.type === 'page' || e.type === 'screen') pages.push(g.at)
      if (e.type !== 'track') continue
      if (e.event === 'Order Completed') cart.clear()
      else if (e.event === 'Product Viewed' && now - g.at < 30 * DAY)
        viewed.set(String(p['product_id']), g.at)
      else if (e.event === 'Product Added' || e.event === 'Product Removed') {
        const id = String(p['product_id'])
        const q =
          (typeof p['quantity'] === 'number' ? p['quantity'] : 1) * (e.event === 'Product Added' ? 1 : -1)
        const line = cart.get(id) ?? {
          product_id: id,
          sku: '',
          name: '',
          category: '',
          price: 0,
          quantity: 0,
        }
        line.quantity += q
        if (e.event === 'Product Added') {
          line.sku = String(p['sku'])
          line.name = String(p['name'])
          line.category = String(p['category'])
          line.price = Number(p['price'])
        }
        cart.set(id, line)
      }
    }
    // An order's time is its Order Completed event's (truth.orders' `at` may be a later step).
    const orders = shop.truth.orders
      .filter((o) => o.personKey === key)
      .map((o) => ({ ...o, at: eventAt.get(o.messageId) ?? o.at }))
    const bought = new Map<string, number>()
    for (const o of orders)
      for (const i of o.items) bought.set(i.product_id, Math.max(bought.get(i.product_id) ?? 0, o.at))
    const lines = [...cart.values()]
      .filter((l) => l.quantity > 0)
      .sort((a, b) => (a.product_id < b.product_id ? -1 : 1))
    const revenue = round2(orders.reduce((s, o) => s + o.revenue, 0))
    const last = orders.reduce<(typeof orders)[number] | undefined>(
      (m, o) => (!m || o.at > m.at || (o.at === m.at && o.orderId > m.orderId) ? o : m),
      undefined,
    )
    out.set(key, {
      firstSeen: c.firstSeen,
      lastSeen: c.lastSeen,
      sessions: windows(
        shop.truth.sessions.filter((s) => s.personKey === key && s.pages > 0).map((s) => s.start),
      ),
      pageViews: windows(pages),
      cart: lines,
      cartValue: round2(lines.reduce((v, l) => v + l.price * l.quantity, 0)),
      viewedNotBought: [...viewed.entries()]
        .filter(([id, at]) => !((bought.get(id) ?? -Infinity) >= at))
        .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
        .map(([id]) => id),
      orders: orders.length,
      revenue,
      averageBasket: orders.length > 0 ? round2(revenue / orders.length) : null,
      firstOrderAt: orders.length > 0 ? Math.min(...orders.map((o) => o.at)) : null,
      lastOrderAt: last ? last.at : null,
      lastOrderId: last ? last.orderId : null,
      traits: Object.fromEntries(Object.entries(c.traits).filter(([k]) => !PII.has(k))),
      consent: c.consentCategories,
    })
  }
  return out
}
