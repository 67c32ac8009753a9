import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  freePort,
  query,
  startPipeline,
  tempDir,
  waitFor,
  waitForCount,
  type Pipeline,
} from '../helpers/pipeline.js'
import {
  abandonedCarts,
  dailyKpis,
  generateShop,
  personResolver,
  utcMidnight,
  type SourceName,
} from '../helpers/shop.js'

// The generated shop through the whole embedded pipeline, as a shop would send it: HTTP to the
// collector (its web, iOS and backend write keys), the local bus, identity stitching, chDB.
// Then the Cart Abandoned detector, started with `sillage start`, produces to events.raw, and
// identity stores its events; restarts must not repeat them.
const shop = generateShop({ seed: 3, shoppers: 150, days: 60, end: utcMidnight() })
const keys: Record<SourceName, string> = {
  web: 'wk_shop_web_0001',
  ios: 'wk_shop_ios_0001',
  backend: 'wk_shop_backend_01',
}
const extraSources = Object.entries(keys).map(([id, writeKey]) => ({ id, writeKey, type: 'server' }))
const detectorEnv = {
  SILLAGE_CART_ABANDONMENT: 'true',
  SILLAGE_CART_ABANDONMENT_INTERVAL_MS: '300',
  SILLAGE_CART_ABANDONMENT_GRACE_MS: '500',
  SILLAGE_CART_ABANDONMENT_LOOKBACK_HOURS: String(24 * 90),
}
const resolve = personResolver(shop)

const dir = tempDir('sillage-shop-e2e-')
let port = 0
let pipeline: Pipeline | undefined
const start = async (env: Record<string, string>) => {
  await pipeline?.stop()
  pipeline = await startPipeline({ dataDir: dir.path, port, extraSources, env })
  return pipeline
}
afterAll(async () => {
  await pipeline?.stop()
  dir.remove()
})

/** Sends the events in time order, per source, in batches; without sentAt, so timestamps stay. */
async function send(url: string) {
  const batches: Array<{ source: SourceName; events: unknown[] }> = []
  let current: (typeof batches)[number] | undefined
  for (const g of shop.events) {
    if (!current || current.source !== g.source || current.events.length === 200) {
      current = { source: g.source, events: [] }
      batches.push(current)
    }
    current.events.push(g.event)
  }
  for (let i = 0; i < batches.length; i += 4) {
    const statuses = await Promise.all(
      batches.slice(i, i + 4).map(async (b) => {
        const res = await fetch(`${url}/v1/batch`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            authorization: `Basic ${Buffer.from(`${keys[b.source]}:`).toString('base64')}`,
          },
          body: JSON.stringify({ batch: b.events }),
        })
        return res.status
      }),
    )
    expect(statuses.every((s) => s === 200)).toBe(true)
  }
}

/** ground-truth person → person_id, from the identifiers identity stitched together. */
async function personIds(url: string): Promise<Map<string, string>> {
  const rows = await query<{ person_id: string; ids: string[] }>(
    url,
    `SELECT person_id, arrayConcat(groupUniqArrayIf(user_id, user_id != ''), groupUniqArrayIf(anonymous_id, anonymous_id != '')) AS ids
     FROM sillage.activity GROUP BY person_id`,
  )
  const map = new Map<string, string>()
  for (const r of rows) {
    const owners = new Set(
      r.ids.map((id) => resolve(id.startsWith('u-') ? { userId: id } : { anonymousId: id })),
    )
    expect(owners.size, `person ${r.person_id} mixes shoppers ${[...owners].join(', ')}`).toBe(1)
    map.set([...owners][0]!, r.person_id)
  }
  return map
}

const cartAbandonedCount = (url: string, n: number) =>
  waitForCount(
    url,
    "SELECT count() AS n, uniqExact(message_id) AS ids FROM sillage.events WHERE event = 'Cart Abandoned'",
    n,
    { what: `${n} Cart Abandoned events` },
  )
const ticks = async (url: string) => {
  const text = await (await fetch(`${url}/metrics`)).text()
  return Number(/^sillage_cart_abandonment_ticks_total (\d+)/m.exec(text)?.[1] ?? 0)
}
/** Waits until the detector has looked `n` more times. */
const moreLooks = async (url: string, n: number) => {
  const from = await ticks(url)
  await waitFor(async () => (await ticks(url)) >= from + n, { what: `${n} more looks for abandoned carts` })
}

beforeAll(async () => {
  port = await freePort()
})

