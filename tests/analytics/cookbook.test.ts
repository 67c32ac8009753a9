import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createHash } from 'node:crypto'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cliMain, repoRoot } from '../helpers/pipeline.js'
import {
  abandonedCarts,
  customers,
  dailyKpis,
  dayOf,
  funnelLevels,
  generateShop,
  openShopWarehouse,
  productPerformance,
  rfmAt,
  round2,
  segmentTransitions,
  shopDetector,
  toEnriched,
  utcMidnight,
  type ShopWarehouse,
  type TruthSession,
} from '../helpers/shop.js'

// Every recipe of docs/analysts.md, run exactly as written through `sillage query` on a generated
// shop (Cart Abandoned detected as the pipeline would), and compared with the shop's ground truth.
const DAY = 86_400_000
const shop = generateShop({ seed: 5, shoppers: 700, days: 200, end: utcMidnight() })
const recipes = [
  ...readFileSync(`${repoRoot}/docs/analysts.md`, 'utf8').matchAll(
    /```sql\n-- recipe: ([a-z0-9-]+)\n([\s\S]*?)```/g,
  ),
].map((m) => ({ id: m[1]!, sql: `-- recipe: ${m[1]}\n${m[2]!}` }))

type Row = Record<string, unknown>
const num = (v: unknown) => (v === null || v === undefined ? null : Number(v))
const close = (actual: unknown, expected: number | null, digits: number) => {
  if (expected === null || Number.isNaN(expected))
    return expect(num(actual) === null || Number.isNaN(num(actual))).toBe(true)
  expect(Math.abs((num(actual) ?? NaN) - expected)).toBeLessThanOrEqual(0.6 * 10 ** -digits)
}
const ratio = (n: number, d: number) => (d === 0 ? null : n / d)
const groupBy = <T, K>(xs: readonly T[], key: (x: T) => K) => {
  const m = new Map<K, T[]>()
  for (const x of xs) m.set(key(x), [...(m.get(key(x)) ?? []), x])
  return m
}
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex')
const ms = (t: unknown) => Date.parse(`${String(t).replace(' ', 'T')}Z`)

let wh: ShopWarehouse
let today = 0
beforeAll(async () => {
  wh = await openShopWarehouse()
  await wh.insert(shop.events.map((g) => ({ event: toEnriched(g), personId: g.personKey })))
  await shopDetector(wh, shop).detector.tick()
  const [t] = await wh.rows<{ d: string }>('SELECT toString(today()) AS d')
  today = Date.parse(`${t!.d}T00:00:00Z`)
  // chDB allows one process per data dir: the CLI opens it once this process has let go.
  await wh.warehouse.close()
})
afterAll(async () => {
  await wh?.close()
})

const run = promisify(execFile)
/** `sillage query "<sql>"` on the shop's data dir, as an analyst pastes it; rows from its stdout. */
async function sillageQuery(sql: string): Promise<Row[]> {
  const env: Record<string, string | undefined> = { ...process.env, SILLAGE_DATA_DIR: wh.dataDir }
  for (const v of ['CLICKHOUSE_URL', 'CLICKHOUSE_DATABASE', 'SILLAGE_SOURCES', 'SILLAGE_SOURCES_FILE'])
    delete env[v]
  const { stdout } = await run(process.execPath, [cliMain, 'query', sql], {
    cwd: repoRoot,
    env,
    maxBuffer: 64 * 1024 * 1024,
  })
  return stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Row)
}

const visits = (since: number) => shop.truth.sessions.filter((s) => s.pages > 0 && s.start >= since)
const ordersById = new Map(shop.truth.orders.map((o) => [o.orderId, o]))
const people = customers(shop)

