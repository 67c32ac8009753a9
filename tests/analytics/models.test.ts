import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  dailyKpis,
  generateShop,
  openShopWarehouse,
  productPerformance,
  toEnriched,
  utcMidnight,
  type ShopWarehouse,
} from '../helpers/shop.js'

// The analyst models (0020–0022) on a generated shop loaded straight into chDB, each compared with
// the generator's ground truth (packages/testkit/src/shop/truth.ts).
const shop = generateShop({ seed: 7, shoppers: 600, days: 180, end: utcMidnight() })
const ms = (clickhouseTime: string) => Date.parse(`${clickhouseTime.replace(' ', 'T')}Z`)
const near = (actual: number | null, expected: number, digits: number) => {
  expect(actual).not.toBeNull()
  expect(Math.abs((actual ?? NaN) - expected)).toBeLessThanOrEqual(0.6 * 10 ** -digits)
}

let wh: ShopWarehouse
beforeAll(async () => {
  wh = await openShopWarehouse()
  await wh.insert(shop.events.map((g) => ({ event: toEnriched(g), personId: g.personKey })))
})
afterAll(async () => {
  await wh?.close()
})

describe('sessions', () => {
  interface SessionRow {
    person_id: string
    session_id: string
    session_start: string
    session_end: string
    events: string
    pages: string
    landing_page: string
    exit_page: string
    referrer: string
    utm_source: string
    utm_medium: string
    utm_campaign: string
    source: string
    channel: string
    device_type: string
    bounced: number
    added_to_cart: number
    checkout_started: number
    converted: number
    order_ids: string[]
    revenue: number
  }

  it('finds exactly the generated sessions, with their pages, attribution, device and outcome', async () => {
    const rows = await wh.rows<SessionRow>('SELECT * FROM sillage.sessions')
    const actual = rows
      .map((r) => ({
        person: r.person_id,
        start: ms(r.session_start),
        end: ms(r.session_end),
        sessionId: r.session_id.startsWith('sil-') ? '' : r.session_id,
        events: Number(r.events),
        pages: Number(r.pages),
        landing: r.landing_page,
        exit: r.exit_page,
        referrer: r.referrer,
        utm: [r.utm_source, r.utm_medium, r.utm_campaign],
        source: r.source,
        channel: r.channel,
        device: r.device_type,
        flags: [r.bounced, r.added_to_cart, r.checkout_started, r.converted].map(Boolean),
        orders: r.order_ids,
        revenue: r.revenue,
      }))
      .sort((a, b) => a.start - b.start || (a.person < b.person ? -1 : 1))
    const expected = shop.truth.sessions
      .map((s) => ({
        person: s.personKey,
        start: s.start,
        end: s.end,
        sessionId: s.sessionId,
        events: s.events,
        pages: s.pages,
        landing: s.landingPage,
        exit: s.exitPage,
        referrer: s.referrer,
        utm: [s.utmSource, s.utmMedium, s.utmCampaign],
        source: s.source,
        channel: s.channel,
        device: s.deviceType,
        flags: [s.bounced, s.added, s.checkoutStarted, s.orderIds.length > 0],
        orders: [...s.orderIds].sort(),
        revenue: s.revenue,
      }))
      .sort((a, b) => a.start - b.start || (a.person < b.person ? -1 : 1))
    expect(actual.length).toBe(expected.length)
    expect(actual).toEqual(expected)
    // The scenarios the rules exist for are in the data.
    expect(expected.some((s) => s.channel === 'app' && s.sessionId === '')).toBe(true)
    expect(expected.some((s) => s.channel === 'store')).toBe(true)
    expect(expected.some((s) => s.utm[0] !== '' && s.flags[3])).toBe(true)
  })
})

describe('orders and order_items', () => {
  it('one row per order, with its revenue, person and channel', async () => {
    const rows = await wh.rows<{ order_id: string; person_id: string; revenue: number; channel: string }>(
      'SELECT order_id, person_id, revenue, channel FROM sillage.orders ORDER BY order_id',
    )
    const expected = shop.truth.orders
      .map((o) => ({
        order_id: o.orderId,
        person_id: o.personKey,
        revenue: o.revenue,
        channel:
          o.channel === 'app'
            ? 'app'
            : o.channel === 'store'
              ? 'store'
              : expect.stringMatching(/^(web|server)$/),
      }))
      .sort((a, b) => (a.order_id < b.order_id ? -1 : 1))
    expect(rows).toEqual(expected)
  })

  it('explodes properties.products[] into one line per product, as ordered', async () => {
    const rows = await wh.rows<Record<string, unknown>>(
      `SELECT order_id, line_number, product_id, sku, name, category, brand, price, quantity, line_revenue
       FROM sillage.order_items ORDER BY order_id, line_number`,
    )
    const expected = shop.truth.orders
      .flatMap((o) =>
        o.items.map((l, i) => ({
          order_id: o.orderId,
          line_number: i + 1,
          product_id: l.product_id,
          sku: l.sku,
          name: l.name,
          category: l.category,
          brand: l.brand,
          price: l.price,
          quantity: l.quantity,
          line_revenue: Math.round(l.price * l.quantity * 100) / 100,
        })),
      )
      .sort((a, b) =>
        a.order_id < b.order_id ? -1 : a.order_id > b.order_id ? 1 : a.line_number - b.line_number,
      )
    expect(rows.map((r) => ({ ...r, line_number: Number(r['line_number']) }))).toEqual(expected)
  })
})

