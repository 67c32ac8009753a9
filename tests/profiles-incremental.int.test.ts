/**
 * The incremental refresher (docs/profiles.md#freshness) against the generator's ground truth, on
 * real chDB: a shop's events arrive shuffled (late and out of order) in chunks, with a refresh
 * after each and runs capped at a few hundred events; anonymous browsing is first stamped with a provisional person that identity merges into
 * the customer later (person_overrides). Every stream attribute must still be exact, and the
 * merged-away persons must leave no profile behind. Then every event is folded a second time
 * (the watermark rewound): still exact.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLogger, createMetricsRegistry } from '../packages/runtime/src/index.js'
import { createProfilesStack, type ProfilesStack } from '../services/profiles/src/index.js'
import { createProfileReader } from '../services/profiles/src/profile-reader.js'
import {
  generateShop,
  openShopWarehouse,
  toEnriched,
  utcMidnight,
  type ShopWarehouse,
} from './helpers/shop.js'
import { profileTruth } from './helpers/profile-truth.js'
import type { Shop } from '../packages/testkit/src/index.js'
import { profileSchema } from '../schemas/src/index.js'

const OPTIONS = {
  readKeys: [{ id: 'server', key: 'rk_test_0123456789abcdef', sources: ['*'] }],
  refreshIntervalMs: 1000,
  // No overlap: a merge must fold the stored state of the merged-away person (its events are not
  // read again); the last test re-reads every event on purpose.
  refreshOverlapMs: 0,
  refreshMaxEvents: 200,
  scoreIntervalMs: 3_600_000,
  rateLimitPerMinute: 1_000_000,
  recommendationDays: 365,
  recommendationLimit: 20,
  cacheProfiles: 10_000,
}
const CHUNKS = 5

let shop: Shop
let wh: ShopWarehouse
let stack: ProfilesStack
const provisional = new Map<string, string>()

/** A deterministic shuffle (a linear congruential generator). */
function shuffled<T>(xs: readonly T[], seed: number): T[] {
  const out = [...xs]
  let s = seed
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1_103_515_245 + 12_345) % 2_147_483_648
    const j = s % (i + 1)
    ;[out[i], out[j]] = [out[j] as T, out[i] as T]
  }
  return out
}

async function merge(olds: readonly string[]) {
  const rows = olds.map((old) => ({
    old_person_id: old,
    person_id: provisional.get(old),
    version: 1,
    created_at: new Date().toISOString().replace('T', ' ').replace('Z', ''),
  }))
  await wh.warehouse.client.insert({ table: 'sillage.person_overrides', values: rows, format: 'JSONEachRow' })
}

beforeAll(async () => {
  shop = generateShop({ seed: 27, shoppers: 200, days: 90, end: utcMidnight() })
  wh = await openShopWarehouse()
  stack = createProfilesStack({
    warehouse: wh.warehouse,
    log: createLogger({ level: 'silent' }),
    registry: createMetricsRegistry({ defaultMetrics: false }),
    options: OPTIONS,
  })
  // Anonymous events are first stamped with a person of their device (identity before a login).
  const rows = shop.events.map((g) => {
    const anonymous = g.event.userId === undefined && g.event.anonymousId !== undefined
    const personId = anonymous ? `provisional-${g.event.anonymousId}` : g.personKey
    if (anonymous) provisional.set(personId, g.personKey)
    return { event: toEnriched(g), personId }
  })
  const events = shuffled(rows, 27)
  const olds = [...provisional.keys()]
  const size = Math.ceil(events.length / CHUNKS)
  for (let c = 0; c < CHUNKS; c++) {
    await wh.insert(events.slice(c * size, (c + 1) * size))
    // Half the devices merge into their customer midway, the rest at the end.
    if (c === 2) await merge(olds.slice(0, olds.length / 2))
    if (c === CHUNKS - 1) await merge(olds.slice(olds.length / 2))
    await stack.refreshNow()
  }
}, 240_000)

