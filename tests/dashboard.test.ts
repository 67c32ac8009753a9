import Fastify, { type FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLogger } from '../packages/runtime/src/index.js'
import { registerDashboard, type Overview } from '../services/dashboard/src/index.js'
import { mergeDefinitions, parseActivationFile, type AudienceDef } from '../services/activation/src/index.js'
import {
  generateShop,
  openShopWarehouse,
  toEnriched,
  twoStores,
  utcMidnight,
  type ShopWarehouse,
} from './helpers/shop.js'

// The dashboard on a generated shop loaded into real chDB: every tile must equal the SQL of the
// model it comes from (daily_kpis, sessions, orders, order_items, rfm_at, segment_transitions), run
// here independently of the dashboard's own queries.
const ADMIN = 'admin_dashboard_0123456789'
const ANALYST = 'analyst_dashboard_0123456789'
const shop = generateShop({ seed: 11, shoppers: 300, days: 120, end: utcMidnight() })
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10)
const TO = day(shop.end - 86_400_000)
const FROM = day(shop.end - 30 * 86_400_000)
const PREV = { from: day(shop.end - 60 * 86_400_000), to: day(shop.end - 31 * 86_400_000) }

/** The activation file's audiences, as the dashboard is given them (changed by the tests). */
let audiences: Array<AudienceDef & { source?: 'file' | 'api' | undefined }> = []
let wh: ShopWarehouse
let app: FastifyInstance
beforeAll(async () => {
  wh = await openShopWarehouse()
  await wh.insert(twoStores(shop.events).map((g) => ({ event: toEnriched(g), personId: g.personKey })))
  app = Fastify()
  registerDashboard(app, {
    warehouse: wh.warehouse,
    log: createLogger({ level: 'silent' }),
    adminToken: ADMIN,
    analystToken: ANALYST,
    audiences: async () => audiences,
  })
  await app.ready()
})
afterAll(async () => {
  await app?.close()
  await wh?.close()
})

async function overview(query: Record<string, string>, token = ANALYST): Promise<Overview> {
  const res = await app.inject({
    url: `/dashboard/api/overview?${new URLSearchParams(query).toString()}`,
    headers: { authorization: `Bearer ${token}` },
  })
  expect(res.statusCode, res.body).toBe(200)
  return res.json<Overview>()
}
const tile = (o: Overview, name: string) => o.tiles.find((t) => t.name === name)
interface Daily {
  sessions: number
  converted: number
  carts: number
  abandoned: number
  bounces: number
  orders: number
  revenue: number
  new_customers: number
}

/** The period's totals from daily_kpis: counts recovered from each day's rates (rate × sessions). */
async function fromDailyKpis(range: { from: string; to: string }, source = '(all)'): Promise<Daily> {
  const [r] = await wh.rows<Record<string, string | number>>(
    `SELECT
      sum(k.sessions) AS sessions,
      sum(round(k.conversion_rate * k.sessions)) AS converted,
      sum(round(k.add_to_cart_rate * k.sessions)) AS carts,
      sum(round(k.cart_abandonment_rate * round(k.add_to_cart_rate * k.sessions))) AS abandoned,
      sum(round(k.bounce_rate * k.sessions)) AS bounces,
      sum(k.orders) AS orders,
      sum(k.revenue) AS revenue,
      sum(k.new_customers) AS new_customers
    FROM sillage.daily_kpis AS k
    WHERE k.day BETWEEN {from:Date} AND {to:Date} AND k.source = {source:String}`,
    { ...range, source },
  )
  return Object.fromEntries(Object.entries(r ?? {}).map(([k, v]) => [k, Number(v)])) as unknown as Daily
}

function expectTilesMatch(o: Overview, d: Daily, which: 'value' | 'previous' = 'value') {
  const v = (name: string) => tile(o, name)?.[which] ?? null
  expect(d.sessions).toBeGreaterThan(0)
  expect(v('visits')).toBe(d.sessions)
  expect(v('orders')).toBe(d.orders)
  expect(v('revenue')).toBeCloseTo(d.revenue, 2)
  expect(v('avgBasket')).toBeCloseTo(d.revenue / d.orders, 2)
  expect(v('conversionRate')).toBeCloseTo(d.converted / d.sessions, 10)
  expect(v('bounceRate')).toBeCloseTo(d.bounces / d.sessions, 10)
  expect(v('cartAbandonmentRate')).toBeCloseTo(d.abandoned / d.carts, 10)
  expect(v('newCustomers')).toBe(d.new_customers)
}

