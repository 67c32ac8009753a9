/**
 * Profiles against the generator's ground truth, on real chDB: every stream and scored attribute
 * of every person, exact on counts and cents; item-to-item recommendations find the planted
 * partners. Events are inserted as identity inserts them, stamped with the true person.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLogger, createMetricsRegistry } from '../packages/runtime/src/index.js'
import { plantAffinities, type PlantedShop } from '../packages/testkit/src/shop/affinities.js'
import { createProfilesStack, type ProfilesStack } from '../services/profiles/src/index.js'
import { createProfileReader } from '../services/profiles/src/profile-reader.js'
import {
  generateShop,
  openShopWarehouse,
  rfmAt,
  toEnriched,
  utcMidnight,
  type ShopWarehouse,
} from './helpers/shop.js'
import { orderTimes, profileTruth } from './helpers/profile-truth.js'

const OPTIONS = {
  readKeys: [{ id: 'server', key: 'rk_test_0123456789abcdef', sources: ['*'] }],
  refreshIntervalMs: 1000,
  refreshOverlapMs: 2000,
  scoreIntervalMs: 3_600_000,
  rateLimitPerMinute: 1_000_000,
  recommendationDays: 365,
  recommendationLimit: 20,
  cacheProfiles: 10_000,
}

let shop: PlantedShop
let wh: ShopWarehouse
let stack: ProfilesStack

beforeAll(async () => {
  shop = plantAffinities(generateShop({ seed: 18, shoppers: 150, days: 90, end: utcMidnight() }))
  wh = await openShopWarehouse()
  await wh.insert(shop.events.map((g) => ({ event: toEnriched(g), personId: g.personKey })))
  stack = createProfilesStack({
    warehouse: wh.warehouse,
    log: createLogger({ level: 'silent' }),
    registry: createMetricsRegistry({ defaultMetrics: false }),
    options: OPTIONS,
  })
  await stack.refreshNow()
  await stack.scoreNow()
})

afterAll(async () => {
  await stack?.stop()
  await wh?.close()
})

describe('profiles against the ground truth', () => {
  it('stream attributes of every person, exact', async () => {
    const now = Date.now()
    const reader = createProfileReader({
      store: stack.store,
      suppressions: undefined,
      recommendationLimit: 10,
      now: () => now,
    })
    const truth = profileTruth(shop, now)
    expect(truth.size).toBeGreaterThan(150)
    let withCart = 0
    let withViews = 0
    for (const [key, t] of truth) {
      const r = await reader.lookup('person_id', key)
      expect(r.outcome, key).toBe('found')
      if (r.outcome !== 'found') continue
      const s = r.view.stream
      const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString())
      expect({ person: key, first: s.first_seen, last: s.last_seen }).toEqual({
        person: key,
        first: iso(t.firstSeen),
        last: iso(t.lastSeen),
      })
      expect({ person: key, sessions: s.sessions, pages: s.page_views }).toEqual({
        person: key,
        sessions: t.sessions,
        pages: t.pageViews,
      })
      expect({ person: key, cart: s.cart.items, value: s.cart.value }).toEqual({
        person: key,
        cart: t.cart,
        value: t.cartValue,
      })
      expect({ person: key, vnb: s.viewed_not_bought.map((v) => v.product_id) }).toEqual({
        person: key,
        vnb: t.viewedNotBought,
      })
      expect({ person: key, ...s.orders }).toEqual({
        person: key,
        count: t.orders,
        revenue: t.revenue,
        average_basket: t.averageBasket,
        first_order_at: iso(t.firstOrderAt),
        last_order_at: iso(t.lastOrderAt),
        last_order_id: t.lastOrderId,
      })
      expect({ person: key, traits: r.view.traits }).toEqual({ person: key, traits: t.traits })
      expect({ person: key, consent: r.view.consent.categories }).toEqual({ person: key, consent: t.consent })
      if (t.cart.length > 0) withCart++
      if (t.viewedNotBought.length > 0) withViews++
    }
    // The checks above must have bitten on real data.
    expect(withCart).toBeGreaterThan(5)
    expect(withViews).toBeGreaterThan(5)
  })

  it('scored attributes: RFM segment, propensity and decile, next-order window', async () => {
    const reader = createProfileReader({
      store: stack.store,
      suppressions: undefined,
      recommendationLimit: 10,
    })
    const rfm = rfmAt(shop, Date.now())
    const model = await wh.rows<{ person_id: string; propensity_30d: number }>(
      'SELECT person_id, propensity_30d FROM sillage.propensity_scores',
    )
    const ranked = [...model].sort(
      (a, b) => b.propensity_30d - a.propensity_30d || (a.person_id < b.person_id ? -1 : 1),
    )
    const decile = new Map(ranked.map((p, i) => [p.person_id, ntile10(ranked.length, i)]))
    const score = new Map(model.map((p) => [p.person_id, p.propensity_30d]))
    const truth = profileTruth(shop, Date.now())
    const segments = new Set<string>()
    const at = orderTimes(shop)
    for (const key of truth.keys()) {
      const r = await reader.lookup('person_id', key)
      if (r.outcome !== 'found') throw new Error(`no profile for ${key}`)
      const { rfm: seg, propensity, next_order } = r.view.scores
      expect({ key, segment: seg?.segment }).toEqual({ key, segment: rfm.get(key)?.segment ?? 'prospect' })
      expect(seg?.previous_segment).toBeNull()
      segments.add(seg?.segment ?? '')
      expect({ key, score: propensity?.score_30d, decile: propensity?.decile }).toEqual({
        key,
        score: score.get(key),
        decile: decile.get(key),
      })
      const orders = shop.truth.orders
        .filter((o) => o.personKey === key)
        .map((o) => at.get(o.messageId) ?? o.at)
      if (orders.length < 2) {
        expect(next_order.reason).toBe(orders.length === 0 ? 'no_orders' : 'single_order')
      } else {
        const last = Math.max(...orders)
        const gap = (last - Math.min(...orders)) / (orders.length - 1)
        expect(next_order).toMatchObject({
          reason: null,
          window_start: new Date(Math.round(last + 0.75 * gap)).toISOString(),
          window_end: new Date(Math.round(last + 1.25 * gap)).toISOString(),
        })
      }
    }
    expect(segments.size).toBeGreaterThan(3)
  })

  it('recommendations: the planted partner comes first, bought and viewed together', async () => {
    expect(shop.partners.size).toBe(2)
    for (const [a, b] of shop.partners) {
      const items = await stack.reader.forProduct(a, undefined, 5)
      expect(items[0]).toMatchObject({ product_id: b, reason: 'bought_together' })
      const [row] = await stack.store.recommendations([a])
      expect(row?.bought_together[0]?.[0]).toBe(b)
      expect(row?.viewed_together[0]?.[0]).toBe(b)
    }
  })

  it("a person's recommendations leave out their own purchases and fall back to popularity", async () => {
    const reader = stack.reader
    let checked = 0
    for (const key of profileTruth(shop, Date.now()).keys()) {
      const r = await reader.lookup('person_id', key)
      if (r.outcome !== 'found') continue
      const bought = new Set(
        shop.truth.orders.filter((o) => o.personKey === key).flatMap((o) => o.items.map((i) => i.product_id)),
      )
      const items = r.view.scores.recommended_products.items
      expect(items.length).toBeGreaterThan(0)
      for (const i of items) expect(bought.has(i.product_id), `${key} bought ${i.product_id}`).toBe(false)
      if (bought.size > 0) checked++
    }
    expect(checked).toBeGreaterThan(20)
    // A cold start (no profile) gets the most ordered products.
    const cold = await reader.recommendFor(undefined, 3)
    expect(cold.items.map((i) => i.reason)).toEqual(['popular', 'popular', 'popular'])
  })
})

describe('scores on the next run', () => {
  it('keep the previous segment and when it changed', async () => {
    const reader = createProfileReader({
      store: stack.store,
      suppressions: undefined,
      recommendationLimit: 1,
    })
    const keys = [...profileTruth(shop, Date.now()).keys()]
    const before = new Map<string, { segment: string; since: string }>()
    for (const key of keys) {
      const r = await reader.lookup('person_id', key)
      if (r.outcome === 'found' && r.view.scores.rfm)
        before.set(key, { segment: r.view.scores.rfm.segment, since: r.view.scores.rfm.segment_since })
    }
    // A dormant customer comes back and buys a lot: their segment (and others', through the ntiles) moves.
    const dormant = keys.find((k) => before.get(k)?.segment === 'dormant')
    expect(dormant).toBeDefined()
    const orders = Array.from({ length: 6 }, (_, i) => ({
      event: {
        type: 'track',
        event: 'Order Completed',
        messageId: `comeback-${i}`,
        timestamp: new Date(Date.now() - (i + 1) * 3_600_000).toISOString(),
        receivedAt: new Date().toISOString(),
        sourceId: 'backend',
        userId: `comeback-${String(dormant)}`,
        properties: {
          order_id: `o-comeback-${i}`,
          revenue: 900,
          products: [{ product_id: 'p-001', price: 900, quantity: 1 }],
        },
        context: {},
      } as unknown as Parameters<ShopWarehouse['insert']>[0][number]['event'],
      personId: String(dormant),
    }))
    await wh.insert(orders)
    await stack.scoreNow()
    let changed = 0
    for (const key of keys) {
      const r = await reader.lookup('person_id', key)
      if (r.outcome !== 'found' || !r.view.scores.rfm) continue
      const { segment, previous_segment, segment_since, as_of } = r.view.scores.rfm
      const old = before.get(key)
      if (!old) continue
      if (old.segment !== segment) {
        changed++
        expect({ key, previous_segment, segment_since }).toEqual({
          key,
          previous_segment: old.segment,
          segment_since: as_of,
        })
      } else {
        expect({ key, previous_segment, segment_since }).toEqual({
          key,
          previous_segment: null,
          segment_since: old.since,
        })
      }
    }
    const back = await reader.lookup('person_id', String(dormant))
    expect(back.outcome === 'found' && back.view.scores.rfm?.previous_segment).toBe('dormant')
    expect(changed).toBeGreaterThan(0)
  })
})

function ntile10(count: number, index: number): number {
  const small = Math.floor(count / 10)
  const large = count % 10
  const boundary = large * (small + 1)
  return index < boundary
    ? Math.floor(index / (small + 1)) + 1
    : large + Math.floor((index - boundary) / small) + 1
}
