import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { EnrichedEvent } from '@sillage/schemas'
import { createLogger, createMetricsRegistry } from '@sillage/runtime'
import { createAudienceSync, parseActivationFile } from '@sillage/activation'
import {
  customers,
  generateShop,
  openShopWarehouse,
  rfmAt,
  toEnriched,
  utcMidnight,
  type ShopWarehouse,
} from './helpers/shop.js'

// The dormant-customer audience (docs/activation.md) on the generated shop, against its truth.
const DAY = 86_400_000
const shop = generateShop({ seed: 5, shoppers: 500, days: 200, end: utcMidnight() })
const people = customers(shop)
const defs = parseActivationFile(
  JSON.stringify({
    audiences: [
      { id: 'dormant', rule: 'rfm_segment in (at_risk, hibernating, dormant) and last_order_days >= 60' },
      {
        id: 'dormant-sql',
        sql: "SELECT person_id FROM sillage.rfm_segments WHERE segment IN ('at_risk', 'hibernating', 'dormant') AND recency_days >= 60",
      },
    ],
  }),
)

function dormantTruth(): string[] {
  const now = Date.now()
  return [...rfmAt(shop, now).values()]
    .filter((p) => ['at_risk', 'hibernating', 'dormant'].includes(p.segment))
    .filter((p) => Math.floor(now / DAY) - Math.floor(p.lastOrderAt / DAY) >= 60)
    .filter((p) => people.get(p.personId)!.consentCategories.includes('marketing'))
    .map((p) => p.personId)
    .sort()
}

let wh: ShopWarehouse
const emitted: EnrichedEvent[] = []
beforeAll(async () => {
  wh = await openShopWarehouse()
  await wh.insert(shop.events.map((g) => ({ event: toEnriched(g), personId: g.personKey })))
})
afterAll(async () => {
  await wh?.close()
})

const sync = () =>
  createAudienceSync({
    warehouse: wh.warehouse,
    log: createLogger({ level: 'silent' }),
    registry: createMetricsRegistry({ defaultMetrics: false }),
    emit: async (events) => {
      emitted.push(...events)
    },
  })

describe('audiences on the generated shop', () => {
  it('the dormant rule and its SQL twin equal the ground truth exactly (marketing consent only)', async () => {
    const truth = dormantTruth()
    expect(truth.length).toBeGreaterThan(10)
    const s = sync()
    expect(await s.preview(defs.audiences[0]!)).toEqual(truth)
    expect(await s.preview(defs.audiences[1]!)).toEqual(truth)
    const withoutConsent = [...rfmAt(shop, Date.now()).values()].filter(
      (p) => !people.get(p.personId)!.consentCategories.includes('marketing'),
    )
    expect(withoutConsent.length).toBeGreaterThan(0)
  })

  it('sync records entries once, emits Audience Entered with stable ids, and a re-run adds nothing', async () => {
    const truth = dormantTruth()
    const s = sync()
    const first = await s.syncOne(defs.audiences[0]!)
    expect(first.entered).toBe(truth.length)
    expect(emitted.map((e) => e.event)).toEqual(truth.map(() => 'Audience Entered'))
    expect(emitted.map((e) => (e.properties as { person_id: string }).person_id)).toEqual(truth)
    const again = await sync().syncOne(defs.audiences[0]!)
    expect([again.entered, again.exited]).toEqual([0, 0])
    const rows = await wh.rows<{ n: string; e: string }>(
      "SELECT count() AS n, countIf(email_sha256 != '') AS e FROM sillage.audience_membership FINAL WHERE audience_id = 'dormant'",
    )
    expect(Number(rows[0]!.n)).toBe(truth.length)
    expect(Number(rows[0]!.e)).toBeGreaterThan(0)
  })

  it('a person who withdraws marketing consent exits', async () => {
    const truth = dormantTruth()
    const leaver = shop.shoppers.find((s) => s.key === truth[0])!
    const userId = leaver.userId ?? undefined
    const anonymousId = leaver.devices[0]!.anonymousId
    const event = {
      type: 'track',
      event: 'Consent Updated',
      messageId: 'withdraw-1',
      anonymousId,
      ...(userId ? { userId } : {}),
      timestamp: new Date().toISOString(),
      receivedAt: new Date().toISOString(),
      sourceId: 'web',
      properties: { categories: ['necessary'] },
      context: {},
    } as EnrichedEvent
    await wh.insert([{ event, personId: leaver.key }])
    emitted.length = 0
    const r = await sync().syncOne(defs.audiences[0]!)
    expect([r.entered, r.exited]).toEqual([0, 1])
    expect(emitted.map((e) => [e.event, (e.properties as { person_id: string }).person_id])).toEqual([
      ['Audience Exited', leaver.key],
    ])
  })
})