afterAll(async () => {
  await stack?.stop()
  await wh?.close()
})

async function expectTruth() {
  const now = Date.now()
  const reader = createProfileReader({
    store: stack.store,
    suppressions: undefined,
    recommendationLimit: 10,
    now: () => now,
  })
  const truth = profileTruth(shop, now)
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString())
  let withCart = 0
  let withSessions = 0
  for (const [key, t] of truth) {
    const r = await reader.lookup('person_id', key)
    expect(r.outcome, key).toBe('found')
    if (r.outcome !== 'found') continue
    // The answer is what the shared response schema (schemas/src/profile.ts) says.
    expect(profileSchema.safeParse(r.view).error).toBeUndefined()
    const s = r.view.stream
    expect({ key, first: s.first_seen, last: s.last_seen }).toEqual({
      key,
      first: iso(t.firstSeen),
      last: iso(t.lastSeen),
    })
    expect({ key, sessions: s.sessions, pages: s.page_views }).toEqual({
      key,
      sessions: t.sessions,
      pages: t.pageViews,
    })
    expect({ key, cart: s.cart.items, value: s.cart.value }).toEqual({
      key,
      cart: t.cart,
      value: t.cartValue,
    })
    expect({ key, vnb: s.viewed_not_bought.map((v) => v.product_id) }).toEqual({
      key,
      vnb: t.viewedNotBought,
    })
    expect({ key, ...s.orders }).toEqual({
      key,
      count: t.orders,
      revenue: t.revenue,
      average_basket: t.averageBasket,
      first_order_at: iso(t.firstOrderAt),
      last_order_at: iso(t.lastOrderAt),
      last_order_id: t.lastOrderId,
    })
    expect({ key, traits: r.view.traits }).toEqual({ key, traits: t.traits })
    expect({ key, consent: r.view.consent.categories }).toEqual({ key, consent: t.consent })
    if (t.cart.length > 0) withCart++
    if (t.sessions['30d'] > 0) withSessions++
  }
  expect(withCart).toBeGreaterThan(5)
  expect(withSessions).toBeGreaterThan(20)
}

describe('incremental refresh', () => {
  it('gives every person exact stream attributes after shuffled chunks, capped runs and merges', async () => {
    expect(provisional.size).toBeGreaterThan(20)
    await expectTruth()
  })

  it('answers a merged-away person id and device with the surviving person, and keeps no row of them', async () => {
    const reader = createProfileReader({
      store: stack.store,
      suppressions: undefined,
      recommendationLimit: 1,
    })
    for (const [old, survivor] of [...provisional].slice(0, 10)) {
      const byOld = await reader.lookup('person_id', old)
      expect(byOld.outcome === 'found' && byOld.view.person_id).toBe(survivor)
      const device = old.slice('provisional-'.length)
      const byDevice = await reader.lookup('anonymous_id', device)
      expect(byDevice.outcome === 'found' && byDevice.view.person_id).toBe(survivor)
    }
    const left = await wh.rows<{ n: string }>(
      `SELECT (SELECT count() FROM sillage.profiles WHERE startsWith(person_id, 'provisional-'))
            + (SELECT count() FROM sillage.profile_folds WHERE startsWith(person_id, 'provisional-')) AS n`,
    )
    expect(Number(left[0]?.n)).toBe(0)
    // The runs were capped: more than one run per chunk (each chunk holds more events than the cap).
    const runs = await wh.rows<{ n: string }>('SELECT count() AS n FROM sillage.events')
    expect(Number(runs[0]?.n)).toBeGreaterThan(CHUNKS * OPTIONS.refreshMaxEvents)
  })

  it('stays exact when every event is folded again (a re-read overlap, a retried run)', async () => {
    await stack.store.setWatermark('refresh', '1970-01-01 00:00:00.000')
    await stack.refreshNow()
    await expectTruth()
  })
})
