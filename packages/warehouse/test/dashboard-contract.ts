/**
 * The dashboard repository's part of the warehouse contract (contract.ts, schema part): two
 * people on one day, one web visit that orders and one point-of-sale order, stored as events, then
 * every dashboard read against what they must give. Dated 2026-02-09 (within the events TTL of
 * 25 months, before what the other parts store), so that the counts over that day are its own.
 */
import { randomUUID } from 'node:crypto'
import { expect, it } from 'vitest'
import { createDashboardRepository, insertRows, type Warehouse } from '../src/index.js'

const DAY = '2026-02-09'
const at = (minute: number) => `${DAY}T10:${String(minute).padStart(2, '0')}:00.000Z`
const END_OF_DAY = '2026-02-10 00:00:00.000'

function eventRows(web: string, store: string, u: string) {
  const base = (person: string, id: string, minute: number) => ({
    message_id: `${u}-${id}`,
    timestamp: at(minute),
    received_at: at(minute),
    anonymous_id: `anon-${person}`,
    person_id: person,
    source_id: 'contract',
  })
  const browser = { library_name: 'sillage.js', session_id: `s-${u}`, page_url: 'https://shop.example/p/mug' }
  const mug = { product_id: `mug-${u}`, name: 'Mug', category: 'Kitchen', price: 15, quantity: 2 }
  const candle = { product_id: `candle-${u}`, name: 'Candle', category: 'Home', price: 20, quantity: 1 }
  return [
    { ...base(web, 'page', 0), ...browser, type: 'page', name: 'Product', page_path: '/p/mug' },
    {
      ...base(web, 'view', 1),
      ...browser,
      type: 'track',
      event: 'Product Viewed',
      product_id: mug.product_id,
    },
    { ...base(web, 'add', 2), ...browser, type: 'track', event: 'Product Added', product_id: mug.product_id },
    { ...base(web, 'checkout', 3), ...browser, type: 'track', event: 'Checkout Started' },
    {
      ...base(web, 'order', 4),
      ...browser,
      type: 'track',
      event: 'Order Completed',
      order_id: `o-web-${u}`,
      revenue: 30,
      currency: 'EUR',
      properties: JSON.stringify({ order_id: `o-web-${u}`, revenue: 30, products: [mug] }),
    },
    {
      ...base(store, 'pos', 30),
      type: 'track',
      event: 'Order Completed',
      library_name: '@sillage/sdk-node',
      order_id: `o-pos-${u}`,
      revenue: 20,
      currency: 'EUR',
      context: JSON.stringify({ channel: 'store' }),
      properties: JSON.stringify({ order_id: `o-pos-${u}`, store_id: `shop-${u}`, products: [candle] }),
    },
  ]
}