describe('daily_kpis', () => {
  interface KpiRow {
    day: string
    source: string
    visitors: string
    sessions: string
    bounce_rate: number | null
    conversion_rate: number | null
    add_to_cart_rate: number | null
    cart_abandonment_rate: number | null
    orders: string
    revenue: number
    avg_basket: number | null
    items_per_order: number | null
    new_customers: string
    returning_customers: string
  }

  it('matches the truth for every day and source, and for all sources together', async () => {
    const rows = await wh.rows<KpiRow>('SELECT * FROM sillage.daily_kpis')
    const truth = dailyKpis(shop)
    expect(rows.map((r) => `${r.day}|${r.source}`).sort()).toEqual([...truth.keys()].sort())
    const rate = (n: number, d: number) => (d === 0 ? null : n / d)
    for (const r of rows) {
      const t = truth.get(`${r.day}|${r.source}`)!
      expect({
        key: `${r.day}|${r.source}`,
        visitors: Number(r.visitors),
        sessions: Number(r.sessions),
      }).toEqual({
        key: `${t.day}|${t.source}`,
        visitors: t.visitors,
        sessions: t.sessions,
      })
      for (const [actual, n, d] of [
        [r.bounce_rate, t.bounces, t.sessions],
        [r.conversion_rate, t.convertedSessions, t.sessions],
        [r.add_to_cart_rate, t.cartSessions, t.sessions],
        [r.cart_abandonment_rate, t.abandonedCartSessions, t.cartSessions],
      ] as const) {
        const expected = rate(n, d)
        if (expected === null) expect(actual).toBeNull()
        else near(actual, expected, 4)
      }
      expect([Number(r.orders), Number(r.new_customers), Number(r.returning_customers)]).toEqual([
        t.orders,
        t.newCustomers,
        t.returningCustomers,
      ])
      near(r.revenue, t.revenue, 2)
      if (t.orders === 0) expect(r.avg_basket).toBeNull()
      else {
        near(r.avg_basket, t.revenue / t.orders, 2)
        near(r.items_per_order, t.items / t.orders, 2)
      }
    }
    // Store orders count as commerce, not as traffic.
    expect(rows.some((r) => r.source === '(store)' && Number(r.orders) > 0 && Number(r.sessions) === 0)).toBe(
      true,
    )
  })
})

describe('product_performance', () => {
  it('counts views, adds and purchases per product with the step conversions', async () => {
    const rows = await wh.rows<Record<string, string | number | null>>(
      'SELECT * FROM sillage.product_performance',
    )
    const truth = productPerformance(shop)
    expect(rows.map((r) => r['product_id']).sort()).toEqual([...truth.keys()].sort())
    for (const r of rows) {
      const t = truth.get(String(r['product_id']))!
      expect([r['views'], r['viewers'], r['adds'], r['purchases']].map(Number)).toEqual([
        t.views,
        t.viewers,
        t.adds,
        t.purchases,
      ])
      expect(Number(r['units'])).toBe(t.units)
      near(Number(r['revenue']), t.revenue, 2)
      near(Number(r['view_to_add_rate']), t.adds / t.views, 4)
      // Per visit (0028): a true rate, whatever the orders without an add in the same visit.
      expect([r['add_visits'], r['purchased_add_visits']].map(Number)).toEqual([
        t.addVisits,
        t.purchasedAddVisits,
      ])
      if (t.addVisits > 0) near(Number(r['add_to_purchase_rate']), t.purchasedAddVisits / t.addVisits, 4)
      else expect(r['add_to_purchase_rate']).toBeNull()
      near(Number(r['view_to_purchase_rate']), t.purchases / t.views, 4)
    }
    expect(
      rows.every((r) => r['add_to_purchase_rate'] === null || Number(r['add_to_purchase_rate']) <= 1),
    ).toBe(true)
  })
})