describe('KPI tiles equal their models', () => {
  it('every tile of the period and of the previous period equals daily_kpis', async () => {
    const o = await overview({ from: FROM, to: TO })
    expect(o.previous).toEqual(PREV)
    expectTilesMatch(o, await fromDailyKpis({ from: FROM, to: TO }))
    expectTilesMatch(o, await fromDailyKpis(PREV), 'previous')
    // Returning customers: people who ordered in the period's sessions and had ordered before it.
    const [r] = await wh.rows<{ n: string }>(
      `SELECT uniqExact(o.person_id) AS n
      FROM (SELECT arrayJoin(order_ids) AS order_id FROM sillage.sessions
            WHERE toDate(session_start) BETWEEN {from:Date} AND {to:Date}) AS s
      INNER JOIN sillage.orders AS o ON o.order_id = s.order_id
      WHERE o.person_id IN (SELECT person_id FROM sillage.orders GROUP BY person_id
                            HAVING min(toDate(ordered_at)) < {from:Date})`,
      { from: FROM, to: TO },
    )
    expect(tile(o, 'returningCustomers')?.value).toBe(Number(r?.n))
    expect(Number(r?.n)).toBeGreaterThan(0)
  })

  it('a source filter gives daily_kpis of that source', async () => {
    const all = await overview({ from: FROM, to: TO })
    const source = all.bySource.find((s) => s.key !== '(direct)' && s.orders > 0)?.key
    expect(source).toBeDefined()
    const o = await overview({ from: FROM, to: TO, source: source ?? '' })
    expectTilesMatch(o, await fromDailyKpis({ from: FROM, to: TO }, source))
  })

  it('a channel filter counts the sessions of that channel', async () => {
    const o = await overview({ from: FROM, to: TO, channel: 'app' })
    const [r] = await wh.rows<{ visits: string; orders: string; revenue: number }>(
      `SELECT countIf(is_visit) AS visits, sum(length(order_ids)) AS orders, round(sum(revenue), 2) AS revenue
      FROM sillage.sessions WHERE channel = 'app' AND toDate(session_start) BETWEEN {from:Date} AND {to:Date}`,
      { from: FROM, to: TO },
    )
    expect(tile(o, 'visits')?.value).toBe(Number(r?.visits))
    expect(tile(o, 'orders')?.value).toBe(Number(r?.orders))
    expect(tile(o, 'revenue')?.value).toBeCloseTo(Number(r?.revenue), 2)
    expect(o.byChannel.map((c) => c.key)).toEqual(['app'])
  })
})