describe('a generated shop through sillage start', () => {
  it('lands every event once, one person per shopper, and the models see the shop as generated', async () => {
    const { url } = await start({ SILLAGE_CART_ABANDONMENT: 'false' })
    await send(url)
    await waitForCount(url, 'SELECT count() AS n FROM sillage.events', shop.events.length, {
      what: 'every event',
    })
    // Identity merges land shortly after the events they stitch (identity.edges, the resolver).
    const shoppers = new Set(shop.events.map((g) => g.personKey)).size
    await waitFor(
      async () => {
        const [r] = await query<{ n: string }>(url, 'SELECT uniqExact(person_id) AS n FROM sillage.activity')
        return Number(r?.n) === shoppers
      },
      { timeoutMs: 30_000, what: `one person per shopper (${shoppers})` },
    )
    const ids = await personIds(url)
    expect(ids.size).toBe(shoppers)

    // Sessions, through stitching: same starts, pages, sources and revenue as generated.
    const key = (person: string, start: number) => `${person}@${start}`
    const sessions = await query<{
      person_id: string
      start: string
      pages: string
      source: string
      device_type: string
      revenue: number
    }>(
      url,
      'SELECT person_id, toString(toUnixTimestamp64Milli(session_start)) AS start, pages, source, device_type, revenue FROM sillage.sessions',
    )
    expect(
      new Map(
        sessions.map((s) => [
          key(s.person_id, Number(s.start)),
          [Number(s.pages), s.source, s.device_type, s.revenue],
        ]),
      ),
    ).toEqual(
      new Map(
        shop.truth.sessions.map((s) => [
          key(ids.get(s.personKey)!, s.start),
          [s.pages, s.source, s.deviceType, s.revenue],
        ]),
      ),
    )
    // Daily KPIs for all sources.
    const kpis = await query<{
      day: string
      visitors: string
      sessions: string
      orders: string
      revenue: number
    }>(
      url,
      "SELECT toString(day) AS day, visitors, sessions, orders, revenue FROM sillage.daily_kpis WHERE source = '(all)' ORDER BY day",
    )
    const truth = [...dailyKpis(shop).values()]
      .filter((k) => k.source === '(all)')
      .sort((a, b) => (a.day < b.day ? -1 : 1))
    expect(
      kpis.map((k) => [k.day, Number(k.visitors), Number(k.sessions), Number(k.orders), k.revenue]),
    ).toEqual(truth.map((t) => [t.day, t.visitors, t.sessions, t.orders, t.revenue]))
    await pipeline?.stop()
  })

  it('emits Cart Abandoned exactly for the abandoned carts, through the bus and identity', async () => {
    const { url } = await start(detectorEnv)
    const expected = shop.truth.abandonments.length
    expect(expected).toBeGreaterThan(10)
    const counts = await cartAbandonedCount(url, expected)
    await moreLooks(url, 3)
    const rows = await query<{
      person_id: string
      cart_id: string
      value: number
      products: string[]
      at: string
      ids: number
    }>(
      url,
      `SELECT person_id, JSONExtractString(properties, 'cart_id') AS cart_id, JSONExtractFloat(properties, 'value') AS value,
              arrayMap(p -> JSONExtractString(p, 'product_id'), JSONExtractArrayRaw(properties, 'products')) AS products,
              toString(toUnixTimestamp64Milli(timestamp)) AS at
       FROM sillage.events WHERE event = 'Cart Abandoned' AND source_id = 'sillage'`,
    )
    expect(Number(counts.ids)).toBe(expected)
    const ids = await personIds(url)
    const asKey = (person: string, cart: string, at: number) => `${person}|${cart}|${at}`
    expect(
      new Map(rows.map((r) => [asKey(r.person_id, r.cart_id, Number(r.at)), [r.value, r.products]])),
    ).toEqual(
      new Map(
        shop.truth.abandonments.map((a) => [
          asKey(ids.get(a.personKey)!, a.cartId, a.lastActivity + 30 * 60_000),
          [a.value, a.items.map((l) => l.product_id)],
        ]),
      ),
    )
    // None for a cart ordered after a pause shorter than the window.
    const late = shop.truth.orders.filter((o) => shop.truth.lateOrders.includes(o.orderId))
    expect(late.length).toBeGreaterThan(0)
    for (const o of late) {
      const person = ids.get(o.personKey)!
      for (const r of rows.filter((x) => x.person_id === person)) {
        expect(o.at <= Number(r.at) - 30 * 60_000 || o.at > Number(r.at)).toBe(true)
      }
    }
    // abandoned_carts: recovered exactly when an order followed within 7 days.
    const recovered = await query<{ cart_id: string; at: string; recovered: number }>(
      url,
      'SELECT cart_id, toString(toUnixTimestamp64Milli(abandoned_at)) AS at, recovered FROM sillage.abandoned_carts',
    )
    expect(new Map(recovered.map((r) => [`${r.cart_id}@${r.at}`, Boolean(r.recovered)]))).toEqual(
      new Map(
        abandonedCarts(shop).map((a) => [`${a.cartId}@${a.abandonedAt}`, a.recoveredOrderId !== undefined]),
      ),
    )
    await pipeline?.stop()
  })

  it('does not repeat them after a restart: ClickHouse is the detector state', async () => {
    const { url } = await start(detectorEnv)
    await moreLooks(url, 3)
    const [row] = await query<{ n: string; ids: string }>(
      url,
      "SELECT count() AS n, uniqExact(message_id) AS ids FROM sillage.events WHERE event = 'Cart Abandoned'",
    )
    expect([Number(row?.n), Number(row?.ids)]).toEqual([
      shop.truth.abandonments.length,
      shop.truth.abandonments.length,
    ])
  })
})