/** For each recipe: its rows against the truth. */
const checks: Record<string, (rows: Row[]) => void> = {
  'daily-kpis': (rows) => {
    const truth = [...dailyKpis(shop).values()]
      .filter((k) => k.source === '(all)' && Date.parse(`${k.day}T00:00:00Z`) >= today - 30 * DAY)
      .sort((a, b) => (a.day < b.day ? -1 : 1))
    expect(rows.map((r) => r['day'])).toEqual(truth.map((t) => t.day))
    rows.forEach((r, i) => {
      const t = truth[i]!
      expect(
        [r['visitors'], r['sessions'], r['orders'], r['new_customers'], r['returning_customers']].map(Number),
      ).toEqual([t.visitors, t.sessions, t.orders, t.newCustomers, t.returningCustomers])
      close(r['revenue'], t.revenue, 2)
      close(r['bounce_rate'], ratio(t.bounces, t.sessions), 4)
      close(r['conversion_rate'], ratio(t.convertedSessions, t.sessions), 4)
      close(r['add_to_cart_rate'], ratio(t.cartSessions, t.sessions), 4)
      close(r['cart_abandonment_rate'], ratio(t.abandonedCartSessions, t.cartSessions), 4)
      close(r['avg_basket'], ratio(t.revenue, t.orders), 2)
      close(r['items_per_order'], ratio(t.items, t.orders), 2)
    })
  },
  'kpis-by-source': (rows) => {
    const since = today - 90 * DAY
    const bySource = groupBy(
      shop.truth.sessions.filter((s) => s.start >= since),
      (s) => s.source,
    )
    const truth = [...bySource].map(([source, ss]) => {
      const v = ss.filter((s) => s.pages > 0)
      const orders = ss.reduce((n, s) => n + s.orderIds.length, 0)
      const revenue = round2(ss.reduce((n, s) => n + s.revenue, 0))
      return {
        source,
        visits: v.length,
        visitors: new Set(v.map((s) => s.personKey)).size,
        conversion: ratio(v.filter((s) => s.orderIds.length > 0).length, v.length),
        orders,
        revenue,
        basket: ratio(revenue, orders),
      }
    })
    truth.sort((a, b) => b.revenue - a.revenue || (a.source < b.source ? -1 : 1))
    expect(rows.map((r) => r['source'])).toEqual(truth.map((t) => t.source))
    rows.forEach((r, i) => {
      const t = truth[i]!
      expect([r['visits'], r['visitors'], r['orders']].map(Number)).toEqual([t.visits, t.visitors, t.orders])
      close(r['conversion_rate'], t.conversion, 4)
      close(r['revenue'], t.revenue, 2)
      close(r['avg_basket'], t.basket, 2)
    })
  },
  campaigns: (rows) => {
    const groups = groupBy(
      visits(today - 90 * DAY).filter((s) => s.utmCampaign !== ''),
      (s) => `${s.utmSource}|${s.utmMedium}|${s.utmCampaign}`,
    )
    const truth = [...groups].map(([key, ss]) => ({
      key,
      campaign: ss[0]!.utmCampaign,
      visits: ss.length,
      visitors: new Set(ss.map((s) => s.personKey)).size,
      converted: ss.filter((s) => s.orderIds.length > 0).length,
      revenue: round2(ss.reduce((n, s) => n + s.revenue, 0)),
    }))
    truth.sort((a, b) => b.revenue - a.revenue || (a.campaign < b.campaign ? -1 : 1))
    expect(rows.map((r) => `${r['utm_source']}|${r['utm_medium']}|${r['utm_campaign']}`)).toEqual(
      truth.map((t) => t.key),
    )
    rows.forEach((r, i) => {
      const t = truth[i]!
      expect([r['visits'], r['visitors'], r['converted_visits']].map(Number)).toEqual([
        t.visits,
        t.visitors,
        t.converted,
      ])
      close(r['revenue'], t.revenue, 2)
      close(r['conversion_rate'], t.converted / t.visits, 4)
      close(r['revenue_per_visit'], t.revenue / t.visits, 2)
    })
    expect(truth.length).toBeGreaterThan(3)
  },
  funnel: (rows) => {
    const levels = [
      ...funnelLevels(
        shop,
        ['Product Viewed', 'Product Added', 'Checkout Started', 'Order Completed'],
        3600,
        {
          since: today - 30 * DAY,
        },
      ).values(),
    ]
    const reached = (k: number) => levels.filter((l) => l >= k).length
    const [r] = rows
    expect([r!['viewed'], r!['added'], r!['checked_out'], r!['ordered']].map(Number)).toEqual(
      [1, 2, 3, 4].map(reached),
    )
    close(r!['view_to_add'], reached(2) / reached(1), 4)
    close(r!['checkout_to_order'], reached(4) / reached(3), 4)
    expect(reached(4)).toBeGreaterThan(0)
  },
  'funnel-by-device': (rows) => {
    const groups = groupBy(visits(today - 30 * DAY), (s) => s.deviceType)
    const truth = [...groups]
      .map(([device, ss]) => ({
        device,
        counts: [
          ss.length,
          ss.filter((s) => s.productViews > 0).length,
          ss.filter((s) => s.added).length,
          ss.filter((s) => s.checkoutStarted).length,
          ss.filter((s) => s.orderIds.length > 0).length,
        ],
      }))
      .sort((a, b) => b.counts[0]! - a.counts[0]! || (a.device < b.device ? -1 : 1))
    expect(
      rows.map((r) => ({
        device: r['device_type'],
        counts: [
          r['visits'],
          r['viewed_a_product'],
          r['added_to_cart'],
          r['started_checkout'],
          r['ordered'],
        ].map(Number),
      })),
    ).toEqual(truth)
  },
  'top-products': (rows) => {
    const truth = [...productPerformance(shop).values()]
      .sort((a, b) => b.revenue - a.revenue || (a.productId < b.productId ? -1 : 1))
      .slice(0, 10)
    expect(
      rows.map((r) => [r['product_id'], ...[r['views'], r['adds'], r['purchases'], r['units']].map(Number)]),
    ).toEqual(truth.map((t) => [t.productId, t.views, t.adds, t.purchases, t.units]))
    rows.forEach((r, i) => close(r['revenue'], truth[i]!.revenue, 2))
  },
  'cross-sell': (rows) => {
    const perProduct = new Map<string, number>()
    const pairs = new Map<string, number>()
    for (const o of shop.truth.orders) {
      const ids = [...new Set(o.items.map((l) => l.product_id))]
      for (const a of ids) {
        perProduct.set(a, (perProduct.get(a) ?? 0) + 1)
        for (const b of ids) if (a !== b) pairs.set(`${a}|${b}`, (pairs.get(`${a}|${b}`) ?? 0) + 1)
      }
    }
    const all = shop.truth.orders.filter((o) => o.items.length > 0).length
    const truth = [...pairs]
      .filter(([, n]) => n >= 5)
      .map(([key, n]) => {
        const [a, b] = key.split('|') as [string, string]
        return {
          a,
          b,
          n,
          confidence: n / perProduct.get(a)!,
          lift: (n * all) / (perProduct.get(a)! * perProduct.get(b)!),
        }
      })
      .sort((x, y) => y.n - x.n || (x.a < y.a ? -1 : x.a > y.a ? 1 : x.b < y.b ? -1 : 1))
      .slice(0, 20)
    expect(rows.map((r) => [r['product'], r['bought_with'], Number(r['orders_together'])])).toEqual(
      truth.map((t) => [t.a, t.b, t.n]),
    )
    rows.forEach((r, i) => {
      close(r['confidence'], truth[i]!.confidence, 4)
      close(r['lift'], truth[i]!.lift, 2)
    })
  },
  'carts-to-remind': (rows) => {
    const now = Date.now()
    const truth = abandonedCarts(shop, 30)
      .filter((a) => a.abandonedAt >= now - 7 * DAY && !a.recoveredOrderId)
      .filter(
        (a) =>
          people.get(a.personKey)!.consentCategories.includes('marketing') && people.get(a.personKey)!.email,
      )
      .sort((a, b) => b.value - a.value || a.abandonedAt - b.abandonedAt)
    expect(rows.map((r) => [r['person_id'], r['cart_id'], r['email_sha256']])).toEqual(
      truth.map((a) => [a.personKey, a.cartId, sha256(people.get(a.personKey)!.email)]),
    )
    expect(truth.length).toBeGreaterThan(0)
  },
  'abandonment-by-week': (rows) => {
    const monday = (t: number) => {
      const d = Math.floor(t / DAY)
      return dayOf((d - ((d + 3) % 7)) * DAY)
    }
    const weeks = groupBy(abandonedCarts(shop, 30), (a) => monday(a.abandonedAt))
    const truth = [...weeks].sort(([a], [b]) => (a < b ? -1 : 1))
    expect(rows.map((r) => [r['week'], Number(r['carts']), Number(r['recovered_carts'])])).toEqual(
      truth.map(([week, cs]) => [week, cs.length, cs.filter((c) => c.recoveredOrderId).length]),
    )
    rows.forEach((r, i) => {
      const cs = truth[i]![1]
      close(
        r['value_abandoned'],
        cs.reduce((n, c) => n + c.value, 0),
        2,
      )
      close(
        r['revenue_recovered'],
        cs.reduce((n, c) => n + (c.recoveredOrderId ? ordersById.get(c.recoveredOrderId)!.revenue : 0), 0),
        2,
      )
    })
  },
  'dormant-customers': (rows) => {
    const now = Date.now()
    const truth = [...rfmAt(shop, now).values()]
      .filter((p) => ['at_risk', 'hibernating', 'dormant'].includes(p.segment))
      .filter((p) => Math.floor(now / DAY) - Math.floor(p.lastOrderAt / DAY) >= 60)
      .filter((p) => people.get(p.personId)!.consentCategories.includes('marketing'))
      .sort((a, b) => b.monetary - a.monetary || (a.personId < b.personId ? -1 : 1))
      .slice(0, 50)
    expect(rows.map((r) => [r['person_id'], r['segment'], Number(r['orders'])])).toEqual(
      truth.map((p) => [p.personId, p.segment, p.frequency]),
    )
    expect(truth.length).toBeGreaterThan(5)
  },
  'rfm-overview': (rows) => {
    const now = Date.now()
    const bySegment = groupBy([...rfmAt(shop, now).values()], (p) => p.segment)
    const total = [...bySegment.values()].flat().reduce((n, p) => n + p.monetary, 0)
    const truth = [...bySegment]
      .map(([segment, ps]) => ({
        segment,
        customers: ps.length,
        orders: ps.reduce((n, p) => n + p.frequency, 0) / ps.length,
        revenue: ps.reduce((n, p) => n + p.monetary, 0),
        recency:
          ps.reduce((n, p) => n + Math.floor(now / DAY) - Math.floor(p.lastOrderAt / DAY), 0) / ps.length,
      }))
      .sort((a, b) => b.revenue - a.revenue)
    expect(rows.map((r) => [r['segment'], Number(r['customers'])])).toEqual(
      truth.map((t) => [t.segment, t.customers]),
    )
    rows.forEach((r, i) => {
      const t = truth[i]!
      close(r['revenue'], t.revenue, 2)
      close(r['avg_orders'], t.orders, 2)
      close(r['avg_recency_days'], t.recency, 1)
      close(r['revenue_share'], t.revenue / total, 4)
    })
  },
  'segment-matrix': (rows) => {
    const truth = segmentTransitions(shop, today - 90 * DAY, today)
    const segments = [
      'champions',
      'loyal',
      'promising',
      'need_attention',
      'at_risk',
      'hibernating',
      'dormant',
    ]
    const froms = [...new Set([...truth.keys()].map((k) => k.split('→')[0]!))].sort()
    expect(rows.map((r) => r['from_segment'])).toEqual(froms)
    for (const r of rows) {
      for (const to of segments)
        expect(Number(r[to])).toBe(truth.get(`${String(r['from_segment'])}→${to}`) ?? 0)
    }
  },
  'customers-by-month': (rows) => {
    const month = (t: number) => `${dayOf(t).slice(0, 7)}-01`
    const first = new Map<string, number>()
    for (const o of shop.truth.orders)
      first.set(o.personKey, Math.min(first.get(o.personKey) ?? Infinity, o.at))
    const truth = [...groupBy(shop.truth.orders, (o) => month(o.at))].sort(([a], [b]) => (a < b ? -1 : 1))
    expect(
      rows.map((r) => [
        r['month'],
        ...[r['new_customers'], r['returning_customers'], r['orders']].map(Number),
      ]),
    ).toEqual(
      truth.map(([m, os]) => [
        m,
        new Set(os.filter((o) => month(first.get(o.personKey)!) === m).map((o) => o.personKey)).size,
        new Set(os.filter((o) => month(first.get(o.personKey)!) < m).map((o) => o.personKey)).size,
        os.length,
      ]),
    )
    rows.forEach((r, i) =>
      close(
        r['revenue'],
        truth[i]![1].reduce((n, o) => n + o.revenue, 0),
        2,
      ),
    )
  },
  'repeat-purchase': (rows) => {
    const byPerson = groupBy(shop.truth.orders, (o) => o.personKey)
    const repeaters = [...byPerson.values()].filter((os) => os.length >= 2)
    const gaps = repeaters.map((os) => {
      const [a, b] = os.map((o) => o.at).sort((x, y) => x - y)
      return Math.floor(b! / DAY) - Math.floor(a! / DAY)
    })
    const [r] = rows
    expect([r!['customers'], r!['repeat_customers']].map(Number)).toEqual([byPerson.size, repeaters.length])
    close(r!['repeat_rate'], repeaters.length / byPerson.size, 4)
    close(r!['avg_days_to_second_order'], gaps.reduce((n, g) => n + g, 0) / gaps.length, 1)
  },
  'landing-pages': (rows) => {
    const groups = groupBy(
      shop.truth.sessions.filter((s: TruthSession) => s.pages > 0 && s.channel === 'web'),
      (s) => s.landingPage,
    )
    const truth = [...groups]
      .filter(([, ss]) => ss.length >= 20)
      .sort(([a, x], [b, y]) => y.length - x.length || (a < b ? -1 : 1))
    expect(rows.map((r) => [r['landing_page'], Number(r['visits'])])).toEqual(
      truth.map(([p, ss]) => [p, ss.length]),
    )
    rows.forEach((r, i) => {
      const ss = truth[i]![1]
      close(r['bounce_rate'], ss.filter((s) => s.bounced).length / ss.length, 4)
      close(r['conversion_rate'], ss.filter((s) => s.orderIds.length > 0).length / ss.length, 4)
    })
  },
  'propensity-quality': (rows) => {
    const [r] = rows
    expect(ms(r!['cutoff'])).toBe(today - 30 * DAY)
    expect(Number(r!['holdout_rows'])).toBeGreaterThan(50)
    expect(Number(r!['auc'])).toBeGreaterThan(0.6)
  },
  'likely-buyers': (rows) => {
    const lastOrder = new Map<string, number>()
    for (const o of shop.truth.orders)
      lastOrder.set(o.personKey, Math.max(lastOrder.get(o.personKey) ?? 0, o.at))
    const now = Date.now()
    const eligible = [...lastOrder].filter(([, at]) => Math.floor(now / DAY) - Math.floor(at / DAY) > 30)
    expect(rows.length).toBe(Math.min(20, eligible.length))
    for (const r of rows) expect(eligible.map(([k]) => k)).toContain(r['person_id'])
    const scores = rows.map((r) => Number(r['propensity_30d']))
    expect(scores).toEqual([...scores].sort((a, b) => b - a))
  },
  'customer-lookup': (rows) => {
    const t = people.get('shopper-0006')!
    expect(t.userIds).toEqual(['u-0006'])
    expect(rows).toHaveLength(1)
    expect({
      orders: Number(rows[0]!['orders']),
      channels: rows[0]!['channels'],
      email: rows[0]!['email_sha256'],
    }).toEqual({
      orders: t.orders,
      channels: t.channels,
      email: sha256(t.email),
    })
  },
}

describe('docs/analysts.md cookbook', () => {
  it('has at least 12 recipes, each with a check here', () => {
    expect(recipes.length).toBeGreaterThanOrEqual(12)
    expect(recipes.map((r) => r.id).sort()).toEqual(Object.keys(checks).sort())
  })

  for (const recipe of recipes) {
    it(`${recipe.id}: runs as written and matches the ground truth`, async () => {
      const rows = await sillageQuery(recipe.sql)
      expect(rows.length).toBeGreaterThan(0)
      checks[recipe.id]!(rows)
    })
  }
})