describe('charts equal their models', () => {
  it('the daily series sums to the tiles; weekly buckets start on Mondays', async () => {
    const o = await overview({ from: FROM, to: TO })
    expect(o.series).toHaveLength(30)
    expect(o.series.reduce((s, p) => s + p.visits, 0)).toBe(tile(o, 'visits')?.value)
    const [d] = await wh.rows<{ sessions: string }>(
      `SELECT sessions FROM sillage.daily_kpis WHERE day = {d:Date} AND source = '(all)'`,
      { d: o.series[5]?.bucket },
    )
    expect(o.series[5]?.visits).toBe(Number(d?.sessions ?? 0))
    const w = await overview({ from: FROM, to: TO, granularity: 'week' })
    expect(w.series.every((p) => new Date(`${p.bucket}T00:00:00Z`).getUTCDay() === 1)).toBe(true)
    expect(w.series.reduce((s, p) => s + p.orders, 0)).toBe(tile(o, 'orders')?.value)
  })

  it('the funnel counts visits that viewed, added, checked out and ordered (sessions)', async () => {
    const o = await overview({ from: FROM, to: TO })
    const [r] = await wh.rows<Record<string, string>>(
      `SELECT countIf(is_visit) AS visits, countIf(is_visit AND product_views > 0) AS views,
        countIf(is_visit AND added_to_cart) AS adds, countIf(is_visit AND checkout_started) AS checkouts,
        countIf(is_visit AND converted) AS orders
      FROM sillage.sessions WHERE toDate(session_start) BETWEEN {from:Date} AND {to:Date}`,
      { from: FROM, to: TO },
    )
    expect(Object.fromEntries(o.funnel.map((s) => [s.step, s.sessions]))).toEqual(
      Object.fromEntries(Object.entries(r ?? {}).map(([k, v]) => [k, Number(v)])),
    )
  })

  it('the split by source equals daily_kpis per source', async () => {
    const o = await overview({ from: FROM, to: TO })
    const rows = await wh.rows<{ source: string; sessions: string; orders: string }>(
      `SELECT source, sum(sessions) AS sessions, sum(orders) AS orders FROM sillage.daily_kpis
      WHERE day BETWEEN {from:Date} AND {to:Date} AND source != '(all)' GROUP BY source`,
      { from: FROM, to: TO },
    )
    const expected = new Map(rows.map((r) => [r.source, [Number(r.sessions), Number(r.orders)]]))
    expect(o.bySource.length).toBeGreaterThan(2)
    for (const s of o.bySource)
      expect([s.key, s.visits, s.orders]).toEqual([s.key, ...(expected.get(s.key) ?? [])])
  })

  it('top products, the RFM grid, transitions and dormant customers equal their models', async () => {
    const from = day(shop.start)
    const o = await overview({ from, to: TO })
    // Over the whole period, the top products are product_performance's.
    const top = await wh.rows<{ product_id: string; purchases: string; units: number; revenue: number }>(
      `SELECT product_id, purchases, units, revenue FROM sillage.product_performance
      WHERE purchases > 0 ORDER BY revenue DESC, product_id LIMIT 10`,
    )
    expect(o.topProducts.map((p) => [p.productId, p.orders, p.units, p.revenue])).toEqual(
      top.map((p) => [p.product_id, Number(p.purchases), Number(p.units), Number(p.revenue)]),
    )
    const asOf = `${day(shop.end)} 00:00:00.000`
    const rfm = await wh.rows<{ segment: string; people: string; revenue: number }>(
      `SELECT segment, count() AS people, round(sum(monetary), 2) AS revenue
      FROM sillage.rfm_at(as_of = {a:DateTime64(3)}) GROUP BY segment ORDER BY segment`,
      { a: asOf },
    )
    expect(rfm.length).toBeGreaterThan(3)
    expect(o.rfm.map((r) => [r.segment, r.people, r.revenue])).toEqual(
      rfm.map((r) => [r.segment, Number(r.people), Number(r.revenue)]),
    )
    const tr = await wh.rows<{ from_segment: string; to_segment: string; people: string }>(
      `SELECT from_segment, to_segment, people FROM sillage.segment_transitions(
        period_a = {a:DateTime64(3)}, period_b = {b:DateTime64(3)}) ORDER BY from_segment, to_segment`,
      { a: `${from} 00:00:00.000`, b: asOf },
    )
    expect(o.transitions.map((c) => [c.from, c.to, c.people])).toEqual(
      tr.map((c) => [c.from_segment, c.to_segment, Number(c.people)]),
    )
    const dormant = rfm.find((r) => r.segment === 'dormant')
    expect(o.dormant.people).toBe(Number(dormant?.people))
    expect(o.dormant.top.length).toBe(Math.min(10, o.dormant.people))
  })
})