export function dashboardContract(warehouse: () => Warehouse): void {
  it('dashboard: KPIs, products, stores, RFM, transitions, dormant, audiences and options', async () => {
    const wh = warehouse()
    const dashboard = createDashboardRepository(wh)
    const u = randomUUID().replaceAll('-', '').slice(0, 10)
    const [web, store] = [`p-web-${u}`, `p-pos-${u}`]
    await insertRows(wh, 'events', eventRows(web, store, u))
    const all = { from: DAY, to: DAY, source: '', channel: '', store: '', granularity: 'day' as const }

    const kpis = await dashboard.kpis(all, '2026-02-08', 10)
    const total = kpis.find((r) => r.period === 'current' && r.dim === 'total')
    expect(total).toMatchObject({
      k: 'total',
      visits: 1,
      bounces: 0,
      converted_visits: 1,
      viewing_visits: 1,
      cart_visits: 1,
      checkout_visits: 1,
      abandoned_visits: 0,
      orders: 2,
      revenue: 50,
      new_customers: 2,
      returning_customers: 0,
    })
    const keys = (dim: string) => kpis.filter((r) => r.period === 'current' && r.dim === dim).map((r) => r.k)
    expect(keys('bucket')).toEqual([DAY])
    expect(keys('channel')).toEqual(['store', 'web'])
    expect(keys('source')).toEqual(['(direct)', '(store)'])
    expect(keys('others')).toEqual([])
    // With one source row: the one with most revenue, the other added up (k: how many).
    const bounded = await dashboard.kpis(all, '2026-02-08', 1)
    expect(bounded.filter((r) => r.dim === 'source').map((r) => r.k)).toEqual(['(direct)'])
    expect(bounded.filter((r) => r.dim === 'others')).toMatchObject([{ k: '1', orders: 1, revenue: 20 }])
    const inStore = await dashboard.kpis({ ...all, store: `shop-${u}` }, '2026-02-08', 10)
    expect(inStore.find((r) => r.period === 'current' && r.dim === 'total')).toMatchObject({
      visits: 0,
      orders: 1,
      revenue: 20,
    })
    const onWeb = await dashboard.kpis({ ...all, channel: 'web', granularity: 'week' }, '2026-02-08', 10)
    expect(onWeb.filter((r) => r.dim === 'bucket').map((r) => r.k)).toEqual(['2026-02-09']) // a Monday
    expect(onWeb.find((r) => r.dim === 'total')).toMatchObject({ orders: 1, revenue: 30 })

    expect(await dashboard.topProducts(all, 10)).toEqual([
      { product_id: `mug-${u}`, name: 'Mug', category: 'Kitchen', orders: 1, units: 2, revenue: 30 },
      { product_id: `candle-${u}`, name: 'Candle', category: 'Home', orders: 1, units: 1, revenue: 20 },
    ])
    expect(await dashboard.topProducts({ ...all, store: `shop-${u}` }, 1)).toMatchObject([
      { product_id: `candle-${u}` },
    ])
    expect(await dashboard.byStore({ from: DAY, to: DAY, store: '' })).toEqual([
      { store_id: `shop-${u}`, store_visits: 0, store_orders: 1, store_revenue: 20, store_items: 1 },
    ])

    const segments = await dashboard.rfmSegments(END_OF_DAY)
    expect(segments.reduce((n, s) => n + s.people, 0)).toBe(2)
    expect(segments.reduce((n, s) => n + (s.revenue ?? NaN), 0)).toBe(50)
    const transitions = await dashboard.segmentTransitions(`${DAY} 00:00:00.000`, END_OF_DAY)
    expect(transitions.every((t) => t.from_segment === '(new)')).toBe(true)
    expect(transitions.reduce((n, t) => n + t.people, 0)).toBe(2)
    const dormant = await dashboard.dormant(END_OF_DAY, 10)
    expect(dormant.people).toBe(segments.find((s) => s.segment === 'dormant')?.people ?? 0)
    expect(dormant.rows).toHaveLength(dormant.people)
    for (const r of dormant.rows) expect(typeof r.monetary).toBe('number')

    const audience = `aud-${u}`
    await insertRows(wh, 'audience_membership', [
      { audience_id: audience, person_id: web, seq: 1, change: 'entered', at: at(40) },
      { audience_id: audience, person_id: store, seq: 1, change: 'entered', at: at(41) },
      { audience_id: audience, person_id: store, seq: 2, change: 'exited', at: at(42) },
    ])
    expect(await dashboard.audienceMembers([audience, `none-${u}`])).toEqual([
      { audience_id: audience, members: 1, last_change_at: `${DAY} 10:42:00.000` },
    ])
    expect(await dashboard.audienceMembers([])).toEqual([])

    const options = await dashboard.options()
    expect(options.sources).toEqual(expect.arrayContaining(['(direct)', '(store)']))
    expect(options.channels).toEqual(expect.arrayContaining(['store', 'web']))
    expect(options.stores).toContain(`shop-${u}`)
    expect(options.firstDay! <= DAY && DAY <= options.lastDay!).toBe(true)
  })
}