describe('stores', () => {
  /** store_daily_kpis over the range, per store. */
  const storeKpis = (store = '') =>
    wh.rows<{ store_id: string; n: string; amount: number }>(
      `SELECT k.store_id AS store_id, sum(k.orders) AS n, round(sum(k.revenue), 2) AS amount
      FROM sillage.store_daily_kpis AS k
      WHERE k.day BETWEEN {from:Date} AND {to:Date} AND k.orders > 0
        AND ({store:String} = '' OR k.store_id = {store:String})
      GROUP BY k.store_id ORDER BY amount DESC, store_id`,
      { from: FROM, to: TO, store },
    )

  it('the split by store equals store_daily_kpis; the options list the stores', async () => {
    const o = await overview({ from: FROM, to: TO })
    const rows = await storeKpis()
    expect(rows.map((r) => r.store_id).sort()).toEqual(['lyon-part-dieu', 'paris-marais'])
    expect(o.byStore.map((s) => [s.storeId, s.orders, s.revenue])).toEqual(
      rows.map((r) => [r.store_id, Number(r.n), Number(r.amount)]),
    )
    for (const s of o.byStore) expect(s.avgBasket).toBeCloseTo((s.revenue ?? NaN) / s.orders, 2)
    expect(o.options?.stores).toEqual(['lyon-part-dieu', 'paris-marais'])
    // A web-only view has no shop in it.
    expect((await overview({ from: FROM, to: TO, channel: 'web' })).byStore).toEqual([])
  })

  it("one store selected: the tiles are that store's store_daily_kpis", async () => {
    for (const store of ['lyon-part-dieu', 'paris-marais']) {
      const o = await overview({ from: FROM, to: TO, store })
      expect(o.filters.store).toBe(store)
      const [r] = await storeKpis(store)
      const orders = Number(r?.n)
      expect(orders).toBeGreaterThan(0)
      expect(tile(o, 'orders')?.value).toBe(orders)
      expect(tile(o, 'revenue')?.value).toBeCloseTo(Number(r?.amount), 2)
      expect(tile(o, 'avgBasket')?.value).toBeCloseTo(Number(r?.amount) / orders, 2)
      expect(o.byStore.map((s) => s.storeId)).toEqual([store])
      expect(o.byChannel.map((c) => c.key)).toEqual(['store'])
      // The previous period is the same store's.
      const [p] = await wh.rows<{ orders: string }>(
        `SELECT sum(k.orders) AS orders FROM sillage.store_daily_kpis AS k
        WHERE k.day BETWEEN {from:Date} AND {to:Date} AND k.store_id = {store:String}`,
        { ...PREV, store },
      )
      expect(tile(o, 'orders')?.previous).toBe(Number(p?.orders ?? 0))
      // Top products are that store's receipts' lines.
      const [lines] = await wh.rows<{ units: string }>(
        `SELECT sum(quantity) AS units FROM sillage.order_items
        WHERE order_id IN (SELECT order_id FROM sillage.order_channels
          WHERE store_id = {store:String} AND toDate(ordered_at) BETWEEN {from:Date} AND {to:Date})`,
        { from: FROM, to: TO, store },
      )
      const top = o.topProducts.reduce((sum, p) => sum + p.units, 0)
      expect(top).toBeGreaterThan(0)
      expect(top).toBeLessThanOrEqual(Number(lines?.units))
    }
  })
})

describe('dormant customers and the reactivation audience', () => {
  it('shows none when no audience selects dormant customers', async () => {
    audiences = parseActivationFile(
      JSON.stringify({ audiences: [{ id: 'vip', rule: 'rfm_segment = champions' }] }),
    ).audiences
    expect((await overview({ from: FROM, to: TO })).dormant.audiences).toEqual([])
  })

  it("shows the audience's name, members now and last change from audience_membership", async () => {
    audiences = parseActivationFile(
      JSON.stringify({
        audiences: [
          { id: 'vip', rule: 'rfm_segment = champions' },
          {
            id: 'winback',
            name: 'Dormant customers to win back',
            rule: 'rfm_segment in (hibernating, dormant) and last_order_days >= 60',
          },
        ],
      }),
    ).audiences
    const before = await overview({ from: FROM, to: TO })
    expect(before.dormant.audiences).toEqual([
      {
        id: 'winback',
        name: 'Dormant customers to win back',
        source: 'file',
        members: 0,
        lastChangeAt: null,
      },
    ])
    // Three entered, one of whom has left since; another audience's rows do not count.
    const row = (audience_id: string, person_id: string, seq: number, at: string) => ({
      audience_id,
      person_id,
      seq,
      change: seq % 2 === 1 ? 'entered' : 'exited',
      at,
      message_id: `${audience_id}-${person_id}-${seq}`,
    })
    await wh.warehouse.client.insert({
      table: 'sillage.audience_membership',
      values: [
        row('winback', 'p1', 1, '2026-11-01 08:00:00.000'),
        row('winback', 'p2', 1, '2026-11-01 08:00:00.000'),
        row('winback', 'p3', 1, '2026-11-01 08:00:00.000'),
        row('winback', 'p3', 2, '2026-11-20 09:30:00.000'),
        row('vip', 'p9', 1, '2026-11-25 10:00:00.000'),
      ],
      format: 'JSONEachRow',
    })
    // The documented "who is in the audience now" query.
    const [now] = await wh.rows<{ n: string }>(
      `SELECT count() AS n FROM (SELECT person_id FROM sillage.audience_membership
      WHERE audience_id = 'winback' GROUP BY person_id HAVING argMax(change, seq) = 'entered')`,
    )
    const o = await overview({ from: FROM, to: TO })
    expect(o.dormant.audiences).toEqual([
      {
        id: 'winback',
        name: 'Dormant customers to win back',
        source: 'file',
        members: Number(now?.n),
        lastChangeAt: '2026-11-20 09:30:00.000',
      },
    ])
    expect(Number(now?.n)).toBe(2)
  })

  it('shows an audience of the admin API beside the file ones, with its source', async () => {
    // As `sillage start` passes them: mergeDefinitions' audiences, each with its origin's source.
    const merged = mergeDefinitions(
      parseActivationFile(JSON.stringify({ audiences: [{ id: 'vip', rule: 'rfm_segment = champions' }] })),
      [
        {
          id: 'winback',
          version: 2,
          definition: { id: 'winback', name: 'Win back (API)', rule: 'rfm_segment = dormant' },
          deleted: false,
          updatedAt: '2026-11-30T08:00:00.000Z',
        },
      ],
    )
    audiences = merged.audiences.map((a) => ({ ...a, source: merged.origins.get(a.id)?.source }))
    const o = await overview({ from: FROM, to: TO })
    expect(o.dormant.audiences).toEqual([
      expect.objectContaining({ id: 'winback', name: 'Win back (API)', source: 'api', members: 2 }),
    ])
  })
})

describe('access', () => {
  it('needs the admin or the analyst token; a cookie from the sign-in form works', async () => {
    expect((await app.inject({ url: '/dashboard/api/overview' })).statusCode).toBe(401)
    const wrong = await app.inject({
      url: '/dashboard/api/options',
      headers: { authorization: 'Bearer nope' },
    })
    expect(wrong.json()).toMatchObject({ code: 'SIL_ADMIN_UNAUTHORIZED' })
    const admin = await app.inject({
      url: '/dashboard/api/options',
      headers: { authorization: `Bearer ${ADMIN}` },
    })
    expect(admin.json()).toMatchObject({
      role: 'admin',
      channels: expect.arrayContaining(['web', 'app', 'store']),
    })
    expect((await app.inject({ url: '/dashboard/' })).body).toContain('action="/dashboard/login"')
    // The sign-in page speaks the reader's language: the browser's, or the view's own `lang`.
    const fr = await app.inject({
      url: '/dashboard/',
      headers: { 'accept-language': 'fr-FR,fr;q=0.9,en;q=0.8' },
    })
    expect(fr.body).toContain('<html lang="fr">')
    expect(fr.body).toContain('Se connecter')
    expect(fr.body).not.toContain('{{')
    const refused = await app.inject({
      method: 'POST',
      url: '/dashboard/login?lang=fr-FR&from=2026-01-01',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'accept-language': 'en' },
      payload: 'token=nope',
    })
    expect(refused.statusCode).toBe(401)
    expect(refused.body).toContain('<p id="error">Ce jeton n’est ni le jeton analyste')
    expect(refused.body).toContain('action="/dashboard/login?from=2026-01-01&amp;lang=fr-FR"')
    expect((await app.inject({ url: '/dashboard/' })).body).toContain('<html lang="en">')
    const login = await app.inject({
      method: 'POST',
      url: '/dashboard/login',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `token=${ANALYST}`,
    })
    expect(login.statusCode).toBe(303)
    const cookie = String(login.headers['set-cookie']).split(';')[0] ?? ''
    expect(String(login.headers['set-cookie'])).toContain('HttpOnly')
    const page = await app.inject({ url: '/dashboard/', headers: { cookie } })
    expect(page.body).toContain('id="tiles"')
    expect(page.headers['content-security-policy']).toContain("script-src 'self'")
    const api = await app.inject({ url: '/dashboard/api/options', headers: { cookie } })
    expect(api.json()).toMatchObject({ role: 'analyst' })
    const forged = cookie.replace(/^(sillage_dashboard=)analyst/, '$1admin')
    expect(
      (await app.inject({ url: '/dashboard/api/options', headers: { cookie: forged } })).statusCode,
    ).toBe(401)
  })

  it('refuses malformed filters with SIL_DASHBOARD_FILTER_INVALID', async () => {
    const res = await app.inject({
      url: "/dashboard/api/overview?from=2026-01-01&to=x'; DROP TABLE events",
      headers: { authorization: `Bearer ${ADMIN}` },
    })
    expect(res.statusCode).toBe(400)
    expect(res.json()).toMatchObject({ code: 'SIL_DASHBOARD_FILTER_INVALID' })
  })
})
